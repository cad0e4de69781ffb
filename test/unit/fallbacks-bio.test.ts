import { describe, expect, it } from 'vitest';
import {
  bm25Scores,
  detectBioEnding,
  factScorePrompt,
  findRepeatedSentences,
  fixSentenceSplits,
  isSupportedAnswer,
  scoreBio,
  splitSentences,
  topPassages,
  type FactJudge
} from '../../src/lib/core/fallbacks/index';

describe('splitSentences', () => {
  it('splitSentences keeps initials and common abbreviations inside a sentence, and does not break at newlines', () => {
    expect(splitSentences('J. R. R. Tolkien was born in 1892. He wrote books.')).toEqual(['J. R. R. Tolkien was born in 1892.', 'He wrote books.']);
    expect(splitSentences('He played Dr. Smith in a U.S. Army film. It was a hit.')).toEqual([
      'He played Dr. Smith in a U.S. Army film.',
      'It was a hit.'
    ]);
    expect(splitSentences('Career\n\nHe began acting in 1970. He stopped.')).toEqual(['Career\n\nHe began acting in 1970.', 'He stopped.']);
  });

  it('fixSentenceSplits re-merges a split inside initials that no sentence contains', () => {
    expect(fixSentenceSplits(['Born to J.', 'R. Smith, he acted.'], ['J. R.'])).toEqual(['Born to J. R. Smith, he acted.']);
  });

  it('fixSentenceSplits appends one-word and lower-case sentences to the previous one', () => {
    expect(fixSentenceSplits(['He was an actor.', 'Yes.', 'and then he left.', 'He came back.'], [])).toEqual([
      'He was an actor. Yes. and then he left.',
      'He came back.'
    ]);
  });

  it('fixSentenceSplits merges the sentence after a one-word FIRST sentence, and keeps merging after more one-word ones (FActScore typo)', () => {
    expect(fixSentenceSplits(['Hi.', 'He was an actor.', 'He came back.'], [])).toEqual(['Hi. He was an actor.', 'He came back.']);
    expect(fixSentenceSplits(['Hi.', 'Yes.', 'He was an actor.', 'He came back.'], [])).toEqual(['Hi. Yes. He was an actor.', 'He came back.']);
  });
});

describe('detectBioEnding', () => {
  const topic = 'Lanny Flaherty';
  it('detectBioEnding: a new "The following is a bio" is a topic change', () => {
    const r = detectBioEnding('Lanny Flaherty is an actor. He was born in 1942. The following is a bio of Tom Hanks: Tom.', topic);
    expect(r).toEqual({ sentences: ['Lanny Flaherty is an actor.', 'He was born in 1942.'], status: 'TOPIC_CHANGE' });
  });

  it('detectBioEnding: "References" or a short heading after a blank line ends the bio; he/she/topic words continue it', () => {
    expect(detectBioEnding('Lanny Flaherty is an actor.\n\nHe was born in 1942.\n\nReferences\n\n1. IMDb.', topic)).toEqual({
      sentences: ['Lanny Flaherty is an actor.', 'He was born in 1942.'],
      status: 'TOPIC_CHANGE'
    });
    expect(detectBioEnding('Lanny Flaherty is an actor.\n\nFilmography\n\nHe acted.', topic).status).toBe('TOPIC_CHANGE');
    expect(detectBioEnding('Lanny Flaherty is an actor.\n\nFlaherty acted in Natural Born Killers.', topic).status).toBe('EOS');
    // "Indeed…" starts with "in": a plain prefix test continues the bio
    expect(detectBioEnding('Lanny Flaherty is an actor.\n\nIndeed.', topic).status).toBe('EOS');
  });

  it('detectBioEnding: a last sentence without a final period was cut by the budget: dropped, BAD_FORMAT', () => {
    expect(detectBioEnding('Lanny Flaherty is an actor. He was born in', topic)).toEqual({ sentences: ['Lanny Flaherty is an actor.'], status: 'BAD_FORMAT' });
    expect(detectBioEnding('', topic)).toEqual({ sentences: [], status: 'BAD_FORMAT' });
  });
});

