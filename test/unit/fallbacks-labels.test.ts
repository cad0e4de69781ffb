import { describe, expect, it } from 'vitest';
import {
  answerSimilarity,
  averageReps,
  extractAnswers,
  labelListCompletion,
  matchAnswers,
  normalizeAnswer,
  promptOfModelInput,
  wordLcs
} from '../../src/lib/core/fallbacks/index';
import { maskDigits, pyDigitsToInt, pyFloatRepr, pyJsonDumps, pySplit, pyStrip } from '../../src/lib/core/fallbacks/pyText';
import { readFallbacksJson } from './fallbacks-shared';

interface GoldenCase {
  name: string;
  completion: string;
  gold: string[] | null;
  model_input: string;
  prompt_for_repeated_instruction: string;
  expected: {
    answers: string[];
    status: string;
    correct: number;
    hallucinated: number;
    repeated: number;
    bad_format: number;
    topic_change: number;
    eos: number;
    order: number[];
  };
  expected_normalized_answers: string[];
}

const golden = readFallbacksJson<{ cases: GoldenCase[] }>('derived/list_label_cases.json');

describe('labelListCompletion on the reference golden vectors', () => {
  it('the golden file has the ten cases of method-fallbacks.md §4.5', () => {
    expect(golden.cases.map((c) => c.name)).toEqual([
      'loop_full',
      'eos_short_list',
      'topic_change_following',
      'topic_change_blank_line',
      'eos_blank_tail',
      'single_line_enum',
      'csv_first_line',
      'bad_format_prose',
      'bad_format_short',
      'fake_qampari_no_gold'
    ]);
  });

  for (const c of golden.cases) {
    it(`labelListCompletion(${c.name}) gives the reference's answers, status, counts and order`, () => {
      const prompt = promptOfModelInput(c.model_input);
      expect(prompt).toBe(c.prompt_for_repeated_instruction);
      const got = labelListCompletion({ completion: c.completion, gold: c.gold, prompt });
      const e = c.expected;
      expect(got.answers).toEqual(e.answers);
      expect(got.normalized).toEqual(c.expected_normalized_answers);
      expect(got.status).toBe(e.status);
      expect([got.correct, got.hallucinated, got.repeated, got.bad_format, got.topic_change, got.eos]).toEqual([
        e.correct,
        e.hallucinated,
        e.repeated,
        e.bad_format,
        e.topic_change,
        e.eos
      ]);
      expect(got.order).toEqual(e.order);
      expect(got.correct + got.hallucinated + got.repeated + got.bad_format + got.topic_change + got.eos).toBe(25);
    });
  }
});

describe('extractAnswers', () => {
  it('extractAnswers(completion) reads CRLF lists (JS "." would not match "\\r")', () => {
    const r = extractAnswers(' Thumb\r\n2. Index\r\n3. Middle\r\n4. Ring');
    expect(r.answers).toEqual(['Thumb\r', 'Index\r', 'Middle\r', 'Ring']);
    expect(r.status).toBe('EOS');
  });

  it('extractAnswers(completion) drops a bare number on the last line (cut by the token budget) and keeps "N." as ""', () => {
    const lines = [' A', ...Array.from({ length: 24 }, (_, i) => `${i + 2}. A${i}`), '26. X', '27'];
    expect(extractAnswers(lines.join('\n')).answers).toHaveLength(25);
    expect(extractAnswers(' A\n2. B\n3.\n4. D').answers).toEqual(['A', 'B', '', 'D']);
  });

  it('extractAnswers(completion) normalises "N.\\nanswer" into one item', () => {
    expect(extractAnswers(' A\n2.\nB\n3.\nC').answers).toEqual(['A', 'B', 'C']);
  });

  it('extractAnswers(completion) cuts after item 25 and a blank line: TOPIC_CHANGE, or EOS when only whitespace follows', () => {
    const list = [' A', ...Array.from({ length: 24 }, (_, i) => `${i + 2}. B${i}`)].join('\n');
    expect(extractAnswers(list + '\n\nSomething else entirely').status).toBe('TOPIC_CHANGE');
    expect(extractAnswers(list + '\n\n  \n').status).toBe('TOPIC_CHANGE'); // 25 answers after a stop
    expect(extractAnswers(list + '\n26. C\n27. D').status).toBe('FULL');
  });

  it('extractAnswers(completion) does not take an out-of-order single line, nor a comma line when the text is numbered later', () => {
    expect(extractAnswers(' A 3. B 2. C 4. D').answers).toEqual(['A 3. B 2. C 4. D']);
    const r = extractAnswers(' A, B, C\n2. D\n3. E\n4. F');
    expect(r.answers).toEqual(['A, B, C', 'D', 'E', 'F']);
  });

  it('extractAnswers(completion) calls a one-line stop after more than 150 words bad format', () => {
    const prose = ' ' + Array.from({ length: 151 }, (_, i) => `w${i}`).join(' ');
    expect(extractAnswers(' A\n2. B\n3. C').status).toBe('EOS');
    expect(extractAnswers(' A\n2. B\n3. C' + prose).status).toBe('BAD_FORMAT');
  });

  it('extractAnswers(completion) reads numbers in other scripts as Python does (\\d is Unicode)', () => {
    expect(extractAnswers(' A ٢. B ٣. C ٤. D').answers).toEqual(['A', 'B', 'C', 'D']);
  });

  it('extractAnswers(completion) names a non-string completion', () => {
    expect(() => extractAnswers(null as unknown as string)).toThrow('extractAnswers(completion): completion must be a string, got null');
  });
});

