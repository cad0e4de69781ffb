/**
 * The `Judge` the dialogue runner calls once per item to label the turn-0 answer, whatever the `label_method`:
 *
 *   judge.label(question, goldAnswers, modelAnswer[, item]) → { label: 1 | 0 | null, source, detail }
 *
 * The label follows `nli_label`: 1 correct, 0 hallucinated (the positive class downstream), null unknown. A null
 * is never replaced by a guess; `judge.stats()` counts labels and, for nulls, their reasons.
 *
 * - `match` / `f1`: string matching against every gold alias (`core/labels/matchLabel`), SQuAD-style.
 * - `judge`: the SpikeScore dialogue judge (`dialogueJudge.ts`) on an OpenAI-compatible API. The reference slot
 *   gets the first gold alias (the dataset's primary answer, as the seed passes its one `gold_answer`); the
 *   model's answer goes in the model slot (B7 fixed). No gold → null ('no_gold'), no call.
 *   In `probe_data` mode (`config.mode`), `judge` is instead the SE pipeline's correctness metric
 *   (`seCorrectness.ts`), which lists every gold alias in its prompt, as the SEP training data was labelled.
 * - `nli`: a local NLI model (`nliModel.ts`). Rule: 1 if, for some gold alias g, the model says the premise
 *   `${question} ${modelAnswer}` entails the hypothesis `${question} ${g}` (the answer states the gold fact; the
 *   question gives the context, as the SE pipeline conditions its NLI judge on the question); else 0. All
 *   aliases are judged in one batch; a model error gives null ('nli_error').
 * - `dataset`: the item's own exact label (`item.label`, already in the nli_label convention: 1 correct,
 *   0 hallucinated), passed through; anything but 0/1/null → null ('invalid'). An item without a label whose
 *   `meta.label_rule` is the knowledge testbed's (`testbed-value/v1`, e.g. every line of testbed/dataset.jsonl) is
 *   labelled exactly by that rule from the model's answer and `meta.attribute` (`engine/testbed/label.ts`); a
 *   broken testbed item gives null ('invalid'); otherwise missing → null ('missing').
 */
import { InputError, typeName } from '../../core/issues';
import { matchLabel, type MatchLabel, type MatchMethod, type MatchMode } from '../../core/labels';
import type { Entailment } from '../../core/semantic';
import type { FailureReason, LlmOptions } from './chatClient';
import { DialogueJudge } from './dialogueJudge';
import { judgeApiOptions, nliModelFor, type JudgeApiConfig, type JudgeDeps, type NliConfig } from './judgeSetup';
import { SeCorrectnessJudge } from './seCorrectness';
import { conditionOnQuestion } from './nliEntailment';
import { TESTBED_LABEL_RULE, labelByRule, type TestbedReason } from '../testbed/label';
// Types only: transformers.js is loaded (dynamically) when an NLI judge is first built.
import type { NliModel } from './nliModel';

export type LabelMethod = 'match' | 'f1' | 'judge' | 'nli' | 'dataset';
export const LABEL_METHODS: readonly LabelMethod[] = ['match', 'f1', 'judge', 'nli', 'dataset'];

/** What the runner knows of the item beyond its question and gold answers. */
export interface LabelItem {
  /** The dataset's own label (1 correct, 0 hallucinated), for `dataset`. */
  readonly label?: unknown;
  /** The record's other fields: `label_rule` and `attribute` select the testbed rule for `dataset`. */
  readonly meta?: Readonly<Record<string, unknown>>;
}

export type LabelDetail =
  | ({ readonly kind: 'match' } & Omit<MatchLabel, 'label' | 'source'>)
  | {
      readonly kind: 'judge';
      readonly reference: string | null;
      readonly reply: string | null;
      readonly reason: FailureReason | 'no_gold' | null;
      readonly status: number | null;
      readonly message: string | null;
    }
  | {
      readonly kind: 'nli';
      readonly model: string;
      readonly verdicts: readonly { readonly alias: string; readonly verdict: Entailment }[];
      readonly reason: 'no_gold' | 'nli_error' | null;
      readonly message: string | null;
    }
  | {
      readonly kind: 'se-judge';
      readonly golds: readonly string[];
      readonly reply: string | null;
      readonly retried: boolean;
      readonly reason: FailureReason | 'no_gold' | null;
      readonly status: number | null;
    }
  | { readonly kind: 'dataset'; readonly raw: unknown; readonly reason: 'missing' | 'invalid' | null }
  | {
      readonly kind: 'dataset';
      readonly raw: null;
      readonly rule: typeof TESTBED_LABEL_RULE;
      /** Why the rule gave its label (`correct`, `wrong_value`, `several_values`, `no_value`), or why it could not. */
      readonly reason: TestbedReason | 'invalid';
      /** The attribute values the answer states. */
      readonly values: readonly string[];
      readonly message?: string;
    };

