/**
 * Live labels for a list prompt while its completion streams (the Teach page colours the 25 slots as the model
 * writes): the answers whose line has ended get C, H or R; the answer being written is "pending"; when the stream
 * ends, the slots are exactly `labelListCompletion(...).order`.
 */
import { labelListCompletion, promptOfModelInput, type ListCounts } from './labelListCompletion';
import { LIST_SUFFIX } from './prompts';
import { MAX_ANSWERS, type ListStatus, type SlotLabel } from './labels';

/** One slot: a label code (1 C, 2 H, 3 R; at the end also 4/5/6 for the missing slots), `'pending'`, or null (empty). */
export type LiveSlot = SlotLabel | 'pending' | null;

export interface LiveList {
  /** What the model was fed, ending with the suffix (`"…\n1."`). */
  readonly modelInput: string;
  /** The suffix the model input ends with (default `"\n1."`; `":\n1."` for the colon variant). */
  readonly suffix?: string;
  /** Gold answers, or null when there is none (FakeQAMPARI: nothing is correct). */
  readonly gold: readonly string[] | null;
}

export interface LiveListLabels {
  /** Always 25 slots. */
  readonly slots: LiveSlot[];
  /** The answers behind the labelled slots, in order (at the end: all answers, at most 25). */
  readonly answers: string[];
  /** The text of the answer being written (after the last line end), or null when none is pending. */
  readonly pendingText: string | null;
  /** True once the stream has ended: slots, status and counts are then final. */
  readonly final: boolean;
  /** How the list ended (final only). */
  readonly status: ListStatus | null;
  /** The bar-chart counts (final only). */
  readonly counts: ListCounts | null;
}

/** A line holding only an enumerator ("3."): the reference joins it with the next line ("3.\nFoo" → "3. Foo"). */
const BARE_ENUMERATOR = /^\d+\.[ \t]*$/;

/**
 * The slots of a list completion streamed so far.
 *
 * While streaming (`done` false), the completed part is the text up to its last line end (a trailing line that
 * is only an enumerator such as "3." stays pending: the reference joins it with the next line). The completed part
 * is labelled with `labelListCompletion`, and its first answers (at most 25) fill the slots with C, H or R. The
 * next slot is `'pending'` unless 25 answers are complete; the rest are null. No ending code is shown before the
 * end. Labels are recomputed from the whole completed part each time, so an earlier slot can change: greedy gold
 * matching may move a match to a better later answer, and a first line read as a comma list stops being one when
 * numbered lines follow (both as in the reference).
 *
 * When `done` is true, the slots are `labelListCompletion` on the whole text: C/H/R per answer, then the ending
 * code (4 bad format, 5 topic change, 6 EOS) for the missing slots.
 *
 * @example liveListLabels({ modelInput: 'The following 25 are continents\n1.', gold: ['Asia'] }, ' Asia\n2. Eur', false).slots.slice(0, 3)
 *   // [1, 'pending', null]
 */
export function liveListLabels(list: LiveList, text: string, done: boolean): LiveListLabels {
  if (typeof list !== 'object' || list === null) throw new TypeError(`liveListLabels(list, text, done): list must be {modelInput, gold}, got ${list === null ? 'null' : typeof list}`);
  if (typeof text !== 'string') throw new TypeError(`liveListLabels(list, text, done): text must be a string, got ${typeof text}`);
  const prompt = promptOfModelInput(list.modelInput, list.suffix ?? LIST_SUFFIX);
  const gold = list.gold;
  if (done) {
    const l = labelListCompletion({ completion: text, gold, prompt });
    const { correct, hallucinated, repeated, bad_format, topic_change, eos } = l;
    return { slots: [...l.order], answers: l.answers, pendingText: null, final: true, status: l.status, counts: { correct, hallucinated, repeated, bad_format, topic_change, eos } };
  }
  let cut = text.lastIndexOf('\n') + 1;
  if (cut > 0) {
    const lineStart = text.lastIndexOf('\n', cut - 2) + 1;
    if (BARE_ENUMERATOR.test(text.slice(lineStart, cut - 1))) cut = lineStart;
  }
  const completed = text.slice(0, cut);
  const l = labelListCompletion({ completion: completed, gold, prompt });
  const n = Math.min(l.answers.length, MAX_ANSWERS);
  const slots: LiveSlot[] = Array<LiveSlot>(MAX_ANSWERS).fill(null);
  for (let i = 0; i < n; i++) slots[i] = l.order[i];
  if (n < MAX_ANSWERS) slots[n] = 'pending';
  return { slots, answers: l.answers.slice(0, n), pendingText: n < MAX_ANSWERS ? text.slice(cut) : null, final: false, status: null, counts: null };
}

/**
 * A stateful helper around `liveListLabels` for a stream of text pieces (e.g. `onToken` deltas): it keeps the
 * text and only relabels when a line has ended. `push` returns the current labels; `end` returns the final ones.
 *
 * @example
 *   const live = new LiveListLabeller({ modelInput: built.modelInput, suffix: built.suffix, gold });
 *   const c = await generateFallbackCompletion(model, built, { seed, onToken: (e) => paint(live.push(e.text)) });
 *   paint(live.end(c.completion));
 */
export class LiveListLabeller {
  private text = '';
  private last: LiveListLabels | null = null;

  constructor(private readonly list: LiveList) {
    promptOfModelInput(list.modelInput, list.suffix ?? LIST_SUFFIX); // fail early on a model input without its suffix
  }

  /** The text received so far. */
  get completion(): string {
    return this.text;
  }

  push(delta: string): LiveListLabels {
    if (typeof delta !== 'string') throw new TypeError(`LiveListLabeller.push(delta): delta must be a string, got ${typeof delta}`);
    this.text += delta;
    if (this.last && !delta.includes('\n')) {
      // No line ended: the labels stand, only the pending answer grew.
      if (this.last.pendingText !== null) this.last = { ...this.last, pendingText: this.last.pendingText + delta };
      return this.last;
    }
    this.last = liveListLabels(this.list, this.text, false);
    return this.last;
  }

  /**
   * The final labels. Pass the finished completion (e.g. `FallbackCompletion.completion`, the decode of all ids)
   * when it may differ from the pushed pieces: streamed token texts can hold back or re-split characters.
   */
  end(completion?: string): LiveListLabels {
    if (completion !== undefined) {
      if (typeof completion !== 'string') throw new TypeError(`LiveListLabeller.end(completion): completion must be a string, got ${typeof completion}`);
      this.text = completion;
    }
    this.last = liveListLabels(this.list, this.text, true);
    return this.last;
  }
}
