/**
 * SQuAD exact match: 1 if the normalised prediction equals the normalised gold answer, else 0
 * (`compute_exact` in the official SQuAD v2.0 script). Two answers that both normalise to "" match.
 */
import { normalizeAnswer } from './normalizeAnswer';

export function exactMatch(prediction: string, gold: string): 0 | 1 {
  return normalizeAnswer(prediction) === normalizeAnswer(gold) ? 1 : 0;
}
