/**
 * The entailment judge of semantic clustering, chosen once per run (config `entailment_model`, after the
 * reference's `--entailment_model`) and bound to each question's answers:
 *
 *   const ej = await createEntailmentJudge(config, deps);
 *   const { entails, entailsMany } = ej.forQuestion(question);
 *   const { se, ids, reason } = await semanticEntropy(samples, entails, { entailsMany, strict: true });
 *
 * - `nli` (default, as the reference's DeBERTa): a local NLI model; each answer is prefixed by the question
 *   (`condition_on_question`), pairs are judged in batches.
 * - `llm`: the `EntailmentGPT4` prompt on an OpenAI-compatible API (`llmEntailment.ts`), the question in the
 *   prompt, answers bare; replies cached by prompt hash across questions.
 * - `match`: normalised match (`core/labels/matchEntailment`), the floor when no model is at hand; the question
 *   is not used.
 */
import { InputError } from '../../core/issues';
import { matchEntailment } from '../../core/labels';
import type { EntailsFn, EntailsManyFn } from '../../core/semantic';
import { judgeApiOptions, nliModelFor, type JudgeApiConfig, type JudgeDeps, type NliConfig } from './judgeSetup';
import { LlmEntailment, type LlmEntailmentOptions } from './llmEntailment';
import { nliEntailment } from './nliEntailment';
import type { NliModel } from './nliModel';

export type EntailmentKind = 'match' | 'nli' | 'llm';
export const ENTAILMENT_KINDS: readonly EntailmentKind[] = ['match', 'nli', 'llm'];

export interface EntailmentJudge {
  readonly kind: EntailmentKind;
  /** The judge for one question's sampled answers. */
  forQuestion(question: string): { readonly entails: EntailsFn; readonly entailsMany?: EntailsManyFn };
  stats(): Record<string, unknown>;
  provenance(): Record<string, unknown>;
  toJSON(): Record<string, unknown>;
}

export function matchEntailmentJudge(): EntailmentJudge {
  let calls = 0;
  const provenance = () => ({ kind: 'match-entailment', rule: 'normalised equality or whole-token containment either way → 2, else 1' });
  return {
    kind: 'match',
    forQuestion: () => ({
      entails: async (a, b) => {
        calls++;
        return matchEntailment(a, b);
      }
    }),
    stats: () => ({ calls }),
    provenance,
    toJSON: provenance
  };
}

export function nliEntailmentJudge(model: NliModel, options: { conditionOnQuestion?: boolean } = {}): EntailmentJudge {
  const condition = options.conditionOnQuestion ?? true;
  let failures = 0;
  const provenance = () => ({ ...model.provenance(), use: 'entailment', conditionOnQuestion: condition });
  return {
    kind: 'nli',
    forQuestion(question) {
      const e = nliEntailment(model, condition ? question : null, () => failures++);
      return { entails: e.entails, entailsMany: e.entailsMany };
    },
    stats: () => ({ ...model.stats(), failures }),
    provenance,
    toJSON: provenance
  };
}

export function llmEntailmentJudge(options: LlmEntailmentOptions, extraProvenance: Record<string, unknown> = {}): EntailmentJudge {
  const llm = new LlmEntailment(options);
  const provenance = () => ({ ...llm.provenance(), ...extraProvenance });
  return {
    kind: 'llm',
    forQuestion: (question) => ({ entails: llm.entailsFor(question) }),
    stats: () => ({ ...llm.stats() }),
    provenance,
    toJSON: provenance
  };
}

export interface EntailmentConfig {
  readonly entailment_model?: EntailmentKind;
  /** Non-strict clustering is chosen at the `semanticEntropy` call (`strict`), not here. */
  readonly judge?: JudgeApiConfig;
  readonly nli?: NliConfig;
}

export async function createEntailmentJudge(config: EntailmentConfig, deps: JudgeDeps = {}): Promise<EntailmentJudge> {
  const kind = config.entailment_model ?? 'nli';
  if (!ENTAILMENT_KINDS.includes(kind)) {
    throw new InputError([{ code: 'invalid_value', path: ['entailment_model'], message: `entailment_model must be one of ${ENTAILMENT_KINDS.join(', ')}, got ${JSON.stringify(kind)}` }]);
  }
  if (kind === 'match') return matchEntailmentJudge();
  if (kind === 'llm') {
    const { llm, provenance } = judgeApiOptions(config.judge, 'entailment_model "llm"', deps);
    return llmEntailmentJudge(llm, provenance);
  }
  return nliEntailmentJudge(await nliModelFor(config.nli, deps));
}