export interface Label {
  readonly label: 1 | 0 | null;
  readonly source: LabelMethod;
  readonly detail: LabelDetail;
}

export interface JudgeStats {
  readonly calls: number;
  readonly correct: number;
  readonly hallucinated: number;
  readonly unknown: number;
  /** Why labels were null, by reason ('no_gold', 'timeout', 'http_error', 'unparseable', 'nli_error', …). */
  readonly failures: Readonly<Record<string, number>>;
}

export interface Judge {
  readonly method: LabelMethod;
  label(question: string, goldAnswers: readonly string[], modelAnswer: string, item?: LabelItem): Promise<Label>;
  stats(): JudgeStats;
  /** What produced the labels (method, model, settings); never a secret. */
  provenance(): Record<string, unknown>;
  toJSON(): Record<string, unknown>;
}

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

function checkArgs(question: unknown, goldAnswers: unknown, modelAnswer: unknown): void {
  if (typeof question !== 'string') throw new TypeError(`question must be a string, got ${typeName(question)}`);
  if (!Array.isArray(goldAnswers)) throw new TypeError(`goldAnswers must be an array of strings, got ${typeName(goldAnswers)}`);
  goldAnswers.forEach((g, i) => {
    if (typeof g !== 'string') throw new TypeError(`goldAnswers[${i}] must be a string, got ${typeName(g)}`);
  });
  if (typeof modelAnswer !== 'string') throw new TypeError(`modelAnswer must be a string, got ${typeName(modelAnswer)}`);
}

/** Wraps a labelling function with argument checks, the tally and a secret-free JSON form. */
function makeJudge(
  method: LabelMethod,
  run: (question: string, goldAnswers: readonly string[], modelAnswer: string, item?: LabelItem) => Promise<Label>,
  provenance: () => Record<string, unknown>
): Judge {
  let calls = 0;
  let correct = 0;
  let hallucinated = 0;
  let unknown = 0;
  const failures: Record<string, number> = {};
  const judge: Judge & { [INSPECT]: () => string } = {
    method,
    async label(question, goldAnswers, modelAnswer, item) {
      checkArgs(question, goldAnswers, modelAnswer);
      calls++;
      const out = await run(question, goldAnswers, modelAnswer, item);
      if (out.label === 1) correct++;
      else if (out.label === 0) hallucinated++;
      else {
        unknown++;
        const reason = String(('reason' in out.detail && out.detail.reason) || 'unknown');
        failures[reason] = (failures[reason] ?? 0) + 1;
      }
      return out;
    },
    stats: () => ({ calls, correct, hallucinated, unknown, failures: { ...failures } }),
    provenance,
    toJSON: provenance,
    [INSPECT]: () => `Judge ${JSON.stringify(provenance())}`
  };
  return judge;
}

export interface MatchJudgeOptions {
  readonly method?: MatchMethod;
  readonly f1Threshold?: number;
  readonly matchMode?: MatchMode;
}

export function matchJudge(options: MatchJudgeOptions = {}): Judge {
  const method = options.method ?? 'match';
  // Validate the options once, up front, with the same messages matchLabel gives.
  matchLabel('', ['x'], options);
  return makeJudge(
    method,
    async (_q, golds, answer) => {
      const { label, source, ...rest } = matchLabel(answer, golds, options);
      return { label, source, detail: { kind: 'match', ...rest } };
    },
    () => ({ kind: 'match', method, f1Threshold: method === 'f1' ? (options.f1Threshold ?? 0.5) : null, matchMode: method === 'match' ? (options.matchMode ?? 'exact') : null })
  );
}

/** The `judge` method; `options.apiKey` is used for requests and kept nowhere else. */
export function llmJudge(options: LlmOptions, extraProvenance: Record<string, unknown> = {}): Judge {
  const dialogue = new DialogueJudge(options);
  return makeJudge(
    'judge',
    async (question, golds, answer) => {
      const reference = golds.find((g) => g.trim() !== '') ?? null;
      if (reference === null) {
        return { label: null, source: 'judge', detail: { kind: 'judge', reference, reply: null, reason: 'no_gold', status: null, message: null } };
      }
      const v = await dialogue.judge(question, reference, answer);
      return {
        label: v.label,
        source: 'judge',
        detail: { kind: 'judge', reference, reply: v.reply, reason: v.reason, status: v.status, message: v.message }
      };
    },
    () => ({ ...dialogue.provenance(), ...extraProvenance })
  );
}

