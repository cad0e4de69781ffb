/**
 * The plan of a Loops-to-Oops generation run (method-fallbacks.md §2, §3): which prompts, in which order, under
 * which keys and file names, exactly as the reference's `run_hallucinations_check.py` lays them out.
 */
import { InputError, type Issue } from '../../issues';
import type { KeyPart } from '../../random';
import type { BioTopic, ListQuestion } from '../datasets';
import {
  logprobsJsonlName,
  reportCsvPath,
  resultsCsvName,
  resultsJsonlName,
  variantFolder,
  type FallbackTask,
  type RunNaming
} from '../outputNames';
import { buildBioPrompt, buildListPrompt, type BuiltPrompt } from '../prompts';

/**
 * What `fallbacks run --task` accepts. `qampari` runs QAMPARI and FakeQAMPARI together, as the reference's
 * `--type qampari` does (answerable prompts, then the unanswerable ones); `fake_qampari` runs FakeQAMPARI alone.
 */
export const RUN_TASKS = ['trivia_facts', 'qampari', 'fake_qampari', 'bio'] as const;
export type RunTask = (typeof RUN_TASKS)[number];

/** The dataset an item comes from. */
export type ItemTask = 'trivia_facts' | 'qampari' | 'fake_qampari' | 'bio';

/** Which results CSV a sample lands in: `…_answerable.csv` or (FakeQAMPARI) `…_unanswerable.csv`. */
export type ResultPart = 'answerable' | 'unanswerable';

export interface RunConfig {
  readonly task: RunTask;
  /** Names the model in file names (`/` becomes `+`), e.g. `EleutherAI/pythia-70m`. */
  readonly modelId: string;
  /** Default 512 (the reference's `--k`). */
  readonly maxNewTokens?: number;
  /** 0 (default) is greedy; > 0 samples at that temperature. */
  readonly temperature?: number;
  /** Samples per prompt (default 1); more than 1 needs temperature > 0. */
  readonly reps?: number;
  /** `icl`, `idk`, or any text (prepended followed by a space). */
  readonly instruction?: string;
  /** Remove " 25 " from the prompts (`no25_exps`). */
  readonly no25?: boolean;
  /** TriviaFacts only: feed `prompt + ":\n1."` (the `hq_with_colon` runs). */
  readonly colon?: boolean;
  /** Only the first N prompts of each dataset (the reference's `--debug N`): QAMPARI runs 2N. */
  readonly limit?: number;
  /** Seed of the sampling draws (default 0). */
  readonly seed?: number | string;
  /** Bio template (default "The following is a bio of {topic}:"); must contain `{topic}`. */
  readonly template?: string;
}

/** The datasets the plan needs: `triviaFacts` for trivia_facts, `qampari` + `fakeQampari`, `bioTopics`. */
export interface RunData {
  readonly triviaFacts?: readonly ListQuestion[];
  readonly qampari?: readonly ListQuestion[];
  readonly fakeQampari?: readonly ListQuestion[];
  readonly bioTopics?: readonly BioTopic[];
}

export interface PlannedSample {
  /** Position in the results and logprobs JSONL files (0-based): reps repeat the whole prompt list. */
  readonly line: number;
  readonly rep: number;
  readonly part: ResultPart;
  readonly itemTask: ItemTask;
  /** Index of the item in its dataset file. */
  readonly index: number;
  /** Row of the item in its part's results CSV (0-based). */
  readonly row: number;
  readonly built: BuiltPrompt;
  /** Gold answers; null for FakeQAMPARI and bios. */
  readonly gold: readonly string[] | null;
  /** The bio's subject; null for lists. */
  readonly topic: string | null;
  /** Unique, file-name safe: `r<rep>-<itemTask>-<index>`. */
  readonly key: string;
  /** The sampling key: `keyedRandom(seed, itemTask, index, rep)`. */
  readonly seedKey: readonly KeyPart[];
}

export interface RunFiles {
  /** Sub-folder of the output folder for the reference's files: `no25_exps` or "". */
  readonly folder: string;
  readonly resultsJsonl: string;
  readonly logprobsJsonl: string;
  /** One results CSV per part present. */
  readonly resultsCsv: Partial<Record<ResultPart, string>>;
  /** `reports/…` for the answerable part (none for FakeQAMPARI alone). */
  readonly reportCsv: string | null;
}

