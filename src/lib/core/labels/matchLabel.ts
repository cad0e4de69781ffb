/**
 * A correctness label from string matching against every gold alias (the `match` and `f1` label methods).
 *
 * The label follows `nli_label`: 1 correct, 0 hallucinated, null unknown. Hallucination (0 here) is the positive
 * class of every metric downstream (`hallucinationLabel` flips it).
 *
 * - `match`, mode 'exact' (default): 1 if `exactMatch(prediction, alias)` for some alias (SQuAD EM, max over
 *   aliases). Mode 'contains': also 1 if the alias's normalised tokens appear as a contiguous run inside the
 *   prediction's normalised tokens ("It is Paris." contains "Paris"; "Parisian" does not contain "Paris"). Useful
 *   when answers are sentences; note it also accepts "not Paris".
 * - `f1`: score = max over aliases of `tokenF1`; 1 if score ≥ f1Threshold (default 0.5, inclusive, as the SE
 *   pipeline's `squad_v2` rule `f1 >= 50.0`), else 0.
 *
 * Aliases that normalise to "" are dropped, as the SQuAD v2 script drops them. With no alias left the label is
 * null with reason 'no_gold' (there is nothing to be correct against), never 0.
 *
 * `matched_alias` is the first alias (in the given order) reaching the best score, when the label is 1; else null.
 */
import { InputError, typeName } from '../issues';
import { exactMatch } from './exactMatch';
import { answerTokens, normalizeAnswer } from './normalizeAnswer';
import { tokenF1 } from './tokenF1';

export type MatchMethod = 'match' | 'f1';
export type MatchMode = 'exact' | 'contains';

export interface MatchLabelOptions {
  readonly method?: MatchMethod;
  /** For `f1`: the label is 1 when the best F1 is ≥ this. In [0, 1]; default 0.5. */
  readonly f1Threshold?: number;
  /** For `match`: 'exact' (default) or 'contains'. */
  readonly matchMode?: MatchMode;
}

export interface MatchLabel {
  readonly label: 1 | 0 | null;
  readonly source: MatchMethod;
  /** 0/1 for `match`, the best token F1 for `f1`; null when there is no usable gold alias. */
  readonly score: number | null;
  readonly matched_alias: string | null;
  /** How a `match` was found: 'exact' or 'contains'; null otherwise. */
  readonly rule: MatchMode | null;
  readonly reason: 'no_gold' | null;
}

export const DEFAULT_F1_THRESHOLD = 0.5;

/** True when `needle` is a contiguous run of `hay` (both token lists); an empty needle is never contained. */
export function containsTokens(hay: readonly string[], needle: readonly string[]): boolean {
  if (needle.length === 0 || needle.length > hay.length) return false;
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let k = 0; k < needle.length; k++) if (hay[i + k] !== needle[k]) continue outer;
    return true;
  }
  return false;
}

function checkGolds(golds: unknown): readonly string[] {
  if (!Array.isArray(golds)) throw new TypeError(`goldAnswers must be an array of strings, got ${typeName(golds)}`);
  golds.forEach((g, i) => {
    if (typeof g !== 'string') throw new TypeError(`goldAnswers[${i}] must be a string, got ${typeName(g)}`);
  });
  return golds as string[];
}

export function matchLabel(prediction: string, goldAnswers: readonly string[], options: MatchLabelOptions = {}): MatchLabel {
  if (typeof prediction !== 'string') throw new TypeError(`prediction must be a string, got ${typeName(prediction)}`);
  const golds = checkGolds(goldAnswers).filter((g) => normalizeAnswer(g) !== '');
  const method = options.method ?? 'match';
  if (method !== 'match' && method !== 'f1') throw new InputError(`method must be "match" or "f1", got ${JSON.stringify(method)}`);
  const threshold = options.f1Threshold ?? DEFAULT_F1_THRESHOLD;
  if (typeof threshold !== 'number' || !(threshold >= 0 && threshold <= 1)) {
    throw new InputError(`f1_threshold must be a number in [0, 1], got ${JSON.stringify(threshold)}`);
  }
  const mode = options.matchMode ?? 'exact';
  if (mode !== 'exact' && mode !== 'contains') throw new InputError(`match_mode must be "exact" or "contains", got ${JSON.stringify(mode)}`);
  if (golds.length === 0) return { label: null, source: method, score: null, matched_alias: null, rule: null, reason: 'no_gold' };

  if (method === 'f1') {
    let best = -1;
    let alias: string | null = null;
    for (const g of golds) {
      const f = tokenF1(prediction, g);
      if (f > best) {
        best = f;
        alias = g;
      }
    }
    const label = best >= threshold ? 1 : 0;
    return { label, source: 'f1', score: best, matched_alias: label ? alias : null, rule: null, reason: null };
  }

  for (const g of golds) {
    if (exactMatch(prediction, g)) return { label: 1, source: 'match', score: 1, matched_alias: g, rule: 'exact', reason: null };
  }
  if (mode === 'contains') {
    const hay = answerTokens(prediction);
    for (const g of golds) {
      if (containsTokens(hay, answerTokens(g))) {
        return { label: 1, source: 'match', score: 1, matched_alias: g, rule: 'contains', reason: null };
      }
    }
  }
  return { label: 0, source: 'match', score: 0, matched_alias: null, rule: null, reason: null };
}
