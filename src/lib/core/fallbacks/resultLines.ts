/**
 * Lines of the reference's output files (method-fallbacks.md §3), byte for byte as Python's `json.dumps` and
 * pandas' `to_csv` write them, so the reference's readers and ours read each other's files.
 */
import type { ListLabel } from './labelListCompletion';
import { CORRECT, LABEL_LETTER, MAX_ANSWERS, type SlotLabel } from './labels';
import { normalizeAnswer } from './normalizeAnswer';
import { pyFloatRepr, pyJsonDumps, pyJsonString } from './pyText';

/** One line of the results JSONL: `{"prompt": <prompt without the suffix>, "completion": <text after it>}`. */
export function resultsJsonLine(prompt: string, completion: string): string {
  if (typeof prompt !== 'string') throw new TypeError(`resultsJsonLine(prompt, completion): prompt must be a string, got ${typeof prompt}`);
  if (typeof completion !== 'string') throw new TypeError(`resultsJsonLine(prompt, completion): completion must be a string, got ${typeof completion}`);
  return pyJsonDumps({ prompt, completion });
}

/** The top-k of one generated step: [token text, logprob] pairs, highest first. */
export type TopK = ReadonlyArray<readonly [string, number]>;

/**
 * One line of the logprobs JSONL: `{"prompt": <model input, suffix included>, "logprobs": [{tok: lp, …}, …]}`, one
 * dict per generated step. Each token is the text of its id decoded alone (a leading space is kept). When two ids
 * decode to the same text, the dict keeps ONE key at the position of the first, with the value of the LAST (as a
 * Python dict comprehension does), so a dict can have fewer than k keys. Logprobs are written as Python floats;
 * a non-finite logprob is refused (Python would write `-Infinity`, which is not JSON).
 */
export function logprobsJsonLine(modelInput: string, steps: readonly TopK[]): string {
  if (typeof modelInput !== 'string') throw new TypeError(`logprobsJsonLine(modelInput, steps): modelInput must be a string, got ${typeof modelInput}`);
  if (!Array.isArray(steps)) throw new TypeError(`logprobsJsonLine(modelInput, steps): steps must be an array of top-k lists, got ${typeof steps}`);
  const dicts = steps.map((step, t) => {
    const merged = new Map<string, number>();
    for (const pair of step) {
      const [tok, lp] = pair;
      if (typeof tok !== 'string' || typeof lp !== 'number' || !Number.isFinite(lp)) {
        throw new RangeError(`logprobsJsonLine: step ${t} has a bad pair ${JSON.stringify(pair)}; expected [token text, finite logprob]`);
      }
      merged.set(tok, lp); // a Map keeps the first insertion position and takes the last value
    }
    return `{${[...merged].map(([tok, lp]) => `${pyJsonString(tok)}: ${pyFloatRepr(lp)}`).join(', ')}}`;
  });
  return `{"prompt": ${pyJsonString(modelInput)}, "logprobs": [${dicts.join(', ')}]}`;
}

/** The columns of the results CSV after its (unnamed) prompt index, in order. */
export const RESULTS_CSV_COLUMNS = ['correct', 'bad_format', 'topic_change', 'eos', 'hallucinated', 'repeated', 'degenerated_tail', 'order'] as const;

export interface ResultsRow {
  readonly correct: number;
  readonly bad_format: number;
  readonly topic_change: number;
  readonly eos: number;
  readonly hallucinated: number;
  readonly repeated: number;
  readonly degenerated_tail: boolean;
  readonly order: readonly SlotLabel[];
}

/** The header line of the results CSV: `,correct,bad_format,…,order` (pandas leaves the index column unnamed). */
export function resultsCsvHeader(): string {
  return ',' + RESULTS_CSV_COLUMNS.join(',');
}

/** A CSV field as Python's csv module writes it with QUOTE_MINIMAL and "\n" line ends. */
export function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * One row of the results CSV, indexed by the prompt. Counts are written as ints, or as Python floats when the row
 * averages `reps` > 1 samples (`4.2`, `0.0`); `degenerated_tail` as `True`/`False`; `order` as a Python list
 * literal (`"[1, 1, 2, …]"`, read back by the reference with `eval`).
 */
export function resultsCsvRow(prompt: string, row: ResultsRow, options: { readonly reps?: number } = {}): string {
  const reps = options.reps ?? 1;
  const num = (name: string, v: number): string => {
    if (!Number.isFinite(v)) throw new RangeError(`resultsCsvRow: ${name} must be a finite number, got ${v}`);
    if (reps > 1) return pyFloatRepr(v);
    if (!Number.isInteger(v)) throw new RangeError(`resultsCsvRow: ${name} must be an integer for a single sample, got ${v} (pass reps for averaged rows)`);
    return String(v);
  };
  const cells = [
    csvField(prompt),
    num('correct', row.correct),
    num('bad_format', row.bad_format),
    num('topic_change', row.topic_change),
    num('eos', row.eos),
    num('hallucinated', row.hallucinated),
    num('repeated', row.repeated),
    row.degenerated_tail ? 'True' : 'False',
    csvField(`[${row.order.join(', ')}]`)
  ];
  return cells.join(',');
}

/** The header of the report CSV (`reports/…`): an unnamed row number, then Prompt, Expected, Prediction, Raw Prediction. */
export function reportCsvHeader(): string {
  return ',Prompt,Expected,Prediction,Raw Prediction';
}

/**
 * One row of the report CSV, as the reference writes it for people to read:
 * - Expected: the gold answers one per line, the matched ones first (in matching order);
 * - Prediction: one line per answer, `answer (C|H|R)`, the matched answers first (in matching order), then the
 *   others in generation order, and `(STATUS)` on a last line when there are fewer than 25 answers;
 * - Raw Prediction: the completion.
 */
export function reportCsvRow(row: number, prompt: string, gold: readonly string[], label: ListLabel, completion: string): string {
  const firstIndex = (xs: readonly string[], x: string): number => xs.indexOf(x);
  const normGold = gold.map(normalizeAnswer);
  const goldFirst = label.matches.map((m) => firstIndex(normGold, m.gold));
  const goldOrder = [...goldFirst, ...gold.map((_, i) => i).filter((i) => !goldFirst.includes(i))];
  const predFirst = label.matches.map((m) => firstIndex(label.normalized, m.prediction));
  const predOrder = [...predFirst, ...label.answers.map((_, i) => i).filter((i) => !predFirst.includes(i))];
  const marks = [...Array<SlotLabel>(label.correct).fill(CORRECT), ...label.order.filter((l) => l !== CORRECT)];
  const lines = predOrder.map((i, k) => `${label.answers[i]} (${LABEL_LETTER[marks[k]]})`);
  const suffix = label.answers.length < MAX_ANSWERS ? `\n(${label.status})` : '';
  return [String(row), csvField(prompt), csvField(goldOrder.map((i) => gold[i]).join('\n')), csvField(lines.join('\n') + suffix), csvField(completion)].join(',');
}
