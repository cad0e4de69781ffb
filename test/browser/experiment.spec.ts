/**
 * The Experiment page end to end: the real page, the real inference worker running the built-in random-demo model
 * on WASM, the real IndexedDB. Tiny runs (Tiny QA, 1–3 items, max_steps 2, short answers).
 */
import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import { expectReady, runRows } from './fixtures';

interface StoredTurn {
  item: string;
  step: number;
  response: string;
  ids: number[];
  nll: number | null;
}

async function loadDemo(page: Page) {
  await page.getByTestId('model-select').selectOption('random-demo');
  await page.getByTestId('backend-select').selectOption('wasm');
  await page.getByTestId('load-model').click();
  await expectReady(page);
}

async function configure(page: Page, o: { n: number; maxNewTokens: number; maxSteps?: number }) {
  await expect(page.getByTestId('dataset-summary')).toContainText('8 items');
  await page.getByTestId('cfg-sampling-strategy').selectOption('sequential');
  await page.getByTestId('cfg-sampling-n').fill(String(o.n));
  await page.getByTestId('cfg-max-steps').fill(String(o.maxSteps ?? 2));
  await page.getByTestId('cfg-max-new-tokens').fill(String(o.maxNewTokens));
  await page.getByTestId('cfg-temperature').fill('0.7');
  await page.getByTestId('cfg-label-method').selectOption('dataset');
  await expect(page.getByTestId('start-run')).toBeEnabled();
}

async function runToEnd(page: Page) {
  await page.getByTestId('start-run').click();
  await expect(page.getByTestId('run-finished')).toBeVisible({ timeout: 120_000 });
}

/** Run ids, newest first, as the runs table lists them. */
async function runIds(page: Page): Promise<string[]> {
  return page.getByTestId('run-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run-id')!));
}

/** What IndexedDB holds for a run: its turns (in item, step order), its items, and the count of hidden rows. */
async function stored(
  page: Page,
  runId: string
): Promise<{ turns: StoredTurn[]; items: { id: string; n_turns: number; run_status: string; nli_label: 0 | 1 | null; label_source: string | null }[]; hidden: number }> {
  type TurnRow = { item_id: string; step: number; turn: { response: string; tokens: { ids: number[] }; metrics: { nll_mean: number | null } } };
  type ItemRow = { id: string; n_turns: number; run_status: string; nli_label: 0 | 1 | null; label_source: string | null };
  const rows = await runRows(page, runId, { turns: null, items: null, hidden: ['item_id'] });
  const turns = (rows.turns as unknown as TurnRow[])
    .sort((a, b) => (a.item_id < b.item_id ? -1 : a.item_id > b.item_id ? 1 : a.step - b.step))
    .map((t) => ({ item: t.item_id, step: t.step, response: t.turn.response, ids: t.turn.tokens.ids, nll: t.turn.metrics.nll_mean }));
  const items = (rows.items as unknown as ItemRow[]).map((i) => ({ id: i.id, n_turns: i.n_turns, run_status: i.run_status, nli_label: i.nli_label, label_source: i.label_source }));
  return { turns, items, hidden: rows.hidden.length };
}

