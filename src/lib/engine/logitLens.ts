/**
 * The per-turn logit-lens score RS for the runner (method-spikescore.md §3.5): the hidden states of the captured
 * layers at one position are projected through the unembedding (no final norm), and RS is the mean JS divergence
 * (bits) of each layer's next-token distribution from the LAST captured layer's. The seed used the inclusive range
 * 13..21; we use the layers the run captured (a half-open `capture.layers`), clipped to `rsLayers` when given.
 */
import { layerRows, reasoningScore } from '../core/scores/reasoningScore';
import type { LanguageModel, PositionName } from './types';

export interface RsOptions {
  /** Which position's hidden states (default `last_token_embedding`, the seed's README default). */
  readonly position?: PositionName;
  /** Restrict to these hidden-state indices (inclusive list); default: every captured layer. */
  readonly layers?: readonly number[];
}

export type RsFn = (hidden: Partial<Record<PositionName, Float32Array>>, layers: readonly number[]) => Promise<number | null>;

export function createRsFunction(model: Pick<LanguageModel, 'unembedding' | 'info'>, options: RsOptions = {}): RsFn {
  const position = options.position ?? 'last_token_embedding';
  if (model.info.unavailable && 'logit_lens' in model.info.unavailable) return async () => null;
  return async (hidden, stored) => {
    const h = hidden[position];
    if (!h) return null;
    const wanted = options.layers ? stored.filter((l) => options.layers!.includes(l)) : [...stored];
    if (wanted.length < 2) return null;
    const u = await model.unembedding();
    const v = reasoningScore(h, u, layerRows(stored, wanted));
    return Number.isFinite(v) ? v : null;
  };
}