describe('findRepeatedSentences and scoreBio', () => {
  it('findRepeatedSentences matches exact text, or lower-cased text with digits masked', () => {
    expect(findRepeatedSentences(['He was born in 1950.', 'He acted.', 'he was born in 1951.', 'He acted.'])).toEqual([null, null, 0, 1]);
  });

  it('scoreBio without a judge labels facts UNCHECKED (0), never correct, and repetitions R', async () => {
    const r = await scoreBio('Lanny Flaherty', ' is an actor. He was born in 1942. He was born in 1943. He acted.');
    expect(r.judge).toBeNull();
    expect(r.sentences.map((s) => s.repeatOf)).toEqual([null, null, 1, null]);
    expect(r.order).toEqual([0, 0, 3, 0, 6]);
    expect([r.correct, r.hallucinated, r.repeated, r.unchecked, r.eos, r.bad_format, r.topic_change]).toEqual([0, 0, 1, 3, 1, 0, 0]);
  });

  it('scoreBio with a judge: verdicts become C/H facts, a repetition carries its source facts as R, an empty verdict drops the sentence', async () => {
    const seen: string[] = [];
    const judge: FactJudge = {
      name: 'test-judge',
      async judge({ sentence }) {
        seen.push(sentence);
        if (sentence.startsWith('He was born')) return [{ atom: 'born', supported: true }, { atom: 'in 1942', supported: false }];
        if (sentence === 'Nothing here.') return [];
        return [{ atom: sentence, supported: true }];
      }
    };
    const r = await scoreBio('Lanny Flaherty', ' is an actor. He was born in 1942. Nothing here. He was born in 1942.', { judge });
    expect(seen).toEqual(['Lanny Flaherty is an actor.', 'He was born in 1942.', 'Nothing here.']); // the repetition is not sent
    expect(r.status).toBe('EOS');
    expect(r.order).toEqual([1, 1, 2, 3, 3, 6]);
    expect(r.sentences[2].dropped).toBe(true);
    expect([r.correct, r.hallucinated, r.repeated]).toEqual([2, 1, 2]);
    expect(r.judge).toBe('test-judge');
  });

  it('scoreBio: a cut-off last sentence is dropped before judging (BAD_FORMAT), even with a one-word tail merged into it', async () => {
    const seen: string[] = [];
    const judge: FactJudge = { name: 'j', judge: async ({ sentence }) => (seen.push(sentence), [{ atom: sentence, supported: false }]) };
    const r = await scoreBio('Lanny Flaherty', ' is an actor. He was born in 1942. He', { judge });
    expect(seen).toEqual(['Lanny Flaherty is an actor.']); // "He was born in 1942. He" has no final period
    expect(r.order).toEqual([2, 4]);
    expect(r.bad_format).toBe(1);
  });

  it('scoreBio names a missing topic', async () => {
    await expect(scoreBio('', 'x')).rejects.toThrow('scoreBio(topic, completion): topic must be a non-empty string, got ""');
  });
});

describe('FActScore verification prompt and answer parsing', () => {
  it('factScorePrompt lists the passages best LAST and ends the context with a period', () => {
    const p = factScorePrompt('Ada Lovelace', ' She wrote the first program. ', [
      { title: 'Ada Lovelace', text: '<s>Best passage</s>' },
      { title: 'Ada Lovelace', text: 'Second passage' }
    ]);
    expect(p).toBe(
      'Answer the question about Ada Lovelace based on the given context.\n\n' +
        'Title: Ada Lovelace\nText: Second passage\n\n' +
        'Title: Ada Lovelace\nText: Best passage.\n\n' +
        'Input: She wrote the first program. True or False?\nOutput:'
    );
  });

  it('isSupportedAnswer reads True/False the FActScore way', () => {
    expect(isSupportedAnswer('True')).toBe(true);
    expect(isSupportedAnswer('FALSE.')).toBe(false);
    expect(isSupportedAnswer('False at first glance, but true.')).toBe(true); // first "true" after first "false"
    expect(isSupportedAnswer('True, not false')).toBe(false);
    expect(isSupportedAnswer('The context does not say.')).toBe(false);
    expect(isSupportedAnswer('No information.')).toBe(false);
    expect(isSupportedAnswer('Yes')).toBe(true);
  });
});

describe('BM25 (rank_bm25 BM25Okapi defaults)', () => {
  it('bm25Scores matches a hand-worked example, with the negative-idf floor', () => {
    // docs: "a b" | "b c" | "c d d"; N = 3, avgdl = 7/3.
    // idf(a) = ln(2.5/1.5), idf(b) = idf(c) = ln(1.5/2.5) < 0, idf(d) = ln(2.5/1.5).
    // mean idf = (2·ln(5/3) + 2·ln(3/5)) / 4 = 0, so the negative idfs become ε·0 = 0.
    const s = bm25Scores(['a b', 'b c', 'c d d'], 'a d');
    const idf = Math.log(2.5 / 1.5);
    const tf = (f: number, dl: number): number => (f * 2.5) / (f + 1.5 * (0.25 + (0.75 * dl) / (7 / 3)));
    expect(s[0]).toBeCloseTo(idf * tf(1, 2), 12);
    expect(s[1]).toBe(0);
    expect(s[2]).toBeCloseTo(idf * tf(2, 3), 12);
  });

  it('topPassages ranks by BM25 of topic + atom, ties in passage order', () => {
    const ps = [
      { title: 'T', text: 'born in London' },
      { title: 'T', text: 'wrote a novel' },
      { title: 'T', text: 'novel prize novel' },
      { title: 'T', text: 'other words' },
      { title: 'T', text: 'more words' },
      { title: 'T', text: 'still more' }
    ];
    expect(topPassages(ps, 'X', 'novel', 2).map((p) => p.text)).toEqual(['novel prize novel', 'wrote a novel']);
    expect(topPassages(ps, 'X', 'zzz', 2).map((p) => p.text)).toEqual(['born in London', 'wrote a novel']);
  });
});
