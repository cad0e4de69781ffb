import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PAPER_ORDERING_P, barChartTitle, orderMatrixTitle, parsePaperPlots } from '../../src/routes/teach/paperPlots';
import { dialogueNote, listNote, teachModel } from '../../src/routes/teach/modelNotes';
import { formatP } from '../../src/routes/teach/formatP';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CURATED_PAIRS, CURATED_QUESTIONS, curatedPairsFor, curatedQuestionsFor } from '../../src/lib/ui/curated';
import { TESTBED_DIR } from '../../src/lib/engine/testbed/files';
import { parseTestbedDataset } from '../../src/lib/engine/testbed/dataset';

const bundled = JSON.parse(readFileSync(resolve('static/data/fallbacks/derived/paper_plot_values.json'), 'utf8'));

const bar = (label: string, over: Record<string, unknown> = {}) => ({
  label,
  correct: 1,
  hallucinations: 2,
  repetitions: 20,
  bad_format: 1,
  topic_change: 0.5,
  EOS: 0.5,
  ...over
});

describe('parsePaperPlots', () => {
  const plots = parsePaperPlots(bundled);

  it('parsePaperPlots reads the 29 bar charts and 45 order matrices the app bundles', () => {
    expect(plots.barCharts).toHaveLength(29);
    expect(plots.orderMatrices).toHaveLength(45);
    const fig2 = plots.barCharts.find((c) => c.name === 'fig2/hq_qampari_parameters.pdf')!;
    expect(fig2.goldMeanLine).toBe(6.63);
    expect(fig2.nQuestions).toBe(95);
    expect(fig2.bars.map((b) => b.label)).toEqual(['70M', '160M', '410M', '1B', '1.4B', '2.8B', '6.9B', '12B']);
    // Pythia-70M on TriviaFacts, as the spec quotes it from the figure: C .05, H 3.01, R 16.27, BF 5.66.
    expect(fig2.bars[0]).toEqual({ label: '70M', correct: 0.052632, hallucinations: 3.010526, repetitions: 16.273684, bad_format: 5.663158, topic_change: 0, EOS: 0 });
    expect(plots.barCharts.find((c) => c.name === 'fqampari/unanswerable_qampari_parameters.pdf')!.goldMeanLine).toBeNull();
  });

  it('parsePaperPlots turns each order row into 25 label codes and keeps the model facts', () => {
    const m = plots.orderMatrices.find((x) => x.name === 'fig2/orders/Pythia_base_12B_300T.pdf')!;
    expect(m.rows).toHaveLength(95);
    expect(m.rows.every((r) => r.length === 25)).toBe(true);
    expect(m.rows[0].slice(0, 3)).toEqual([2, 4, 4]); // "2444…" in the file
    expect(orderMatrixTitle(m)).toBe('Pythia base 12B, 300B tokens — TriviaFacts, greedy (first sample)');
    const llama = plots.orderMatrices.find((x) => x.name === 'orders/orders/Llama2_base_7B_0T.pdf')!;
    expect(orderMatrixTitle(llama)).toBe('Llama2 base 7B — TriviaFacts, greedy (first sample)'); // "0" tokens: not given
    const step0 = plots.orderMatrices.find((x) => x.name === 'orders/orders/Pythia_base_12B_0T.pdf')!;
    expect(orderMatrixTitle(step0)).toBe('Pythia base 12B, 0B tokens — TriviaFacts, greedy (first sample)'); // the step-0 checkpoint
    const sft = plots.orderMatrices.find((x) => x.name === 'orders/orders/OLMo_SFT_7B_0T.pdf')!;
    expect(orderMatrixTitle(sft)).toBe('OLMo SFT 7B — TriviaFacts, greedy (first sample)');
    expect(barChartTitle(plots.barCharts.find((c) => c.name === 'fig2/hq_qampari_parameters.pdf')!)).toBe(
      'Pythia base models (final checkpoint) by parameter count — TriviaFacts, greedy'
    );
  });

  it('every matrix with a paper p-value is in the file', () => {
    for (const name of Object.keys(PAPER_ORDERING_P)) expect(plots.orderMatrices.some((m) => m.name === name)).toBe(true);
  });

  it('parsePaperPlots refuses what is not an object, naming the file', () => {
    expect(() => parsePaperPlots([], 'x.json')).toThrow('x.json must be a JSON object, got array');
    expect(() => parsePaperPlots(null)).toThrow('paper_plot_values.json must be a JSON object, got null');
  });

  it('parsePaperPlots names missing sections', () => {
    expect(() => parsePaperPlots({ order_matrices: {} })).toThrow('"bar_charts" must be an object (figure → chart), got undefined');
    expect(() => parsePaperPlots({ bar_charts: {} })).toThrow('"order_matrices" must be an object (figure → matrix), got undefined');
  });

  it('parsePaperPlots lists every bad bar, segment and row, with its path', () => {
    const bad = {
      bar_charts: {
        a: { bars: [bar('ok'), bar('neg', { repetitions: -1 }), { correct: 1 }, bar('nan', { EOS: 'x' })], gold_mean_line: '6' },
        b: { bars: [] }
      },
      order_matrices: { m: { rows: ['1123', '12x', [1, 7], ''] }, n: ['111'] }
    };
    let err: unknown;
    try {
      parsePaperPlots(bad);
    } catch (e) {
      err = e;
    }
    const message = (err as Error).message;
    expect(message).toContain('bar_charts["a"].bars[1].repetitions must be a finite number ≥ 0, got -1');
    expect(message).toContain('bar_charts["a"].bars[2].label must be a string, got undefined');
    expect(message).toContain('bar_charts["a"].bars[3].EOS must be a finite number ≥ 0, got "x"');
    expect(message).toContain('bar_charts["a"].gold_mean_line must be a number or null, got "6"');
    expect(message).toContain('bar_charts["b"].bars must be a non-empty list, got array');
    expect(message).toContain('order_matrices["m"].rows[1] must be a string of label digits 0–6 or a list of them, got "12x"');
    expect(message).toContain('order_matrices["m"].rows[2] must be a string of label digits 0–6 or a list of them, got [1,7]');
    expect(message).toContain('order_matrices["m"].rows[3] must be a string of label digits 0–6 or a list of them, got ""');
    expect(message).toContain('order_matrices["n"].rows must be a non-empty list, got undefined');
    expect((err as { issues: unknown[] }).issues).toHaveLength(9);
  });
});

