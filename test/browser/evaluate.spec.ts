/**
 * The Evaluate page on runs built in code: the metric table equals `evaluateAggregations` run in Node on the same
 * items (exactly, every estimate and bound), excluded, unlabelled and overridden items are flagged, the threshold is
 * chosen on the train run and saved with its source, the cross-domain matrix renders with the values Node gets,
 * and every export produces its file.
 */
import { expect, test } from '@playwright/test';
import { hallucinationLabel } from '../../src/lib/core/itemResult';
import { auroc } from '../../src/lib/core/metrics/auroc';
import { EVALUATION_METRICS, evaluateAggregations } from '../../src/lib/core/metrics/evaluateAggregations';
import { youdenThreshold } from '../../src/lib/core/metrics/youdenThreshold';
import { itemTrajectory } from '../../src/lib/core/trajectory/itemTrajectory';
import { spikeScore } from '../../src/lib/core/trajectory/spikeScore';
import { decodeBundle } from '../../src/lib/store/bundle';
import type { SyntheticRun } from '../helpers/syntheticRun';
import { download, openRuns, RUN_A, RUN_B, screenshots } from './analysis-fixtures';

function trajectories(run: SyntheticRun, key: string) {
  return run.items
    .filter((it) => it.nli_label !== null)
    .map((it) => ({ id: it.id, label: hallucinationLabel(it)!, ...itemTrajectory(it, key) }));
}

test('the Evaluate page reports exactly what evaluateAggregations computes in Node, flags the items it leaves out, and saves the threshold', async ({ page }) => {
  await openRuns(page, RUN_A, RUN_B);
  // Test on A, choose the threshold on B.
  await page.getByTestId('pick-test-run-b').uncheck();
  await page.getByTestId('pick-train-run-b').check();
  await page.getByTestId('score-key').selectOption('entropy_mean');
  await expect(page).toHaveURL(/test=run-a&train=run-b&key=entropy_mean/);
  await page.getByTestId('evaluate').click();
  await expect(page.getByTestId('metrics-table')).toBeVisible();

  const expected = evaluateAggregations(trajectories(RUN_A, 'entropy_mean'), { nResamples: 1000, seed: 42 });
  expect(expected.reason).toBeNull();
  await expect(page.getByTestId('n-pos')).toHaveText(String(expected.nPos));
  await expect(page.getByTestId('n-neg')).toHaveText(String(expected.nNeg));
  await expect(page.getByTestId('summary')).toContainText('hallucinated — the positive class');
  for (const name of expected.aggregations) {
    for (const m of EVALUATION_METRICS) {
      const cell = page.getByTestId(`m-${name}-${m}`);
      await expect(cell).toHaveAttribute('data-value', String(expected.metrics[name][m]));
      await expect(cell).toHaveAttribute('data-lo', String(expected.ci[m][name].lo));
      await expect(cell).toHaveAttribute('data-hi', String(expected.ci[m][name].hi));
    }
    if (name !== 'spikescore') await expect(page.getByTestId(`m-${name}-diff`)).toHaveAttribute('data-value', String(expected.aurocDiffVsSpikescore[name].estimate));
  }
  await expect(page.getByTestId('m-spikescore-auroc')).toContainText(expected.metrics.spikescore.auroc.toFixed(3));
  // q:003 has no label, q:008 only 2 turns, q:012 an overridden label.
  await expect(page.getByTestId('n-unlabelled')).toHaveText('1');
  await expect(page.getByTestId('n-excluded')).toHaveText('1');
  await expect(page.getByTestId('n-overridden')).toHaveText('1');
  await page.getByTestId('flags').getByText('which').last().click();
  await expect(page.getByTestId('overridden-ids')).toHaveText('q:012');
  await expect(page.getByTestId('roc-chart')).toBeVisible();
  await expect(page.getByTestId('hist-chart')).toBeVisible();

  // The threshold comes from run B's items alone.
  const train = trajectories(RUN_B, 'entropy_mean');
  const y = youdenThreshold(train.map((t) => spikeScore(t.scores)!.value), train.map((t) => t.label));
  await expect(page.getByTestId('threshold-value')).toHaveAttribute('data-value', String(y.threshold));
  await expect(page.getByTestId('threshold')).not.toContainText('optimistic');
  await page.getByTestId('save-threshold').click();
  await expect(page.getByTestId('threshold-saved')).toContainText('synthetic/model');
  await expect(page.getByTestId('saved-thresholds')).toContainText(`SpikeScore ≥ ${y.threshold.toFixed(3)} (Youden's J (max TPR − FPR) of SpikeScore on run run-b, model synthetic/model, entropy_mean`);

  await screenshots(page, 'evaluate');

  // Exports: tables, figures (SVG and PNG) and the run bundle.
  const csv = await download(page, page.getByTestId('export-csv'));
  expect(csv.name).toBe('metrics-run-a-entropy_mean.csv');
  const rows = csv.bytes.toString('utf8').trimEnd().split('\n');
  expect(rows).toHaveLength(1 + expected.aggregations.length);
  expect(rows[1].split(',').slice(6, 9)).toEqual([expected.metrics.spikescore.auroc, expected.ci.auroc.spikescore.lo, expected.ci.auroc.spikescore.hi].map(String));
  const tex = await download(page, page.getByTestId('export-latex'));
  expect(tex.bytes.toString('utf8')).toContain(`SpikeScore & ${expected.metrics.spikescore.auroc.toFixed(3)} [`);
  const items = await download(page, page.getByTestId('export-items'));
  expect(items.bytes.toString('utf8').trimEnd().split('\n')).toHaveLength(1 + expected.n);
  for (const fig of ['roc', 'hist']) {
    const svg = await download(page, page.getByTestId(`export-${fig}-svg`));
    expect(svg.name).toBe(`${fig}-run-a-entropy_mean.svg`);
    expect(svg.bytes.toString('utf8')).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]* role="img"/);
    const png = await download(page, page.getByTestId(`export-${fig}-png`));
    expect(png.name).toBe(`${fig}-run-a-entropy_mean.png`);
    expect([...png.bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.bytes.readUInt32BE(16)).toBe(fig === 'roc' ? 1040 : 1120); // width at 2×
  }
  const bundle = await download(page, page.getByTestId('export-bundle-run-a'));
  const back = decodeBundle(new Uint8Array(bundle.bytes), bundle.name);
  expect(back.manifest.run_id).toBe('run-a');
  expect(back.items.map((i) => [i.id, i.nli_label, i.reasoning_chain.map((t) => t.metrics.entropy_mean)])).toEqual(RUN_A.items.map((i) => [i.id, i.nli_label, i.reasoning_chain.map((t) => t.metrics.entropy_mean)]));
  expect(back.hidden.size).toBe(RUN_A.items.length);
});