export interface ResolvedRunConfig {
  readonly task: RunTask;
  readonly modelId: string;
  readonly maxNewTokens: number;
  readonly temperature: number;
  readonly reps: number;
  readonly instruction: string | null;
  readonly no25: boolean;
  readonly colon: boolean;
  readonly limit: number | null;
  readonly seed: number | string;
  readonly template: string | null;
}

export interface RunPlan {
  readonly config: ResolvedRunConfig;
  /** The reference's `--type`: prefix of the file names. */
  readonly namingTask: FallbackTask;
  readonly naming: RunNaming;
  /** Distinct prompts (the `<n>_prompts` of the JSONL names). */
  readonly nPrompts: number;
  readonly parts: readonly ResultPart[];
  /** Every sample, in file order: rep 0's prompts (answerable, then unanswerable), then rep 1's, … */
  readonly samples: readonly PlannedSample[];
  readonly files: RunFiles;
}

const NAMING_TASK: Readonly<Record<RunTask, FallbackTask>> = {
  trivia_facts: 'trivia_facts',
  qampari: 'qampari',
  fake_qampari: 'qampari',
  bio: 'bio'
};

function resolveConfig(config: RunConfig): ResolvedRunConfig {
  const issues: Issue[] = [];
  const bad = (field: string, message: string): void => void issues.push({ code: 'invalid_value', path: [field], message });
  const c = (config ?? {}) as RunConfig;
  if (!(RUN_TASKS as readonly string[]).includes(c.task)) bad('task', `task must be one of ${RUN_TASKS.join(', ')}, got ${JSON.stringify(c.task)}`);
  if (typeof c.modelId !== 'string' || c.modelId.trim().length === 0) bad('modelId', `modelId must be a non-empty string, got ${JSON.stringify(c.modelId)}`);
  const maxNewTokens = c.maxNewTokens ?? 512;
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) bad('maxNewTokens', `max new tokens must be a positive integer, got ${maxNewTokens}`);
  const temperature = c.temperature ?? 0;
  if (typeof temperature !== 'number' || !Number.isFinite(temperature) || temperature < 0) bad('temperature', `temperature must be a number ≥ 0 (0 is greedy), got ${temperature}`);
  const reps = c.reps ?? 1;
  if (!Number.isInteger(reps) || reps < 1) bad('reps', `reps must be a positive integer, got ${reps}`);
  else if (reps > 1 && temperature === 0) {
    bad('reps', `reps ${reps} needs a temperature > 0: greedy decoding gives the same completion every time (the reference refuses this too)`);
  }
  const limit = c.limit ?? null;
  if (limit !== null && (!Number.isInteger(limit) || limit < 1)) bad('limit', `limit must be a positive integer (the first N prompts), got ${limit}`);
  if (c.instruction !== undefined && (typeof c.instruction !== 'string' || c.instruction.length === 0)) {
    bad('instruction', `instruction must be "icl", "idk" or a non-empty text, got ${JSON.stringify(c.instruction)}`);
  }
  if (c.colon && c.task !== 'trivia_facts') bad('colon', `the colon variant (":\\n1.") applies to trivia_facts only (QAMPARI prompts already end with a colon), got task ${c.task}`);
  if (c.template !== undefined && c.task !== 'bio') bad('template', `a bio template applies to task bio only, got task ${c.task}`);
  if (c.template !== undefined && (typeof c.template !== 'string' || !c.template.includes('{topic}'))) {
    bad('template', `the bio template must contain {topic}, got ${JSON.stringify(c.template)}`);
  }
  const seed = c.seed ?? 0;
  if (!(typeof seed === 'string' || (typeof seed === 'number' && Number.isFinite(seed)))) bad('seed', `seed must be a number or a string, got ${JSON.stringify(seed)}`);
  if (issues.length) throw new InputError(issues);
  return {
    task: c.task,
    modelId: c.modelId,
    maxNewTokens,
    temperature,
    reps,
    instruction: c.instruction ?? null,
    no25: c.no25 === true,
    colon: c.colon === true,
    limit,
    seed,
    template: c.template ?? null
  };
}

