/**
 * SQuAD token F1 (`compute_f1` in the official SQuAD v2.0 script), over the tokens of the normalised answers:
 *
 *   common = |multiset(pred) ∩ multiset(gold)|,  P = common / |pred|,  R = common / |gold|,  F1 = 2PR / (P + R)
 *
 * F1 is 0 when nothing is in common. When either side has no tokens (it normalised to ""), F1 is 1 if both are
 * empty and 0 otherwise, as in the official script. In [0, 1].
 *
 * @example tokenF1('the Eiffel tower in Paris', 'Paris') = 2·(1/4·1)/(1/4 + 1) = 0.4
 */
import { answerTokens } from './normalizeAnswer';

export function tokenF1(prediction: string, gold: string): number {
  const pred = answerTokens(prediction);
  const ref = answerTokens(gold);
  if (pred.length === 0 || ref.length === 0) return pred.length === ref.length ? 1 : 0;
  const counts = new Map<string, number>();
  for (const t of ref) counts.set(t, (counts.get(t) ?? 0) + 1);
  let common = 0;
  for (const t of pred) {
    const c = counts.get(t) ?? 0;
    if (c > 0) {
      common++;
      counts.set(t, c - 1);
    }
  }
  if (common === 0) return 0;
  const precision = common / pred.length;
  const recall = common / ref.length;
  return (2 * precision * recall) / (precision + recall);
}