test('the cross-domain matrix renders every cell with its interval, the pooled column and the average over sources', async ({ page }) => {
  await openRuns(page, RUN_A, RUN_B);
  await page.getByTestId('score-key').selectOption('nll_mean');
  await expect(page.getByTestId('cross-domain')).toBeVisible();
  await page.getByTestId('xd-score').check();
  await page.getByTestId('xd-compute').click();
  await expect(page.getByTestId('xd-table')).toBeVisible();
  const spikes = (run: SyntheticRun) => {
    const t = trajectories(run, 'nll_mean').filter((x) => x.scores.length >= 3);
    return { s: t.map((x) => spikeScore(x.scores)!.value), y: t.map((x) => x.label) };
  };
  const a = spikes(RUN_A);
  const b = spikes(RUN_B);
  await expect(page.getByTestId('xd-run-a-run-b')).toHaveAttribute('data-value', String(auroc(b.s, b.y)));
  await expect(page.getByTestId('xd-run-b-run-a')).toHaveAttribute('data-value', String(auroc(a.s, a.y)));
  await expect(page.getByTestId('xd-run-a-pool')).toHaveAttribute('data-value', String(auroc(b.s, b.y)));
  await expect(page.getByTestId('xd-average')).toHaveAttribute('data-value', String((auroc(b.s, b.y) + auroc(a.s, a.y)) / 2));
  await expect(page.getByTestId('xd-run-a-run-b')).toContainText(/\[\d\.\d{3}, \d\.\d{3}\]/);
  const csv = await download(page, page.getByTestId('xd-export-csv'));
  expect(csv.bytes.toString('utf8').split('\n')[0]).toBe('source,run-a,run-a_lo,run-a_hi,run-b,run-b_lo,run-b_hi,pool,pool_lo,pool_hi,pool_n,pool_hallucinated');

  // A probe per source run: trained in the worker, the matrix still renders.
  await page.getByTestId('xd-probe').check();
  await page.getByTestId('xd-kind').selectOption('sep');
  await page.getByTestId('xd-compute').click();
  await expect(page.getByTestId('xd-table')).toContainText('a sep probe trained on each row');
  const v = Number(await page.getByTestId('xd-run-a-run-b').getAttribute('data-value'));
  expect(v).toBeGreaterThanOrEqual(0);
  expect(v).toBeLessThanOrEqual(1);
  await screenshots(page, 'evaluate-cross-domain');
});

test('a bundle that is not a bundle changes nothing and says so', async ({ page }) => {
  await page.goto('/evaluate');
  await page.getByTestId('bundle-input').setInputFiles({ name: 'broken.zip', mimeType: 'application/zip', buffer: Buffer.from('not a zip at all') });
  await expect(page.getByTestId('import-error')).toContainText('nothing was written');
  await expect(page.getByTestId('run-list')).toContainText('No runs in this browser yet');
});
