import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { goldAnswers, md5Hex, parseDataset, sampleItems, type Dataset } from '../../src/lib/core/datasets/index';
import { unwrap } from '../../src/lib/core/issues';

/** `../shared` next to the repository root (CI clones the repository beside it), else /work/shared. */
function sharedDir(): string {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  const sibling = resolve(root, '../shared');
  return existsSync(sibling) ? sibling : '/work/shared';
}

function parse(text: string, where: string): Dataset {
  return unwrap(parseDataset(text, { where }));
}

function errors(text: string, where: string): string[] {
  const r = parseDataset(text, { where });
  expect(r.ok).toBe(false);
  return r.ok ? [] : r.issues.map((i) => i.message);
}

const nodeMd5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');

describe('md5Hex', () => {
  it('md5Hex matches RFC 1321 test vectors and node:crypto on multi-block and non-ASCII input', () => {
    expect(md5Hex('')).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(md5Hex('abc')).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(md5Hex('message digest')).toBe('f96b697d7cb7938d525a2f31aaf161d0');
    for (const s of ['x'.repeat(55), 'y'.repeat(56), 'z'.repeat(64), 'Où est la tour Eiffel? 埃菲尔铁塔|ctx|ans|3', 'q'.repeat(1000)]) {
      expect(md5Hex(s)).toBe(nodeMd5(s));
    }
  });
});

