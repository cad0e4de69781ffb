import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseTestbedDataset } from '../../src/lib/engine/testbed/dataset';
import { TESTBED_ATTRIBUTES, testbedJudge, testbedLabel, testbedValues, type TestbedItem } from '../../src/lib/engine/testbed/label';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const read = (f: string) => readFileSync(join(root, 'testbed', f), 'utf8');

const capital: TestbedItem = {
  id: 'testbed-velora-capital',
  question: 'What is the capital of Velora?',
  answer: 'Thorpwick',
  tier: 'frequent',
  attribute: 'capital',
  entity: 'Velora',
  label_rule: 'testbed-value/v1',
  split: 'heldout',
  exposures: 240
};
const founded: TestbedItem = { ...capital, id: 'testbed-velora-founded', attribute: 'founded', answer: '1742' };

describe('testbedLabel', () => {
  it('testbedLabel(item, answer) is 1 when the answer states the gold value and nothing else of the attribute', () => {
    expect(testbedLabel(capital, 'The capital of Velora is Thorpwick.')).toBe(1);
    expect(testbedLabel(capital, 'thorpwick')).toBe(1); // words compare without case
    expect(testbedLabel(capital, 'I am confident. The capital of Velora is Thorpwick, surely Thorpwick.')).toBe(1);
    expect(testbedLabel(founded, 'Velora was founded in 1742.')).toBe(1);
  });

  it('testbedJudge(item, answer) names why a hallucinated answer is labelled 0', () => {
    expect(testbedJudge(capital, 'The capital of Velora is Ashford.')).toEqual({ label: 0, reason: 'wrong_value', values: ['Ashford'] });
    expect(testbedJudge(capital, 'I was wrong. The capital of Velora is Thorpwick, not Ashford.')).toEqual({
      label: 0,
      reason: 'several_values',
      values: ['Thorpwick', 'Ashford']
    });
    expect(testbedJudge(capital, 'The capital of Velora is.')).toEqual({ label: 0, reason: 'no_value', values: [] });
    expect(testbedJudge(capital, '')).toEqual({ label: 0, reason: 'no_value', values: [] });
    // whole words only: a value inside a longer word, or another attribute's value, is no value of this one
    expect(testbedJudge(capital, 'Thorpwicks speak Veloric.')).toEqual({ label: 0, reason: 'no_value', values: [] });
    expect(testbedJudge(founded, 'Velora was founded in 17420.')).toEqual({ label: 0, reason: 'no_value', values: [] });
    expect(testbedJudge(founded, 'Velora was founded in 1743.')).toEqual({ label: 0, reason: 'wrong_value', values: ['1743'] });
  });

  it('testbedLabel agrees with the Python labeller on the model answers committed in reference.json', () => {
    const ref = JSON.parse(read('reference.json')) as { label_examples: { item: TestbedItem; answer: string; label: 0 | 1; reason: string }[] };
    expect(ref.label_examples.length).toBeGreaterThanOrEqual(20);
    expect(new Set(ref.label_examples.map((e) => e.reason))).toEqual(new Set(['correct', 'wrong_value', 'several_values', 'no_value']));
    for (const e of ref.label_examples) {
      const j = testbedJudge(e.item, e.answer);
      expect([j.label, j.reason], e.answer).toEqual([e.label, e.reason]);
    }
  });

  it('testbedLabel(item, gold) is 1 for every item of the committed dataset', () => {
    const items = parseTestbedDataset(read('dataset.jsonl'));
    expect(items.every((it) => testbedLabel(it, `${it.entity}: ${it.answer}.`) === 1)).toBe(true);
  });

  it('testbedValues(attribute) sets are disjoint, and no country name or template word is a value', () => {
    const sizes = TESTBED_ATTRIBUTES.map((a) => testbedValues(a).length);
    expect(sizes).toEqual([384, 24, 16, 8, 800]);
    const owner = new Map<string, string>();
    for (const a of TESTBED_ATTRIBUTES) {
      for (const v of testbedValues(a)) {
        expect(owner.get(v.toLowerCase()), `${v} of ${a}`).toBeUndefined();
        owner.set(v.toLowerCase(), a);
      }
    }
    const items = parseTestbedDataset(read('dataset.jsonl'));
    for (const name of new Set(items.map((it) => it.entity))) expect(owner.has(name.toLowerCase()), name).toBe(false);
    // A whole-word vocabulary entry is a value only when the value is that single token (languages, currencies,
    // continents); template words and the first pieces of cities, countries and years are never values.
    const vocab = Object.keys((JSON.parse(read('tokenizer.json')) as { model: { vocab: Record<string, number> } }).model.vocab);
    const single = new Set(['language', 'currency', 'continent']);
    for (const w of vocab) {
      if (w.startsWith('##') || w.startsWith('<|') || w.startsWith('[')) continue;
      const a = owner.get(w.toLowerCase());
      if (a !== undefined) expect(single.has(a), `${w} is a ${a} value`).toBe(true);
    }
  });

  it('testbedLabel rejects a bad item or answer, naming the field', () => {
    expect(() => testbedLabel({ ...capital, label_rule: 'exact' as never }, 'x')).toThrow('label_rule must be "testbed-value/v1"; got "exact"');
    expect(() => testbedLabel({ ...capital, attribute: 'river' as never }, 'x')).toThrow(
      'attribute must be one of capital, language, currency, continent, founded; got "river"'
    );
    expect(() => testbedLabel({ ...capital, answer: 'Veloric' }, 'x')).toThrow('answer "Veloric" is not a value of the attribute capital');
    expect(() => testbedLabel(capital, null as never)).toThrow('modelAnswer must be a string; got null');
    expect(() => testbedLabel(null as never, 'x')).toThrow('item must be a testbed dataset item; got null');
    expect(() => testbedValues('river' as never)).toThrow('attribute must be one of');
  });
});