async function screenshots(page: Page, name: string) {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: `test-results/screenshots/${name}-${scheme}.png`, fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

test.beforeEach(async ({ page }) => {
  await page.goto('/experiment');
  await loadDemo(page);
});

test('a small experiment runs to the end, its items open in the inspector, and an overridden label is flagged in every metric', async ({ page }) => {
  await configure(page, { n: 3, maxNewTokens: 12 });
  // The estimate before the start: 3 items × 3 turns × 3 positions × 5 hidden-state indices × 64 × 2 bytes.
  await expect(page.getByTestId('storage-estimate')).toContainText('3 items × 3 turns');
  await expect(page.getByTestId('storage-estimate')).toContainText('16.9 KB hidden states');
  await page.getByTestId('start-run').click();
  await expect(page.getByTestId('progress-line')).toContainText(/item \d of 3 · turn \d of 3 · .* tok\/s · ETA/);
  await expect(page.getByTestId('run-finished')).toContainText('3 items (3 now, 0 already done, 0 failed)', { timeout: 120_000 });

  const [runId] = await runIds(page);
  await expect(page.getByTestId('run-row')).toHaveCount(1);
  await expect(page.getByTestId('run-row').first()).toHaveAttribute('data-state', 'finished');
  await expect(page.getByTestId('run-row').first()).toContainText('random-demo');
  await expect(page.getByTestId('run-row').first()).toContainText('K=3');
  const data = await stored(page, runId);
  expect(data.turns).toHaveLength(9);
  expect(data.hidden).toBe(9);
  expect(data.items.map((i) => i.run_status)).toEqual(['complete', 'complete', 'complete']);

  // The run view: three items with dataset labels (tiny-02 is a made-up question: hallucinated).
  await expect(page.getByTestId('run-view')).toHaveAttribute('data-run-id', runId);
  await expect(page.getByTestId('item-row')).toHaveCount(3);
  await expect(page.getByTestId('run-counts')).toContainText('3 of 3 items finished');
  const nllRow = page.locator('[data-testid="metric-row"][data-score="nll_mean"]');
  await expect(nllRow).toContainText('3');
  await expect(nllRow.getByTestId('metric-auroc')).toHaveText(/^[01]\.\d{3}$/);
  await expect(nllRow.getByTestId('metric-override-flag')).toHaveCount(0);

  // The inspector: prompts, responses, trajectory and SpikeScore; the response text is what the store holds.
  await page.locator('[data-testid="item-row"][data-item-id="tiny-01"]').getByRole('button').click();
  await expect(page).toHaveURL(/item=tiny-01/);
  const inspector = page.getByTestId('item-inspector');
  await expect(inspector.getByTestId('turn')).toHaveCount(3);
  await expect(inspector.getByTestId('turn-response').first()).toHaveText(data.turns.find((t) => t.item === 'tiny-01' && t.step === 0)!.response || '(empty)');
  await expect(inspector.getByTestId('turn-full-input').first()).toContainText('What is the capital of France?', { useInnerText: false });
  await expect(inspector.getByTestId('trajectory-chart')).toBeVisible();
  await expect(inspector.getByTestId('spikescore')).toContainText(/SpikeScore \(max \|Δ²S\|\): \d+\.\d{4} at turn 1/);
  await expect(inspector.getByTestId('label-source')).toHaveText('dataset');
  await screenshots(page, 'experiment');

  // Override tiny-01 (correct by the dataset) to hallucinated.
  await inspector.getByTestId('override-select').selectOption('0');
  await inspector.getByTestId('override-save').click();
  await expect(inspector.getByTestId('label-source')).toHaveText('override');
  await expect(inspector.getByTestId('override-flag')).toContainText('overridden (was correct, from dataset)');
  await expect(nllRow.getByTestId('metric-override-flag')).toContainText('uses 1 overridden label (tiny-01)');
  await expect(page.locator('[data-testid="metric-row"][data-score="entropy_mean"]').getByTestId('metric-override-flag')).toContainText('tiny-01');
  await expect(page.getByTestId('override-summary')).toContainText('tiny-01 (correct → hallucinated)');

  // Stored as such, and still flagged after a reload (the URL reopens the same run and item).
  await page.reload();
  await expect(page.getByTestId('item-inspector').getByTestId('override-flag')).toBeVisible();
  await expect(page.getByTestId('override-summary')).toContainText('tiny-01');
});

test('a run interrupted by a page reload resumes where it stopped and gives the same responses as an uninterrupted run', async ({ page }) => {
  // Turns long enough (48 tokens) that the reload lands inside item 2, whatever the machine's speed.
  await configure(page, { n: 3, maxNewTokens: 48 });
  await runToEnd(page);
  const [whole] = await runIds(page);

  // The same config again, reloaded while item 2 is under way (after at least one of its turns is stored).
  await page.getByTestId('start-run').click();
  // Turn 2 or 3 of item 2 under way: at least one of its turns is stored. (A fast machine can pass turn 2 between
  // two polls of the line, so either will do.)
  await expect(page.getByTestId('progress-line')).toContainText(/item 2 of 3 · turn [23] of 3/, { timeout: 60_000 });
  await page.reload();
  await expect(page.getByTestId('run-row')).toHaveCount(2);
  const [resumed] = await runIds(page);
  expect(resumed).not.toBe(whole);
  const row = page.locator(`[data-testid="run-row"][data-run-id="${resumed}"]`);
  await expect(row).toHaveAttribute('data-state', 'interrupted');
  await expect(row.getByTestId('run-status')).toContainText('interrupted at item 2 of 3');
  const before = await stored(page, resumed);
  // Item 1 finished, item 2 stopped after one or two of its three turns.
  expect(before.items.map((i) => [i.id, i.run_status])).toEqual([
    ['tiny-01', 'complete'],
    ['tiny-02', 'partial']
  ]);
  expect(before.items[1].n_turns).toBeGreaterThan(0);
  expect(before.turns.length).toBeLessThan(9);
  // Nothing half-written: every stored turn has its hidden states and is counted by its item.
  expect(before.hidden).toBe(before.turns.length);
  for (const item of before.items) expect(before.turns.filter((t) => t.item === item.id)).toHaveLength(item.n_turns);

  // Resume loads the run's model again (the reload dropped it) and skips what is finished.
  await row.getByTestId('resume-run').click();
  await expect(page.getByTestId('run-finished')).toContainText('3 items (2 now, 1 already done, 0 failed)', { timeout: 120_000 });
  await expect(row).toHaveAttribute('data-state', 'finished');

  const a = await stored(page, whole);
  const b = await stored(page, resumed);
  expect(b.turns).toHaveLength(9);
  expect(b.turns.map((t) => [t.item, t.step, t.response, t.ids])).toEqual(a.turns.map((t) => [t.item, t.step, t.response, t.ids]));
  b.turns.forEach((t, i) => expect(t.nll!).toBeCloseTo(a.turns[i].nll!, 4));
  // The turns finished before the reload were kept as they were, not generated again.
  for (const t of before.turns) expect(b.turns.find((x) => x.item === t.item && x.step === t.step)!.response).toBe(t.response);
});

test('a second tab cannot start a run while one runs, and follows it read-only', async ({ page, context }) => {
  await configure(page, { n: 3, maxNewTokens: 24 });
  await page.getByTestId('start-run').click();
  await expect(page.getByTestId('progress-line')).toContainText('item 1 of 3');

  const other = await context.newPage();
  await other.goto('/experiment');
  await expect(other.getByTestId('other-tab-running')).toBeVisible();
  await expect(other.getByTestId('start-run')).toBeDisabled();
  await expect(other.getByTestId('start-blockers')).toContainText('wait for the run in another tab to end');
  await expect(other.getByTestId('run-row')).toHaveCount(1);
  await expect(other.getByTestId('run-row').first()).toHaveAttribute('data-state', 'running-elsewhere');
  // Its progress arrives over the BroadcastChannel; no Pause, Resume, Export or Delete there.
  await expect(other.getByTestId('progress')).toHaveAttribute('data-following', 'true');
  await expect(other.getByTestId('progress-line')).toContainText(/item [23] of 3/, { timeout: 60_000 });
  await expect(other.getByTestId('pause-run')).toHaveCount(0);
  await expect(other.getByTestId('run-row').first().getByTestId('delete-run')).toBeDisabled();
  // Opening the run there shows its items as they land, and no override control (read-only).
  await other.getByTestId('open-run').click();
  await expect(other.getByTestId('item-row').first()).toBeVisible();
  await other.getByTestId('item-row').first().getByRole('button').click();
  await expect(other.getByTestId('item-inspector')).toBeVisible();
  await expect(other.getByTestId('override-select')).toHaveCount(0);
  await screenshots(other, 'experiment-following');

  // The lock itself refuses a second run in that tab.
  const got = await other.evaluate(() => navigator.locks.request('spikescore-experiment', { ifAvailable: true }, (lock) => lock !== null));
  expect(got).toBe(false);

  await expect(page.getByTestId('run-finished')).toBeVisible({ timeout: 120_000 });
  await expect(other.getByTestId('run-row').first()).toHaveAttribute('data-state', 'finished', { timeout: 10_000 });
  await expect(other.getByTestId('other-tab-running')).toHaveCount(0, { timeout: 10_000 });
  await expect(other.getByTestId('item-row')).toHaveCount(3);
  await other.close();
});

test('a bad dataset file shows every problem with its line and leaves earlier runs intact; bundles export and import, a corrupt one changes nothing', async ({ page }) => {
  await configure(page, { n: 2, maxNewTokens: 6 });
  await runToEnd(page);
  const [runId] = await runIds(page);
  const before = await stored(page, runId);

  await page.getByTestId('dataset-source-file').check();
  const bad = ['{"question": "ok?", "answer": "yes"}', '{"question": "broken', '{"question": "fine?", "answer": "no"}', '[1, 2]', ''].join('\n');
  await page.getByTestId('dataset-file').setInputFiles({ name: 'mine.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(bad) });
  const err = page.getByTestId('dataset-error');
  await expect(err).toContainText('mine.jsonl:2: not valid JSON');
  await expect(err).toContainText('mine.jsonl:4: a record must be a JSON object, got array');
  await expect(page.getByTestId('start-run')).toBeDisabled();
  await expect(page.getByTestId('start-blockers')).toContainText('choose a dataset that reads without errors');
  await expect(page.getByTestId('run-row')).toHaveCount(1);
  expect(await stored(page, runId)).toEqual(before);

  // A bad config.json names its fields.
  await page.getByTestId('config-tab-json').click();
  await page.getByTestId('config-json').fill('{"max_steps": -1, "top_p": 3, "sampling": {"strategy": "every"}}');
  await expect(page.getByTestId('config-error')).toContainText('max_steps');
  await expect(page.getByTestId('config-error')).toContainText('top_p');
  await expect(page.getByTestId('config-error')).toContainText('sampling.strategy');

  // Export the run, delete it, import it back: the same items and turns.
  const downloading = page.waitForEvent('download');
  await page.getByTestId('export-run').click();
  const bundle = await readFile((await (await downloading).path())!);
  page.once('dialog', (d) => void d.accept());
  await page.getByTestId('delete-run').click();
  await expect(page.getByTestId('run-row')).toHaveCount(0);
  await page.getByTestId('import-file').setInputFiles({ name: 'run.zip', mimeType: 'application/zip', buffer: bundle });
  await expect(page.getByTestId('run-row')).toHaveCount(1);
  await expect(page.getByTestId('run-row').first()).toHaveAttribute('data-state', 'imported');
  await expect(page.getByTestId('run-row').first()).toHaveAttribute('data-run-id', runId);
  expect(await stored(page, runId)).toEqual(before);
  await expect(page.getByTestId('item-row')).toHaveCount(2);

  // A corrupt bundle and the same bundle again: an error, and nothing changes.
  const corrupt = Buffer.from(bundle);
  corrupt.fill(0, 40, 400);
  await page.getByTestId('import-file').setInputFiles({ name: 'corrupt.zip', mimeType: 'application/zip', buffer: corrupt });
  await expect(page.getByTestId('experiment-error')).toContainText('corrupt.zip');
  await page.getByTestId('import-file').setInputFiles({ name: 'again.zip', mimeType: 'application/zip', buffer: bundle });
  await expect(page.getByTestId('experiment-error')).toContainText('already in this browser');
  await expect(page.getByTestId('run-row')).toHaveCount(1);
  expect(await stored(page, runId)).toEqual(before);
});

test('storage running out mid-run stops the run with what to delete, keeps every finished turn whole, and resume finishes it', async ({ page }) => {
  await configure(page, { n: 2, maxNewTokens: 12 });
  await page.getByTestId('start-run').click();
  await expect(page.getByTestId('progress-line')).toContainText(/turn [23] of 3/);
  // The worker's store checks the quota before every write: make it report a full disk.
  const worker = page.workers().find((w) => w.url().includes('inference'))!;
  await worker.evaluate(() => Object.defineProperty(navigator.storage, 'estimate', { configurable: true, value: async () => ({ usage: 5e9, quota: 5e9 }) }));
  const notice = page.getByTestId('storage-full');
  await expect(notice).toContainText('browser storage is full', { timeout: 60_000 });
  await expect(notice).toContainText('delete runs you no longer need');
  await expect(notice.getByRole('button', { name: 'Delete…' })).toHaveCount(1);
  const [runId] = await runIds(page);
  await expect(page.getByTestId('run-row').first()).toHaveAttribute('data-state', 'stopped');
  const kept = await stored(page, runId);
  expect(kept.turns.length).toBeGreaterThan(0);
  expect(kept.turns.length).toBeLessThan(6);
  expect(kept.hidden).toBe(kept.turns.length);
  for (const item of kept.items) expect(kept.turns.filter((t) => t.item === item.id)).toHaveLength(item.n_turns);

  await worker.evaluate(() => delete (navigator.storage as { estimate?: unknown }).estimate);
  await page.getByTestId('run-row').first().getByTestId('resume-run').click();
  await expect(page.getByTestId('run-finished')).toBeVisible({ timeout: 120_000 });
  expect((await stored(page, runId)).turns).toHaveLength(6);
});

test('the testbed model on its own dataset: every label is the knowledge base\'s rule applied to the stored turn-0 answer', async ({ page }) => {
  // beforeEach loaded the random model; load the testbed instead.
  await page.getByTestId('model-select').selectOption('testbed');
  await page.getByTestId('backend-select').selectOption('wasm');
  await page.getByTestId('load-model').click();
  await expectReady(page);
  await page.getByTestId('dataset-select').selectOption('testbed');
  await expect(page.getByTestId('dataset-summary')).toContainText('3500 items');
  await page.getByTestId('cfg-sampling-strategy').selectOption('random');
  await page.getByTestId('cfg-sampling-n').fill('6');
  await page.getByTestId('cfg-max-steps').fill('2');
  await page.getByTestId('cfg-max-new-tokens').fill('16');
  await page.getByTestId('cfg-temperature').fill('0.2');
  // The dataset labels itself, so its labels are chosen without asking (the CLI does the same).
  await expect(page.getByTestId('cfg-label-method')).toHaveValue('dataset');
  await expect(page.getByTestId('cfg-exact-labels')).toContainText('"dataset" uses them');
  await runToEnd(page);
  const [runId] = await runIds(page);
  await expect(page.getByTestId('run-row').first()).toContainText('testbed');
  const data = await stored(page, runId);
  const rows = data.items.map((i) => ({ id: i.id, label: i.nli_label, source: i.label_source, answer: data.turns.find((t) => t.item === i.id && t.step === 0)!.response }));
  expect(rows).toHaveLength(6);
  const { testbedLabel } = await import('../../src/lib/engine/testbed/label');
  const dataset = (await readFile('testbed/dataset.jsonl', 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  for (const r of rows) {
    const item = dataset.find((d) => d.id === r.id)!;
    expect(r.source).toBe('dataset');
    expect(r.label).toBe(testbedLabel(item, r.answer));
  }
});
