import { describe, expect, it } from 'vitest';
import type { Evaluation } from '../../src/lib/core/metrics/evaluateAggregations';
import type { CrossDomainResult } from '../../src/lib/core/probes/crossDomain';
import { crossDomainCsv, crossDomainLatex, latexEscape, metricsCsv, metricsLatex, toCsv } from '../../src/routes/evaluate/tables';
import { lossCurve } from '../../src/routes/probes/lossCurve';
import { describeThreshold, loadThresholds, saveThreshold, thresholdFor, THRESHOLDS_SETTING, type SettingsStore } from '../../src/lib/ui/thresholds';

const iv = (estimate: number, lo: number, hi: number) => ({ estimate, lo, hi });

/** A two-row evaluation with round numbers, so every cell of the exports is known by hand. */
const ev = {
  n: 8,
  nPos: 2,
  nNeg: 6,
  aggregations: ['spikescore', 'mean'],
  ids: [],
  labels: new Uint8Array(0),
  values: {},
  spikeTurns: new Int32Array(0),
  metrics: {
    spikescore: { n: 8, nPos: 2, nNeg: 6, prevalence: 0.25, auroc: 0.75, auprc: 0.5, prr: 0.25, fpr95: 0.5, reason: null },
    mean: { n: 8, nPos: 2, nNeg: 6, prevalence: 0.25, auroc: 0.5, auprc: 0.25, prr: NaN, fpr95: 1, reason: null }
  },
  ci: {
    auroc: { spikescore: iv(0.75, 0.5, 1), mean: iv(0.5, 0.125, 0.875) },
    auprc: { spikescore: iv(0.5, 0.25, 1), mean: iv(0.25, 0.2, 0.75) },
    prr: { spikescore: iv(0.25, -0.5, 1), mean: iv(NaN, NaN, NaN) },
    fpr95: { spikescore: iv(0.5, 0, 1), mean: iv(1, 0.5, 1) }
  },
  aurocDiffVsSpikescore: { mean: iv(0.25, -0.125, 0.625) },
  youden: { threshold: 0.3, j: 0.5, tpr: 1, fpr: 0.5, reason: null },
  excluded: [],
  nResamples: 1000,
  seed: 42,
  reason: null
} as unknown as Evaluation;

