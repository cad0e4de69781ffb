/**
 * Scores one generated bio (method-fallbacks.md §5): sentences, ending, repeated sentences, and a fact check of
 * the rest through a pluggable judge. Without a judge the facts are UNCHECKED, never correct.
 */
import { detectBioEnding } from './detectBioEnding';
import type { FactJudge } from './factJudge';
import { CORRECT, HALLUCINATED, REPEATED, STATUS_CODE, UNCHECKED, type BioStatus, type SlotLabel } from './labels';
import { maskDigits, pySplit, pyStrip } from './pyText';

/**
 * For each sentence, the index of the earlier sentence it repeats, or null. A sentence repeats an earlier one
 * when its stripped text was seen, or else when its "cleaned" key was: lower-cased, split on whitespace, every
 * digit run replaced by `$$$`, joined by single spaces. Only sentences that are not repetitions record their two
 * keys, in ONE table (as the reference), so an exact text can also hit an earlier cleaned key.
 *
 * @example findRepeatedSentences(['Born in 1950.', 'He acted.', 'born in 1951.']) // [null, null, 0]
 */
export function findRepeatedSentences(sentences: readonly string[]): (number | null)[] {
  const seen = new Map<string, number>();
  return sentences.map((sentence, i) => {
    const exact = pyStrip(sentence);
    const cleaned = pySplit(sentence.toLowerCase()).map(maskDigits).join(' ');
    const source = seen.get(exact) ?? seen.get(cleaned);
    if (source !== undefined) return source;
    seen.set(sentence, i);
    seen.set(cleaned, i);
    return null;
  });
}

export interface BioFact {
  readonly atom: string;
  /** 1 C (supported), 2 H (not supported), 3 R (from a repeated sentence), 0 UNCHECKED (no judge). */
  readonly label: SlotLabel;
}

export interface BioSentence {
  readonly text: string;
  /** Index (in `sentences`) of the sentence this one repeats, or null. */
  readonly repeatOf: number | null;
  /** Its facts: the judge's atoms (or the whole sentence without a judge); a repetition carries its source's atoms as R. */
  readonly facts: BioFact[];
  /** The judge found no fact in it: it counts for nothing (FActScore drops such sentences). */
  readonly dropped: boolean;
}

export interface BioScore {
  readonly topic: string;
  readonly status: BioStatus;
  readonly sentences: BioSentence[];
  /** Fact labels in generation order, then the ending code (4, 5 or 6). */
  readonly order: SlotLabel[];
  /** Fact counts (the reference's CSV columns) and ending flags (0/1). */
  readonly correct: number;
  readonly hallucinated: number;
  readonly repeated: number;
  readonly unchecked: number;
  readonly bad_format: 0 | 1;
  readonly topic_change: 0 | 1;
  readonly eos: 0 | 1;
  /** The judge's name, or null when facts were not checked. */
  readonly judge: string | null;
}

export interface ScoreBioOptions {
  readonly judge?: FactJudge;
  readonly signal?: AbortSignal;
}

/**
 * Scores a bio the way the reference does, with a judge in place of FActScore:
 * 1. paragraph = topic + " " + completion, with every double space made single;
 * 2. sentences and ending by `detectBioEnding`;
 * 3. repetitions by `findRepeatedSentences`; they are not checked;
 * 4. every other sentence goes to `judge` (one request at a time, in order); its verdicts are the sentence's facts
 *    (C when supported, H when not). With no judge each such sentence is ONE fact labelled UNCHECKED (0);
 * 5. a repeated sentence contributes its source's facts, each labelled R.
 *
 * Counts are numbers of facts; `bad_format`, `topic_change` and `eos` are 0/1 flags, as in the reference's CSV.
 * One deliberate difference: a repetition of a sentence the judge dropped (no facts) contributes no facts; the
 * reference re-maps its index onto a neighbouring sentence.
 */
export async function scoreBio(topic: string, completion: string, options: ScoreBioOptions = {}): Promise<BioScore> {
  if (typeof topic !== 'string' || topic.length === 0) throw new TypeError(`scoreBio(topic, completion): topic must be a non-empty string, got ${JSON.stringify(topic)}`);
  if (typeof completion !== 'string') throw new TypeError(`scoreBio(topic, completion): completion must be a string, got ${typeof completion}`);
  const { judge, signal } = options;
  const paragraph = `${topic} ${completion}`.replaceAll('  ', ' ');
  const { sentences, status } = detectBioEnding(paragraph, topic);
  const repeatOf = findRepeatedSentences(sentences);

  const out: BioSentence[] = [];
  for (let i = 0; i < sentences.length; i++) {
    const source = repeatOf[i];
    if (source !== null) {
      out.push({ text: sentences[i], repeatOf: source, facts: out[source].facts.map((f) => ({ atom: f.atom, label: REPEATED })), dropped: false });
      continue;
    }
    if (!judge) {
      out.push({ text: sentences[i], repeatOf: null, facts: [{ atom: sentences[i], label: UNCHECKED }], dropped: false });
      continue;
    }
    signal?.throwIfAborted();
    const verdicts = await judge.judge({ topic, sentence: sentences[i], index: i }, signal);
    if (!Array.isArray(verdicts)) throw new TypeError(`scoreBio: judge ${judge.name} returned ${typeof verdicts} for sentence ${i}, expected an array of verdicts`);
    const facts = verdicts.map((v) => ({ atom: v.atom, label: (v.supported ? CORRECT : HALLUCINATED) as SlotLabel }));
    out.push({ text: sentences[i], repeatOf: null, facts, dropped: facts.length === 0 });
  }

  const order: SlotLabel[] = out.flatMap((s) => s.facts.map((f) => f.label));
  const count = (label: SlotLabel): number => order.filter((l) => l === label).length;
  order.push(STATUS_CODE[status]);
  return {
    topic,
    status,
    sentences: out,
    order,
    correct: count(CORRECT),
    hallucinated: count(HALLUCINATED),
    repeated: count(REPEATED),
    unchecked: count(UNCHECKED),
    bad_format: status === 'BAD_FORMAT' ? 1 : 0,
    topic_change: status === 'TOPIC_CHANGE' ? 1 : 0,
    eos: status === 'EOS' ? 1 : 0,
    judge: judge ? judge.name : null
  };
}
