/**
 * The reference's output file names (method-fallbacks.md §3), so a run of ours lands where its plotting script
 * and readers expect it. Every "/" in a name becomes "+" (`EleutherAI/pythia-12b` → `EleutherAI+pythia-12b`).
 */
import { InputError } from '../issues';
import { pyFloatRepr } from './pyText';

/** The task, as the reference's `--type`: TriviaFacts (`HQ`), QAMPARI with FakeQAMPARI, or bios (`open_ended`). */
export type FallbackTask = 'trivia_facts' | 'qampari' | 'bio';

/** File-name prefix per task. */
export const TASK_PREFIX: Readonly<Record<FallbackTask, string>> = {
  trivia_facts: 'hq_qampari',
  qampari: 'qampari',
  bio: 'open_ended'
};

export interface RunNaming {
  readonly task: FallbackTask;
  /** Model id, e.g. `EleutherAI/pythia-12b` (a `step…` revision suffix stays in the name). */
  readonly model: string;
  /** Distinct prompts of the run: 97 TriviaFacts, 200 QAMPARI + FakeQAMPARI, 125 bios (fewer with a debug cut). */
  readonly nPrompts: number;
  /** `--k`, the maximum new tokens (default 512). */
  readonly maxNewTokens?: number;
  /** 0 is greedy (default). */
  readonly temperature?: number;
  /** Samples per prompt (default 1). */
  readonly reps?: number;
}

function check(n: RunNaming): Required<RunNaming> {
  const issues: string[] = [];
  if (!(n.task in TASK_PREFIX)) issues.push(`task must be one of ${Object.keys(TASK_PREFIX).join(', ')}, got ${JSON.stringify(n.task)}`);
  if (typeof n.model !== 'string' || n.model.length === 0) issues.push(`model must be a non-empty string, got ${JSON.stringify(n.model)}`);
  if (!Number.isInteger(n.nPrompts) || n.nPrompts < 1) issues.push(`nPrompts must be a positive integer, got ${n.nPrompts}`);
  const k = n.maxNewTokens ?? 512;
  if (!Number.isInteger(k) || k < 1) issues.push(`maxNewTokens must be a positive integer, got ${k}`);
  const t = n.temperature ?? 0;
  if (!Number.isFinite(t) || t < 0) issues.push(`temperature must be a number ≥ 0, got ${t}`);
  const r = n.reps ?? 1;
  if (!Number.isInteger(r) || r < 1) issues.push(`reps must be a positive integer, got ${r}`);
  else if (r > 1 && t === 0) issues.push(`reps > 1 needs a temperature > 0 (greedy decoding repeats itself), got reps ${r} at temperature 0`);
  if (issues.length) throw new InputError(issues.map((message) => ({ code: 'invalid_value', path: [], message })));
  return { task: n.task, model: n.model, nPrompts: n.nPrompts, maxNewTokens: k, temperature: t, reps: r };
}

const plus = (s: string): string => s.replaceAll('/', '+');

/** `""` for greedy, else `_temp=` + the temperature as Python writes a float, dots made underscores (`_temp=0_5`). */
export function temperatureSuffix(temperature: number): string {
  return temperature === 0 ? '' : `_temp=${pyFloatRepr(temperature)}`.replaceAll('.', '_');
}

/** `<prefix>_results_<n>_prompts_<model>_<k>T<temp>.jsonl`: one `{prompt, completion}` line per sample. */
export function resultsJsonlName(naming: RunNaming): string {
  const n = check(naming);
  return plus(`${TASK_PREFIX[n.task]}_results_${n.nPrompts}_prompts_${n.model}_${n.maxNewTokens}T${temperatureSuffix(n.temperature)}.`) + 'jsonl';
}

/** `<prefix>_logprobs_<n>_prompts_<model>_<k>T<temp>.jsonl`: one `{prompt, logprobs}` line per sample. */
export function logprobsJsonlName(naming: RunNaming): string {
  const n = check(naming);
  return plus(`${TASK_PREFIX[n.task]}_logprobs_${n.nPrompts}_prompts_${n.model}_${n.maxNewTokens}T${temperatureSuffix(n.temperature)}.`) + 'jsonl';
}

/**
 * `<prefix>_results_<model>_[temp=<T>_<R>reps_]answerable.csv` (or `unanswerable.csv` for FakeQAMPARI). The
 * temperature keeps its dot here (`temp=0.5_5reps_`).
 */
export function resultsCsvName(naming: RunNaming, part: 'answerable' | 'unanswerable' = 'answerable'): string {
  const n = check(naming);
  if (part === 'unanswerable' && n.task !== 'qampari') throw new InputError(`only the qampari task has an unanswerable part (FakeQAMPARI), got task ${n.task}`);
  const reps = n.reps > 1 ? `temp=${pyFloatRepr(n.temperature)}_${n.reps}reps_` : '';
  return plus(`${TASK_PREFIX[n.task]}_results_${n.model}_${reps}${part}.csv`);
}

/** `reports/<results CSV name>`: prompt, expected, prediction with C/H/R marks, raw completion. Not for FakeQAMPARI. */
export function reportCsvPath(naming: RunNaming): string {
  return `reports/${resultsCsvName(naming, 'answerable')}`;
}

/** The sub-folder of the output folder for a prompt variant: `no25_exps` for no-25, else "" (the folder itself). */
export function variantFolder(variant: { readonly no25?: boolean }): string {
  return variant.no25 ? 'no25_exps' : '';
}
