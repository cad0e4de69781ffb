/** Shared steps of the Probes and Evaluate browser tests: runs built in code, opened as bundles; downloads read back. */
import { expect, type Locator, type Page } from '@playwright/test';
import { mkdirSync, readFileSync } from 'node:fs';
import { syntheticBundle, syntheticRun, type SyntheticRun } from '../helpers/syntheticRun';

/** Two runs of the same synthetic model: A (with an unlabelled, a short and an overridden item) and B. */
export const RUN_A = syntheticRun({ runId: 'run-a', nItems: 40, turns: 6, seed: 11, unlabelled: [3], short: [8], overridden: [12] });
export const RUN_B = syntheticRun({ runId: 'run-b', nItems: 30, turns: 6, seed: 12 });

/** Opens runs through the Evaluate page's bundle button (the page's own import path). */
export async function openRuns(page: Page, ...runs: SyntheticRun[]) {
  await page.goto('/evaluate');
  for (const run of runs) {
    await page.getByTestId('bundle-input').setInputFiles({ name: `${run.runId}.zip`, mimeType: 'application/zip', buffer: Buffer.from(syntheticBundle(run)) });
    await expect(page.getByRole('status').filter({ hasText: `Opened run ${run.runId}` })).toBeVisible();
  }
}

/** Clicks `button` and returns the downloaded file's name and bytes. */
export async function download(page: Page, button: Locator): Promise<{ name: string; bytes: Buffer }> {
  const [d] = await Promise.all([page.waitForEvent('download'), button.click()]);
  const path = await d.path();
  return { name: d.suggestedFilename(), bytes: readFileSync(path) };
}

/** Full-page screenshots in light and dark, under test-results/screenshots/ (never committed). */
export async function screenshots(page: Page, name: string) {
  mkdirSync('test-results/screenshots', { recursive: true });
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: `test-results/screenshots/${name}-${scheme}.png`, fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}