describe('evaluation tables', () => {
  it('metricsCsv writes one full-precision row per aggregation, an undefined value as an empty cell', () => {
    const lines = metricsCsv(ev, 'entropy_mean').trimEnd().split('\n');
    expect(lines[0]).toBe(
      'aggregation,description,score_key,n,n_hallucinated,prevalence,auroc,auroc_lo,auroc_hi,auprc,auprc_lo,auprc_hi,prr,prr_lo,prr_hi,fpr95,fpr95_lo,fpr95_hi,auroc_diff_vs_spikescore,auroc_diff_lo,auroc_diff_hi'
    );
    expect(lines[1]).toBe('spikescore,SpikeScore: max |S(k+1) − 2S(k) + S(k−1)| (the paper),entropy_mean,8,2,0.25,0.75,0.5,1,0.5,0.25,1,0.25,-0.5,1,0.5,0,1,,,');
    expect(lines[2]).toBe('mean,mean of the per-turn scores,entropy_mean,8,2,0.25,0.5,0.125,0.875,0.25,0.2,0.75,,,,1,0.5,1,0.25,-0.125,0.625');
  });

  it('toCsv quotes fields holding commas, quotes or newlines', () => {
    expect(toCsv([['a,b', 'say "hi"', 'x\ny', 3, null, NaN]])).toBe('"a,b","say ""hi""","x\ny",3,,\n');
  });

  it('metricsLatex writes a booktabs table with 3 decimals, "--" for undefined, and the class counts in the caption', () => {
    const tex = metricsLatex(ev, 'entropy_mean');
    expect(tex).toContain('\\texttt{entropy\\_mean}: $n = 8$ items, 2 hallucinated (the positive class; prevalence 0.250)');
    expect(tex).toContain('1000 resamples stratified by class (seed 42)');
    expect(tex).toContain('SpikeScore & 0.750 [0.500, 1.000] & 0.500 [0.250, 1.000] & 0.250 [-0.500, 1.000] & 0.500 [0.000, 1.000] & -- \\\\');
    expect(tex).toContain('mean & 0.500 [0.125, 0.875] & 0.250 [0.200, 0.750] & -- [--, --] & 1.000 [0.500, 1.000] & 0.250 [-0.125, 0.625] \\\\');
    expect(tex.startsWith('\\begin{table}[t]\n')).toBe(true);
    expect(tex.trimEnd().endsWith('\\end{table}')).toBe(true);
  });

  it('latexEscape escapes the characters LaTeX treats specially', () => {
    expect(latexEscape('a_b & 50% #1 $x {y} ~z ^w \\')).toBe('a\\_b \\& 50\\% \\#1 \\$x \\{y\\} \\~{}z \\^{}w \\textbackslash{}');
  });

  const xd: CrossDomainResult = {
    domains: ['A', 'B'],
    matrix: [
      [NaN, 0.75],
      [0.5, NaN]
    ],
    cells: [
      { source: 'A', target: 'B', value: 0.75, lo: 0.5, hi: 1, n: 10, positives: 4, reason: null },
      { source: 'B', target: 'A', value: 0.5, lo: 0.25, hi: 0.75, n: 12, positives: 6, reason: null }
    ],
    pooled: [
      { source: 'A', target: 'pool', value: 0.75, lo: 0.5, hi: 1, n: 10, positives: 4, reason: null },
      { source: 'B', target: 'pool', value: 0.5, lo: 0.25, hi: 0.75, n: 12, positives: 6, reason: null }
    ],
    average: 0.625,
    averageOffDiagonal: 0.625,
    skippedSources: []
  };

  it('crossDomainCsv writes a row per source with its pooled cell and the average over sources last', () => {
    expect(crossDomainCsv(xd).trimEnd().split('\n')).toEqual([
      'source,A,A_lo,A_hi,B,B_lo,B_hi,pool,pool_lo,pool_hi,pool_n,pool_hallucinated',
      'A,,,,0.75,0.5,1,0.75,0.5,1,10,4',
      'B,0.5,0.25,0.75,,,,0.5,0.25,0.75,12,6',
      'average over sources (pooled),,,,,,,0.625,,,,'
    ]);
  });

  it('crossDomainLatex puts "--" on the diagonal and the average under the pool column', () => {
    const tex = crossDomainLatex(xd, 'AUROC of SpikeScore_x');
    expect(tex).toContain('\\caption{AUROC of SpikeScore\\_x}');
    expect(tex).toContain('A & -- & 0.750 [0.500, 1.000] & 0.750 [0.500, 1.000] \\\\');
    expect(tex).toContain('B & 0.500 [0.250, 0.750] & -- & 0.500 [0.250, 0.750] \\\\');
    expect(tex).toContain('\\multicolumn{3}{l}{Average over sources (pooled)} & 0.625 \\\\');
  });
});

describe('lossCurve', () => {
  it('lossCurve scales epochs and losses into the plot and leaves non-finite losses out of the path', () => {
    const g = lossCurve(
      [
        { epoch: 1, trainLoss: 1, valLoss: 2 },
        { epoch: 2, trainLoss: 0.5, valLoss: NaN },
        { epoch: 3, trainLoss: 0, valLoss: 1 }
      ],
      { width: 400, height: 200, maxEpochs: 3 }
    );
    // x: epochs 1..3 onto [56, 384]; y: losses [0, 2] onto [160, 16].
    expect(g.series[0].path).toBe('M56,88L220,124L384,160');
    expect(g.series[1].path).toBe('M56,16ZM384,88Z');
    expect(g.series[1].last).toEqual({ x: 384, y: 88, value: 1 });
    expect(g.description).toBe('Loss after epoch 3: training 0.0000, validation 1.0000.');
    expect(g.xTicks.map((t) => t.label)).toEqual(['1', '2', '3']);
  });

  it('lossCurve with no point yet draws empty paths over [1, 10]', () => {
    const g = lossCurve([], { width: 400, height: 200, maxEpochs: 50 });
    expect(g.series.map((s) => s.path)).toEqual(['', '']);
    expect(g.description).toBe('No loss yet.');
    expect(g.xTicks[0].label).toBe('2');
  });
});

