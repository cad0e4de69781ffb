/**
 * The label vocabulary of "From Loops to Oops" (Ivgi et al., 2024), as the reference code writes it.
 *
 * Per answer slot (list tasks) or per atomic fact (bios): C = 1 correct, H = 2 hallucinated, R = 3 repeated.
 * A list shorter than 25 is padded with its ending code: BAD_FORMAT = 4, TOPIC_CHANGE = 5, EOS = 6.
 * Ours: UNCHECKED = 0 marks a bio fact that no judge has checked (never counted as correct).
 */

export const CORRECT = 1;
export const HALLUCINATED = 2;
export const REPEATED = 3;
export const BAD_FORMAT = 4;
export const TOPIC_CHANGE = 5;
export const EOS = 6;
/** A bio fact nobody checked (no judge). Not a code of the reference. */
export const UNCHECKED = 0;

export type SlotLabel = typeof UNCHECKED | typeof CORRECT | typeof HALLUCINATED | typeof REPEATED | EndingCode;
export type EndingCode = typeof BAD_FORMAT | typeof TOPIC_CHANGE | typeof EOS;

/** How a list ended. FULL: 25 answers and the list went on. */
export type ListStatus = 'FULL' | 'BAD_FORMAT' | 'TOPIC_CHANGE' | 'EOS';
/** How a bio ended (it always has an ending code). */
export type BioStatus = 'BAD_FORMAT' | 'TOPIC_CHANGE' | 'EOS';

export const STATUS_CODE: Readonly<Record<Exclude<ListStatus, 'FULL'>, EndingCode>> = {
  BAD_FORMAT,
  TOPIC_CHANGE,
  EOS
};

/** Answer slots per list prompt ("The following 25 …"). */
export const MAX_ANSWERS = 25;
/** A topic change needs at least this many answers; so do the single-line and comma-list layouts. */
export const MIN_ANSWERS = 3;
/** A one-line "stop" longer than this many words is prose, not a stopped list. */
export const MAX_WORDS_FOR_EOS = 150;
/** Greedy word-LCS matching accepts a pair at this similarity or above. */
export const MATCH_THRESHOLD = 0.55;

/** One letter per code, for compact display: `1111233…` reads as `CCCCHRR…`. */
export const LABEL_LETTER: Readonly<Record<SlotLabel, string>> = {
  0: '?',
  1: 'C',
  2: 'H',
  3: 'R',
  4: 'B',
  5: 'T',
  6: 'E'
};
