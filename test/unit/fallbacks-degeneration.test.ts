import { describe, expect, it } from 'vitest';
import { analyzeSequence, argmaxTokens, degenerationThreshold, detectLoop, diversityCurve, diversityScore } from '../../src/lib/core/fallbacks/index';
import { readFallbacksJson } from './fallbacks-shared';

interface DegCase {
  name: string;
  token_ids: number[];
  deg_coef: number;
  degenerate_sequences: { start: number; end_inclusive: number; coef: number; eos_type: string }[];
  degenerated_tail: boolean;
  loop: { length: number; repetitions: number; starting_positions: number[] } | null;
}

const golden = readFallbacksJson<{ cases: DegCase[] }>('derived/degeneration_cases.json');
const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

describe('analyzeSequence on the reference golden vectors', () => {
  it('the golden file has the four cases of method-fallbacks.md §6', () => {
    expect(golden.cases.map((c) => c.name)).toEqual(['loop_tail', 'pure_loop', 'diverse', 'degenerate_then_escape']);
  });

  for (const c of golden.cases) {
    it(`analyzeSequence(${c.name}) gives the reference's spans, deg_coef, tail flag and loop`, () => {
      const r = analyzeSequence(c.token_ids);
      expect(round6(r.degCoef)).toBe(c.deg_coef);
      expect(r.spans.map((s) => ({ start: s.start, end_inclusive: s.endInclusive, coef: round6(s.coef), eos_type: s.eosType }))).toEqual(
        c.degenerate_sequences
      );
      expect(r.degeneratedTail).toBe(c.degenerated_tail);
      expect(r.loop === null ? null : { length: r.loop.length, repetitions: r.loop.repetitions, starting_positions: r.loop.startingPositions }).toEqual(c.loop);
    });
  }
});

describe('analyzeSequence', () => {
  it('degenerationThreshold(L) is min(0.8, 1.7·L^-0.25): 0.8 at 15, 0.538 at 100, 0.357 at 512', () => {
    expect(degenerationThreshold(15)).toBe(0.8);
    expect(degenerationThreshold(100)).toBeCloseTo(1.7 / Math.sqrt(10), 12);
    expect(degenerationThreshold(512)).toBeCloseTo(0.357381, 6);
    expect(degenerationThreshold(40, 0.5)).toBe(0.5);
  });

  it('analyzeSequence finds a span that escapes, then a second one (hand-worked)', () => {
    // 20 × "7", then 10 new tokens, then 20 × "8".
    const tokens = [...Array(20).fill(7), ...Array.from({ length: 10 }, (_, i) => 100 + i), ...Array(20).fill(8)];
    const r = analyzeSequence(tokens);
    // Hand-checked: from start 0, the whole sequence (L = 50, 12 unique) has coef 0.24 ≤ thr(50) = 0.6392, so the
    // greedy scan takes everything in one span that converges.
    expect(r.spans).toEqual([{ start: 0, endInclusive: 49, coef: 12 / 50, eosType: 'Convergence' }]);
    // With a constant threshold of 0.1 the 7s and the 8s are separate spans, each taking one neighbouring new
    // token (2 unique in 21 = 0.095 ≤ 0.1, the last qualifying end); the first span escaped. From 21 to 28 no span
    // of 21 or more qualifies, so the scan moves on one token at a time until 29.
    const strict = analyzeSequence(tokens, { threshold: 0.1 });
    expect(strict.spans).toEqual([
      { start: 0, endInclusive: 20, coef: 2 / 21, eosType: 'Escaped' },
      { start: 29, endInclusive: 49, coef: 2 / 21, eosType: 'Convergence' }
    ]);
    expect(strict.degeneratedTail).toBe(true);
  });

  it('analyzeSequence of a short or empty sequence: no spans; deg_coef of [] is NaN (undefined)', () => {
    expect(analyzeSequence([1, 1, 1]).spans).toEqual([]);
    const e = analyzeSequence([]);
    expect(e.degCoef).toBeNaN();
    expect(e.degeneratedTail).toBe(false);
    expect(e.loop).toBeNull();
  });

  it('analyzeSequence names bad input', () => {
    expect(() => analyzeSequence('abc' as unknown as number[])).toThrow('analyzeSequence(tokens): tokens must be an array of token ids, got string');
    expect(() => analyzeSequence([1], { minLength: 0 })).toThrow('minLength must be a positive integer, got 0');
  });
});

