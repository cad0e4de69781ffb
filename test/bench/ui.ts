/**
 * `npm run bench -- ui`: how much the page thread is blocked while the app works, measured in Debian's Chromium on
 * the BUILT app (`npm run build` first) with the Long Tasks API (`PerformanceObserver` 'longtask': every task of
 * 50 ms or more on the main thread).
 *
 * 1. A dialogue on the built-in model `random-demo` (WASM), driven through the real inference worker's `dialogue`
 *    API from the page (the worker script of the build, spoken to in comlink's wire format), the page appending
 *    each streamed token to the document as a page would. The Try-it page does this for users; until it lands
 *    here, the bench drives the worker itself, so the figure covers the worker protocol and a minimal render.
 * 2. The Evaluate page's heaviest action: a run of `--items` items × `--turns` turns opened as a bundle, then
 *    Evaluate (1000 bootstrap resamples of every aggregation in the analysis worker) until the table and charts
 *    are drawn.
 *
 * Figures: wall time, summed and largest long task, and `*_blocked_ratio` = summed long tasks / wall time (lower
 * is better: 0 means the page never stalled for 50 ms). For scale, `evaluate_in_node_ms` is how long the same
 * `evaluateAggregations` takes in Node, i.e. roughly how long the page would freeze if it ran there. The bench first
 * checks its instrument: a 120 ms busy loop on the page must be seen as a long task (`calibration_longtask_ms`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { hallucinationLabel } from '../../src/lib/core/itemResult';
import { evaluateAggregations } from '../../src/lib/core/metrics/evaluateAggregations';
import { itemTrajectory } from '../../src/lib/core/trajectory/itemTrajectory';
import { CHROMIUM_ARGS, findChromium } from '../../scripts/chromium.mjs';
import { syntheticBundle, syntheticRun } from '../helpers/syntheticRun';
import { machine } from './_machine';

const log = (s: string) => process.stderr.write(s + '\n');

async function startServer(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['scripts/serve.mjs'], { env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/`)).ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error(`the built app did not start on port ${port}`);
}

/** Starts observing long tasks on the page; `longTasks()` reads them. */
async function observeLongTasks(page: Page) {
  await page.evaluate(() => {
    const w = window as unknown as { __longTasks: number[] };
    w.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longTasks.push(e.duration);
    }).observe({ type: 'longtask' });
  });
}

