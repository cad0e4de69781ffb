/**
 * Splits a list completion into answers and says how the list ended (method-fallbacks.md §4.1, `extract_answers`
 * of the reference). The completion is the text after the prompt's `"\n1."`, so the first answer has no number.
 */
import { MAX_ANSWERS, MAX_WORDS_FOR_EOS, MIN_ANSWERS, type ListStatus } from './labels';
import { PY_DIGIT, PY_WORD, PY_WS, pyDigitsToInt, pyLstrip, pySplit, pyStrip } from './pyText';

export interface ExtractedAnswers {
  /** The answers in order, numbering removed, at most `maxAnswers`. Raw text (not normalised). */
  readonly answers: string[];
  readonly status: ListStatus;
}

export interface ExtractOptions {
  /** Slots in the list (default 25). */
  readonly maxAnswers?: number;
  /** A stop after more words than this is bad format (default 150). */
  readonly maxWordsForEos?: number;
}

/** `N.` then optional whitespace then the answer (`^(\d+)\.\s*(.*)$`). */
const ENUM = new RegExp(`^(${PY_DIGIT}+)\\.[${PY_WS}]*([^\\n]*)$`, 'u');
/** A numbered item on one line: `(\d+)\.\s?\w`. */
const INLINE_NUMBER = new RegExp(`(${PY_DIGIT}+)\\.[${PY_WS}]?[${PY_WORD}]`, 'gu');
/** The same with any amount of whitespace, looked for in the whole completion. */
const ANY_NUMBER = new RegExp(`(${PY_DIGIT}+)\\.[${PY_WS}]*[${PY_WORD}]`, 'gu');
const INLINE_SPLIT = new RegExp(`${PY_DIGIT}+\\.[${PY_WS}]?`, 'u');
/** `\n(\d+)\.\s(?=\D)`: "N." followed by one whitespace character (often a newline) and then text. */
const LOOSE_ENUM = new RegExp(`\\n(${PY_DIGIT}+)\\.[${PY_WS}](?=\\P{Nd})`, 'gu');
/** A bare number as the last line: a list cut off by the token budget. */
const BARE_NUMBER = new RegExp(`^${PY_DIGIT}+\\.?[${PY_WS}]?$`, 'u');

/**
 * Extracts the answers of a list completion, exactly as the reference does:
 *
 * 1. **One line, numbered** (`" Thumb 2. Index 3. Middle"`): if the first line holds at least 3 numbers
 *    `N.`, and they are exactly 2, 3, 4, …, the answers are the first line split at the numbers. If there are at
 *    least 3 numbers in another order, nothing is taken from the first line and rule 2 is skipped.
 * 2. **One line, comma-separated**: if the first line has at least 3 comma parts and the whole completion has fewer
 *    than 3 numbered items, the parts are the answers.
 *    After rule 1 or 2 the list counts as stopped (a topic change, or EOS when the completion is that one line).
 * 3. **One answer per line**: `"\nN.<one whitespace char>"` is normalised to `"\nN. "`; everything from a
 *    `"\nThe following "` on is cut (a new list: topic change); at the first blank line, the text after it is cut
 *    if the line before the blank is item 25, or if every line after the first is numbered 2, 3, 4, … and there are
 *    at least 3 lines (topic change, or EOS when only whitespace follows). The non-empty lines are the answers,
 *    with their `N.` removed (the number is not checked; `"5."` gives the answer `""`). A bare number as the last
 *    line is dropped (cut off by the token budget).
 *
 * Then: fewer than 25 lines means the model stopped (a topic change; EOS unless something was cut). A stop after
 * more than 150 words is bad format (prose), and a topic change needs at least 3 answers. The answers are clipped
 * to 25.
 *
 * Returns `status`: `FULL` for 25 answers with the list going on; with fewer than 25, `BAD_FORMAT` when it did not
 * stop as a list, else `EOS` or `TOPIC_CHANGE`. 25 answers after a stop (exactly 25 lines) is `TOPIC_CHANGE`.
 *
 * @example extractAnswers(' Asia\n2. Africa\n3. Europe') // { answers: ['Asia', 'Africa', 'Europe'], status: 'EOS' }
 */
