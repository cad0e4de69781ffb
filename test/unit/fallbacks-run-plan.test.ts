/**
 * The pure parts of `fallbacks run`: the plan (prompt order, keys, seeds, file names), stored samples, and the
 * assembly of the reference's files, labels and summary from scripted completions with hand-worked counts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeSequence, labelListCompletion, parseBioTopics, parseListDataset, type TopK } from '../../src/lib/core/fallbacks/index';
import {
  SAMPLE_FORMAT_VERSION,
  assembleFallbacksRun,
  parseSampleRecord,
  planFallbacksRun,
  type PlannedSample,
  type RunData,
  type SampleRecord
} from '../../src/lib/core/fallbacks/generation/index';
import { repoRoot } from './fallbacks-shared';

const read = (p: string): string => readFileSync(join(repoRoot, 'static', 'data', 'fallbacks', p), 'utf8');
const data: RunData = {
  triviaFacts: parseListDataset(read('trivia_facts.jsonl')),
  qampari: parseListDataset(read('qampari_rephrased.jsonl')),
  fakeQampari: parseListDataset(read('fake_qampari.jsonl')),
  bioTopics: parseBioTopics(read('open_ended/topics.jsonl'))
};

function record(s: PlannedSample, completion: string, top: TopK[] = [[['x', -0.1]]]): SampleRecord {
  return {
    format_version: SAMPLE_FORMAT_VERSION,
    key: s.key,
    prompt: s.built.prompt,
    model_input: s.built.modelInput,
    completion,
    prompt_ids: [1, 2, 3],
    token_ids: top.map((_, i) => i),
    top,
    top_ids: top.map((step) => step.map((_, j) => j)),
    stop_reason: 'length',
    timings: { prefill_ms: 10, decode_ms: 990 }
  };
}

/** A stand-in tokenizer: one token per character (any text of some length reads as degenerate). */
const charTokens = (text: string): number[] => [...text].map((c) => c.codePointAt(0)!);
/** A stand-in tokenizer whose every token is new: nothing is ever degenerate. */
let fresh = 0;
const freshTokens = (text: string): number[] => [...text].map(() => fresh++);

