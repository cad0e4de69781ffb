/**
 * Try it on the built-in offline model (the knowledge testbed): its own questions labelled exactly, a question, its follow-up turns streamed from the worker, the trajectory
 * with its spike, SpikeScore, no verdict without a threshold (and why), and a verdict with its source once one is
 * stored. A stored probe of the loaded model is offered as the per-turn score (one of another model never is), and
 * the plotted values equal the probe applied in Node to the same dialogue's hidden states.
 */
import { resolve } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import type { ItemResult } from '../../src/lib/core/itemResult';
import { logisticProbe, PROBE_FORMAT_VERSION, type ProbeHeader } from '../../src/lib/core/probes/probe';
import { runDialogue } from '../../src/lib/core/runner/runDialogue';
import type { RunSink, TurnHidden } from '../../src/lib/core/runner/types';
import { spikeScore } from '../../src/lib/core/trajectory/spikeScore';
import { loadModelFromDir } from '../../src/lib/engine/node/engine';
import { encodeProbeFile } from '../../src/lib/store/probeFile';
import { dialogueConfig, dialogueItem } from '../../workers/inference/dialogueConfig';
import { turnProbe } from '../../workers/inference/turnProbe';
import { putSetting } from './fixtures';

async function askShort(page: Page, question: string) {
  await page.getByTestId('question').fill(question);
  await page.locator('summary', { hasText: 'Dialogue settings' }).click();
  await page.getByTestId('max-steps').fill('3');
  await page.getByTestId('max-tokens').fill('6');
  await page.getByTestId('ask').click();
}

test('the built-in testbed answers a question it learned right and one it never saw wrong, labelled exactly; then SpikeScore, no verdict without a threshold, and why', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('load-builtin').click();
  await expect(page.getByTestId('try-model')).toContainText('testbed', { timeout: 60_000 });
  await expect(page.getByTestId('builtin-note')).toContainText('synthetic knowledge base');
  // Its own questions are offered (not the general ones), and labelled by the knowledge base, with no judge.
  await expect(page.getByRole('button', { name: 'What is the capital of France?' })).toHaveCount(0);
  await page.locator('summary', { hasText: 'Dialogue settings' }).click();
  await page.getByTestId('max-steps').fill('3');
  await page.getByTestId('max-tokens').fill('16');
  for (const [question, label, text] of [
    ['What is the capital of Arduria?', '1', 'correct: it states the knowledge base’s value'],
    ['What is the capital of Ulvania?', '0', 'hallucinated: it does not state the knowledge base’s value']
  ]) {
    await page.getByRole('button', { name: question }).click();
    await expect(page.getByTestId('question')).toHaveValue(question);
    await page.getByTestId('ask').click();
    await expect(page.getByTestId('turn0-label')).toHaveAttribute('data-label', label, { timeout: 60_000 });
    await expect(page.getByTestId('turn0-label')).toContainText(text);
    await expect(page.getByTestId('turn0-label')).toContainText('exact label from the knowledge base');
    await expect(page.getByTestId('turn').first()).toContainText(question.replace('What is the capital of ', 'The capital of ').replace('?', ' is'));
  }
  // A typed question has no gold answer: no label.
  await page.getByTestId('question').fill('What is the capital of Falubia?');
  await page.getByTestId('max-tokens').fill('6');
  await page.getByTestId('ask').click();
  await expect(page.getByTestId('turn')).toHaveCount(4, { timeout: 60_000 });
  await expect(page.getByTestId('spikescore')).toContainText(/\d\.\d{4} at turn [12]/, { timeout: 60_000 });
  await expect(page.getByTestId('turn0-label')).toHaveCount(0);
  await expect(page.getByTestId('trajectory-chart').locator('circle')).toHaveCount(4);
  await expect(page.getByTestId('spike-mark')).toHaveCount(1);
  await expect(page.getByTestId('no-threshold')).toContainText('there is no threshold for testbed');

  // Store a threshold (as the Evaluate page does) and ask again: the verdict shows with its source.
  await putSetting(page, 'verdict-thresholds', [{ format_version: 1, value: 0, rule: "Youden's J", run: 'test run', runIds: ['r1'], model: 'testbed', scoreKey: 'entropy_mean', date: '2026-11-24T00:00:00Z', tpr: 1, fpr: 0, j: 1, n: 10, optimistic: false }]);
  await page.getByTestId('ask').click();
  await expect(page.getByTestId('verdict')).toContainText('Flagged as hallucinated', { timeout: 60_000 });
  await expect(page.getByTestId('threshold-source')).toContainText("SpikeScore ≥ 0.0000 (Youden's J on run test run, model testbed, entropy_mean, 2026-11-24)");
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: `test-results/screenshots/try-${scheme}.png`, fullPage: true });
  }
});

