/**
 * The page and the CLI compute the same run: on single-threaded WASM, a Try-it dialogue in the browser's worker and
 * the same dialogue through `runDialogue` on the engine in Node give identical responses and per-turn scores
 * (design.md, "Numerical agreement": the CLI and the page agree exactly on single-threaded WASM).
 */
import { expect, test } from '@playwright/test';
import { resolve } from 'node:path';
import { runDialogue } from '../../src/lib/core/runner/runDialogue';
import type { ItemResult } from '../../src/lib/core/itemResult';
import type { RunSink } from '../../src/lib/core/runner/types';
import { loadModelFromDir } from '../../src/lib/engine/node/engine';
import { dialogueItem, dialogueConfig } from '../../workers/inference/dialogueConfig';
import type { DialogueRequest } from '../../workers/protocols/dialogue';

const QUESTION = 'What is the capital of France?';

test('a Try-it dialogue on single-threaded WASM equals the same dialogue run by the CLI engine in Node', async ({ page }) => {
  await page.goto('/models');
  await page.getByTestId('model-select').selectOption('random-demo');
  await page.getByTestId('dtype-select').selectOption('fp32');
  await page.getByTestId('backend-select').selectOption('wasm');
  await page.getByTestId('threads-select').selectOption('1');
  await page.getByTestId('load-model').click();
  await expect(page.getByTestId('backend-badge')).toContainText('WASM ×1', { timeout: 60_000 });
  await page.getByRole('link', { name: 'Try it' }).click();
  await page.getByTestId('question').fill(QUESTION);
  await page.locator('summary', { hasText: 'Dialogue settings' }).click();
  await page.getByTestId('max-steps').fill('2');
  await page.getByTestId('max-tokens').fill('8');
  await page.getByTestId('ask').click();
  await expect(page.getByTestId('turn-score')).toHaveCount(3, { timeout: 60_000 });
  await expect(page.getByTestId('spikescore')).toContainText('at turn 1');
  const browserScores = (await page.getByTestId('turn-score').evaluateAll((els) => els.map((e) => e.getAttribute('data-value')))).map(Number);
  const browserResponses = await page.getByTestId('turn').locator('.assistant').evaluateAll((els) => els.map((e) => e.childNodes[1]?.textContent ?? ''));

  // The same request, as the page sends it (TryState's defaults), run in Node.
  const req: DialogueRequest = { requestId: 'parity', question: QUESTION, gold: ['Paris'], label: null, maxSteps: 2, strategy: 'progressive', temperature: 0.2, topP: 0.7, maxNewTokens: 8, seed: 42 };
  const model = await loadModelFromDir(resolve('static/models/random-demo'), { dtype: 'fp32', threads: 1 });
  let item: ItemResult | null = null;
  const sink: RunSink = { loadItem: async () => null, save: async (r) => void (item = structuredClone(r)), saveError: async () => undefined, clearError: async () => undefined, saveProgress: async () => undefined };
  await runDialogue({ model, config: dialogueConfig(req), items: [dialogueItem(req)], sink });
  await model.dispose();
  const node = item as unknown as ItemResult;
  expect(browserResponses).toEqual(node.reasoning_chain.map((t) => t.response));
  expect(browserScores).toEqual(node.reasoning_chain.map((t) => t.metrics.entropy_mean));
});
