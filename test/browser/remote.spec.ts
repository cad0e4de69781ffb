/**
 * Remote GPU runs from the Experiment page, against the BUILT app started with the remote route configured:
 * `scripts/serve.mjs` on a second free port with SPIKESCORE_API_TOKEN, SPIKESCORE_REMOTE_NODES (two SGLang test
 * nodes on 127.0.0.1, backed by the project's engine on the tiny fixture Llama, `test/remote/`) and
 * SPIKESCORE_DATA_DIR in a temporary folder. A wrong token shows the server's 401 in the page; a small run goes to
 * the end and its items show in the run view and in Evaluate like a local run's; a run interrupted by a reload
 * resumes and resubmits only what the store lacks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { expect, test, type Page } from '@playwright/test';
import { hallucinationLabel, type ItemResult } from '../../src/lib/core/itemResult';
import { evaluateAggregations } from '../../src/lib/core/metrics/evaluateAggregations';
import { itemTrajectory } from '../../src/lib/core/trajectory/itemTrajectory';
import type { EngineNode } from '../remote/engineNode';
import { fixtureBackend, fixtureFolder } from '../remote/fixture';
import { startNodes, tempDir } from '../remote/harness';
import { runRows } from './fixtures';

const API_TOKEN = 'browser-remote-api-token';
const NODE_TOKEN = 'browser-remote-node-token';

let nodes: EngineNode[] = [];
let app: ChildProcess | null = null;
let base = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(180_000);
  const backend = await fixtureBackend(2);
  // 40 ms per generated token: an item (3 turns × ≤ 4 tokens) takes about half a second, so a reload can land mid-run.
  nodes = await startNodes(backend, ['ok', 'ok'], { token: NODE_TOKEN, tokenLatencyMs: 40 });
  const pool = {
    model: 'tiny-llama',
    tokenizer: await fixtureFolder(),
    nodes: nodes.map((n, i) => ({ url: n.url, protocol: 'sglang', token_env: 'SPIKESCORE_TEST_GPU_TOKEN', name: `gpu-${i + 1}`, max_concurrency: 1 })),
    max_attempts: 2
  };
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  app = spawn(process.execPath, ['scripts/serve.mjs'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      SPIKESCORE_API_TOKEN: API_TOKEN,
      SPIKESCORE_REMOTE_NODES: JSON.stringify(pool),
      SPIKESCORE_DATA_DIR: tempDir('spikescore-remote-data-'),
      SPIKESCORE_TEST_GPU_TOKEN: NODE_TOKEN
    },
    stdio: ['ignore', 'pipe', 'pipe']
  });
  let log = '';
  app.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`the app did not start on ${base}: ${log}`)), 60_000);
    app!.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('listening on')) {
        clearTimeout(t);
        resolve();
      }
    });
    app!.once('exit', (code) => reject(new Error(`the app exited (${code}): ${log}`)));
  });
});

test.afterAll(async () => {
  app?.kill('SIGTERM');
  await Promise.all(nodes.map((n) => n.close()));
});

/** Types the token in Settings and goes to the Experiment page by the nav (the token lives in this tab's memory). */
async function enterToken(page: Page, token: string) {
  await page.getByRole('navigation').getByRole('link', { name: 'Settings' }).click();
  await page.getByTestId('remote-token').fill(token);
  await page.getByRole('navigation').getByRole('link', { name: 'Experiment' }).click();
}

async function configure(page: Page, n: number) {
  await expect(page.getByTestId('dataset-summary')).toContainText('8 items');
  await page.getByTestId('cfg-sampling-strategy').selectOption('sequential');
  await page.getByTestId('cfg-sampling-n').fill(String(n));
  await page.getByTestId('cfg-max-steps').fill('2');
  await page.getByTestId('cfg-max-new-tokens').fill('4');
  await page.getByTestId('cfg-label-method').selectOption('dataset');
}

