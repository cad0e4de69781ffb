/**
 * A Loops-to-Oops list prompt on the loaded model (`generateFallbackCompletion`, the same path as
 * `spikescore fallbacks run`: raw prompt, no chat template), with the 25 slots relabelled each time a line ends
 * (`LiveListLabeller`) and streamed to the page.
 */
import { LiveListLabeller, type LiveListLabels } from '../../src/lib/core/fallbacks/liveList';
import { buildListPrompt } from '../../src/lib/core/fallbacks/prompts';
import { abortError } from '../../src/lib/core/runner/types';
import { fallbackPromptIds, generateFallbackCompletion } from '../../src/lib/engine/fallbacks/generateCompletion';
import type { FallbacksApi, ListPromptEvent, ListPromptRequest, ListPromptResult } from '../protocols/fallbacks';
import { cancellable, controllers, requireModel } from './state';

export const fallbacksApi: FallbacksApi = {
  async listPrompt(req: ListPromptRequest, onEvent: (e: ListPromptEvent) => void): Promise<ListPromptResult> {
    const model = requireModel();
    const built = buildListPrompt(req.key, req.variant ?? {});
    const gold = req.gold && req.gold.length ? [...req.gold] : null;
    const live = new LiveListLabeller({ modelInput: built.modelInput, suffix: built.suffix, gold });
    const promptTokens = fallbackPromptIds(model.tokenizer, built).length;
    onEvent({ type: 'start', modelInput: built.modelInput, promptTokens, maxNewTokens: req.maxNewTokens });
    let slots: LiveListLabels['slots'] | null = null;
    let tokens = 0;
    const c = await cancellable(req.requestId, (signal) =>
      generateFallbackCompletion(model, built, {
        maxNewTokens: req.maxNewTokens,
        temperature: req.temperature,
        seed: [req.seed, 'teach-list', req.key],
        signal,
        onToken: (e) => {
          if (req.cancelFlag && Atomics.load(req.cancelFlag, 0) !== 0) controllers.get(req.requestId)?.abort();
          tokens++;
          const labels = live.push(e.text);
          const changed = labels.slots !== slots;
          slots = labels.slots;
          onEvent({ type: 'token', tokens, text: e.text, pendingText: labels.pendingText, ...(changed ? { labels } : {}) });
        }
      })
    );
    if (c.stopReason === 'cancelled') throw abortError();
    return {
      modelInput: built.modelInput,
      promptTokens: c.promptIds.length,
      completion: c.completion,
      tokens: c.tokenIds.length,
      labels: live.end(c.completion),
      stopReason: c.stopReason,
      timings: c.timings
    };
  }
};
