/**
 * The Teach page in Chromium against the built app: the paper's charts equal the bundled numbers and the ordering
 * test equals the core function's; the side-by-side dialogues run on the built-in model with a spike each; the
 * step-through follows the keyboard; a list prompt streams and its 25 slots end as `labelListCompletion` says.
 */
import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseListDataset } from '../../src/lib/core/fallbacks/datasets';
import { labelListCompletion, promptOfModelInput } from '../../src/lib/core/fallbacks/labelListCompletion';
import { orderingTest } from '../../src/lib/core/fallbacks/orderingTest';
import { spikeScore } from '../../src/lib/core/trajectory/spikeScore';

const DATA = resolve('static', 'data', 'fallbacks');
const plots = JSON.parse(readFileSync(resolve(DATA, 'derived', 'paper_plot_values.json'), 'utf8')) as {
  bar_charts: Record<string, { gold_mean_line: number | null; bars: Record<string, number | string>[] }>;
  order_matrices: Record<string, { rows: string[] }>;
};
const SEGMENTS = ['correct', 'hallucinations', 'repetitions', 'bad_format', 'topic_change', 'EOS'];

/** Every drawn segment of the bar chart on screen: its bar, key, value attribute and height in answers. */
async function drawnBars(page: Page) {
  const svg = page.getByTestId('paper-bars');
  await expect(svg).toBeVisible();
  const unit = Number(await svg.getAttribute('data-unit'));
  return svg.locator('g.bar').evaluateAll(
    (gs, u) =>
      gs.map((g) => ({
        label: g.getAttribute('data-label'),
        segments: [...g.querySelectorAll('rect.segment')].map((r) => ({
          key: r.getAttribute('data-key')!,
          value: Number(r.getAttribute('data-value')),
          answers: Number(r.getAttribute('height')) / u
        }))
      })),
    unit
  );
}

async function expectBarsEqualFile(page: Page, name: string) {
  const want = plots.bar_charts[name].bars;
  const got = await drawnBars(page);
  expect(got.map((b) => b.label)).toEqual(want.map((b) => b.label));
  got.forEach((bar, i) => {
    // Zero segments are not drawn; every other one is, with its value and a height of value × unit pixels.
    const expected = SEGMENTS.filter((k) => (want[i][k] as number) > 0).map((k) => ({ key: k, value: want[i][k] as number }));
    expect(bar.segments.map((s) => ({ key: s.key, value: s.value }))).toEqual(expected);
    for (const s of bar.segments) expect(s.answers).toBeCloseTo(s.value, 6);
  });
}

test('the paper charts on the Teach page equal the bundled numbers, and the ordering test equals orderingTest', async ({ page }) => {
  await page.goto('/teach');
  await expectBarsEqualFile(page, 'fig2/hq_qampari_parameters.pdf');
  await expect(page.getByTestId('gold-line')).toHaveAttribute('data-value', '6.63');

  await page.getByTestId('bars-select').selectOption('additional_params/answerable_qampari_type.pdf');
  await expectBarsEqualFile(page, 'additional_params/answerable_qampari_type.pdf');
  await expect(page.getByTestId('gold-line')).toHaveAttribute('data-value', '14.52');
  await expect(page).toHaveURL(/bars=additional_params%2Fanswerable_qampari_type\.pdf/);
  await page.getByTestId('bars-select').selectOption('fqampari/unanswerable_qampari_parameters.pdf');
  await expectBarsEqualFile(page, 'fqampari/unanswerable_qampari_parameters.pdf');
  await expect(page.getByTestId('gold-line')).toHaveCount(0);

  // The heat map: each label's drawn cells add up to its count in the matrix; the test result is the core's.
  const name = 'orders/orders/Pythia_base_1.4B_300T.pdf';
  await page.getByTestId('order-select').selectOption(name);
  const rows = plots.order_matrices[name].rows.map((r) => [...r].map(Number));
  const cells = await page
    .getByTestId('paper-heatmap')
    .locator('rect')
    .evaluateAll((rs) => rs.map((r) => [Number(r.getAttribute('data-label')), Number(r.getAttribute('data-span'))]));
  const drawn: Record<number, number> = {};
  for (const [l, n] of cells) drawn[l] = (drawn[l] ?? 0) + n;
  const inFile: Record<number, number> = {};
  for (const l of rows.flat()) inFile[l] = (inFile[l] ?? 0) + 1;
  expect(drawn).toEqual(inFile);

  const box = page.getByTestId('ordering-test');
  await expect(box).toHaveAttribute('data-state', 'done');
  const want = orderingTest(rows, { key: name, seed: 0 });
  // The same code in Node and in the page; the last bit may differ (the engines' Math functions), so 1e-12 relative.
  expect(Number(await box.getAttribute('data-p')) / want.p! - 1).toBeCloseTo(0, 12);
  await expect(page.getByTestId('ordering-p')).toHaveText(want.p!.toExponential(1));
  await expect(page.getByTestId('ordering-paper-p')).toHaveText('1.1e-25'); // the paper's table, beside ours

  // The table of all matrices is computed in the worker when opened; every row equals the core's result.
  await page.getByTestId('ordering-all').locator('summary').click();
  await expect(page.getByTestId('ordering-all').locator('summary')).toContainText('(45 done)');
  const shown = await page.getByTestId('ordering-row').evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-name'), tr.getAttribute('data-p')]));
  expect(shown).toHaveLength(45);
  for (const [m, p] of shown) {
    const r = orderingTest(plots.order_matrices[m!].rows.map((row) => [...row].map(Number)), { key: m!, seed: 0 });
    if (r.p === null) expect(p).toBe('null');
    else expect(Number(p) / r.p - 1).toBeCloseTo(0, 12);
  }

  // The choices live in the URL: reloading the link shows the same charts.
  await page.reload();
  await expect(page.getByTestId('bars-select')).toHaveValue('fqampari/unanswerable_qampari_parameters.pdf');
  await expect(page.getByTestId('order-select')).toHaveValue(name);
  await expectBarsEqualFile(page, 'fqampari/unanswerable_qampari_parameters.pdf');
});