describe('parseDataset', () => {
  it('parseDataset flattens CoQA to one item per turn with id {storyId}_{turn_id} and the story as context', () => {
    const coqa = {
      version: '1.0',
      data: [
        {
          id: '3zotghdk5ibi9cex97fepx7jetpso7',
          source: 'wikipedia',
          story: 'Once upon a time, in a barn near a farm house, there lived a little white kitten named Cotton.',
          questions: [{ input_text: 'what color was cotton?', turn_id: 1 }, { input_text: 'where did she live?', turn_id: 2 }],
          answers: [{ input_text: 'white', turn_id: 1, span_text: 'white' }, { input_text: 'in a barn', turn_id: 2 }]
        }
      ]
    };
    const ds = parse(JSON.stringify(coqa), 'coqa-dev-v1.0.json');
    expect(ds.kind).toBe('coqa');
    expect(ds.items.map((i) => [i.id, i.question, i.answer, i.turn_id])).toEqual([
      ['3zotghdk5ibi9cex97fepx7jetpso7_1', 'what color was cotton?', 'white', 1],
      ['3zotghdk5ibi9cex97fepx7jetpso7_2', 'where did she live?', 'in a barn', 2]
    ]);
    expect(ds.items[0].context).toBe(coqa.data[0].story);
    // A story without an id gets the seed's md5(story)[:8].
    const noId = { data: [{ ...coqa.data[0], id: undefined }] };
    expect(parse(JSON.stringify(noId), 'x.json').items[0].id).toBe(`${nodeMd5(coqa.data[0].story).slice(0, 8)}_1`);
  });

  it('parseDataset reads SVAMP with Body as context and Math WITHOUT the solution as context', () => {
    const svamp = [{ ID: 'chal-1', Body: 'Each pack of dvds costs 76 dollars.', Question: 'How much do you have to pay to buy each pack?', Equation: '( 76.0 - 25.0 )', Answer: 51.0, Type: 'Subtraction' }];
    const s = parse(JSON.stringify(svamp), 'SVAMP.json');
    expect(s.kind).toBe('svamp');
    expect(s.items[0]).toMatchObject({ id: 'chal-1', question: svamp[0].Question, context: svamp[0].Body, answer: '51', meta: { Equation: '( 76.0 - 25.0 )', Type: 'Subtraction' } });
    const math = [{ en: 'What is 2+3?', solution: 'Add 2 and 3 to get 5.', answer: '5' }];
    const m = parse(math.map((r) => JSON.stringify(r)).join('\n'), 'math.jsonl');
    expect(m.kind).toBe('math');
    expect(m.items[0].context).toBe('');
    expect(m.items[0].question).toBe('What is 2+3?');
    // The seed's fallback id: md5("{q}|{c}|{a}|{idx}")[:12] (its context was the solution; ours is "").
    expect(m.items[0].id).toBe(nodeMd5('What is 2+3?||5|0').slice(0, 12));
  });

  it('parseDataset applies the seed key renames to general records and keeps unused fields in meta', () => {
    const rows = [
      { query: 'Who wrote Hamlet?', knowledge: 'Hamlet is a tragedy.', right_answer: 'Shakespeare', domain: 'lit' },
      { prompt: 'Capital of France?', target: 'Paris', id: 17 },
      { input: 'Largest planet?', output: 'Jupiter' }
    ];
    const ds = parse(JSON.stringify({ data: rows }), 'defan.json');
    expect(ds.kind).toBe('general');
    expect(ds.items.map((i) => [i.question, i.context, i.answer])).toEqual([
      ['Who wrote Hamlet?', 'Hamlet is a tragedy.', 'Shakespeare'],
      ['Capital of France?', '', 'Paris'],
      ['Largest planet?', '', 'Jupiter']
    ]);
    expect(ds.items[1].id).toBe('17');
    expect(ds.items[0].id).toBe(nodeMd5('Who wrote Hamlet?|Hamlet is a tragedy.|Shakespeare|0').slice(0, 12));
    expect(ds.items[0].meta).toEqual({ domain: 'lit' });
  });

  it('parseDataset keeps answer aliases as a list for TriviaQA, SQuAD and NQ-open records', () => {
    const tqa = [{ question: 'Which planet is the Red Planet?', question_id: 'tc_1', answer: { value: 'Mars', aliases: ['Mars', 'Planet Mars', 'The Red Planet'], normalized_value: 'mars' } }];
    const t = parse(JSON.stringify(tqa), 'trivia.json');
    expect(t.kind).toBe('triviaqa');
    expect(t.items[0]).toMatchObject({ id: 'tc_1', answer: ['Mars', 'Planet Mars', 'The Red Planet'], context: '' });
    const upper = { Data: [{ Question: 'Q?', QuestionId: 'tq2', Answer: { Value: 'A', Aliases: ['A', 'a one'] } }] };
    expect(parse(JSON.stringify(upper), 'unfiltered.json').items[0]).toMatchObject({ id: 'tq2', question: 'Q?', answer: ['A', 'a one'] });

    const squad = [{ id: 's1', title: 'T', context: 'The sky is blue.', question: 'What colour is the sky?', answers: { text: ['blue', 'blue', 'Blue'], answer_start: [11, 11, 11] } }];
    const sq = parse(JSON.stringify(squad), 'squad.json');
    expect(sq.kind).toBe('squad');
    expect(sq.items[0]).toMatchObject({ id: 's1', context: 'The sky is blue.', answer: ['blue', 'Blue'] });
    const nested = { version: 'v2.0', data: [{ title: 'T', paragraphs: [{ context: 'C.', qas: [{ id: 'q1', question: 'Q1?', answers: [{ text: 'x', answer_start: 0 }], is_impossible: false }, { id: 'q2', question: 'Q2?', answers: [], is_impossible: true }] }] }] };
    const sn = parse(JSON.stringify(nested), 'dev-v2.0.json');
    expect(sn.items.map((i) => [i.id, i.context, i.answer])).toEqual([['q1', 'C.', ['x']], ['q2', 'C.', []]]);

    const nq = parse('{"question": "when was the last time anyone was on the moon", "answer": ["14 December 1972 UTC", "December 1972"]}\n', 'nq_open.jsonl');
    expect(nq.kind).toBe('nq_open');
    expect(nq.items[0].question).toBe('when was the last time anyone was on the moon?');
    expect(goldAnswers(nq.items[0])).toEqual(['14 December 1972 UTC', 'December 1972']);
  });

  it('parseDataset reads the Loops-to-Oops files ({prompt: [gold…]} lines) from the shared data', () => {
    const file = join(sharedDir(), 'data/fallbacks/trivia_facts.jsonl');
    const ds = parse(readFileSync(file, 'utf8'), 'trivia_facts.jsonl');
    expect(ds.kind).toBe('loops');
    expect(ds.items.length).toBe(97);
    expect(ds.items[0].question).toBe('The following 25 fingers are part of the human hand\n1.');
    expect(ds.items[0].answer).toEqual(['Thumb', 'Index', 'Middle', 'Ring', 'Pinky']);
    const fake = parse(readFileSync(join(sharedDir(), 'data/fallbacks/fake_qampari.jsonl'), 'utf8'), 'fake_qampari.jsonl');
    expect(fake.items.length).toBe(100);
    expect(fake.items.every((i) => Array.isArray(i.answer) && i.answer.length === 0)).toBe(true);
  });

  it('parseDataset carries an exact label when a record has an answer and a 0/1 label', () => {
    const ds = parse('{"question": "q1", "answer": "a", "label": 1}\n{"question": "q2", "answer": "b", "label": false}\n{"question": "q3", "label": "yes"}\n', 'x.jsonl');
    expect(ds.items.map((i) => i.label)).toEqual([1, 0, undefined]);
    // Without an answer field, `label` is the seed's rename to answer.
    expect(ds.items[2].answer).toBe('yes');
    expect(errors('{"question": "q", "answer": "a", "label": 7}\n', 'x.jsonl')).toEqual([
      'x.jsonl:1: "label" must be 1 (correct), 0 (hallucinated), true/false or null when the record also has an answer; got 7'
    ]);
  });

  it('parseDataset reports every bad record with its line (JSONL) or index (JSON)', () => {
    const jsonl = ['{"question": "ok", "answer": "a"}', '{"question": ', '', '[1, 2]', '{"answer": "no question"}', '{"question": "   ", "answer": "x"}'].join('\n');
    expect(errors(jsonl, 'data.jsonl')).toEqual([
      expect.stringMatching(/^data\.jsonl:2: not valid JSON \(/),
      'data.jsonl:4: a record must be a JSON object, got array',
      'data.jsonl:5: the record has no question: looked for "question" (or questions, query, prompt, input)',
      'data.jsonl:6: the record has no question: looked for "question" (or questions, query, prompt, input)'
    ]);
    expect(errors(JSON.stringify([{ question: 'a', answer: 'b' }, null, 'text']), 'data.json')).toEqual([
      'data.json: [1]: a record must be a JSON object, got null',
      'data.json: [2]: a record must be a JSON object, got string'
    ]);
    expect(errors(JSON.stringify({ data: [{ story: 's', questions: [{ turn_id: 1 }], answers: [] }] }), 'coqa.json')).toEqual([
      'coqa.json: data[0].questions[0]: a CoQA question needs "input_text" (a string)'
    ]);
  });

  it('parseDataset refuses non-arrays, empty files, bad JSON and duplicate or colliding ids', () => {
    expect(errors('{"a": 1, "b": 2}', 'x.json')).toEqual(['x.json: a dataset must be a JSON array of records, an object {"data": [...]}, or JSONL; got object']);
    expect(errors('[]', 'x.json')).toEqual(['x.json: the dataset holds no items']);
    expect(errors('[{"question": ', 'x.json')[0]).toMatch(/^x\.json: not valid JSON \(.*\); a JSONL file needs the \.jsonl extension$/);
    expect(errors('{"id": "a:1", "question": "q", "answer": "x"}\n{"id": "a/1", "question": "r", "answer": "y"}\n{"id": "a:1", "question": "s", "answer": "z"}', 'd.jsonl')).toEqual([
      'd.jsonl: item ids "a:1" and "a/1" collide once ":" and "/" become "_" (the file name "a_1")',
      'd.jsonl: item id "a:1" appears more than once; ids must be unique'
    ]);
  });

  it('parseDataset warns (not fails) when items have no gold answer', () => {
    const r = parseDataset('{"question": "q", "answer": ""}\n{"question": "r", "answer": "x"}\n', { where: 'g.jsonl' });
    expect(r.ok && r.warnings.map((w) => w.message)).toEqual(['g.jsonl: 1 of 2 items have no gold answer; their match labels will be null']);
  });

  it('parseDataset detects JSONL without an extension when the text is not one JSON value', () => {
    const ds = parse('{"question": "a", "answer": "1"}\n{"question": "b", "answer": "2"}', 'pasted');
    expect(ds.items.map((i) => i.question)).toEqual(['a', 'b']);
  });
});

describe('sampleItems', () => {
  const items = Array.from({ length: 20 }, (_, i) => `item${i}`);

  it('sampleItems keeps every item for "all", the first n for "sequential", and a seeded shuffle for "random"', () => {
    expect(sampleItems(items, { strategy: 'all', n: 5, seed: 1 })).toEqual(items);
    expect(sampleItems(items, { strategy: 'sequential', n: 3, seed: 1 })).toEqual(['item0', 'item1', 'item2']);
    const a = sampleItems(items, { strategy: 'random', n: 5, seed: 42 });
    expect(a).toEqual(sampleItems(items, { strategy: 'random', n: 5, seed: 42 }));
    expect(a).not.toEqual(sampleItems(items, { strategy: 'random', n: 5, seed: 43 }));
    expect(new Set(a).size).toBe(5);
    expect(a).toEqual(GOLDEN_SAMPLE_42);
  });

  it('sampleItems keeps every item in file order when n ≥ the dataset size or n is null, as the seed does', () => {
    expect(sampleItems(items, { strategy: 'random', n: 20, seed: 42 })).toEqual(items);
    expect(sampleItems(items, { strategy: 'random', n: null, seed: 42 })).toEqual(items);
  });
});

/**
 * The selection for seed 42, frozen when this test was written: a change means runs made with the same config
 * would now pick different items (keyedRandom or the sampling key changed), which must not happen silently.
 */
const GOLDEN_SAMPLE_42 = ['item7', 'item6', 'item0', 'item13', 'item5'];