interface PartItems {
  readonly part: ResultPart;
  readonly itemTask: ItemTask;
  readonly items: readonly { built: BuiltPrompt; gold: readonly string[] | null; topic: string | null }[];
}

/**
 * Plans a run: validates the config (every problem at once, as an `InputError` naming the field), builds each
 * prompt with `buildListPrompt` / `buildBioPrompt` (instruction, then no-25, as the reference), cuts each dataset
 * to its first `limit` items, and lists the samples in the reference's file order.
 *
 * @example planFallbacksRun({ task: 'qampari', modelId: 'm', limit: 2 }, data).samples.map((s) => s.key)
 *   // ['r0-qampari-0', 'r0-qampari-1', 'r0-fake_qampari-0', 'r0-fake_qampari-1']
 */
export function planFallbacksRun(config: RunConfig, data: RunData): RunPlan {
  const c = resolveConfig(config);
  const variant = { ...(c.instruction !== null ? { instruction: c.instruction } : {}), no25: c.no25 };
  const cut = <T>(xs: readonly T[]): readonly T[] => (c.limit === null ? xs : xs.slice(0, c.limit));
  const need = <T>(name: keyof RunData, xs: readonly T[] | undefined): readonly T[] => {
    if (!Array.isArray(xs) || xs.length === 0) throw new InputError([{ code: 'missing_field', path: [name], message: `task ${c.task} needs the ${name} dataset (a non-empty list), got ${xs === undefined ? 'none' : 'an empty list'}` }]);
    return xs;
  };
  const list = (qs: readonly ListQuestion[], gold: boolean) =>
    cut(qs).map((q) => ({ built: buildListPrompt(q.key, { ...variant, colon: c.colon }), gold: gold ? q.gold : null, topic: null }));

  const parts: PartItems[] = [];
  if (c.task === 'trivia_facts') parts.push({ part: 'answerable', itemTask: 'trivia_facts', items: list(need('triviaFacts', data.triviaFacts), true) });
  if (c.task === 'qampari') parts.push({ part: 'answerable', itemTask: 'qampari', items: list(need('qampari', data.qampari), true) });
  if (c.task === 'qampari' || c.task === 'fake_qampari') {
    parts.push({ part: 'unanswerable', itemTask: 'fake_qampari', items: list(need('fakeQampari', data.fakeQampari), false) });
  }
  if (c.task === 'bio') {
    const topics = cut(need('bioTopics', data.bioTopics));
    parts.push({
      part: 'answerable',
      itemTask: 'bio',
      items: topics.map((t) => ({ built: buildBioPrompt(t.topic, { ...variant, ...(c.template !== null ? { template: c.template } : {}) }), gold: null, topic: t.topic }))
    });
  }

  const nPrompts = parts.reduce((s, p) => s + p.items.length, 0);
  const samples: PlannedSample[] = [];
  for (let rep = 0; rep < c.reps; rep++) {
    for (const p of parts) {
      p.items.forEach((item, index) => {
        samples.push({
          line: samples.length,
          rep,
          part: p.part,
          itemTask: p.itemTask,
          index,
          row: index,
          built: item.built,
          gold: item.gold,
          topic: item.topic,
          key: `r${rep}-${p.itemTask}-${index}`,
          seedKey: [c.seed, p.itemTask, index, rep]
        });
      });
    }
  }

  const namingTask = NAMING_TASK[c.task];
  const naming: RunNaming = { task: namingTask, model: c.modelId, nPrompts, maxNewTokens: c.maxNewTokens, temperature: c.temperature, reps: c.reps };
  const partNames = parts.map((p) => p.part);
  const resultsCsv: Partial<Record<ResultPart, string>> = {};
  for (const part of partNames) resultsCsv[part] = resultsCsvName(naming, part);
  return {
    config: c,
    namingTask,
    naming,
    nPrompts,
    parts: partNames,
    samples,
    files: {
      folder: variantFolder({ no25: c.no25 }),
      resultsJsonl: resultsJsonlName(naming),
      logprobsJsonl: logprobsJsonlName(naming),
      resultsCsv,
      reportCsv: partNames.includes('answerable') ? reportCsvPath(naming) : null
    }
  };
}
