/**
 * The Probes page on runs built in code: a probe trains in the worker with its loss curve drawn as it goes, is
 * saved, exported and re-imported; applied to a run it writes probe_pred, which the Evaluate page then scores with
 * exactly the numbers Node gets from the exported file; a probe of the wrong hidden size shows the error; training
 * can be cancelled.
 */
import { expect, test } from '@playwright/test';
import { decodeF16, encodeF16 } from '../../src/lib/core/float16';
import { hallucinationLabel } from '../../src/lib/core/itemResult';
import { evaluateAggregations } from '../../src/lib/core/metrics/evaluateAggregations';
import { decodeProbeFile } from '../../src/lib/store/probeFile';
import { download, openRuns, RUN_A, RUN_B, screenshots } from './analysis-fixtures';

test('a SEP probe trains with a live loss curve, is saved, exported, re-imported and applied; Evaluate scores its probe_pred as Node does', async ({ page }) => {
  await openRuns(page, RUN_A, RUN_B);
  await page.goto('/probes?runs=run-b');
  await expect(page.getByTestId('pick-train-run-b')).toBeChecked();
  await page.getByTestId('probe-kind-select').selectOption('sep');
  await page.getByTestId('position-select').selectOption('last_token_embedding');
  await page.getByTestId('layer-a').fill('1');
  await page.getByTestId('layer-b').fill('3');
  await page.getByTestId('train').click();
  await expect(page.getByTestId('trained')).toBeVisible();
  const chart = page.getByTestId('loss-chart');
  await expect(chart).toBeVisible();
  expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThan(1);
  await expect(chart.getByTestId('loss-path').first()).toHaveAttribute('d', /^M[\d.]+,[\d.]+L/);
  await expect(page.getByTestId('train-progress')).toContainText('30 items × 16 features');
  await expect(page.getByTestId('probe-kind')).toHaveText('sep');
  await expect(page.getByTestId('probe-header')).toContainText('[1, 3)');
  await expect(page.getByTestId('probe-validation')).toContainText('log_loss');

  await page.getByTestId('probe-name').fill('sep-b');
  await page.getByTestId('save-probe').click();
  await expect(page.getByTestId('save-note')).toHaveText('Saved as sep-b.safetensors.');
  const row = page.locator('tr[data-probe="sep-b.safetensors"]');
  await expect(row).toBeVisible();

  // Export, check the file in Node, delete, and import it again.
  const file = await download(page, page.getByTestId('export-sep-b.safetensors'));
  expect(file.name).toBe('sep-b.safetensors');
  const probe = decodeProbeFile(new Uint8Array(file.bytes), file.name);
  expect(probe.header).toMatchObject({ kind: 'sep', model_id: 'synthetic/model', hidden_size: 8, token_position: 'last_token_embedding', layer_range: [1, 3], input_dim: 16 });
  await row.getByRole('button', { name: 'Delete sep-b.safetensors' }).click();
  await expect(row).toHaveCount(0);
  await page.getByTestId('probe-import').setInputFiles({ name: 'sep-b.safetensors', mimeType: 'application/octet-stream', buffer: file.bytes });
  await expect(page.getByTestId('import-note')).toContainText('Imported sep-b.safetensors as sep-b.safetensors (sep, 16 inputs)');
  await expect(row).toBeVisible();

  // Apply to run A: probe_pred in every turn.
  await page.getByTestId('apply-run-sep-b.safetensors').selectOption('run-a');
  await page.getByTestId('apply-sep-b.safetensors').click();
  await expect(page.getByTestId('apply-result')).toContainText(`written to ${RUN_A.items.reduce((s, i) => s + i.reasoning_chain.length, 0)} turn(s) of 40 item(s)`);
  await screenshots(page, 'probes');

  // Evaluate run A on probe_pred: the numbers Node gets applying the exported file to the same hidden states.
  await page.getByTestId('apply-result').getByRole('link', { name: 'Evaluate it' }).click();
  await expect(page.getByTestId('score-key')).toHaveValue('probe_pred');
  await expect(page.getByTestId('pick-test-run-a')).toBeChecked();
  await page.getByTestId('evaluate').click();
  await expect(page.getByTestId('metrics-table')).toBeVisible();
  const items = RUN_A.items
    .filter((it) => it.nli_label !== null)
    .map((it) => {
      const turns = RUN_A.hidden.get(it.id)!;
      const scores = it.reasoning_chain.map((t) => probe.predict(decodeF16(encodeF16(turns.get(t.step)!.last_token_embedding!)).slice(8, 24)));
      return { id: it.id, label: hallucinationLabel(it)!, scores };
    });
  const expected = evaluateAggregations(items, { nResamples: 1000, seed: 42 });
  for (const m of ['auroc', 'auprc', 'prr', 'fpr95'] as const) {
    await expect(page.getByTestId(`m-spikescore-${m}`)).toHaveAttribute('data-value', String(expected.metrics.spikescore[m]));
    await expect(page.getByTestId(`m-firstTurn-${m}`)).toHaveAttribute('data-value', String(expected.metrics.firstTurn[m]));
  }
  await expect(page.getByTestId('m-spikescore-auroc')).toHaveAttribute('data-lo', String(expected.ci.auroc.spikescore.lo));
});

test('a probe of another hidden size shows the error and writes nothing; a scikit-learn probe without its layers is refused', async ({ page }) => {
  await openRuns(page, RUN_B);
  await page.goto('/probes');
  const coef = Array.from({ length: 10 }, (_, i) => (i - 5) / 10);
  await page.getByTestId('probe-import').setInputFiles({ name: 'sk.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ coef: [coef], intercept: [0.2], classes: [0, 1] })) });
  await expect(page.getByTestId('import-error')).toContainText('sk.json does not say its token position or layer range');
  await page.getByTestId('import-position').selectOption('last_token_embedding');
  await page.getByTestId('import-a').fill('0');
  await page.getByTestId('import-b').fill('2');
  await page.getByTestId('probe-import').setInputFiles({ name: 'sk.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ coef: [coef], intercept: [0.2], classes: [0, 1] })) });
  await expect(page.getByTestId('import-note')).toContainText('Imported sk.json as sk.safetensors (sep, 10 inputs)');
  await page.getByTestId('apply-sk.safetensors').click();
  await expect(page.getByTestId('apply-error')).toContainText('holds hidden states of size 8, but the probe sk.safetensors was trained on size 5');
  await page.goto('/evaluate?test=run-b&key=probe_pred');
  await expect(page.getByRole('status').filter({ hasText: 'No turn of the chosen test runs holds probe_pred' })).toBeVisible();
});

test('training can be cancelled while the loss curve grows', async ({ page }) => {
  await openRuns(page, RUN_B);
  await page.goto('/probes?runs=run-b&kind=sep-mlp');
  await page.getByTestId('preset-select').selectOption('seed-slow');
  await page.getByTestId('train').click();
  await expect.poll(async () => Number(await page.getByTestId('loss-chart').getAttribute('data-points')), { timeout: 60_000 }).toBeGreaterThan(0);
  await page.getByTestId('cancel-train').click();
  await expect(page.getByTestId('train-error')).toContainText('Training was cancelled; nothing was saved.');
  await expect(page.getByTestId('trained')).toHaveCount(0);
});