/** A logistic SEP probe built in code: fixed weights over `layers` of the last token, hidden size 64. */
function codeProbe(modelId: string, layers: [number, number]) {
  const d = 64 * (layers[1] - layers[0]);
  const header: ProbeHeader = {
    format_version: PROBE_FORMAT_VERSION,
    kind: 'sep',
    model_id: modelId,
    hidden_size: 64,
    token_position: 'last_token_embedding',
    layer_range: layers,
    input_dim: d,
    output: 'p_high_se',
    normalization: null,
    architecture: null,
    training: null,
    source: 'spikescore'
  };
  return logisticProbe(header, Float64Array.from({ length: d }, (_, i) => 0.4 * Math.sin(1.7 * i + 0.3)), -0.2);
}

/** Puts a probe file into the app's IndexedDB, as the Probes page stores one. */
async function storeProbe(page: Page, id: string, bytes: Uint8Array) {
  await page.evaluate(
    ({ id, bytes }) =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('spikescore-lab');
        open.onsuccess = () => {
          const tx = open.result.transaction('probes', 'readwrite');
          tx.objectStore('probes').put({ id, name: id, run_id: null, created: new Date().toISOString(), bytes: new Uint8Array(bytes), meta: null });
          tx.oncomplete = () => (open.result.close(), resolve());
          tx.onerror = () => reject(tx.error);
        };
        open.onerror = () => reject(open.error);
      }),
    { id, bytes: [...bytes] }
  );
}