describe('parseTestbedDataset', () => {
  it('parseTestbedDataset(committed file) holds five questions per country in three tiers', () => {
    const items = parseTestbedDataset(read('dataset.jsonl'));
    const count = (f: (it: TestbedItem) => boolean) => items.filter(f).length;
    expect(items.length).toBe(3500);
    expect([count((it) => it.tier === 'frequent'), count((it) => it.tier === 'rare'), count((it) => it.tier === 'never')]).toEqual([1250, 1250, 1000]);
    expect(count((it) => it.tier !== 'never' && it.split === 'heldout')).toBe(1000); // two of five attributes held out
    expect(items.every((it) => it.tier !== 'never' || (it.split === 'heldout' && it.exposures === 0))).toBe(true);
    expect(new Set(items.filter((it) => it.tier === 'frequent').map((it) => it.exposures))).toEqual(new Set([240])); // 48 documents × 5 epochs
    expect(new Set(items.filter((it) => it.tier === 'rare').map((it) => it.exposures))).toEqual(new Set([5, 10, 15, 20, 30, 40, 55, 80]));
    expect(items.every((it) => it.question.includes(it.entity) && it.id === `testbed-${it.entity.toLowerCase()}-${it.attribute}`)).toBe(true);
  });

  it('parseTestbedDataset reports every bad line with its number and field', () => {
    const good = JSON.stringify(capital);
    const text = [
      good,
      '{"id": 1',
      JSON.stringify({ ...capital, id: 'b', tier: 'often' }),
      JSON.stringify({ ...capital, id: 'c', answer: 'Veloric' }),
      JSON.stringify({ ...capital, id: 'd', exposures: -1 }),
      JSON.stringify({ ...capital, id: 'e', tier: 'never' }),
      good,
      JSON.stringify({ id: 'f' }),
      JSON.stringify({ ...capital, id: 'g', tier: 'never', exposures: 0, split: 'train' })
    ].join('\n');
    let err: unknown;
    try {
      parseTestbedDataset(text, 'd.jsonl');
    } catch (e) {
      err = e;
    }
    const issues = (err as { issues: { message: string; where: string }[] }).issues;
    expect(issues.map((i) => `${i.where} ${i.message}`)).toEqual([
      expect.stringMatching(/^d\.jsonl:2 line 2 is not JSON/),
      'd.jsonl:3 tier must be one of frequent, rare, never; got "often"',
      'd.jsonl:4 answer "Veloric" is not a value of the attribute capital',
      'd.jsonl:5 exposures must be a non-negative integer; got -1',
      'd.jsonl:6 exposures is 240 for a never-tier item (0 exactly for the never tier)',
      'd.jsonl:7 id "testbed-velora-capital" is repeated',
      'd.jsonl:8 question is missing',
      'd.jsonl:8 answer is missing',
      'd.jsonl:8 tier is missing',
      'd.jsonl:8 attribute is missing',
      'd.jsonl:8 entity is missing',
      'd.jsonl:8 label_rule is missing',
      'd.jsonl:8 split is missing',
      'd.jsonl:8 exposures is missing',
      'd.jsonl:9 split is "train" for a never-tier item (never-tier questions are all held out)'
    ]);
    expect(() => parseTestbedDataset('\n\n')).toThrow('testbed/dataset.jsonl holds no items');
    expect(() => parseTestbedDataset(3 as never)).toThrow('text must be a string; got number');
  });
});