describe('detectLoop (the reference as it behaves)', () => {
  it('detectLoop finds a sequence that ends with two identical adjacent blocks of length ≥ 5', () => {
    expect(detectLoop([9, 1, 2, 3, 4, 5, 1, 2, 3, 4, 5])).toEqual({ length: 5, repetitions: 2, startingPositions: [1, 6] });
  });

  it('detectLoop reports only the last two blocks, never the start of the loop or more than 2 repetitions (inverted condition)', () => {
    // [a b c d e] × 3 loops from 0 three times; the reference reports the last two blocks.
    expect(detectLoop([1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2, 3, 4, 5])).toEqual({ length: 5, repetitions: 2, startingPositions: [5, 10] });
    // Four repetitions end with two blocks of 10 tokens: found as one "loop" of length 10.
    expect(detectLoop([...Array(4)].flatMap(() => [1, 2, 3, 4, 5]))).toEqual({ length: 10, repetitions: 2, startingPositions: [0, 10] });
  });

  it('detectLoop misses a short loop whose doubled block would be longer than the text (the intended check would find it)', () => {
    // "a b" four times: a block of at least 5 tokens repeated twice needs 12 tokens of loop.
    expect(detectLoop([9, 1, 2, 1, 2, 1, 2, 1, 2])).toBeNull();
  });

  it('detectLoop ignores blocks shorter than the minimum tail', () => {
    expect(detectLoop([0, 1, 2, 1, 2])).toBeNull();
    expect(detectLoop([0, 1, 2, 1, 2], 2)).toEqual({ length: 2, repetitions: 2, startingPositions: [1, 3] });
  });
});

describe('diversityScore and diversityCurve', () => {
  it('diversityScore(tokens) is the running share of unique tokens (hand-worked)', () => {
    expect(diversityScore(['a', 'b', 'a', 'a'])).toEqual([1, 1, 2 / 3, 0.5]);
    expect(diversityScore([1, 2, 3, 4, 5], 3)).toEqual([1, 1, 1]);
    expect(diversityScore([])).toEqual([]);
  });

  it('diversityCurve averages NaN-padded curves and gives the SEM as the reference plots it', () => {
    const c = diversityCurve([['a', 'a', 'a'], ['a', 'b']], 4);
    // position 0: both 1 → mean 1, sd 0; position 1: 0.5 and 1 → mean 0.75, population sd 0.25, / √2 rows
    expect(Array.from(c.mean.slice(0, 3))).toEqual([1, 0.75, 1 / 3]);
    expect(c.sem[1]).toBeCloseTo(0.25 / Math.SQRT2, 15);
    // position 2: only the first sequence: sd 0, divided by √2 (all rows, as numpy's nanstd / sqrt(shape[0]))
    expect(c.sem[2]).toBe(0);
    expect(c.mean[3]).toBeNaN();
    expect(Array.from(c.count)).toEqual([2, 2, 1, 0]);
  });

  it('argmaxTokens(steps) takes the highest logprob of each top-k, the first on ties', () => {
    expect(argmaxTokens([[[' Thumb', -0.4], [' The', -2]], { '\n': -0.05, ',': -3 }, [['a', -1], ['b', -1]]])).toEqual([' Thumb', '\n', 'a']);
    expect(() => argmaxTokens([[]])).toThrow('argmaxTokens: step 0 has no tokens');
  });
});
