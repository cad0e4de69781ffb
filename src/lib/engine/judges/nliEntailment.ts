/**
 * An NLI model as the entailment judge of semantic clustering. As the reference does for its DeBERTa judge with
 * `condition_on_question` (the default), each answer is prefixed by the question: the model compares
 * `${question} ${a}` with `${question} ${b}`. Pass `question: null` to compare the bare answers.
 *
 * A model error (a failed forward pass) makes the verdict null, so the clustering stops with
 * 'entailment_failed' instead of guessing; `failures` counts them.
 */
import type { Entailment, EntailsFn, EntailsManyFn } from '../../core/semantic';
import type { NliModel } from './nliModel';

export interface NliEntailment {
  readonly entails: EntailsFn;
  readonly entailsMany: EntailsManyFn;
  failures(): number;
}

export function conditionOnQuestion(question: string | null, answer: string): string {
  return question === null ? answer : `${question} ${answer}`;
}

/** `onFailure` is called once per failed batch (e.g. to keep a run-wide count). */
export function nliEntailment(model: NliModel, question: string | null, onFailure?: () => void): NliEntailment {
  let failures = 0;
  const entailsMany: EntailsManyFn = async (pairs) => {
    try {
      return await model.classify(pairs.map(([a, b]) => [conditionOnQuestion(question, a), conditionOnQuestion(question, b)] as const));
    } catch {
      failures++;
      onFailure?.();
      return pairs.map(() => null);
    }
  };
  const entails: EntailsFn = async (a, b) => (await entailsMany([[a, b]]))[0] as Entailment | null;
  return { entails, entailsMany, failures: () => failures };
}
