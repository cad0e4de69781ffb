/** Exact semantic clustering of testbed answers (`testbedSemanticIds`), with hand-computed ids and entropies. */
import { describe, expect, it } from 'vitest';
import { testbedSemanticEntropy, testbedSemanticIds } from '../../src/lib/engine/testbed/semantic';

const item = { answer: 'Hartton', attribute: 'capital', label_rule: 'testbed-value/v1' } as const;

describe('testbedSemanticIds', () => {
  it('answers stating the same single value share a cluster, whatever else they say', () => {
    const ids = testbedSemanticIds(item, ['The capital of Falubia is Hartton.', 'Thorpwick.', 'It is hartton', 'The capital is Thorpwick, I think']);
    expect(ids).toEqual([0, 1, 0, 1]);
  });

  it('no value or several different values: a cluster of its own, even when the text is identical', () => {
    const ids = testbedSemanticIds(item, ['I do not know.', 'I do not know.', 'Hartton or Thorpwick', 'Hartton', 'Hartton, Hartton']);
    expect(ids).toEqual([0, 1, 2, 3, 3]);
  });

  it('values of another attribute do not count (a language is not a capital)', () => {
    expect(testbedSemanticIds(item, ['Veloric', 'Veloric'])).toEqual([0, 1]);
  });

  it('entropy: one cluster 0; 10 answers split 5/5 ln 2; all distinct ln 10', () => {
    expect(testbedSemanticEntropy(item, Array(10).fill('Hartton')).se).toBe(0);
    const half = [...Array(5).fill('Hartton'), ...Array(5).fill('Thorpwick')];
    expect(testbedSemanticEntropy(item, half).se).toBeCloseTo(Math.log(2), 12);
    const distinct = ['Thorpwick', 'Thorpholm', 'Thorpburg', 'Thorpport', 'Hartton', 'x', 'y', 'z', 'w', 'v'];
    expect(testbedSemanticEntropy(item, distinct).se).toBeCloseTo(Math.log(10), 12);
  });
});
