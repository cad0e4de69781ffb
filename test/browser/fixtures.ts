/** Shared steps of the browser tests. */
import { expect, type Page } from '@playwright/test';

export const hubUrl = () => process.env.HUB_URL!;

/** Points the app at the test hub before any page script runs. */
export async function useTestHub(page: Page) {
  await page.addInitScript((template) => localStorage.setItem('spikescore.hub', JSON.stringify(template)), process.env.HUB_TEMPLATE!);
}

/** Loads a model from the test hub on the Models page. */
export async function loadHubModel(page: Page, id: string, options: { dtype?: string; backend?: string } = {}) {
  await page.getByTestId('model-select').selectOption('__other__');
  await page.getByTestId('model-id').fill(id);
  await page.getByTestId('dtype-select').selectOption(options.dtype ?? 'fp32');
  await page.getByTestId('backend-select').selectOption(options.backend ?? 'auto');
  await page.getByTestId('load-model').click();
}

export async function hubLog(): Promise<{ path: string; range?: string; status: number }[]> {
  return (await fetch(`${hubUrl()}/__control/log`)).json();
}

export async function cutNextDownload(path: string, bytes: number) {
  await fetch(`${hubUrl()}/__control/cut?path=${encodeURIComponent(path)}&bytes=${bytes}`);
}

export async function expectReady(page: Page) {
  await expect(page.getByTestId('model-ready')).toBeVisible({ timeout: 120_000 });
}
