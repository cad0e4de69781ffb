/**
 * Greedy word-LCS matching of predicted answers to gold answers (method-fallbacks.md §4.3, `get_correct_answers`
 * with method `greedy`).
 */
import { MATCH_THRESHOLD } from './labels';
import { normalizeAnswer } from './normalizeAnswer';
import { pySplit } from './pyText';

/** Length of the longest common subsequence of two word lists. */
export function wordLcs(a: readonly string[], b: readonly string[]): number {
  const n = b.length;
  let prev = new Array<number>(n + 1).fill(0);
  let curr = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= n; j++) curr[j] = a[i - 1] === b[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], curr[j - 1]);
    [prev, curr] = [curr, prev];
  }
  return prev[n];
}

/**
 * Similarity of a prediction to a gold answer: LCS(gold words, prediction words) / (number of gold words), or 0
 * when the gold answer has no words. Normalised by the gold length only, so "thumb finger" vs gold "thumb" is 1.0
 * and "king" vs gold "king penguin" is 0.5. Words come from whitespace splitting.
 */
export function answerSimilarity(gold: string, prediction: string): number {
  const g = pySplit(gold);
  return g.length === 0 ? 0 : wordLcs(g, pySplit(prediction)) / g.length;
}

export interface AnswerMatch {
  readonly gold: string;
  readonly prediction: string;
  readonly similarity: number;
}

export interface MatchResult {
  /** Accepted pairs, in acceptance order (normalised strings). */
  readonly matches: AnswerMatch[];
  /** The normalised predictions that were matched: their slots are labelled correct. */
  readonly matchedPredictions: ReadonlySet<string>;
  /** Number of accepted pairs. */
  readonly correct: number;
}

const spaces = (s: string): number => s.split(' ').length - 1;

/**
 * Matches predictions to gold answers greedily, on normalised strings.
 *
 * Every pair (g, p) of a distinct normalised gold answer and a distinct normalised prediction gets
 * `answerSimilarity(g, p)`. Pairs are visited by decreasing similarity, then fewer spaces in p, then fewer spaces in
 * g; remaining ties keep the starting order, which is deterministic here: gold in order of first occurrence, and
 * for each gold the predictions in order of first occurrence (the reference iterates Python sets, so its tie order
 * varies from run to run). A pair is accepted when similarity ≥ `threshold` (0.55) and neither string has been used
 * before. The reference keeps ONE used-set for gold and prediction strings together, so a gold string that equals
 * an already matched prediction cannot be matched; this is reproduced.
 *
 * Degenerate input: no gold or no predictions give no matches (`correct` 0).
 *
 * @example matchAnswers(['Thumb', 'Index finger', 'Toe'], ['Thumb', 'Index']).correct // 2
 */
export function matchAnswers(
  predictions: readonly string[],
  gold: readonly string[],
  threshold: number = MATCH_THRESHOLD
): MatchResult {
  if (!Array.isArray(predictions)) throw new TypeError(`matchAnswers(predictions, gold): predictions must be an array of strings, got ${typeof predictions}`);
  if (!Array.isArray(gold)) throw new TypeError(`matchAnswers(predictions, gold): gold must be an array of strings, got ${gold === null ? 'null' : typeof gold}`);
  const uniq = (xs: readonly string[]): string[] => [...new Set(xs.map(normalizeAnswer))];
  const g = uniq(gold);
  const p = uniq(predictions);
  const pairs: AnswerMatch[] = [];
  for (const gs of g) for (const ps of p) pairs.push({ gold: gs, prediction: ps, similarity: answerSimilarity(gs, ps) });
  // Array.prototype.sort is stable (ES2019), so ties keep the order above.
  pairs.sort((a, b) => b.similarity - a.similarity || spaces(a.prediction) - spaces(b.prediction) || spaces(a.gold) - spaces(b.gold));
  const used = new Set<string>();
  const matches: AnswerMatch[] = [];
  for (const pair of pairs) {
    if (pair.similarity >= threshold && !used.has(pair.gold) && !used.has(pair.prediction)) {
      matches.push(pair);
      used.add(pair.gold);
      used.add(pair.prediction);
    }
  }
  return { matches, matchedPredictions: new Set(matches.map((m) => m.prediction)), correct: matches.length };
}
