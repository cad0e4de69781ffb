import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { answerTokens, exactMatch, matchEntailment, matchLabel, normalizeAnswer, tokenF1 } from '../../src/lib/core/labels';

interface SquadCase {
  prediction: string;
  gold: string;
  normalized_prediction: string;
  normalized_gold: string;
  exact: number;
  f1: number;
}
const squad: SquadCase[] = JSON.parse(readFileSync(new URL('../fixtures/semantic-golden.json', import.meta.url), 'utf8')).squad;

describe('normalizeAnswer, exactMatch, tokenF1', () => {
  it('normalizeAnswer(s) lower-cases, drops ASCII punctuation and the articles a/an/the, and collapses whitespace', () => {
    expect(normalizeAnswer('The Eiffel Tower!')).toBe('eiffel tower');
    expect(normalizeAnswer('U.S.A.')).toBe('usa');
    expect(normalizeAnswer("Don't  stop\n")).toBe('dont stop');
    expect(normalizeAnswer('theatre an anagram')).toBe('theatre anagram');
    // Python's \b is Unicode: "a" inside "éa" is part of a word and stays.
    expect(normalizeAnswer('éa a b')).toBe('éa b');
    // Non-ASCII punctuation is kept, as in the official script.
    expect(normalizeAnswer('“Quoted”')).toBe('“quoted”');
    expect(answerTokens('An apple, a day')).toEqual(['apple', 'day']);
  });

  it('normalizeAnswer, exactMatch and tokenF1 agree with the official SQuAD v2.0 functions on 26 golden cases', () => {
    for (const c of squad) {
      expect(normalizeAnswer(c.prediction)).toBe(c.normalized_prediction);
      expect(normalizeAnswer(c.gold)).toBe(c.normalized_gold);
      expect(exactMatch(c.prediction, c.gold)).toBe(c.exact);
      expect(tokenF1(c.prediction, c.gold)).toBe(c.f1);
    }
  });

  it('tokenF1 counts shared tokens as a multiset (hand-worked)', () => {
    // pred {cat, cat, dog}, gold {cat, dog, dog}: common = 2, P = R = 2/3.
    expect(tokenF1('cat cat dog', 'cat dog dog')).toBeCloseTo(2 / 3, 15);
    // pred 4 tokens (eiffel tower in paris), gold 1: P = 1/4, R = 1, F1 = 0.4.
    expect(tokenF1('the Eiffel tower in Paris', 'Paris')).toBeCloseTo(0.4, 15);
    expect(tokenF1('', '')).toBe(1);
    expect(tokenF1('The', 'Paris')).toBe(0);
    expect(tokenF1('Lyon', 'Paris')).toBe(0);
  });

  it('normalizeAnswer refuses a non-string, naming what it got', () => {
    expect(() => normalizeAnswer(3 as never)).toThrow('answer must be a string, got number');
  });
});

describe('matchLabel', () => {
  const golds = ['Paris', 'City of Light'];

  it('matchLabel(prediction, goldAnswers) with method match is SQuAD exact match over aliases', () => {
    expect(matchLabel('the city of light.', golds)).toEqual({
      label: 1,
      source: 'match',
      score: 1,
      matched_alias: 'City of Light',
      rule: 'exact',
      reason: null
    });
    expect(matchLabel('It is Paris.', golds)).toMatchObject({ label: 0, score: 0, matched_alias: null });
  });

  it("matchLabel with matchMode 'contains' also accepts an alias found as a whole-token run", () => {
    expect(matchLabel('It is Paris.', golds, { matchMode: 'contains' })).toMatchObject({
      label: 1,
      matched_alias: 'Paris',
      rule: 'contains'
    });
    expect(matchLabel('A Parisian café', golds, { matchMode: 'contains' })).toMatchObject({ label: 0 });
    expect(matchLabel('the city of lights', golds, { matchMode: 'contains' })).toMatchObject({ label: 0 });
  });

  it('matchLabel with method f1 takes the best alias and compares it with the threshold (≥, inclusive)', () => {
    // "answer barack obama" vs "Obama": F1 = 2 · (1/3 · 1) / (1/3 + 1) = 0.5 → 1 at the default threshold 0.5.
    expect(matchLabel('Answer: Barack Obama', ['Michelle', 'Obama'], { method: 'f1' })).toEqual({
      label: 1,
      source: 'f1',
      score: 0.5,
      matched_alias: 'Obama',
      rule: null,
      reason: null
    });
    expect(matchLabel('Answer: Barack Obama', ['Obama'], { method: 'f1', f1Threshold: 0.51 })).toMatchObject({
      label: 0,
      score: 0.5,
      matched_alias: null
    });
  });

  it('matchLabel drops aliases that normalise to "" and gives null with reason no_gold when none is left', () => {
    expect(matchLabel('the', ['', 'A', 'Paris'])).toMatchObject({ label: 0, matched_alias: null });
    expect(matchLabel('Paris', ['', 'the'])).toEqual({
      label: null,
      source: 'match',
      score: null,
      matched_alias: null,
      rule: null,
      reason: 'no_gold'
    });
    expect(matchLabel('Paris', [], { method: 'f1' })).toMatchObject({ label: null, source: 'f1', reason: 'no_gold' });
  });

  it('matchLabel refuses bad input with messages that name the field', () => {
    expect(() => matchLabel(null as never, golds)).toThrow('prediction must be a string, got null');
    expect(() => matchLabel('x', 'Paris' as never)).toThrow('goldAnswers must be an array of strings, got string');
    expect(() => matchLabel('x', ['a', 2 as never])).toThrow('goldAnswers[1] must be a string, got number');
    expect(() => matchLabel('x', golds, { method: 'judge' as never })).toThrow('method must be "match" or "f1", got "judge"');
    expect(() => matchLabel('x', golds, { method: 'f1', f1Threshold: 50 })).toThrow('f1_threshold must be a number in [0, 1], got 50');
    expect(() => matchLabel('x', golds, { matchMode: 'fuzzy' as never })).toThrow('match_mode must be "exact" or "contains", got "fuzzy"');
  });
});

describe('matchEntailment', () => {
  it('matchEntailment(a, b) is 2 for equal normalised forms or a whole-token containment either way, else 1', () => {
    expect(matchEntailment('Paris.', 'paris')).toBe(2);
    expect(matchEntailment('Paris, France', 'paris')).toBe(2);
    expect(matchEntailment('paris', 'Paris, France')).toBe(2);
    expect(matchEntailment('Parisian', 'Paris')).toBe(1);
    expect(matchEntailment('Lyon', 'Paris')).toBe(1);
    expect(matchEntailment('', 'Paris')).toBe(1);
    expect(matchEntailment('The', '')).toBe(2);
  });

  it('matchEntailment refuses non-strings', () => {
    expect(() => matchEntailment(1 as never, 'a')).toThrow('premise must be a string, got number');
    expect(() => matchEntailment('a', undefined as never)).toThrow('hypothesis must be a string, got undefined');
  });
});