/** The `judge` method of `probe_data` mode: the SE correctness metric, every gold alias in the prompt. */
export function seCorrectnessLabelJudge(options: LlmOptions, extraProvenance: Record<string, unknown> = {}): Judge {
  const se = new SeCorrectnessJudge(options);
  return makeJudge(
    'judge',
    async (question, golds, answer) => {
      const aliases = golds.filter((g) => g.trim() !== '');
      if (aliases.length === 0) {
        return { label: null, source: 'judge', detail: { kind: 'se-judge', golds: [], reply: null, retried: false, reason: 'no_gold', status: null } };
      }
      const v = await se.judge(question, aliases, answer);
      return { label: v.label, source: 'judge', detail: { kind: 'se-judge', golds: aliases, reply: v.reply, retried: v.retried, reason: v.reason, status: v.status } };
    },
    () => ({ ...se.provenance(), ...extraProvenance })
  );
}

export function nliJudge(model: NliModel): Judge {
  return makeJudge(
    'nli',
    async (question, golds, answer) => {
      const aliases = golds.filter((g) => g.trim() !== '');
      if (aliases.length === 0) {
        return { label: null, source: 'nli', detail: { kind: 'nli', model: model.id, verdicts: [], reason: 'no_gold', message: null } };
      }
      const premise = conditionOnQuestion(question, answer);
      let verdicts: Entailment[];
      try {
        verdicts = await model.classify(aliases.map((g) => [premise, conditionOnQuestion(question, g)] as const));
      } catch (e) {
        const message = e instanceof Error ? e.message.slice(0, 200) : String(e).slice(0, 200);
        return { label: null, source: 'nli', detail: { kind: 'nli', model: model.id, verdicts: [], reason: 'nli_error', message } };
      }
      const label = verdicts.includes(2) ? 1 : 0;
      return {
        label,
        source: 'nli',
        detail: { kind: 'nli', model: model.id, verdicts: aliases.map((alias, i) => ({ alias, verdict: verdicts[i] })), reason: null, message: null }
      };
    },
    () => ({ ...model.provenance(), rule: 'nli(`${question} ${answer}` ⇒ `${question} ${alias}`) = entailment for some alias' })
  );
}

export function datasetJudge(): Judge {
  return makeJudge(
    'dataset',
    async (_q, golds, answer, item) => {
      const raw = item?.label;
      if ((raw === undefined || raw === null) && item?.meta?.label_rule === TESTBED_LABEL_RULE) {
        const j = labelByRule(item.meta, golds[0], answer);
        const detail = { kind: 'dataset', raw: null, rule: TESTBED_LABEL_RULE, reason: j.reason, values: j.values } as const;
        // A testbed line whose attribute or gold answer is not of the knowledge base: unknown, never a guess.
        return { label: j.label, source: 'dataset', detail: j.label === null ? { ...detail, message: j.message } : detail };
      }
      if (raw === undefined || raw === null) return { label: null, source: 'dataset', detail: { kind: 'dataset', raw: raw ?? null, reason: 'missing' } };
      if (raw !== 0 && raw !== 1) return { label: null, source: 'dataset', detail: { kind: 'dataset', raw, reason: 'invalid' } };
      return { label: raw, source: 'dataset', detail: { kind: 'dataset', raw, reason: null } };
    },
    () => ({ kind: 'dataset' })
  );
}

/** The config fields that choose and set up a judge (snake_case, as in `config.json`). */
export interface JudgeConfig {
  /** `dialogue` (default) or `probe_data`; only changes what `judge` means (see the header). */
  readonly mode?: 'dialogue' | 'probe_data';
  readonly label_method?: LabelMethod;
  readonly f1_threshold?: number;
  readonly match_mode?: MatchMode;
  readonly judge?: JudgeApiConfig;
  readonly nli?: NliConfig;
}

/**
 * createJudge(config[, deps]) builds the judge `config.label_method` names (default 'match'). Misconfiguration
 * throws an `InputError` naming the field; the API key never appears in a message.
 */
export async function createJudge(config: JudgeConfig, deps: JudgeDeps = {}): Promise<Judge> {
  const method = config.label_method ?? 'match';
  if (config.mode !== undefined && config.mode !== 'dialogue' && config.mode !== 'probe_data') {
    throw new InputError([{ code: 'invalid_value', path: ['mode'], message: `mode must be "dialogue" or "probe_data", got ${JSON.stringify(config.mode)}` }]);
  }
  if (!LABEL_METHODS.includes(method)) {
    throw new InputError([{ code: 'invalid_value', path: ['label_method'], message: `label_method must be one of ${LABEL_METHODS.join(', ')}, got ${JSON.stringify(method)}` }]);
  }
  if (method === 'match' || method === 'f1') {
    return matchJudge({ method, f1Threshold: config.f1_threshold, matchMode: config.match_mode });
  }
  if (method === 'dataset') return datasetJudge();
  if (method === 'judge') {
    const { llm, provenance } = judgeApiOptions(config.judge, 'label_method "judge"', deps);
    return config.mode === 'probe_data' ? seCorrectnessLabelJudge(llm, provenance) : llmJudge(llm, provenance);
  }
  // nli
  return nliJudge(await nliModelFor(config.nli, deps));
}
