/**
 * "Normalised match", the floor entailment judge: what semantic clustering uses when neither an NLI model nor an
 * LLM is available. Symmetric, so strict and non-strict clustering agree with it:
 *
 *   2 (entailment) if normalizeAnswer(a) = normalizeAnswer(b), or if the normalised tokens of one appear as a
 *     contiguous run inside those of the other ("Paris, France" and "paris" entail each other);
 *   1 (neutral) otherwise, including when exactly one side normalises to "" (an empty answer contains nothing).
 *
 * It never says 0 (contradiction): string matching cannot tell a contradiction from a different wording, and
 * neither strict nor non-strict clustering needs it to (only 2-and-2, or a (2, 1) pair, merge answers).
 * Two answers that both normalise to "" are equal, hence 2.
 */
import { containsTokens } from './matchLabel';
import { answerTokens } from './normalizeAnswer';

export function matchEntailment(a: string, b: string): 1 | 2 {
  if (typeof a !== 'string') throw new TypeError(`premise must be a string, got ${a === null ? 'null' : typeof a}`);
  if (typeof b !== 'string') throw new TypeError(`hypothesis must be a string, got ${b === null ? 'null' : typeof b}`);
  const ta = answerTokens(a);
  const tb = answerTokens(b);
  if (ta.join(' ') === tb.join(' ')) return 2;
  return containsTokens(ta, tb) || containsTokens(tb, ta) ? 2 : 1;
}
