/**
 * The three token positions whose hidden states a turn keeps, under the seed code's names (method-spikescore.md
 * §3.1; the engine's `PositionName` is the same union):
 *
 * - `last_token_embedding`: the last token fed to the model (SEP's SLT);
 * - `sec_last_token_embedding`: the one before it;
 * - `last_tok_bef_gen_embedding`: the last prompt token (SEP's TBG).
 */
export type TokenPosition = 'last_token_embedding' | 'sec_last_token_embedding' | 'last_tok_bef_gen_embedding';

export const TOKEN_POSITIONS: readonly TokenPosition[] = ['last_token_embedding', 'sec_last_token_embedding', 'last_tok_bef_gen_embedding'];

export function isTokenPosition(value: unknown): value is TokenPosition {
  return typeof value === 'string' && (TOKEN_POSITIONS as readonly string[]).includes(value);
}