export function extractAnswers(completion: string, options: ExtractOptions = {}): ExtractedAnswers {
  if (typeof completion !== 'string') {
    throw new TypeError(`extractAnswers(completion): completion must be a string, got ${completion === null ? 'null' : typeof completion}`);
  }
  const maxAnswers = options.maxAnswers ?? MAX_ANSWERS;
  const maxWordsForEos = options.maxWordsForEos ?? MAX_WORDS_FOR_EOS;
  if (!Number.isInteger(maxAnswers) || maxAnswers < 1) throw new RangeError(`extractAnswers: maxAnswers must be a positive integer, got ${maxAnswers}`);

  let result = completion;
  let topicChange = false;
  let eos = false;
  let trimmed = false;
  const nWords = pySplit(result).length;
  const oneNonEmptyLine = (): boolean => result.split('\n').filter((l) => pyStrip(l).length > 0).length === 1;

  const firstLine = result.split('\n')[0];
  let lines: string[] | null = null;
  const inline = [...firstLine.matchAll(INLINE_NUMBER)].map((m) => m[1]);
  if (inline.length >= MIN_ANSWERS) {
    if (inline.every((n, i) => pyDigitsToInt(n) === i + 2)) {
      // The reference re-adds the numbers so that the per-line rule below strips them again.
      lines = firstLine.split(INLINE_SPLIT).map((a, i) => `${i + 2}. ${pyStrip(a)}`);
      topicChange = lines.length <= maxAnswers;
      eos = oneNonEmptyLine();
      trimmed = true;
    }
  } else {
    const parts = firstLine.split(',');
    if (parts.length >= MIN_ANSWERS && [...result.matchAll(ANY_NUMBER)].length < MIN_ANSWERS) {
      lines = parts.map((a, i) => `${i + 2}. ${pyStrip(a)}`);
      topicChange = lines.length <= maxAnswers;
      eos = oneNonEmptyLine();
      trimmed = true;
    }
  }

  if (lines === null) {
    result = result.replace(LOOSE_ENUM, '\n$1. ');
    const following = result.indexOf('\nThe following ');
    if (following >= 0) {
      result = result.slice(0, following);
      trimmed = true;
      topicChange = true;
      eos = false;
    }
    const blank = result.indexOf('\n\n');
    if (blank >= 0) {
      const before = result.slice(0, blank);
      const beforeLines = before.split('\n');
      const endsAtLastSlot = (beforeLines.at(-1) as string).startsWith(`${maxAnswers}.`);
      const cleanBlock =
        beforeLines.slice(1).every((line, i) => {
          const m = ENUM.exec(line);
          return m !== null && pyDigitsToInt(m[1]) === i + 2;
        }) && beforeLines.length >= MIN_ANSWERS;
      if (endsAtLastSlot || cleanBlock) {
        topicChange = true;
        eos = pyStrip(result.slice(blank)).length === 0;
        trimmed = !eos;
        result = before;
      }
    }
    lines = pyLstrip(result)
      .split('\n')
      .filter((l) => l.length > 0);
  }

  const answers: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = ENUM.exec(lines[i]);
    if (m) answers.push(m[2]);
    else if (i === lines.length - 1 && BARE_NUMBER.test(lines[i])) eos = false;
    else answers.push(lines[i]);
  }
  topicChange = topicChange || lines.length <= maxAnswers;
  eos = eos || (!trimmed && lines.length <= maxAnswers);
  if (eos && nWords > maxWordsForEos) topicChange = eos = false;
  if (answers.length > maxAnswers) answers.length = maxAnswers;
  topicChange = topicChange && answers.length >= MIN_ANSWERS;

  let status: ListStatus;
  if (answers.length < maxAnswers) status = !topicChange ? 'BAD_FORMAT' : eos ? 'EOS' : 'TOPIC_CHANGE';
  else status = topicChange ? 'TOPIC_CHANGE' : 'FULL';
  return { answers, status };
}