/** The items IndexedDB holds for a run, and its hidden-state rows. */
async function stored(page: Page, runId: string): Promise<{ items: ItemResult[]; hidden: { item_id: string; step: number; layers: number[] }[] }> {
  const rows = await runRows(page, runId, { items: null, turns: null, hidden: ['item_id', 'step', 'layers'] });
  const turns = rows.turns as unknown as { item_id: string; step: number; turn: Record<string, unknown> }[];
  const hidden = rows.hidden as unknown as { item_id: string; step: number; layers: number[] }[];
  const items = (rows.items as (Record<string, unknown> & { id: string })[])
    .map((r) => ({ ...r, reasoning_chain: turns.filter((t) => t.item_id === r.id).sort((a, b) => a.step - b.step).map((t) => t.turn) }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  return { items: items as unknown as ItemResult[], hidden };
}

async function screenshots(page: Page, name: string) {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: `test-results/screenshots/${name}-${scheme}.png`, fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

test('a wrong Remote server token shows the server\'s 401 in the Experiment page, and no remote choice', async ({ page }) => {
  await page.goto(`${base}/experiment`);
  await expect(page.getByTestId('remote-needs-token')).toContainText('This server can run experiments on its GPU pool');
  await enterToken(page, 'not-the-token');
  await expect(page.getByTestId('remote-refused')).toContainText('The server refused the Remote server token (HTTP 401): the bearer token is not valid.');
  await expect(page.getByTestId('run-on')).toHaveCount(0);
});

test('a small experiment on the GPU pool runs to the end; its items show in the run view and in Evaluate like a local run', async ({ page }) => {
  await page.goto(`${base}/experiment`);
  await enterToken(page, API_TOKEN);
  await page.getByTestId('run-on-server').check();
  await expect(page).toHaveURL(/on=server/);
  await expect(page.getByTestId('remote-model')).toHaveText('tiny-llama');
  await expect(page.getByTestId('remote-node')).toHaveCount(2);
  await expect(page.locator('[data-testid="remote-node"][data-node="gpu-1"]')).toContainText('up');
  await expect(page.getByTestId('remote-scores')).toContainText('Entropy: none.');
  await expect(page.getByTestId('remote-scores')).toContainText('the last layer only (index 2');
  await configure(page, 3);
  // The estimate is sized for the server's model: 3 items × 3 turns × 3 positions × 1 layer × 16 × 2 bytes.
  await expect(page.getByTestId('storage-estimate')).toContainText('3 items × 3 turns');
  await expect(page.getByTestId('storage-estimate')).toContainText('864 B hidden states');
  await expect(page.getByTestId('start-run')).toBeEnabled();
  await page.getByTestId('start-run').click();
  await expect(page.getByTestId('progress-line')).toContainText(/\d of 3 items stored · (waiting for the server|on 2 nodes)/);
  await expect(page.getByTestId('run-finished')).toContainText('3 items (3 now, 0 already done, 0 failed)', { timeout: 120_000 });

  const runId = (await page.getByTestId('run-row').first().getAttribute('data-run-id'))!;
  await expect(page.getByTestId('run-row').first()).toHaveAttribute('data-state', 'finished');
  await expect(page.getByTestId('run-row').first().getByTestId('remote-tag')).toHaveText('GPU pool');
  const data = await stored(page, runId);
  expect(data.items.map((i) => [i.id, i.run_status, i.reasoning_chain.length])).toEqual([
    ['tiny-01', 'complete', 3],
    ['tiny-02', 'complete', 3],
    ['tiny-03', 'complete', 3]
  ]);
  expect(data.hidden).toHaveLength(9);
  expect(new Set(data.hidden.map((h) => JSON.stringify(h.layers)))).toEqual(new Set(['[2]']));
  for (const t of data.items.flatMap((i) => i.reasoning_chain)) {
    expect(t.metrics.entropy_mean).toBeNull();
    expect(t.metrics.rs).toBeNull();
    expect(typeof t.metrics.nll_mean).toBe('number');
  }

  // The run view, as for a local run: items, counts, labels from the dataset, the inspector.
  await expect(page.getByTestId('run-view')).toHaveAttribute('data-run-id', runId);
  await expect(page.getByTestId('remote-run-note')).toContainText('entropy and the logit-lens RS are unavailable on remote engines');
  await expect(page.getByTestId('item-row')).toHaveCount(3);
  await expect(page.getByTestId('run-counts')).toContainText('3 of 3 items finished');
  await expect(page.locator('[data-testid="metric-row"][data-score="nll_mean"]')).toContainText('3');
  await page.locator('[data-testid="item-row"][data-item-id="tiny-02"]').getByRole('button').click();
  await expect(page.getByTestId('item-inspector').getByTestId('turn')).toHaveCount(3);
  await expect(page.getByTestId('item-inspector').getByTestId('turn-response').first()).toHaveText(data.items[1].reasoning_chain[0].response || '(empty)');
  await screenshots(page, 'experiment-remote');

  // Evaluate: the run is there, and its SpikeScore AUROC on NLL is what evaluateAggregations gives in Node.
  await page.goto(`${base}/evaluate?test=${runId}&key=nll_mean`);
  await expect(page.getByTestId(`pick-test-${runId}`)).toBeChecked();
  await page.getByTestId('evaluate').click();
  await expect(page.getByTestId('metrics-table')).toBeVisible({ timeout: 60_000 });
  const expected = evaluateAggregations(
    data.items.map((it) => ({ id: it.id, label: hallucinationLabel(it)!, ...itemTrajectory(it, 'nll_mean') })),
    { nResamples: 1000, seed: 42 }
  );
  await expect(page.getByTestId('n-pos')).toHaveText(String(expected.nPos));
  await expect(page.getByTestId('n-neg')).toHaveText(String(expected.nNeg));
  await expect(page.getByTestId('m-spikescore-auroc')).toHaveAttribute('data-value', String(expected.metrics.spikescore.auroc));
});

test('a remote run interrupted by a reload resumes with the token re-entered, and sends only the items the store lacks', async ({ page }) => {
  await page.goto(`${base}/experiment?on=server`);
  await enterToken(page, API_TOKEN);
  await expect(page.getByTestId('remote-target')).toBeVisible();
  await configure(page, 6);
  await page.getByTestId('start-run').click();
  await expect(page.getByTestId('progress-line')).toContainText(/[12] of 6 items stored/, { timeout: 60_000 });
  await page.reload();

  // The token was in memory only: gone with the reload.
  await expect(page.getByTestId('remote-needs-token')).toBeVisible();
  const row = page.getByTestId('run-row').first();
  await expect(row).toHaveAttribute('data-state', 'interrupted');
  const runId = (await row.getAttribute('data-run-id'))!;
  const data0 = new Set((await stored(page, runId)).items.filter((i) => i.run_status === 'complete').map((i) => i.id));
  const before = data0.size;
  expect(before).toBeGreaterThanOrEqual(1);
  expect(before).toBeLessThan(6);
  await row.getByTestId('resume-run').click();
  await expect(page.getByTestId('experiment-error')).toContainText('enter the Remote server token in Settings');

  const incomplete = (await stored(page, runId)).items.filter((i) => i.run_status !== 'complete').map((i) => i.id);
  const posted: { items: Record<string, unknown>[] }[] = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url().endsWith('/api/remote/runs')) posted.push(r.postDataJSON());
  });
  await enterToken(page, API_TOKEN);
  await page.getByTestId('run-row').first().getByTestId('resume-run').click();
  const finished = page.getByTestId('run-finished');
  await expect(finished).toContainText(/Run finished: 6 items \(\d now, \d already done, 0 failed\)/, { timeout: 120_000 });
  const [, now, already] = /\((\d) now, (\d) already done/.exec((await finished.textContent())!)!.map(Number);
  expect(now + already).toBe(6);
  expect(already).toBe(before);
  // One submission, of exactly the items the store did not hold whole (partial ones included), five fields each.
  expect(posted).toHaveLength(1);
  const sent = posted[0].items.map((i) => String(i.id)).sort();
  const expectedIds = ['tiny-01', 'tiny-02', 'tiny-03', 'tiny-04', 'tiny-05', 'tiny-06'].filter((id) => !data0.has(id));
  expect(sent).toEqual(expectedIds);
  expect(incomplete.every((id) => sent.includes(id))).toBe(true);
  for (const it of posted[0].items) expect(Object.keys(it).sort()).toEqual(['answer', 'context', 'id', 'label', 'question']);
  const data = await stored(page, runId);
  expect(data.items.map((i) => [i.run_status, i.reasoning_chain.map((t) => t.step)])).toEqual(Array.from({ length: 6 }, () => ['complete', [0, 1, 2]]));
  expect(data.hidden).toHaveLength(18);
});