describe('planFallbacksRun', () => {
  it('planFallbacksRun lays out trivia_facts --limit 3 with the reference file names', () => {
    const plan = planFallbacksRun({ task: 'trivia_facts', modelId: 'EleutherAI/pythia-70m', limit: 3 }, data);
    expect(plan.samples.map((s) => s.key)).toEqual(['r0-trivia_facts-0', 'r0-trivia_facts-1', 'r0-trivia_facts-2']);
    expect(plan.samples[0].built).toEqual({
      prompt: 'The following 25 fingers are part of the human hand',
      suffix: '\n1.',
      modelInput: 'The following 25 fingers are part of the human hand\n1.'
    });
    expect(plan.samples[0].gold).toEqual(['Thumb', 'Index', 'Middle', 'Ring', 'Pinky']);
    expect(plan.samples[2].seedKey).toEqual([0, 'trivia_facts', 2, 0]);
    expect(plan.files).toEqual({
      folder: '',
      resultsJsonl: 'hq_qampari_results_3_prompts_EleutherAI+pythia-70m_512T.jsonl',
      logprobsJsonl: 'hq_qampari_logprobs_3_prompts_EleutherAI+pythia-70m_512T.jsonl',
      resultsCsv: { answerable: 'hq_qampari_results_EleutherAI+pythia-70m_answerable.csv' },
      reportCsv: 'reports/hq_qampari_results_EleutherAI+pythia-70m_answerable.csv'
    });
  });

  it('planFallbacksRun runs QAMPARI then FakeQAMPARI, and repeats the whole list per rep (the reference order)', () => {
    const plan = planFallbacksRun({ task: 'qampari', modelId: 'm', limit: 2, temperature: 0.5, reps: 2, seed: 7 }, data);
    expect(plan.nPrompts).toBe(4);
    expect(plan.samples.map((s) => s.key)).toEqual([
      'r0-qampari-0',
      'r0-qampari-1',
      'r0-fake_qampari-0',
      'r0-fake_qampari-1',
      'r1-qampari-0',
      'r1-qampari-1',
      'r1-fake_qampari-0',
      'r1-fake_qampari-1'
    ]);
    expect(plan.samples.map((s) => s.line)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(plan.samples[6]).toMatchObject({ part: 'unanswerable', itemTask: 'fake_qampari', index: 0, row: 0, rep: 1, gold: null, seedKey: [7, 'fake_qampari', 0, 1] });
    expect(plan.samples[2].built.modelInput).toBe('The following 25 manga were drawn by Haru Tanemura:\n1.');
    expect(plan.files).toEqual({
      folder: '',
      resultsJsonl: 'qampari_results_4_prompts_m_512T_temp=0_5.jsonl',
      logprobsJsonl: 'qampari_logprobs_4_prompts_m_512T_temp=0_5.jsonl',
      resultsCsv: { answerable: 'qampari_results_m_temp=0.5_2reps_answerable.csv', unanswerable: 'qampari_results_m_temp=0.5_2reps_unanswerable.csv' },
      reportCsv: 'reports/qampari_results_m_temp=0.5_2reps_answerable.csv'
    });
  });

  it('planFallbacksRun gives FakeQAMPARI alone its unanswerable CSV and no report', () => {
    const plan = planFallbacksRun({ task: 'fake_qampari', modelId: 'm', limit: 3, maxNewTokens: 64 }, data);
    expect(plan.parts).toEqual(['unanswerable']);
    expect(plan.files.resultsCsv).toEqual({ unanswerable: 'qampari_results_m_unanswerable.csv' });
    expect(plan.files.reportCsv).toBeNull();
    expect(plan.files.resultsJsonl).toBe('qampari_results_3_prompts_m_64T.jsonl');
  });

  it('planFallbacksRun builds bio prompts without a suffix, and applies instruction then no-25 into no25_exps', () => {
    const bio = planFallbacksRun({ task: 'bio', modelId: 'm', limit: 2 }, data);
    expect(bio.samples[0]).toMatchObject({ topic: 'Lanny Flaherty', gold: null, built: { prompt: 'The following is a bio of Lanny Flaherty:\nLanny Flaherty', suffix: '' } });
    expect(bio.files.resultsCsv).toEqual({ answerable: 'open_ended_results_m_answerable.csv' });
    const v = planFallbacksRun({ task: 'trivia_facts', modelId: 'm', limit: 1, instruction: 'Be brief.', no25: true, colon: true }, data);
    expect(v.samples[0].built).toEqual({
      prompt: 'Be brief. The following fingers are part of the human hand',
      suffix: ':\n1.',
      modelInput: 'Be brief. The following fingers are part of the human hand:\n1.'
    });
    expect(v.files.folder).toBe('no25_exps');
  });

  it('planFallbacksRun names every bad field at once', () => {
    expect(() => planFallbacksRun({ task: 'trivia' as 'bio', modelId: '' }, data)).toThrow(
      /task must be one of trivia_facts, qampari, fake_qampari, bio, got "trivia"[\s\S]*modelId must be a non-empty string, got ""/
    );
    expect(() => planFallbacksRun({ task: 'trivia_facts', modelId: 'm', reps: 3 }, data)).toThrow(
      'reps 3 needs a temperature > 0: greedy decoding gives the same completion every time (the reference refuses this too)'
    );
    expect(() => planFallbacksRun({ task: 'qampari', modelId: 'm', colon: true }, data)).toThrow('the colon variant (":\\n1.") applies to trivia_facts only');
    expect(() => planFallbacksRun({ task: 'bio', modelId: 'm', limit: 0 }, data)).toThrow('limit must be a positive integer (the first N prompts), got 0');
    expect(() => planFallbacksRun({ task: 'bio', modelId: 'm', template: 'Bio:' }, data)).toThrow('the bio template must contain {topic}, got "Bio:"');
    expect(() => planFallbacksRun({ task: 'qampari', modelId: 'm', temperature: -1 }, data)).toThrow('temperature must be a number ≥ 0 (0 is greedy), got -1');
    expect(() => planFallbacksRun({ task: 'qampari', modelId: 'm' }, { qampari: data.qampari })).toThrow('task qampari needs the fakeQampari dataset (a non-empty list), got none');
  });
});

describe('parseSampleRecord', () => {
  const plan = planFallbacksRun({ task: 'trivia_facts', modelId: 'm', limit: 2 }, data);
  it('parseSampleRecord accepts a sample of this plan and refuses one of another configuration', () => {
    const r = record(plan.samples[0], ' Thumb');
    expect(parseSampleRecord(JSON.parse(JSON.stringify(r)), plan.samples[0], 'x.json')).toEqual(r);
    expect(() => parseSampleRecord({ ...r, prompt: 'other' }, plan.samples[0], 'x.json')).toThrow("the stored prompt differs from this run's prompt for r0-trivia_facts-0");
    expect(() => parseSampleRecord(r, plan.samples[1], 'x.json')).toThrow('key must be "r0-trivia_facts-1", got "r0-trivia_facts-0"');
    expect(() => parseSampleRecord({ ...r, format_version: 9 }, plan.samples[0], 'x.json')).toThrow('format_version 9 is newer than this program reads (1)');
    expect(() => parseSampleRecord({ ...r, top: [] }, plan.samples[0], 'x.json')).toThrow('top has 0 steps but token_ids has 1');
    expect(() => parseSampleRecord([], plan.samples[0], 'x.json')).toThrow('x.json: a sample must be a JSON object, got array');
  });
});

describe('assembleFallbacksRun', () => {
  it('assembleFallbacksRun averages reps per prompt (hand-worked) and writes the reference lines', () => {
    const plan = planFallbacksRun({ task: 'trivia_facts', modelId: 'm', limit: 1, temperature: 0.5, reps: 2 }, data);
    // rep 0: Thumb, Index, Middle → C3, EOS 22. rep 1: Thumb, Thumb, Moon → C1 H1 R1, EOS 22.
    const completions = [' Thumb\n2. Index\n3. Middle', ' Thumb\n2. Thumb\n3. Moon'];
    const records = new Map(plan.samples.map((s, i) => [s.key, record(s, completions[i], [[[' Thumb', -0.25], [' The', -2.5]]])]));
    const out = assembleFallbacksRun({ plan, records, tokenize: freshTokens });
    const file = (name: string): string => out.files.find((f) => f.path === name)!.text;
    const prompt = 'The following 25 fingers are part of the human hand';
    expect(file('hq_qampari_results_1_prompts_m_512T_temp=0_5.jsonl')).toBe(
      `{"prompt": "${prompt}", "completion": " Thumb\\n2. Index\\n3. Middle"}\n{"prompt": "${prompt}", "completion": " Thumb\\n2. Thumb\\n3. Moon"}\n`
    );
    expect(file('hq_qampari_logprobs_1_prompts_m_512T_temp=0_5.jsonl')).toBe(`{"prompt": "${prompt}\\n1.", "logprobs": [{" Thumb": -0.25, " The": -2.5}]}\n`.repeat(2));
    const eos22 = Array(22).fill(6).join(', ');
    expect(file('hq_qampari_results_m_temp=0.5_2reps_answerable.csv')).toBe(
      `,correct,bad_format,topic_change,eos,hallucinated,repeated,degenerated_tail,order\n${prompt},2.0,0.0,0.0,22.0,0.5,0.5,False,"[1, 1, 1, ${eos22}]"\n`
    );
    const report = file('reports/hq_qampari_results_m_temp=0.5_2reps_answerable.csv').split('\n');
    expect(report[0]).toBe(',Prompt,Expected,Prediction,Raw Prediction');
    expect(out.labels.map((l) => [l.correct, l.hallucinated, l.repeated, l.eos])).toEqual([
      [3, 0, 0, 22],
      [1, 1, 1, 22]
    ]);
    const s = out.summary.parts.answerable!;
    expect(s.mean).toEqual({ correct: 2, hallucinated: 0.5, repeated: 0.5, bad_format: 0, topic_change: 0, eos: 22 });
    expect(s.mean_paper).toMatchObject({ correct: 2, n: 1, dropped_rows: [70, 73] });
    expect(s.status_counts).toEqual({ FULL: 0, BAD_FORMAT: 0, TOPIC_CHANGE: 0, EOS: 2 });
    expect(out.summary.generation).toMatchObject({ n_samples: 2, new_tokens: 2, prefill_ms: 20, decode_ms: 1980, tokens_per_second: 1, stop_reasons: { length: 2 } });
    expect(out.summary.diversity).toBeNull();
  });

  it('assembleFallbacksRun labels QAMPARI against gold and FakeQAMPARI without it, each part in its CSV, counts summing to 25', () => {
    const plan = planFallbacksRun({ task: 'qampari', modelId: 'm', limit: 1 }, data);
    const gold = plan.samples[0].gold!;
    const completions = [` ${gold[0]}\n2. ${gold[1]}\n3. ${gold[0]}\n4. Nonsense`, ' Kimi ni Todoke\n2. Full Moon\n3. Full Moon\n4. Kamikaze Kaito Jeanne'];
    const records = new Map(plan.samples.map((s, i) => [s.key, record(s, completions[i])]));
    const out = assembleFallbacksRun({ plan, records, tokenize: charTokens });
    expect(out.labels.map((l) => l.order.slice(0, 5))).toEqual([
      [1, 1, 3, 2, 6],
      [2, 2, 3, 2, 6]
    ]);
    const rows = (path: string) =>
      out.files
        .find((f) => f.path === path)!
        .text.trimEnd()
        .split('\n')
        .slice(1);
    const [a] = rows('qampari_results_m_answerable.csv');
    const [u] = rows('qampari_results_m_unanswerable.csv');
    const counts = (line: string) => line.slice(line.indexOf(':,') + 2).split(',').slice(0, 6).map(Number);
    expect(counts(a)).toEqual([2, 0, 0, 21, 1, 1]);
    expect(counts(u)).toEqual([0, 0, 0, 21, 3, 1]);
    for (const row of [a, u]) expect(counts(row).reduce((x, y) => x + y, 0)).toBe(25);
    expect(out.files.map((f) => f.path)).toEqual([
      'qampari_results_2_prompts_m_512T.jsonl',
      'qampari_logprobs_2_prompts_m_512T.jsonl',
      'qampari_results_m_answerable.csv',
      'reports/qampari_results_m_answerable.csv',
      'qampari_results_m_unanswerable.csv'
    ]);
    // degenerated_tail is the detector over tokenize(prompt) ++ tokenize(completion), as the reference.
    const s = plan.samples[0];
    expect(out.labels[0].degenerated_tail).toBe(analyzeSequence([...charTokens(s.built.prompt), ...charTokens(completions[0])]).degeneratedTail);
  });

  it('assembleFallbacksRun writes a looping completion as degenerated_tail True, and its report row as the reference', () => {
    const plan = planFallbacksRun({ task: 'trivia_facts', modelId: 'm', limit: 1 }, data);
    const completion = ' Thumb\n2. Index' + Array.from({ length: 30 }, (_, i) => `\n${i + 3}. Thumb`).join('');
    const out = assembleFallbacksRun({ plan, records: new Map([[plan.samples[0].key, record(plan.samples[0], completion)]]), tokenize: charTokens });
    expect(out.labels[0]).toMatchObject({ status: 'FULL', correct: 2, hallucinated: 0, repeated: 23, degenerated_tail: true });
    const label = labelListCompletion({ completion, gold: plan.samples[0].gold, prompt: plan.samples[0].built.prompt });
    const report = out.files.find((f) => f.path.startsWith('reports/'))!.text;
    expect(report.startsWith(',Prompt,Expected,Prediction,Raw Prediction\n0,The following 25 fingers are part of the human hand,"Thumb\nIndex\nMiddle\nRing\nPinky","Thumb (C)\nIndex (C)\nThumb (R)\n')).toBe(
      true
    );
    expect(label.order.filter((x) => x === 3)).toHaveLength(23);
  });

  it('assembleFallbacksRun reports bio facts without a judge as unchecked, never correct, with the diversity of the argmax tokens', async () => {
    const { scoreBio } = await import('../../src/lib/core/fallbacks/index');
    const plan = planFallbacksRun({ task: 'bio', modelId: 'm', limit: 1 }, data);
    const s = plan.samples[0];
    const completion = ' is an American actor. He was born in 1950. He was born in 1951.';
    const top: TopK[] = [
      [[' is', -0.1], [' was', -2]],
      [[' an', -0.3], [' is', -1]],
      [[' was', -3], [' is', -0.2]]
    ];
    const records = new Map([[s.key, record(s, completion, top)]]);
    const bioScores = new Map([[s.key, await scoreBio('Lanny Flaherty', completion)]]);
    const out = assembleFallbacksRun({ plan, records, tokenize: freshTokens, bioScores });
    expect(out.labels[0]).toMatchObject({ order: [0, 0, 3, 6], correct: 0, hallucinated: 0, repeated: 1, unchecked: 2, eos: 1, status: 'EOS' });
    expect(out.files.find((f) => f.path === 'open_ended_results_m_answerable.csv')!.text).toBe(
      ',correct,bad_format,topic_change,eos,hallucinated,repeated,degenerated_tail,order,unchecked\n' +
        '"The following is a bio of Lanny Flaherty:\nLanny Flaherty",0,0,0,1,0,1,False,"[0, 0, 3, 6]",2\n'
    );
    const report = out.files.find((f) => f.path.startsWith('reports/'))!.text;
    expect(report).toContain('"Lanny Flaherty is an American actor. (?)\nHe was born in 1950. (?)\nHe was born in 1950. (R)\n(EOS)"');
    expect(out.summary.parts.answerable!.unchecked_mean).toBe(2);
    const d = out.summary.diversity!;
    // argmax tokens: " is", " an", " is" → running unique share 1, 1, 2/3.
    expect(d.mean.slice(0, 4)).toEqual([1, 1, 2 / 3, null]);
    expect(d.count.slice(0, 4)).toEqual([1, 1, 1, 0]);
    expect(d.at_100).toBeNull();
    expect(d.mean).toHaveLength(512);
  });

  it('assembleFallbacksRun names a missing sample or bio score', () => {
    const plan = planFallbacksRun({ task: 'bio', modelId: 'm', limit: 1 }, data);
    expect(() => assembleFallbacksRun({ plan, records: new Map(), tokenize: charTokens })).toThrow('assembleFallbacksRun: sample r0-bio-0 (line 0) is missing');
    const records = new Map([[plan.samples[0].key, record(plan.samples[0], ' x.')]]);
    expect(() => assembleFallbacksRun({ plan, records, tokenize: charTokens })).toThrow('assembleFallbacksRun: the bio score of sample r0-bio-0 is missing');
  });
});