test.describe.serial('the built-in model on the Teach page', () => {
  let page: Page;
  test.beforeAll(async ({ browser }) => {
    page = await browser.newPage();
    await page.goto('/teach');
    await page.getByTestId('model-select').selectOption('random-demo');
    await page.getByTestId('dtype-select').selectOption('fp32');
    await page.getByTestId('backend-select').selectOption('wasm');
    await page.getByTestId('load-model').click();
    await expect(page.getByTestId('model-ready')).toBeVisible({ timeout: 120_000 });
  });
  test.afterAll(async () => {
    await page.close();
  });

  test('the two dialogues run, both trajectories appear on one scale with their spikes, and the page says the model is random', async () => {
    await expect(page.getByTestId('dialogue-model-note')).toContainText('RANDOM weights');
    await page.getByTestId('dialogue-steps').fill('3');
    await page.getByTestId('dialogue-tokens').fill('6');
    await page.getByTestId('dialogue-run').click();
    await expect(page.getByTestId('dialogue-run')).toBeVisible({ timeout: 120_000 }); // back after both dialogues
    await expect(page.getByTestId('dialogue-error')).toHaveCount(0);

    const ticks: string[][] = [];
    for (const side of ['factual', 'hallucinated']) {
      const card = page.getByTestId(`dialogue-${side}`);
      const scores = JSON.parse((await card.getAttribute('data-scores'))!) as (number | null)[];
      expect(scores).toHaveLength(4);
      expect(scores.every((v) => typeof v === 'number' && Number.isFinite(v))).toBe(true);
      const spike = spikeScore(scores as number[])!;
      expect(Number(await card.getAttribute('data-spike-score'))).toBeCloseTo(spike.value, 12);
      expect(Number(await card.getAttribute('data-spike-turn'))).toBe(spike.turn);
      await expect(page.getByTestId(`spikescore-${side}`)).toContainText(spike.value.toFixed(4));
      await expect(card.getByTestId('spike-mark')).toHaveCount(1);
      await expect(card.locator('circle')).toHaveCount(4);
      ticks.push(await card.locator('svg text.tick').allTextContents());
    }
    expect(ticks[0]).toEqual(ticks[1]); // the same axes: one scale for both

    // NLL and the logit-lens RS are selectable without running again; each side gets a score per turn.
    for (const [key, axis] of [['nll_mean', 'mean NLL (nats)'], ['rs', 'logit-lens RS (bits)'], ['entropy_mean', 'mean token entropy (nats)']]) {
      await page.getByTestId('score-select').selectOption(key);
      await expect(page).toHaveURL(key === 'entropy_mean' ? /\/teach(\?(?!.*score=).*)?$/ : new RegExp(`score=${key}`));
      for (const side of ['factual', 'hallucinated']) {
        const card = page.getByTestId(`dialogue-${side}`);
        await expect(card.locator('svg text.axis').nth(1)).toHaveText(axis);
        const scores = JSON.parse((await card.getAttribute('data-scores'))!) as (number | null)[];
        expect(scores.filter((v) => typeof v === 'number' && Number.isFinite(v))).toHaveLength(4);
        await expect(card.getByTestId('spike-mark')).toHaveCount(1);
      }
    }
  });

  test('the step-through moves with ← and →, and shows each side\'s prompt and response of that turn', async () => {
    const indicator = page.getByTestId('turn-indicator');
    await expect(indicator).toHaveText('Turn 3 of 3'); // it followed the dialogue to its last turn
    const cursorX = () => page.getByTestId('dialogue-factual').locator('line.cursor').getAttribute('x1');
    const atEnd = await cursorX();
    await page.locator('body').press('ArrowLeft');
    await expect(indicator).toHaveText('Turn 2 of 3');
    expect(await cursorX()).not.toBe(atEnd);
    await page.keyboard.press('Home');
    await expect(indicator).toHaveText('Turn 0 of 3');
    await expect(page.getByTestId('turn-factual')).toContainText('What is the capital of France?');
    await expect(page.getByTestId('turn-hallucinated')).toContainText('Republic of Quillmere');
    await page.keyboard.press('ArrowRight');
    await expect(indicator).toHaveText('Turn 1 of 3');
    await expect(page.getByTestId('turn-factual')).not.toContainText('What is the capital of France?'); // the follow-up now
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft'); // stays at turn 0
    await expect(indicator).toHaveText('Turn 0 of 3');
    await page.getByTestId('turn-next').click();
    await expect(indicator).toHaveText('Turn 1 of 3');
  });

  test('the list prompt streams, and its 25 slots end equal to labelListCompletion of the final completion', async () => {
    await expect(page.getByTestId('list-model-note')).toContainText('NOT what the paper ran');
    await page.getByTestId('list-tokens').fill('160');
    await page.getByTestId('list-run').click();
    const view = page.getByTestId('list-run-view');
    await expect(view).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
    await expect(page.getByTestId('list-error')).toHaveCount(0);

    const tokens = Number(await view.getAttribute('data-tokens'));
    expect(tokens).toBeGreaterThan(1);
    expect(Number(await view.getAttribute('data-token-events'))).toBe(tokens); // one streamed event per token

    const modelInput = (await view.getAttribute('data-model-input'))!;
    const completion = (await page.getByTestId('list-completion').textContent())!;
    const question = parseListDataset(readFileSync(resolve(DATA, 'trivia_facts.jsonl'), 'utf8'))[7];
    expect(modelInput).toBe(question.key); // TriviaFacts question 8 (planets), no instruction
    const want = labelListCompletion({ completion, gold: question.gold, prompt: promptOfModelInput(modelInput) });
    const slots = await page.getByTestId('list-slot').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-label'))));
    expect(slots).toEqual([...want.order]);
    expect(slots).toHaveLength(25);
  });

  test('screenshots of the Teach page, light and dark, with nothing wider than the window', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.screenshot({ path: `test-results/screenshots/teach-${scheme}.png`, fullPage: true });
      for (const part of ['model', 'dialogue', 'list', 'paper']) {
        await page.locator(`section[aria-labelledby="${part}-h"]`).screenshot({ path: `test-results/screenshots/teach-${scheme}-${part}.png` });
      }
    }
  });

  test('a list prompt in progress can be cancelled, and keeps the slots labelled so far', async () => {
    await page.getByTestId('list-tokens').fill('1500');
    await page.getByTestId('list-run').click();
    const view = page.getByTestId('list-run-view');
    await expect(view).toHaveAttribute('data-state', 'streaming');
    await expect.poll(async () => Number(await view.getAttribute('data-token-events'))).toBeGreaterThan(0);
    await page.getByTestId('list-cancel').click();
    await expect(view).toHaveAttribute('data-state', 'stopped');
    await expect(page.getByText('Cancelled: the slots show what was labelled so far.')).toBeVisible();
    expect(Number(await view.getAttribute('data-token-events'))).toBeLessThan(1500);
    await expect(page.getByTestId('list-run')).toBeEnabled();
    await expect(page.getByTestId('dialogue-run')).toBeEnabled(); // the model is free again
  });
});