describe('normalizeAnswer', () => {
  it('normalizeAnswer(s) lower-cases, drops a trailing parenthetical, ASCII punctuation and articles', () => {
    expect(normalizeAnswer('Adelie Penguin (Pygoscelis adeliae)')).toBe('adelie penguin');
    expect(normalizeAnswer('Julien Donkey-Boy')).toBe('julien donkeyboy');
    expect(normalizeAnswer('The Lion King (1994)')).toBe('lion king');
    expect(normalizeAnswer('(1994)')).toBe('1994'); // nothing before the parenthetical: kept, then punctuation goes
    expect(normalizeAnswer('  A  Tale of   Two Cities ')).toBe('tale of two cities');
    expect(normalizeAnswer('')).toBe('');
  });

  it('normalizeAnswer(s) keeps Unicode punctuation and uses Unicode word boundaries for articles', () => {
    expect(normalizeAnswer('Rock – the band’s')).toBe('rock – band’s');
    // "é" is a word character in Python, so "thé" is not the article "the"
    expect(normalizeAnswer('thé an')).toBe('thé');
    expect(normalizeAnswer('anémone')).toBe('anémone');
  });
});

describe('matchAnswers', () => {
  it('answerSimilarity(gold, prediction) is word LCS over the gold length', () => {
    expect(answerSimilarity('thumb', 'thumb finger')).toBe(1);
    expect(answerSimilarity('king penguin', 'king')).toBe(0.5);
    expect(answerSimilarity('', 'x')).toBe(0);
    expect(wordLcs(['a', 'b', 'c', 'd'], ['b', 'x', 'd'])).toBe(2);
  });

  it('matchAnswers(predictions, gold) accepts at 0.55 of the gold length, one match per string', () => {
    const r = matchAnswers(['Thumb', 'Index finger', 'King', 'Thumb'], ['Thumb', 'Index', 'King Penguin']);
    expect(r.correct).toBe(2);
    expect([...r.matchedPredictions]).toEqual(['thumb', 'index finger']);
    expect(matchAnswers(['emperor penguin'], ['emperor penguin chick']).correct).toBe(1); // 2/3 ≥ 0.55
    expect(matchAnswers(['emperor'], ['emperor penguin']).correct).toBe(0); // 1/2 < 0.55
  });

  it('matchAnswers breaks exact ties deterministically: gold in first-occurrence order, then predictions', () => {
    // Both predictions contain "red" fully; same similarity and the same number of spaces: the first prediction wins.
    const r = matchAnswers(['red fox', 'red car'], ['red']);
    expect(r.matches).toEqual([{ gold: 'red', prediction: 'red fox', similarity: 1 }]);
    const r2 = matchAnswers(['red car', 'red fox'], ['red']);
    expect(r2.matches[0].prediction).toBe('red car');
  });

  it('matchAnswers keeps ONE used-set for gold and predictions, as the reference', () => {
    // "x y" is used as the prediction for gold "x", so gold "x y" is blocked and cannot take "x y z" either:
    // one correct answer, where separate used-sets would give two.
    const r = matchAnswers(['x y', 'x y z'], ['x', 'x y']);
    expect(r.matches.map((m) => [m.gold, m.prediction])).toEqual([['x', 'x y']]);
    expect(r.correct).toBe(1);
  });

  it('matchAnswers names a gold list that is not an array', () => {
    expect(() => matchAnswers(['a'], null as unknown as string[])).toThrow('gold must be an array of strings, got null');
  });
});

