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

/**
 * The rows of each named IndexedDB store that belong to run `runId` (by the stores' `run` index), in key order.
 * A store mapped to a list of fields returns only those fields (picked in the page: hidden-state bytes stay there).
 */
export async function runRows(page: Page, runId: string, stores: Readonly<Record<string, readonly string[] | null>>): Promise<Record<string, Record<string, unknown>[]>> {
  return page.evaluate(
    async ({ id, wanted }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const r = indexedDB.open('spikescore-lab');
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      const out: Record<string, Record<string, unknown>[]> = {};
      for (const [name, fields] of Object.entries(wanted)) {
        const rows = await new Promise<Record<string, unknown>[]>((resolve, reject) => {
          const r = db.transaction(name).objectStore(name).index('run').getAll(IDBKeyRange.only(id));
          r.onsuccess = () => resolve(r.result as Record<string, unknown>[]);
          r.onerror = () => reject(r.error);
        });
        out[name] = fields ? rows.map((row) => Object.fromEntries(fields.map((f) => [f, row[f]]))) : rows;
      }
      db.close();
      return out;
    },
    { id: runId, wanted: Object.fromEntries(Object.entries(stores).map(([k, v]) => [k, v ? [...v] : null])) }
  );
}

/** Writes one record of the app's `settings` store (as the pages do), e.g. the stored verdict thresholds. */
export async function putSetting(page: Page, key: string, value: unknown): Promise<void> {
  await page.evaluate(
    ({ key, value }) =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('spikescore-lab');
        open.onsuccess = () => {
          const tx = open.result.transaction('settings', 'readwrite');
          tx.objectStore('settings').put({ key, value });
          tx.oncomplete = () => (open.result.close(), resolve());
          tx.onerror = () => reject(tx.error);
        };
        open.onerror = () => reject(open.error);
      }),
    { key, value }
  );
}
