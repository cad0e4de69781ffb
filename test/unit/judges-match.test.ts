import { describe, expect, it } from 'vitest';
import { semanticEntropy } from '../../src/lib/core/semantic';
import { createEntailmentJudge, createJudge, datasetJudge, matchJudge } from '../../src/lib/engine/judges';

describe('Judge with label_method match, f1 and dataset', () => {
  it('matchJudge().label(question, goldAnswers, modelAnswer) gives the SQuAD exact-match label with its detail', async () => {
    const judge = matchJudge();
    expect(await judge.label('Capital of France?', ['Paris', 'City of Light'], 'paris!')).toEqual({
      label: 1,
      source: 'match',
      detail: { kind: 'match', score: 1, matched_alias: 'Paris', rule: 'exact', reason: null }
    });
    expect((await judge.label('q', ['Paris'], 'It is Paris.')).label).toBe(0);
    expect(await judge.label('q', [], 'Paris')).toMatchObject({ label: null, detail: { reason: 'no_gold' } });
    expect(judge.stats()).toEqual({ calls: 3, correct: 1, hallucinated: 1, unknown: 1, failures: { no_gold: 1 } });
    expect(judge.provenance()).toEqual({ kind: 'match', method: 'match', f1Threshold: null, matchMode: 'exact' });
  });

  it('createJudge builds the f1 judge with config.f1_threshold and the contains matcher with config.match_mode', async () => {
    const f1 = await createJudge({ label_method: 'f1', f1_threshold: 0.6 });
    // "answer barack obama" vs "Obama": F1 = 0.5 < 0.6.
    expect(await f1.label('q', ['Obama'], 'Answer: Barack Obama')).toEqual({
      label: 0,
      source: 'f1',
      detail: { kind: 'match', score: 0.5, matched_alias: null, rule: null, reason: null }
    });
    expect(f1.provenance()).toMatchObject({ method: 'f1', f1Threshold: 0.6 });
    const contains = await createJudge({ label_method: 'match', match_mode: 'contains' });
    expect((await contains.label('q', ['Paris'], 'It is Paris.')).label).toBe(1);
    expect((await createJudge({})).method).toBe('match');
  });

  it('datasetJudge passes the item label through and gives null for a missing or invalid one', async () => {
    const judge = await createJudge({ label_method: 'dataset' });
    expect(judge.method).toBe('dataset');
    const d = datasetJudge();
    expect(await d.label('q', ['x'], 'y', { label: 0 })).toEqual({ label: 0, source: 'dataset', detail: { kind: 'dataset', raw: 0, reason: null } });
    expect((await d.label('q', ['x'], 'y', { label: 1 })).label).toBe(1);
    expect(await d.label('q', ['x'], 'y')).toMatchObject({ label: null, detail: { reason: 'missing', raw: null } });
    expect(await d.label('q', ['x'], 'y', { label: 'yes' })).toMatchObject({ label: null, detail: { reason: 'invalid', raw: 'yes' } });
    expect(d.stats()).toEqual({ calls: 4, correct: 1, hallucinated: 1, unknown: 2, failures: { missing: 1, invalid: 1 } });
  });

  it('datasetJudge labels a testbed item exactly by its rule from the answer, and a broken one as unknown', async () => {
    const d = datasetJudge();
    const meta = { attribute: 'capital', label_rule: 'testbed-value/v1' };
    const item = { meta };
    expect(await d.label('What is the capital of Falubia?', ['Hartton'], 'The capital of Falubia is Hartton.', item)).toEqual({
      label: 1,
      source: 'dataset',
      detail: { kind: 'dataset', raw: null, rule: 'testbed-value/v1', reason: 'correct', values: ['Hartton'] }
    });
    expect(await d.label('q', ['Hartton'], 'The capital of Falubia is Thorpmoor.', item)).toMatchObject({ label: 0, detail: { reason: 'wrong_value', values: ['Thorpmoor'] } });
    expect(await d.label('q', ['Hartton'], 'It is Hartton or Thorpmoor.', item)).toMatchObject({ label: 0, detail: { reason: 'several_values' } });
    expect(await d.label('q', ['Hartton'], 'I am not sure.', item)).toMatchObject({ label: 0, detail: { reason: 'no_value', values: [] } });
    // An explicit label wins over the rule.
    expect((await d.label('q', ['Hartton'], 'Thorpmoor', { label: 1, meta })).label).toBe(1);
    const broken = await d.label('q', ['Paris'], 'Paris', { meta: { attribute: 'capital', label_rule: 'testbed-value/v1' } });
    expect(broken).toMatchObject({ label: null, detail: { reason: 'invalid', rule: 'testbed-value/v1' } });
    expect((broken.detail as { message: string }).message).toContain('"Paris" is not a value of the attribute capital');
    expect(await d.label('q', ['Hartton'], 'Hartton', { meta: { attribute: 'flag', label_rule: 'testbed-value/v1' } })).toMatchObject({ label: null, detail: { reason: 'invalid' } });
    expect(d.stats()).toMatchObject({ calls: 7, correct: 2, hallucinated: 3, unknown: 2 });
  });

  it('createJudge and label refuse bad input, naming the field', async () => {
    await expect(createJudge({ label_method: 'vote' as never })).rejects.toThrow('label_method must be one of match, f1, judge, nli, dataset, got "vote"');
    await expect(createJudge({ label_method: 'f1', f1_threshold: 1.5 })).rejects.toThrow('f1_threshold must be a number in [0, 1], got 1.5');
    const judge = matchJudge();
    await expect(judge.label(1 as never, ['a'], 'a')).rejects.toThrow('question must be a string, got number');
    await expect(judge.label('q', 'a' as never, 'a')).rejects.toThrow('goldAnswers must be an array of strings, got string');
    await expect(judge.label('q', ['a', null as never], 'a')).rejects.toThrow('goldAnswers[1] must be a string, got null');
    await expect(judge.label('q', ['a'], undefined as never)).rejects.toThrow('modelAnswer must be a string, got undefined');
    expect(judge.stats().calls).toBe(0);
  });
});

describe('createEntailmentJudge with entailment_model match', () => {
  it('the normalised-match floor clusters spellings of one answer and ignores the question', async () => {
    const ej = await createEntailmentJudge({ entailment_model: 'match' });
    const r = await semanticEntropy(['Paris', 'The Paris.', 'Lyon', 'Paris, France'], ej.forQuestion('anything').entails);
    expect(r.ids).toEqual([0, 0, 1, 0]);
    // i = 0 judges three pairs both ways; i = 2 (Lyon) re-judges the already placed "Paris, France" both ways.
    expect(ej.stats()).toEqual({ calls: 8 });
    await expect(createEntailmentJudge({ entailment_model: 'deberta' as never })).rejects.toThrow(
      'entailment_model must be one of match, nli, llm, got "deberta"'
    );
  });
});
