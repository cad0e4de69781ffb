/** Loading, generation and the device check: the engine as the page sees it. */
import * as Comlink from 'comlink';
import { probeGpu } from '../../src/lib/engine/backend';
import { ortVersion } from '../../src/lib/engine/ort';
import type { LoadProgress, TokenEvent } from '../../src/lib/engine/types';
import { verifyAgainstFullPass } from '../../src/lib/engine/verify';
import type { Capabilities, DiagnosticsReport, EngineApi, LoadRequest, WireGenerateOptions } from '../protocol';
import { cancellable, controllers, loadFrom, requireModel, state } from './state';

export const engineApi: EngineApi = {
  async capabilities(): Promise<Capabilities> {
    return {
      crossOriginIsolated: self.crossOriginIsolated,
      gpu: await probeGpu(),
      hardwareConcurrency: navigator.hardwareConcurrency ?? 1,
      ortVersion: ortVersion()
    };
  },

  load(request: LoadRequest, onProgress?: (p: LoadProgress) => void) {
    return loadFrom(request, false, onProgress);
  },

  async unload() {
    await state.model?.dispose();
    state.model = null;
    state.lastRequest = null;
  },

  async info() {
    return state.model?.info ?? null;
  },

  async encode(text, addSpecialTokens = true) {
    return requireModel().tokenizer.encode(text, { addSpecialTokens });
  },

  async applyChatTemplate(messages, enableThinking) {
    return requireModel().tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true, enableThinking });
  },

  async generate(promptIds: number[], options: WireGenerateOptions, onToken?: (e: TokenEvent) => void) {
    const m = requireModel();
    const result = await cancellable(options.requestId, (signal) => m.generate(promptIds, { ...options, signal, onToken: onToken ? (e) => void onToken(e) : undefined }));
    const transfers = [result.logprobs.buffer, result.entropies.buffer, ...Object.values(result.hidden).map((h) => h!.buffer)];
    return Comlink.transfer(result, transfers as ArrayBuffer[]);
  },

  cancel(requestId: string) {
    controllers.get(requestId)?.abort();
  },

  async diagnose(): Promise<DiagnosticsReport> {
    if (!state.lastRequest) throw new Error('no model is loaded: pick one first');
    if (!state.capturesAll) await loadFrom(state.lastRequest, true);
    const m = requireModel();
    const prompt = 'What is the capital of France?';
    const text = m.tokenizer.applyChatTemplate([{ role: 'user', content: prompt }], { addGenerationPrompt: true });
    const ids = m.tokenizer.encode(text, { addSpecialTokens: !m.info.hasChatTemplate });
    const report = await verifyAgainstFullPass(m, ids, 8);
    const r = await m.generate(ids, { maxNewTokens: 8, temperature: 0, seed: [0], ignoreEos: true, capture: { positions: ['last_token_embedding'] } });
    await m.resetCache();
    const h = r.hidden.last_token_embedding!;
    const d = m.info.hiddenSize;
    const hiddenNorms = r.layers.map((_, j) => Math.hypot(...h.subarray(j * d, (j + 1) * d)));
    return { ...report, modelId: m.info.id, backendReason: m.info.backendReason, threads: m.info.threads, prompt, hiddenNorms, text: r.text };
  },

  async hasSession() {
    return state.model !== null;
  }
};