async function longTasks(page: Page): Promise<number[]> {
  const tasks = await page.evaluate(() => {
    const w = window as unknown as { __longTasks: number[] };
    const out = [...w.__longTasks];
    w.__longTasks.length = 0;
    return out;
  });
  return tasks;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** The dialogue through the inference worker of the build, from the page. */
async function dialogue(page: Page, workerUrl: string, settings: { maxSteps: number; maxNewTokens: number; seed: number }) {
  return page.evaluate(
    async ({ workerUrl, settings }) => {
      // comlink's wire format: APPLY {id, path, argumentList: WireValue[]}; a callback is a MessagePort (HANDLER proxy).
      const worker = new Worker(workerUrl, { type: 'module' });
      const pending = new Map<string, (d: { type: string; name?: string; value: unknown }) => void>();
      worker.onmessage = (ev) => {
        const done = pending.get(ev.data.id);
        if (done) {
          pending.delete(ev.data.id);
          done(ev.data);
        }
      };
      let n = 0;
      const call = (method: string, args: unknown[], transfer: Transferable[] = []) =>
        new Promise<unknown>((resolve, reject) => {
          const id = `bench-${n++}`;
          pending.set(id, (d) => {
            if (d.type === 'HANDLER' && d.name === 'throw') reject(new Error((d.value as { value: { message: string } }).value.message));
            else resolve(d.value);
          });
          worker.postMessage({ id, type: 'APPLY', path: [method], argumentList: args }, transfer);
        });
      const raw = (value: unknown) => ({ type: 'RAW', value });
      const callback = (fn: (...a: unknown[]) => void) => {
        const { port1, port2 } = new MessageChannel();
        port1.onmessage = (ev) => {
          const d = ev.data as { id: string; type: string; argumentList?: { value: unknown }[] };
          if (d.type === 'APPLY') fn(...(d.argumentList ?? []).map((a) => a.value));
          port1.postMessage({ id: d.id, type: 'RAW', value: undefined });
        };
        port1.start();
        return { wire: { type: 'HANDLER', name: 'proxy', value: port2 }, port: port2 };
      };
      const t0 = performance.now();
      await call('load', [raw({ kind: 'hub', model: 'random-demo', template: '/models/{model}/', dtype: 'fp32', backend: 'wasm', cache: false })]);
      const loadMs = performance.now() - t0;
      const out = document.createElement('pre');
      document.body.append(out);
      let tokens = 0;
      const onEvent = callback((e) => {
        const ev = e as { type: string; text?: string; turn?: number };
        if (ev.type === 'token') {
          tokens++;
          out.textContent += ev.text ?? '';
        } else if (ev.type === 'turn-start') out.textContent += `\n[turn ${ev.turn}] `;
      });
      const w = window as unknown as { __longTasks: number[] };
      w.__longTasks.length = 0;
      const t1 = performance.now();
      await call(
        'dialogue',
        [raw({ requestId: 'bench', question: 'What is the capital of France?', maxSteps: settings.maxSteps, temperature: 0.7, topP: 0.9, maxNewTokens: settings.maxNewTokens, seed: settings.seed }), onEvent.wire],
        [onEvent.port]
      );
      const wallMs = performance.now() - t1;
      worker.terminate();
      return { loadMs, wallMs, tokens };
    },
    { workerUrl, settings }
  );
}

export async function bench(args: Record<string, string> = {}) {
  const nItems = Number(args.items ?? 1000);
  const turns = Number(args.turns ?? 21);
  const maxSteps = Number(args.steps ?? 5);
  const maxNewTokens = Number(args.tokens ?? 32);
  const workers = join('build', 'client', '_app', 'immutable', 'workers');
  if (!existsSync(workers) || !existsSync(join('static', 'models', 'random-demo'))) throw new Error('no build: run `npm run build` first (the bench measures the built app)');
  const inference = readdirSync(workers).find((f) => f.startsWith('inference.worker-') && f.endsWith('.js'));
  if (!inference) throw new Error(`no inference worker in ${workers}: run \`npm run build\``);
  const executablePath = findChromium();
  if (!executablePath) throw new Error('Chromium is missing: apt-get install -y chromium (or set CHROMIUM_PATH)');

  const port = Number(args.port ?? 4391);
  const server = await startServer(port);
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  try {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    // tsx compiles this file with esbuild's keepNames, whose `__name` helper then appears in the functions handed to
    // page.evaluate: give the page a no-op one.
    await page.addInitScript({ content: 'window.__name = (f) => f;' });
    const base = `http://127.0.0.1:${port}`;

    log(`dialogue on random-demo (WASM): ${maxSteps + 1} turns of at most ${maxNewTokens} tokens…`);
    await page.goto(`${base}/evaluate`);
    await observeLongTasks(page);
    // The instrument first: a 120 ms busy loop on the page thread must show up as a long task.
    await page.evaluate(
      () =>
        new Promise<void>((resolve) =>
          setTimeout(() => {
            const end = performance.now() + 120;
            while (performance.now() < end);
            setTimeout(resolve, 50);
          }, 0)
        )
    );
    await page.waitForTimeout(200);
    const calibration = await longTasks(page);
    if (sum(calibration) < 100) throw new Error(`the Long Tasks API did not see a 120 ms busy loop (saw ${JSON.stringify(calibration)}): the figures would be meaningless`);
    const d = await dialogue(page, `/_app/immutable/workers/${inference}`, { maxSteps, maxNewTokens, seed: 1 });
    const dTasks = await longTasks(page);
    log(`  ${d.tokens} tokens in ${(d.wallMs / 1000).toFixed(1)} s; long tasks: ${dTasks.length}, ${sum(dTasks).toFixed(0)} ms`);

    log(`evaluation of ${nItems} items × ${turns} turns, 1000 resamples…`);
    const run = syntheticRun({ runId: 'bench', nItems, turns, hidden: false, seed: 5 });
    await page.getByTestId('bundle-input').setInputFiles({ name: 'bench.zip', mimeType: 'application/zip', buffer: Buffer.from(syntheticBundle(run)) });
    await page.getByRole('status').filter({ hasText: 'Opened run bench' }).waitFor({ timeout: 120_000 });
    await page.getByTestId('score-key').selectOption('entropy_mean');
    await longTasks(page);
    const t0 = Date.now();
    await page.getByTestId('evaluate').click();
    await page.getByTestId('hist-chart').waitFor({ timeout: 300_000 });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const evalWall = Date.now() - t0;
    const eTasks = await longTasks(page);
    log(`  ${(evalWall / 1000).toFixed(1)} s; long tasks: ${eTasks.length}, ${sum(eTasks).toFixed(0)} ms`);

    const items = run.items.filter((it) => it.nli_label !== null).map((it) => ({ id: it.id, label: hallucinationLabel(it)!, ...itemTrajectory(it, 'entropy_mean') }));
    const tn = performance.now();
    evaluateAggregations(items, { nResamples: 1000, seed: 42 });
    const nodeMs = performance.now() - tn;

    return {
      bench: 'ui',
      figures: {
        dialogue_wall_s: d.wallMs / 1000,
        dialogue_tokens: d.tokens,
        dialogue_longtask_ms: sum(dTasks),
        dialogue_longtask_count: dTasks.length,
        dialogue_longtask_max_ms: dTasks.length ? Math.max(...dTasks) : 0,
        dialogue_blocked_ratio: sum(dTasks) / d.wallMs,
        model_load_s: d.loadMs / 1000,
        evaluate_wall_s: evalWall / 1000,
        evaluate_longtask_ms: sum(eTasks),
        evaluate_longtask_count: eTasks.length,
        evaluate_longtask_max_ms: eTasks.length ? Math.max(...eTasks) : 0,
        evaluate_blocked_ratio: sum(eTasks) / evalWall,
        evaluate_in_node_ms: nodeMs,
        calibration_longtask_ms: sum(calibration)
      },
      setup: { model: 'random-demo (fp32, WASM)', turns: maxSteps + 1, max_new_tokens: maxNewTokens, evaluate_items: nItems, evaluate_turns: turns, resamples: 1000, browser: executablePath },
      machine: machine()
    };
  } finally {
    await browser.close();
    server.kill();
  }
}