describe('labelListCompletion rules', () => {
  it('labelListCompletion counts an answer equal to the prompt as a repetition (the instruction was repeated)', () => {
    const prompt = 'The following 25 are continents of the world';
    const r = labelListCompletion({ completion: ` Asia\n2. ${prompt}\n3. Europe`, gold: ['Asia', 'Europe'], prompt });
    expect([r.correct, r.hallucinated, r.repeated, r.eos]).toEqual([2, 0, 1, 22]);
    expect(r.order.slice(0, 3)).toEqual([1, 2, 1]); // the order view does not know about the prompt
  });

  it('labelListCompletion with gold null (FakeQAMPARI) counts every distinct answer as hallucinated', () => {
    const r = labelListCompletion({ completion: ' A\n2. B\n3. A\n4. C', gold: null, prompt: 'p' });
    expect([r.correct, r.hallucinated, r.repeated]).toEqual([0, 3, 1]);
    expect(r.order.slice(0, 5)).toEqual([2, 2, 3, 2, 6]);
  });

  it('labelListCompletion: two correct answers that differ only in digits make hallucinated negative (reference behaviour)', () => {
    const r = labelListCompletion({ completion: ' Saw 2\n2. Saw 3\n3. Saw 4', gold: ['Saw 2', 'Saw 3', 'Saw 4'], prompt: 'p' });
    expect([r.correct, r.hallucinated, r.repeated]).toEqual([3, -2, 2]);
    expect(r.correct + r.hallucinated + r.repeated + r.eos).toBe(25);
  });

  it('promptOfModelInput(modelInput) refuses an input without the "\\n1." suffix', () => {
    expect(() => promptOfModelInput('The following 25 fingers')).toThrow('a list model input must end with "\\n1."');
  });
});

describe('averageReps', () => {
  const a = { correct: 4, hallucinated: 6, repeated: 15, bad_format: 0, topic_change: 0, eos: 0, order: [1, 2, 3] as (1 | 2 | 3)[], degenerated_tail: true };
  const b = { correct: 3, hallucinated: 9, repeated: 0, bad_format: 0, topic_change: 0, eos: 13, order: [2, 2, 2] as (1 | 2 | 3)[], degenerated_tail: false };

  it('averageReps(samples) divides the summed counts by R and keeps the first order', () => {
    const r = averageReps([a, b]);
    expect([r.correct, r.hallucinated, r.repeated, r.eos]).toEqual([3.5, 7.5, 7.5, 6.5]);
    expect(r.order).toEqual([1, 2, 3]);
    expect(r.correct + r.hallucinated + r.repeated + r.bad_format + r.topic_change + r.eos).toBe(25);
  });

  it('averageReps: degenerated_tail is round(mean) == 1 with ties to even, i.e. more than half', () => {
    expect(averageReps([a, b]).degenerated_tail).toBe(false); // mean 0.5 → round(0.5) = 0
    expect(averageReps([a, a, b]).degenerated_tail).toBe(true);
  });

  it('averageReps([]) names the problem', () => {
    expect(() => averageReps([])).toThrow('averageReps(samples): samples must be a non-empty array, got an empty array');
  });
});

describe('Python string semantics', () => {
  it('pyStrip and pySplit use Python whitespace: \\x1c-\\x1f and \\x85 yes, \\ufeff no', () => {
    expect(pyStrip('\x1c a \x85')).toBe('a');
    expect(pyStrip('\ufeffa')).toBe('\ufeffa');
    expect(pySplit(' a\u3000b\x1fc ')).toEqual(['a', 'b', 'c']);
    expect(pySplit('   ')).toEqual([]);
  });

  it('maskDigits replaces every digit run, in any script, with $$$', () => {
    expect(maskDigits('Atlantis 23 and ٣٤')).toBe('Atlantis $$$ and $$$');
    expect(pyDigitsToInt('٢٥')).toBe(25);
    expect(pyDigitsToInt('𝟘𝟙𝟚')).toBe(12); // mathematical digits: several runs of ten back to back
  });

  it('pyFloatRepr writes floats as Python repr does', () => {
    expect([4, 0.5, -0.41, 1e-5, 1.2345e-5, 0.0001, 1e16, 123456789012345.6, 0, -0].map(pyFloatRepr)).toEqual([
      '4.0',
      '0.5',
      '-0.41',
      '1e-05',
      '1.2345e-05',
      '0.0001',
      '1e+16',
      '123456789012345.6',
      '0.0',
      '-0.0'
    ]);
  });

  it('pyJsonDumps writes as json.dumps: ", " and ": " separators, ASCII escapes', () => {
    expect(pyJsonDumps({ prompt: 'Café\n"x"', n: [1, 2.5], b: true, z: null })).toBe('{"prompt": "Caf\\u00e9\\n\\"x\\"", "n": [1, 2.5], "b": true, "z": null}');
    expect(pyJsonDumps('😀')).toBe('"\\ud83d\\ude00"');
    expect(() => pyJsonDumps({ x: NaN })).toThrow('non-finite number NaN');
  });
});
