/**
 * Try it on the built-in offline model: a question, its follow-up turns streamed from the worker, the trajectory
 * with its spike, SpikeScore, no verdict without a threshold (and why), and a verdict with its source once one is
 * stored.
 */
import { expect, test, type Page } from '@playwright/test';

async function askShort(page: Page, question: string) {
  await page.getByTestId('question').fill(question);
  await page.locator('summary', { hasText: 'Dialogue settings' }).click();
  await page.getByTestId('max-steps').fill('3');
  await page.getByTestId('max-tokens').fill('6');
  await page.getByTestId('ask').click();
}

test('a question runs to a trajectory with SpikeScore; without a threshold there is no verdict, and the page says why', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('load-builtin').click();
  await expect(page.getByTestId('try-model')).toContainText('random-demo', { timeout: 60_000 });
  await askShort(page, 'What is the capital of France?');
  await expect(page.getByTestId('turn')).toHaveCount(4, { timeout: 60_000 });
  await expect(page.getByTestId('spikescore')).toContainText(/\d\.\d{4} at turn [12]/, { timeout: 60_000 });
  await expect(page.getByTestId('trajectory-chart').locator('circle')).toHaveCount(4);
  await expect(page.getByTestId('spike-mark')).toHaveCount(1);
  await expect(page.getByTestId('no-threshold')).toContainText('there is no threshold for random-demo');

  // Store a threshold (as the Evaluate page does) and ask again: the verdict shows with its source.
  await page.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('spikescore-lab');
        open.onsuccess = () => {
          const tx = open.result.transaction('settings', 'readwrite');
          tx.objectStore('settings').put({
            key: 'verdict-thresholds',
            value: [{ format_version: 1, value: 0, rule: "Youden's J", run: 'test run', runIds: ['r1'], model: 'random-demo', scoreKey: 'entropy_mean', date: '2026-11-24T00:00:00Z', tpr: 1, fpr: 0, j: 1, n: 10, optimistic: false }]
          });
          tx.oncomplete = () => resolve();
          tx.onerror = () => reject(tx.error);
        };
        open.onerror = () => reject(open.error);
      })
  );
  await page.getByTestId('ask').click();
  await expect(page.getByTestId('verdict')).toContainText('Flagged as hallucinated', { timeout: 60_000 });
  await expect(page.getByTestId('threshold-source')).toContainText("SpikeScore ≥ 0.0000 (Youden's J on run test run, model random-demo, entropy_mean, 2026-11-24)");
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: `test-results/screenshots/try-${scheme}.png`, fullPage: true });
  }
});
