/**
 * Turns the samples of a finished fallbacks run into the reference's files (method-fallbacks.md §3), per-sample
 * labels (§4, §5), the `degenerated_tail` column (§6) and a summary of mean counts per slot class.
 */
import { analyzeSequence } from '../analyzeSequence';
import { averageReps, type AveragedRow } from '../averageReps';
import { TRIVIA_FACTS_DROPPED_ROWS } from '../datasets';
import { argmaxTokens, diversityCurve } from '../diversityCurve';
import { labelListCompletion, type ListCounts } from '../labelListCompletion';
import { LABEL_LETTER, type ListStatus, type SlotLabel } from '../labels';
import { meanCounts } from '../meanCounts';
import { pyFloatRepr } from '../pyText';
import {
  csvField,
  logprobsJsonLine,
  reportCsvHeader,
  reportCsvRow,
  resultsCsvHeader,
  resultsCsvRow,
  resultsJsonLine
} from '../resultLines';
import type { BioScore } from '../scoreBio';
import type { PlannedSample, ResultPart, RunPlan } from './planRun';
import type { SampleRecord } from './sampleRecord';

/** The per-sample labels of a run (one line of `labels.jsonl`). */
export interface SampleLabel extends ListCounts {
  readonly key: string;
  readonly line: number;
  readonly rep: number;
  readonly part: ResultPart;
  readonly item_task: PlannedSample['itemTask'];
  readonly index: number;
  readonly prompt: string;
  readonly status: ListStatus;
  /** 25 slot codes for lists; fact codes then the ending code for bios. */
  readonly order: SlotLabel[];
  /** List answers, or bio facts (atoms), in generation order. */
  readonly answers: string[];
  /** Bio facts no judge checked (label 0); 0 for lists. */
  readonly unchecked: number;
  readonly degenerated_tail: boolean;
  readonly stop_reason: string;
  readonly new_tokens: number;
}

export interface PartSummary {
  readonly n_prompts: number;
  readonly n_samples: number;
  /**
   * Mean over prompts (rows of the results CSV, each already averaged over reps) of every slot class. Lists:
   * answer slots, summing to 25. Bios: facts for correct/hallucinated/repeated, shares for the ending flags.
   */
  readonly mean: ListCounts;
  /** TriviaFacts only: the same without rows 70 and 73, as the paper's plots (rows absent under a limit are no-ops). */
  readonly mean_paper?: ListCounts & { readonly n: number; readonly dropped_rows: readonly number[] };
  /** Bios: mean unchecked facts per prompt (no judge). */
  readonly unchecked_mean?: number;
  /** How the samples ended, counted over samples (FULL only for lists). */
  readonly status_counts: Record<ListStatus, number>;
  /** Share of samples whose token sequence ends in a degenerate span. */
  readonly degenerated_tail_share: number;
}

export interface DiversitySummary {
  /** Mean unique-token share after 100, 300 and 512 generated tokens (null when no sample is that long). */
  readonly at_100: number | null;
  readonly at_300: number | null;
  readonly at_512: number | null;
  readonly mean: (number | null)[];
  readonly sem: (number | null)[];
  readonly count: number[];
}

export interface RunSummaryCore {
  readonly parts: Partial<Record<ResultPart, PartSummary>>;
  readonly diversity: DiversitySummary | null;
  readonly generation: {
    readonly n_samples: number;
    readonly new_tokens: number;
    readonly prefill_ms: number;
    readonly decode_ms: number;
    /** new tokens / (prefill + decode seconds), summed over the samples (resumed ones included). */
    readonly tokens_per_second: number | null;
    readonly stop_reasons: Record<string, number>;
  };
}

export interface AssembledRun {
  /** Files to write, paths relative to the output folder (the reference's, under `plan.files.folder`). */
  readonly files: readonly { readonly path: string; readonly text: string }[];
  readonly labels: readonly SampleLabel[];
  readonly summary: RunSummaryCore;
}

