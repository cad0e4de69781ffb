/**
 * The engine in Debian's Chromium: the pinned onnxruntime-web build runs WebGPU (SwiftShader, fp32) and threaded
 * WASM; every fixture layout's KV-cache loop matches a full forward pass there; fp16 without shader-f16 runs on
 * WASM; downloads resume and are cached; the page thread never runs a model.
 */
import { expect, test } from '@playwright/test';
import { join } from 'node:path';
import { loadModelFromDir } from '../../src/lib/engine/node/engine';
import { cutNextDownload, expectReady, hubLog, loadHubModel, useTestHub } from './fixtures';

test.beforeEach(async ({ page }) => {
  await useTestHub(page);
  await page.goto('/models');
});

async function diagnose(page: import('@playwright/test').Page) {
  await page.getByTestId('run-diagnostics').click();
  const report = page.getByTestId('diagnostics');
  await expect(report).toBeVisible({ timeout: 120_000 });
  return report;
}

for (const arch of ['llama', 'gpt2', 'neox', 'genai']) {
  test(`the ${arch} fixture runs on WebGPU (SwiftShader, fp32) and its cache loop matches a full pass`, async ({ page }) => {
    await loadHubModel(page, `fixture-${arch}`, { dtype: 'fp32', backend: 'webgpu' });
    await expectReady(page);
    await expect(page.getByTestId('backend-badge')).toContainText('WebGPU');
    const report = await diagnose(page);
    await expect(report).toHaveAttribute('data-backend', 'webgpu');
    await expect(report).toHaveAttribute('data-pass', 'true');
  });
}

for (const arch of ['gpt2', 'neox', 'genai']) {
  test(`the ${arch} fixture runs on threaded WASM and its cache loop matches a full pass`, async ({ page }) => {
    await loadHubModel(page, `fixture-${arch}`, { dtype: 'fp32', backend: 'wasm' });
    await expectReady(page);
    const report = await diagnose(page);
    await expect(report).toHaveAttribute('data-backend', 'wasm');
    await expect(report).toHaveAttribute('data-pass', 'true');
  });
}

test('the llama fixture runs on threaded WASM and agrees with the CLI engine in Node', async ({ page }) => {
  await loadHubModel(page, 'fixture-llama', { dtype: 'fp32', backend: 'wasm' });
  await expectReady(page);
  await expect(page.getByTestId('backend-badge')).toContainText('WASM ×');
  const report = await diagnose(page);
  await expect(report).toHaveAttribute('data-backend', 'wasm');
  await expect(report).toHaveAttribute('data-pass', 'true');
  expect(Number(await report.getAttribute('data-threads'))).toBeGreaterThan(1);
  // Per-layer hidden states read back from the worker equal what the Node engine computes.
  const browserNorms = (await page.getByTestId('hidden-norms').locator('td').allTextContents()).map(Number);
  const m = await loadModelFromDir(join(process.env.HUB_ROOT!, 'fixture-llama'), { dtype: 'fp32' });
  const ids = m.tokenizer.encode(m.tokenizer.applyChatTemplate([{ role: 'user', content: 'What is the capital of France?' }], { addGenerationPrompt: true }), { addSpecialTokens: false });
  const r = await m.generate(ids, { maxNewTokens: 8, temperature: 0, seed: [0], ignoreEos: true, capture: { positions: ['last_token_embedding'] } });
  const d = m.info.hiddenSize;
  const nodeNorms = r.layers.map((_, j) => Math.hypot(...r.hidden.last_token_embedding!.subarray(j * d, (j + 1) * d)));
  await m.dispose();
  expect(browserNorms).toHaveLength(5);
  expect(browserNorms).toEqual(nodeNorms.map((v) => expect.closeTo(v, 3)));
});

test('an fp16 model on an adapter without shader-f16 runs on WASM and never returns all-zero logits', async ({ page }) => {
  await loadHubModel(page, 'fixture-llama', { dtype: 'fp16', backend: 'auto' });
  await expectReady(page);
  await expect(page.getByTestId('model-ready')).toContainText('has no shader-f16');
  await expect(page.getByTestId('backend-badge')).toContainText('WASM');
  const report = await diagnose(page);
  await expect(report).toHaveAttribute('data-pass', 'true');
  await expect(report).not.toContainText('ALL-ZERO');
});

test('an interrupted download resumes with a Range request, and a second visit downloads nothing', async ({ page }) => {
  const file = '/fixture-gpt2/onnx/model.onnx';
  await cutNextDownload(file, 1_000_000);
  await loadHubModel(page, 'fixture-gpt2', { dtype: 'fp32', backend: 'wasm' });
  await expect(page.getByTestId('load-error')).toContainText('interrupted at');
  await page.getByTestId('load-model').click();
  await expectReady(page);
  const requests = (await hubLog()).filter((r) => r.path === file);
  expect(requests.at(-1)!.range).toMatch(/^bytes=\d+-$/);
  expect(requests.at(-1)!.status).toBe(206);
  const before = requests.length;
  await page.reload();
  await loadHubModel(page, 'fixture-gpt2', { dtype: 'fp32', backend: 'wasm' });
  await expectReady(page);
  expect((await hubLog()).filter((r) => r.path === file)).toHaveLength(before);
});

test('the page thread never loads onnxruntime: models run only in the worker', async ({ page }) => {
  await loadHubModel(page, 'fixture-llama', { dtype: 'fp32', backend: 'wasm' });
  await expectReady(page);
  const mainThread = await page.evaluate(() => ({
    resources: performance.getEntriesByType('resource').map((e) => e.name),
    ort: 'ort' in globalThis
  }));
  expect(mainThread.ort).toBe(false);
  expect(mainThread.resources.filter((n) => /ort-wasm|\.wasm$/.test(n))).toEqual([]);
});

test('a model folder picked from disk loads without any network and generates', async ({ page }) => {
  const before = (await hubLog()).length;
  await page.getByTestId('backend-select').selectOption('wasm');
  await page.locator('input[type=file][webkitdirectory]').setInputFiles(join(process.env.HUB_ROOT!, 'fixture-neox'));
  await expectReady(page);
  await expect(page.getByTestId('model-ready')).toContainText('fixture-neox');
  await expect(page.getByTestId('model-ready')).toContainText('neox layout');
  const report = await diagnose(page);
  await expect(report).toHaveAttribute('data-pass', 'true');
  expect((await hubLog()).length).toBe(before); // nothing was fetched from the hub
});
