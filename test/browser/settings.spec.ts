/**
 * Settings and Models: the judge key lives in memory only; "Clear everything" asks first and then deletes the
 * app's storage; a cached model can be deleted (the next load downloads it again) and a load can be cancelled.
 * Screenshots of both pages, light and dark.
 */
import { expect, test } from '@playwright/test';
import { expectReady, hubLog, loadHubModel, useTestHub } from './fixtures';

test('the judge key is never stored; clear-all asks first, and deletes only when confirmed', async ({ page }) => {
  await page.goto('/settings');
  await page.getByTestId('judge-key').fill('sk-test-secret-123');
  const stored = await page.evaluate(() => JSON.stringify(localStorage));
  expect(stored).not.toContain('sk-test-secret-123');
  await page.reload();
  await expect(page.getByTestId('judge-key')).toHaveValue('');

  // Something to delete: a setting and an IndexedDB database of the app.
  await page.evaluate(() => {
    localStorage.setItem('spikescore.hub', JSON.stringify('http://example.invalid/{model}/'));
    return new Promise<void>((resolve) => {
      const r = indexedDB.open('spikescore-lab-test', 1);
      r.onupgradeneeded = () => r.result.createObjectStore('x');
      r.onsuccess = () => (r.result.close(), resolve());
    });
  });
  const dbs = () => page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name));
  page.once('dialog', (d) => void d.dismiss());
  await page.getByTestId('clear-all').click();
  expect(await dbs()).toContain('spikescore-lab-test');
  page.once('dialog', (d) => void d.accept());
  await page.getByTestId('clear-all').click();
  await expect(page.getByRole('status')).toContainText('Deleted');
  expect(await dbs()).not.toContain('spikescore-lab-test');
  expect(await page.evaluate(() => localStorage.getItem('spikescore.hub'))).toBeNull();
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: `test-results/screenshots/settings-${scheme}.png`, fullPage: true });
  }
});

test('a cached model can be deleted (the next load downloads it again), and a load can be cancelled', async ({ page }) => {
  await useTestHub(page);
  await page.goto('/models');
  await loadHubModel(page, 'fixture-neox', { dtype: 'fp32', backend: 'wasm' });
  await expectReady(page);
  await page.getByRole('button', { name: 'Refresh' }).click();
  const row = page.getByTestId('cache-table').locator('tr', { hasText: 'fixture-neox' });
  await expect(row).toHaveCount(1);
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: `test-results/screenshots/models-${scheme}.png`, fullPage: true });
  }
  await row.getByRole('button', { name: /Delete/ }).click();
  await expect(page.getByTestId('cache-table').locator('tr', { hasText: 'fixture-neox' })).toHaveCount(0);
  const file = '/fixture-neox/onnx/model.onnx';
  const before = (await hubLog()).filter((r) => r.path === file).length;
  await page.reload();
  await loadHubModel(page, 'fixture-neox', { dtype: 'fp32', backend: 'wasm' });
  await expectReady(page);
  expect((await hubLog()).filter((r) => r.path === file).length).toBe(before + 1);

  // Cancel: the load stops, no model is ready, and the page can load again.
  await loadHubModel(page, 'fixture-llama', { dtype: 'fp32', backend: 'wasm' });
  await page.getByRole('button', { name: /^Cancel/ }).click();
  await expect(page.getByTestId('load-progress')).toHaveCount(0);
  await expect(page.getByTestId('model-ready')).toHaveCount(0);
});