describe('verdict thresholds', () => {
  const memory = (): SettingsStore & { data: Map<string, unknown> } => {
    const data = new Map<string, unknown>();
    return {
      data,
      getSetting: async <T>(key: string) => data.get(key) as T | undefined,
      setSetting: async (key: string, value: unknown) => void data.set(key, structuredClone(value))
    };
  };
  const record = (over: Record<string, unknown> = {}) => ({
    value: 0.33,
    rule: "Youden's J (max TPR − FPR) of SpikeScore",
    run: 'r1',
    runIds: ['r1'],
    model: 'random-demo',
    scoreKey: 'entropy_mean',
    date: '2026-03-01T10:00:00.000Z',
    tpr: 0.8,
    fpr: 0.2,
    j: 0.6,
    n: 50,
    optimistic: false,
    ...over
  });

  it('saveThreshold keeps one record per model and score key, and thresholdFor finds it', async () => {
    const store = memory();
    await saveThreshold(record(), store);
    await saveThreshold(record({ scoreKey: 'nll_mean', value: 0.5, date: '2026-03-02T00:00:00.000Z' }), store);
    await saveThreshold(record({ value: 0.4, date: '2026-03-03T00:00:00.000Z', run: 'r2', runIds: ['r2'] }), store);
    expect((await loadThresholds(store)).map((r) => [r.scoreKey, r.value])).toEqual([
      ['entropy_mean', 0.4],
      ['nll_mean', 0.5]
    ]);
    expect(await thresholdFor('random-demo', 'entropy_mean', store)).toMatchObject({ value: 0.4, run: 'r2', format_version: 1 });
    expect(await thresholdFor('random-demo', 'rs', store)).toBeNull();
    expect(await thresholdFor('other', 'entropy_mean', store)).toBeNull();
  });

  it('loadThresholds leaves out entries it cannot read', async () => {
    const store = memory();
    store.data.set(THRESHOLDS_SETTING, [{ value: 'x' }, null, { ...record(), format_version: 1 }]);
    expect(await loadThresholds(store)).toHaveLength(1);
    store.data.set(THRESHOLDS_SETTING, 'garbage');
    expect(await loadThresholds(store)).toEqual([]);
  });

  it('saveThreshold refuses a value that is not a finite number and a record without model or score key', async () => {
    const store = memory();
    await expect(saveThreshold(record({ value: NaN }), store)).rejects.toThrow('saveThreshold: value must be a finite number, got NaN');
    await expect(saveThreshold(record({ model: '' }), store)).rejects.toThrow('saveThreshold: model must name the model');
    await expect(saveThreshold(record({ scoreKey: '' }), store)).rejects.toThrow('saveThreshold: scoreKey must name the per-turn score');
  });

  it('describeThreshold says the rule, the source and whether it is optimistic', () => {
    expect(describeThreshold({ ...record(), format_version: 1 })).toBe("SpikeScore ≥ 0.330 (Youden's J (max TPR − FPR) of SpikeScore on run r1, model random-demo, entropy_mean, 2026-03-01)");
    expect(describeThreshold({ ...record({ optimistic: true, runIds: ['a', 'b'], run: 'a, b' }), format_version: 1 })).toContain('on runs a, b');
    expect(describeThreshold({ ...record({ optimistic: true }), format_version: 1 })).toContain('chosen on the evaluated items: optimistic');
  });
});
