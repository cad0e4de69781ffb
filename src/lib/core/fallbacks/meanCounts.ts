/**
 * The per-model numbers of the paper's bar charts: the mean over questions of each count (method-fallbacks.md §7,
 * `prepare_results_dataframe`).
 */
import type { ListCounts } from './labelListCompletion';

/**
 * Means of correct, hallucinated, repeated, bad_format, topic_change and eos over the rows, skipping the row
 * indices in `drop` (the paper drops TriviaFacts rows 70 and 73, `TRIVIA_FACTS_DROPPED_ROWS`). For list tasks
 * the means sum to 25. No rows left: every mean is NaN (undefined), with `n` = 0.
 *
 * @example meanCounts(rows, { drop: TRIVIA_FACTS_DROPPED_ROWS }).hallucinated // Pythia-12B greedy: 7.98
 */
export function meanCounts(rows: readonly ListCounts[], options: { readonly drop?: readonly number[] } = {}): ListCounts & { readonly n: number } {
  if (!Array.isArray(rows)) throw new TypeError(`meanCounts(rows): rows must be an array, got ${typeof rows}`);
  const drop = new Set(options.drop ?? []);
  const kept = rows.filter((_, i) => !drop.has(i));
  return { ...countMeans(kept), n: kept.length };
}

/**
 * The mean of each count (correct, hallucinated, repeated, bad_format, topic_change, eos) over all of `rows`: the
 * sum in row order divided by the number of rows. No rows: every mean is NaN (undefined).
 */
export function countMeans(rows: readonly ListCounts[]): ListCounts {
  const n = rows.length;
  const mean = (k: keyof ListCounts): number => (n === 0 ? NaN : rows.reduce((s, r) => s + r[k], 0) / n);
  return {
    correct: mean('correct'),
    hallucinated: mean('hallucinated'),
    repeated: mean('repeated'),
    bad_format: mean('bad_format'),
    topic_change: mean('topic_change'),
    eos: mean('eos')
  };
}