export interface AssembleInput {
  readonly plan: RunPlan;
  /** Every planned sample, by key. */
  readonly records: ReadonlyMap<string, SampleRecord>;
  /**
   * The model's tokenizer without special tokens, for `degenerated_tail`: like the reference, the token sequence
   * is `tokenize(prompt) ++ tokenize(completion)` (prompt without its suffix), re-encoded from the texts.
   */
  readonly tokenize: (text: string) => readonly number[];
  /** Bio runs: every sample's score (`scoreBio`), by key. */
  readonly bioScores?: ReadonlyMap<string, BioScore>;
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

function bioReportRow(row: number, prompt: string, score: BioScore, completion: string): string {
  const facts = score.sentences.flatMap((s) => s.facts);
  const lines = facts.map((f, i) => `${f.atom} (${LABEL_LETTER[score.order[i]]})`);
  return [String(row), csvField(prompt), '', csvField(lines.join('\n') + `\n(${score.status})`), csvField(completion)].join(',');
}

const plusPath = (folder: string, name: string): string => (folder ? `${folder}/${name}` : name);

/**
 * Assembles a run whose samples are all present. Labels: lists by `labelListCompletion` (gold null for
 * FakeQAMPARI); bios from the given scores. Per prompt the samples of all reps are averaged by `averageReps`
 * (order from rep 0, `degenerated_tail` when more than half of the reps have it). The report CSV has one row per
 * sample of the answerable part, in file order, as the reference writes it. Throws a `TypeError` naming the first
 * missing sample or score.
 */
export function assembleFallbacksRun(input: AssembleInput): AssembledRun {
  const { plan, records, tokenize, bioScores } = input;
  const isBio = plan.config.task === 'bio';
  const labels: SampleLabel[] = [];
  const scores = new Map<string, BioScore>();
  for (const s of plan.samples) {
    const r = records.get(s.key);
    if (!r) throw new TypeError(`assembleFallbacksRun: sample ${s.key} (line ${s.line}) is missing`);
    const tokens = [...tokenize(s.built.prompt), ...tokenize(r.completion)];
    const degeneratedTail = analyzeSequence(tokens).degeneratedTail;
    const common = {
      key: s.key,
      line: s.line,
      rep: s.rep,
      part: s.part,
      item_task: s.itemTask,
      index: s.index,
      prompt: s.built.prompt,
      degenerated_tail: degeneratedTail,
      stop_reason: r.stop_reason,
      new_tokens: r.token_ids.length
    };
    if (isBio) {
      const score = bioScores?.get(s.key);
      if (!score) throw new TypeError(`assembleFallbacksRun: the bio score of sample ${s.key} is missing`);
      scores.set(s.key, score);
      labels.push({
        ...common,
        status: score.status,
        order: score.order,
        answers: score.sentences.flatMap((x) => x.facts.map((f) => f.atom)),
        correct: score.correct,
        hallucinated: score.hallucinated,
        repeated: score.repeated,
        bad_format: score.bad_format,
        topic_change: score.topic_change,
        eos: score.eos,
        unchecked: score.unchecked
      });
    } else {
      const l = labelListCompletion({ completion: r.completion, gold: s.gold, prompt: s.built.prompt });
      labels.push({
        ...common,
        status: l.status,
        order: l.order,
        answers: l.answers,
        correct: l.correct,
        hallucinated: l.hallucinated,
        repeated: l.repeated,
        bad_format: l.bad_format,
        topic_change: l.topic_change,
        eos: l.eos,
        unchecked: 0
      });
    }
  }

  const folder = plan.files.folder;
  const files: { path: string; text: string }[] = [];
  const jsonl = (lines: string[]): string => lines.map((l) => l + '\n').join('');
  files.push({ path: plusPath(folder, plan.files.resultsJsonl), text: jsonl(plan.samples.map((s) => resultsJsonLine(s.built.prompt, records.get(s.key)!.completion))) });
  files.push({ path: plusPath(folder, plan.files.logprobsJsonl), text: jsonl(plan.samples.map((s) => logprobsJsonLine(s.built.modelInput, records.get(s.key)!.top))) });

  const reps = plan.config.reps;
  const parts: Partial<Record<ResultPart, PartSummary>> = {};
  for (const part of plan.parts) {
    const partLabels = labels.filter((l) => l.part === part);
    const partSamples = plan.samples.filter((s) => s.part === part);
    const nRows = partSamples.reduce((m, s) => Math.max(m, s.row + 1), 0);
    const rows: (AveragedRow & { unchecked: number })[] = [];
    const csv = [resultsCsvHeader() + (isBio ? ',unchecked' : '')];
    for (let row = 0; row < nRows; row++) {
      const mine = partLabels.filter((_, i) => partSamples[i].row === row);
      const averaged = averageReps(mine);
      const unchecked = mine.reduce((a, l) => a + l.unchecked, 0) / mine.length;
      rows.push({ ...averaged, unchecked });
      const uncheckedCell = isBio ? ',' + (reps > 1 ? pyFloatRepr(unchecked) : String(unchecked)) : '';
      csv.push(resultsCsvRow(mine[0].prompt, { ...averaged, degenerated_tail: averaged.degenerated_tail ?? false }, { reps }) + uncheckedCell);
    }
    files.push({ path: plusPath(folder, plan.files.resultsCsv[part]!), text: csv.join('\n') + '\n' });

    if (part === 'answerable' && plan.files.reportCsv) {
      const report = [reportCsvHeader()];
      partSamples.forEach((s, i) => {
        const completion = records.get(s.key)!.completion;
        if (isBio) report.push(bioReportRow(i, s.built.prompt, scores.get(s.key)!, completion));
        else report.push(reportCsvRow(i, s.built.prompt, s.gold ?? [], labelListCompletion({ completion, gold: s.gold, prompt: s.built.prompt }), completion));
      });
      files.push({ path: plusPath(folder, plan.files.reportCsv), text: report.join('\n') + '\n' });
    }

    const status_counts: Record<ListStatus, number> = { FULL: 0, BAD_FORMAT: 0, TOPIC_CHANGE: 0, EOS: 0 };
    for (const l of partLabels) status_counts[l.status]++;
    const m = meanCounts(rows);
    const summary: PartSummary = {
      n_prompts: nRows,
      n_samples: partLabels.length,
      mean: { correct: m.correct, hallucinated: m.hallucinated, repeated: m.repeated, bad_format: m.bad_format, topic_change: m.topic_change, eos: m.eos },
      ...(plan.config.task === 'trivia_facts'
        ? { mean_paper: { ...meanCounts(rows, { drop: TRIVIA_FACTS_DROPPED_ROWS }), dropped_rows: TRIVIA_FACTS_DROPPED_ROWS } }
        : {}),
      ...(isBio ? { unchecked_mean: rows.reduce((a, r) => a + r.unchecked, 0) / rows.length } : {}),
      status_counts,
      degenerated_tail_share: partLabels.filter((l) => l.degenerated_tail).length / partLabels.length
    };
    parts[part] = summary;
  }

  let diversity: DiversitySummary | null = null;
  if (isBio) {
    const curve = diversityCurve(plan.samples.map((s) => argmaxTokens(records.get(s.key)!.top)), 512);
    diversity = {
      at_100: finite(curve.mean[99]),
      at_300: finite(curve.mean[299]),
      at_512: finite(curve.mean[511]),
      mean: Array.from(curve.mean, finite),
      sem: Array.from(curve.sem, finite),
      count: Array.from(curve.count)
    };
  }

  const all = plan.samples.map((s) => records.get(s.key)!);
  const newTokens = all.reduce((a, r) => a + r.token_ids.length, 0);
  const prefill = all.reduce((a, r) => a + r.timings.prefill_ms, 0);
  const decode = all.reduce((a, r) => a + r.timings.decode_ms, 0);
  const stop_reasons: Record<string, number> = {};
  for (const r of all) stop_reasons[r.stop_reason] = (stop_reasons[r.stop_reason] ?? 0) + 1;
  return {
    files,
    labels,
    summary: {
      parts,
      diversity,
      generation: {
        n_samples: all.length,
        new_tokens: newTokens,
        prefill_ms: prefill,
        decode_ms: decode,
        tokens_per_second: prefill + decode > 0 ? newTokens / ((prefill + decode) / 1000) : null,
        stop_reasons
      }
    }
  };
}