test('the knowledge testbed on the Teach page: its own pairs, the learned country answered right and the never-seen one wrong, labelled exactly', async ({ page }) => {
  await page.goto('/teach');
  await page.getByTestId('model-select').selectOption('testbed');
  await page.getByTestId('dtype-select').selectOption('fp32');
  await page.getByTestId('backend-select').selectOption('wasm');
  await page.getByTestId('load-model').click();
  await expect(page.getByTestId('model-ready')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('dialogue-model-note')).toContainText('its own questions are listed for it');
  await expect(page.getByTestId('pair-select').locator('option')).toHaveCount(5);
  await expect(page.getByTestId('pair-select')).toHaveValue('testbed-capital');
  await page.getByTestId('dialogue-steps').fill('3');
  await page.getByTestId('dialogue-tokens').fill('16');
  await page.getByTestId('dialogue-run').click();
  await expect(page.getByTestId('label-factual')).toContainText('correct (exact, from the knowledge base)', { timeout: 120_000 });
  await expect(page.getByTestId('label-hallucinated')).toContainText('hallucinated (exact, from the knowledge base)', { timeout: 120_000 });
  await expect(page.getByTestId('dialogue-error')).toHaveCount(0);
  // The label comes with turn 0; the trajectories fill as the turns finish.
  for (const side of ['factual', 'hallucinated']) {
    const scores = async () => JSON.parse((await page.getByTestId(`dialogue-${side}`).getAttribute('data-scores'))!) as (number | null)[];
    await expect.poll(async () => (await scores()).filter((v) => typeof v === 'number' && Number.isFinite(v)).length, { timeout: 120_000 }).toBe(4);
    expect(await scores()).toHaveLength(4);
  }
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.getByTestId('dialogue-factual').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `test-results/screenshots/teach-testbed-${scheme}.png`, fullPage: true });
  }
});
