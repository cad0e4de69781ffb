/**
 * Labels one list completion (TriviaFacts, QAMPARI, FakeQAMPARI): the per-slot order and the counts of the paper's
 * bar charts (method-fallbacks.md §4.4, the list branch of `_analyze_results`).
 */
import { extractAnswers, type ExtractOptions } from './extractAnswers';
import { CORRECT, HALLUCINATED, MAX_ANSWERS, REPEATED, STATUS_CODE, type ListStatus, type SlotLabel } from './labels';
import { matchAnswers, type AnswerMatch } from './matchAnswers';
import { normalizeAnswer } from './normalizeAnswer';
import { maskDigits } from './pyText';

export interface ListCase {
  /** The generated text after the prompt's `"\n1."`. */
  readonly completion: string;
  /** Gold answers, or null when there is no gold list (FakeQAMPARI): then nothing is correct. */
  readonly gold: readonly string[] | null;
  /**
   * The prompt as the reference compares answers against it: the model input without its `"\n1."` suffix, with
   * any instruction prefix. An answer equal to it counts as a repetition (the model repeated the instruction).
   */
  readonly prompt: string;
}

/** The counts of one completion; they sum to 25. */
export interface ListCounts {
  readonly correct: number;
  readonly hallucinated: number;
  readonly repeated: number;
  readonly bad_format: number;
  readonly topic_change: number;
  readonly eos: number;
}

export interface ListLabel extends ListCounts {
  readonly answers: string[];
  readonly normalized: string[];
  readonly status: ListStatus;
  /** 25 codes: 1 C, 2 H, 3 R per answer, then the ending code (4, 5 or 6) for the missing slots. */
  readonly order: SlotLabel[];
  /** The accepted gold–prediction pairs (normalised), in acceptance order; [] without gold. */
  readonly matches: AnswerMatch[];
}

/**
 * Labels a list completion in two views that disagree on purpose, as in the reference:
 *
 * **order** (per slot, on normalised answers; used by the heat maps and the ordering test): an answer seen
 * before is R (3); else one matched to gold is C (1); else H (2). Missing slots get the ending code.
 *
 * **counts** (used by the bar charts), on the raw answers with every digit run replaced by `$$$`:
 * - `correct` = matched gold pairs (`matchAnswers`);
 * - `repeated_instruction` = 1 when an answer equals `prompt` exactly;
 * - `hallucinated` = |distinct masked answers| − correct − repeated_instruction;
 * - `repeated` = #answers − |distinct masked answers| + repeated_instruction;
 * - 25 − #answers goes to `bad_format`, `topic_change` or `eos`, by status.
 *
 * So "Asia" then "asia" are C, R in order but 1 C + 1 H in counts; "Atlantis 2", "Atlantis 3" are H, H in order
 * but 1 H + 1 R in counts. Counts always sum to 25. `hallucinated` can be negative when two correct answers differ
 * only in digits (reference behaviour, kept so the counts match the paper's).
 *
 * @example labelListCompletion({ completion: ' Asia\n2. Asia', gold: ['Asia'], prompt: 'P' }).order.slice(0, 3) // [1, 3, 4]
 */
export function labelListCompletion(input: ListCase, options: ExtractOptions = {}): ListLabel {
  const { completion, gold, prompt } = input;
  if (typeof prompt !== 'string') throw new TypeError(`labelListCompletion: prompt must be a string, got ${typeof prompt}`);
  if (gold !== null && !(Array.isArray(gold) && gold.every((g) => typeof g === 'string'))) {
    throw new TypeError('labelListCompletion: gold must be an array of strings or null');
  }
  const maxAnswers = options.maxAnswers ?? MAX_ANSWERS;
  const { answers, status } = extractAnswers(completion, options);
  const normalized = answers.map(normalizeAnswer);
  const matched = gold === null ? { correct: 0, matchedPredictions: new Set<string>(), matches: [] } : matchAnswers(answers, gold);

  const seen = new Set<string>();
  const order: SlotLabel[] = normalized.map((a) => {
    if (seen.has(a)) return REPEATED;
    seen.add(a);
    return matched.matchedPredictions.has(a) ? CORRECT : HALLUCINATED;
  });
  if (status !== 'FULL') while (order.length < maxAnswers) order.push(STATUS_CODE[status]);

  const repeatedInstruction = answers.includes(prompt) ? 1 : 0;
  const distinct = new Set(answers.map(maskDigits)).size;
  const correct = matched.correct;
  const missing = maxAnswers - answers.length;
  return {
    answers,
    normalized,
    status,
    order,
    matches: matched.matches,
    correct,
    hallucinated: distinct - correct - repeatedInstruction,
    repeated: answers.length - distinct + repeatedInstruction,
    bad_format: status === 'BAD_FORMAT' ? missing : 0,
    topic_change: status === 'TOPIC_CHANGE' ? missing : 0,
    eos: status === 'EOS' ? missing : 0
  };
}

/** The reference's `prompt` for a model input: the input without its trailing `"\n1."`. */
export function promptOfModelInput(modelInput: string, suffix = '\n1.'): string {
  if (!modelInput.endsWith(suffix)) {
    throw new TypeError(`promptOfModelInput: a list model input must end with ${JSON.stringify(suffix)}, got …${JSON.stringify(modelInput.slice(-12))}`);
  }
  return modelInput.slice(0, modelInput.length - suffix.length);
}