describe('formatP', () => {
  it('formatP prints small p-values as the paper does and large ones with two digits', () => {
    expect(formatP(1.1e-25)).toBe('1.1e-25');
    expect(formatP(1.3456e-25)).toBe('1.3e-25');
    expect(formatP(0.04567)).toBe('0.046');
    expect(formatP(0)).toBe('< 1e-300');
    expect(formatP(null)).toBe('–');
    expect(formatP(NaN)).toBe('–');
  });
});

describe('curated pairs', () => {
  it('every pair puts a known question beside a made-up one, each with gold answers', () => {
    expect(CURATED_PAIRS.length).toBeGreaterThanOrEqual(4);
    for (const p of CURATED_PAIRS) {
      expect(p.factual.kind).toBe('known');
      expect(p.hallucinated.kind).toBe('made-up');
      expect(p.factual.answers.length).toBeGreaterThan(0);
      expect(p.hallucinated.answers.length).toBeGreaterThan(0);
    }
    expect(new Set(CURATED_QUESTIONS.map((q) => q.id)).size).toBe(CURATED_QUESTIONS.length);
  });

  it('curatedPairsFor offers the general pairs to a model without its own', () => {
    expect(curatedPairsFor('random-demo').map((p) => p.id)).toEqual(['capitals', 'nobel', 'authors', 'formulas']);
    expect(curatedPairsFor(null)).toEqual(curatedPairsFor('HuggingFaceTB/SmolLM2-135M-Instruct'));
    expect(curatedQuestionsFor('random-demo').some((q) => q.testbed)).toBe(false);
    expect(curatedQuestionsFor(null).map((q) => q.id)).toContain('largest-planet');
  });

  it('the testbed gets its own pairs: each a frequent and a never-seen country of the dataset, same attribute, gold from the knowledge base', () => {
    const items = new Map(parseTestbedDataset(readFileSync(join(TESTBED_DIR, 'dataset.jsonl'), 'utf8')).map((i) => [i.question, i]));
    const pairs = curatedPairsFor('testbed');
    expect(pairs.map((p) => p.id)).toEqual(['testbed-capital', 'testbed-language', 'testbed-currency', 'testbed-founded', 'testbed-continent']);
    for (const p of pairs) {
      const known = items.get(p.factual.question)!;
      const never = items.get(p.hallucinated.question)!;
      expect(known).toMatchObject({ tier: 'frequent', split: 'heldout', attribute: p.factual.testbed!.attribute, answer: p.factual.answers[0] });
      expect(never).toMatchObject({ tier: 'never', attribute: p.hallucinated.testbed!.attribute, answer: p.hallucinated.answers[0] });
      expect(p.factual.testbed).toEqual({ attribute: known.attribute, tier: 'frequent' });
      expect(p.hallucinated.testbed).toEqual({ attribute: never.attribute, tier: 'never' });
      expect(p.factual.id).toBe(`testbed-${known.entity.toLowerCase()}-${known.attribute}`);
    }
    expect(curatedQuestionsFor('testbed')).toHaveLength(10);
    expect(curatedQuestionsFor('testbed').every((q) => q.testbed)).toBe(true);
  });
});

describe('teachModel and its notes', () => {
  it('teachModel tells the random built-in model, chat and Pythia base models, and unknown ones apart', () => {
    expect(teachModel(null).kind).toBe('none');
    expect(teachModel('testbed').kind).toBe('builtin');
    expect(teachModel('random-demo').kind).toBe('random');
    expect(teachModel('HuggingFaceTB/SmolLM2-135M-Instruct').kind).toBe('chat');
    expect(teachModel('Xenova/pythia-70m-deduped')).toMatchObject({ kind: 'base', paperListModel: true });
    expect(teachModel('someone/else').kind).toBe('unknown');
  });

  it('the notes say the random model shows the pipeline only, and that a chat model is not what Loops to Oops ran', () => {
    expect(dialogueNote(teachModel('random-demo'))).toMatchObject({ level: 'warn', text: expect.stringContaining('RANDOM weights') });
    expect(listNote(teachModel('random-demo')).text).toContain('NOT what the paper ran');
    expect(listNote(teachModel('onnx-community/Qwen2.5-0.5B-Instruct'))).toMatchObject({ level: 'warn', text: expect.stringContaining('NOT what the paper ran') });
    expect(listNote(teachModel('Xenova/pythia-160m'))).toMatchObject({ level: 'ok', text: expect.stringContaining('as in the paper') });
    expect(dialogueNote(teachModel('Xenova/pythia-160m')).level).toBe('warn');
  });
});
