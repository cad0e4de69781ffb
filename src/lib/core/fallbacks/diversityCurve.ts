/**
 * DiversityScore: the running share of unique tokens in a generation (method-fallbacks.md §6, `get_div_score` and
 * `plot_div_score` of the reference), the BioGeneration measure of degenerate text.
 */
import type { Token } from './analyzeSequence';

/**
 * The running unique-token share: element j−1 is |unique tokens among the first j| / j, for j = 1..min(n,
 * maxTokens). Tokens compare by identity (ids or strings; digits are not normalised). Falls from 1 as text repeats
 * itself; real Wikipedia bios sit near 0.53 at 512 tokens, Pythia bios near 0.21–0.24. Empty input gives [].
 *
 * @example diversityScore(['a', 'b', 'a', 'a']) // [1, 1, 2/3, 0.5]
 */
export function diversityScore(tokens: readonly Token[], maxTokens = 512): number[] {
  if (!Array.isArray(tokens)) throw new TypeError(`diversityScore(tokens): tokens must be an array, got ${typeof tokens}`);
  const seen = new Set<Token>();
  const out: number[] = [];
  for (let j = 0; j < tokens.length && j < maxTokens; j++) {
    seen.add(tokens[j]);
    out.push(seen.size / (j + 1));
  }
  return out;
}

/**
 * The token the reference takes at each generated step: the key with the highest logprob in that step's top-k
 * dict (the first one on ties, as Python's `max`). This is the argmax, not necessarily the sampled token.
 * Each step is a list of [token, logprob] pairs, highest first, or a plain object.
 */
export function argmaxTokens(steps: ReadonlyArray<ReadonlyArray<readonly [string, number]> | Readonly<Record<string, number>>>): string[] {
  return steps.map((step, t) => {
    const pairs = Array.isArray(step) ? (step as ReadonlyArray<readonly [string, number]>) : Object.entries(step);
    if (pairs.length === 0) throw new TypeError(`argmaxTokens: step ${t} has no tokens`);
    let best = pairs[0];
    for (const p of pairs) if (p[1] > best[1]) best = p;
    return best[0];
  });
}

export interface DiversityCurve {
  /** Mean over sequences at each position, ignoring sequences shorter than the position (NaN when none reach it). */
  readonly mean: Float64Array;
  /**
   * Standard error as the reference plots it: the population standard deviation (ddof 0) over the sequences that
   * reach the position, divided by √(number of ALL sequences), padded ones included. NaN where no sequence reaches.
   */
  readonly sem: Float64Array;
  /** How many sequences reach each position. */
  readonly count: Uint32Array;
}

/**
 * Averages `diversityScore` curves across prompts: each curve is padded with NaN to `maxTokens` and the mean and
 * SEM skip the NaN (numpy's `nanmean`, and `nanstd / sqrt(rows)`). Position t (0-based) is after t+1 tokens.
 * No sequences: every position is NaN.
 */
export function diversityCurve(sequences: ReadonlyArray<readonly Token[]>, maxTokens = 512): DiversityCurve {
  const curves = sequences.map((s) => diversityScore(s, maxTokens));
  const mean = new Float64Array(maxTokens);
  const sem = new Float64Array(maxTokens);
  const count = new Uint32Array(maxTokens);
  const rows = curves.length;
  for (let t = 0; t < maxTokens; t++) {
    let s = 0;
    let c = 0;
    for (const curve of curves) {
      if (t < curve.length) {
        s += curve[t];
        c++;
      }
    }
    count[t] = c;
    if (c === 0) {
      mean[t] = NaN;
      sem[t] = NaN;
      continue;
    }
    const m = s / c;
    let v = 0;
    for (const curve of curves) if (t < curve.length) v += (curve[t] - m) ** 2;
    mean[t] = m;
    sem[t] = Math.sqrt(v / c) / Math.sqrt(rows);
  }
  return { mean, sem, count };
}