test('a stored probe of the loaded model scores each turn; the plotted values equal the probe applied in Node to the same dialogue', async ({ page }) => {
  const LAYERS: [number, number] = [2, 4];
  const probe = codeProbe('random-demo', LAYERS);
  await page.goto('/');
  // The built-in model on WASM (as the Node engine runs it).
  await page.locator('summary', { hasText: 'Or pick a real model' }).click();
  await page.getByTestId('model-select').selectOption('random-demo');
  await page.getByTestId('backend-select').selectOption('wasm');
  await page.getByTestId('load-model').click();
  await expect(page.getByTestId('try-model')).toContainText('random-demo on WASM', { timeout: 120_000 });

  // A probe of another model is stored first: never offered, and the page says where to get one.
  await storeProbe(page, 'other-model-probe.safetensors', encodeProbeFile(codeProbe('someone/other-model', LAYERS)));
  await page.locator('summary', { hasText: 'Dialogue settings' }).click();
  await page.getByTestId('score-key').focus();
  await expect(page.getByTestId('no-probe')).toContainText('No stored probe matches random-demo (its id and hidden size): train one on the Probes page');
  await expect(page.getByTestId('no-probe')).toContainText('1 stored probe is for other models and never offered');

  await storeProbe(page, 'demo-sep.safetensors', encodeProbeFile(probe));
  await page.getByTestId('max-steps').focus();
  await page.getByTestId('score-key').focus();
  await expect(page.getByTestId('score-key').locator('option')).toHaveText(['Mean token entropy', 'Mean token NLL', 'Logit-lens RS', 'SEP probe demo-sep.safetensors']);
  await page.getByTestId('score-key').selectOption({ label: 'SEP probe demo-sep.safetensors' });
  await expect(page.getByTestId('score-help')).toContainText('P(high semantic entropy) from the logistic SEP probe demo-sep.safetensors, read at last_token_embedding from hidden-state indices [2, 4)');

  // The verdict uses the threshold stored for (random-demo, probe_pred).
  await putSetting(page, 'verdict-thresholds', [{ format_version: 1, value: 0.05, rule: "Youden's J", run: 'probe run', runIds: ['r2'], model: 'random-demo', scoreKey: 'probe_pred', date: '2026-11-25T00:00:00Z', tpr: 1, fpr: 0, j: 1, n: 10, optimistic: false }]);
  const question = 'Who wrote the novel Middlemarch?';
  await page.getByTestId('question').fill(question);
  await page.getByTestId('max-steps').fill('3');
  await page.getByTestId('max-tokens').fill('6');
  await page.getByTestId('ask').click();
  await expect(page.getByTestId('turn')).toHaveCount(4, { timeout: 60_000 });
  await expect(page.getByTestId('verdict')).not.toContainText('after the last turn', { timeout: 60_000 });
  const shown = (await page.getByTestId('turn-score').evaluateAll((els) => els.map((e) => e.getAttribute('data-value')))).map(Number);
  const responses = await page.getByTestId('turn').locator('.assistant').evaluateAll((els) => els.map((e) => e.textContent ?? ''));
  await expect(page.getByTestId('trajectory-chart').locator('circle')).toHaveCount(4);
  await expect(page.getByTestId('threshold-source')).toContainText("(Youden's J on run probe run, model random-demo, probe_pred, 2026-11-25)");

  // The same dialogue in Node: the same config and item, the engine on static/models/random-demo, the probe
  // applied to each turn's hidden states (F16, as the worker and the store keep them).
  const model = await loadModelFromDir(resolve('static/models/random-demo'), { modelId: 'random-demo', backend: 'wasm', dtype: 'fp32' });
  const req = { question, gold: [], label: null, maxSteps: 3, strategy: 'progressive' as const, temperature: 0.2, topP: 0.7, maxNewTokens: 6, seed: 42 };
  const hidden = new Map<number, TurnHidden | null>();
  let item: ItemResult | null = null;
  const sink: RunSink = {
    loadItem: async () => null,
    async save(result, turn) {
      item = structuredClone(result);
      if (turn) hidden.set(turn.step, turn.hidden);
    },
    saveError: async () => undefined,
    clearError: async () => undefined,
    saveProgress: async () => undefined
  };
  await runDialogue({ model, config: dialogueConfig(req, LAYERS), items: [dialogueItem(req)], sink });
  await model.dispose();
  const scorer = turnProbe(probe, 'demo-sep.safetensors', model.info);
  const expected = [0, 1, 2, 3].map((k) => scorer.score(hidden.get(k) ?? null)!);
  expect(item!.reasoning_chain.map((t, k) => responses[k].includes(t.response))).toEqual([true, true, true, true]);
  expect(shown).toHaveLength(4);
  // Measured: within 3e-9 (the same WASM kernels; only the thread split differs).
  shown.forEach((v, k) => expect(v).toBeCloseTo(expected[k], 6));
  // SpikeScore and the verdict follow from those values.
  const spike = spikeScore(expected)!;
  await expect(page.getByTestId('spikescore')).toContainText(`${spike.value.toFixed(4)} at turn ${spike.turn}`);
  await expect(page.getByTestId('verdict')).toContainText(spike.value >= 0.05 ? 'Flagged as hallucinated' : 'Not flagged');
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: `test-results/screenshots/try-probe-${scheme}.png`, fullPage: true });
  }
});
