/**
 * The inference worker: the only place in the app where a model runs. It owns one loaded model and serves the
 * page through comlink.
 */
import * as Comlink from 'comlink';
import * as ort from 'onnxruntime-web/webgpu';
import { probeGpu } from '../src/lib/engine/backend';
import { CacheStorageBlobCache } from '../src/lib/engine/cacheStorage';
import { loadModel } from '../src/lib/engine/loadModel';
import type { LocalModel } from '../src/lib/engine/localModel';
import { ortVersion, useOrt, type Ort } from '../src/lib/engine/ort';
import { FileListSource, HubSource } from '../src/lib/engine/sources';
import type { LoadProgress, TokenEvent } from '../src/lib/engine/types';
import { verifyAgainstFullPass } from '../src/lib/engine/verify';
import type { Capabilities, DiagnosticsReport, InferenceApi, LoadRequest, WireGenerateOptions } from './protocol';

useOrt(ort as unknown as Ort); // the /webgpu entry has the same API as the package's main entry

let model: LocalModel | null = null;
let lastRequest: LoadRequest | null = null;
let capturesAll = false;
const controllers = new Map<string, AbortController>();

function requireModel(): LocalModel {
  if (!model) throw new Error('no model is loaded: pick one first');
  return model;
}

async function loadFrom(request: LoadRequest, all: boolean, onProgress?: (p: LoadProgress) => void) {
  await model?.dispose();
  model = null;
  const source =
    request.kind === 'hub'
      ? new HubSource(request.model, request.template, request.cache === false ? undefined : new CacheStorageBlobCache())
      : new FileListSource(request.files);
  model = await loadModel(source, {
    modelId: request.kind === 'hub' ? request.model : request.label,
    dtype: request.dtype,
    backend: request.backend,
    captureModes: all ? ['all'] : [],
    onProgress: (p) => onProgress?.(p)
  });
  lastRequest = request;
  capturesAll = all;
  return model.info;
}

const api: InferenceApi = {
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
    await model?.dispose();
    model = null;
    lastRequest = null;
  },

  async info() {
    return model?.info ?? null;
  },

  async encode(text, addSpecialTokens = true) {
    return requireModel().tokenizer.encode(text, { addSpecialTokens });
  },

  async applyChatTemplate(messages, enableThinking) {
    return requireModel().tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true, enableThinking });
  },

  async generate(promptIds: number[], options: WireGenerateOptions, onToken?: (e: TokenEvent) => void) {
    const m = requireModel();
    const controller = new AbortController();
    controllers.set(options.requestId, controller);
    try {
      const result = await m.generate(promptIds, { ...options, signal: controller.signal, onToken: onToken ? (e) => void onToken(e) : undefined });
      const transfers = [result.logprobs.buffer, result.entropies.buffer, ...Object.values(result.hidden).map((h) => h!.buffer)];
      return Comlink.transfer(result, transfers as ArrayBuffer[]);
    } finally {
      controllers.delete(options.requestId);
    }
  },

  cancel(requestId: string) {
    controllers.get(requestId)?.abort();
  },

  async diagnose(): Promise<DiagnosticsReport> {
    if (!lastRequest) throw new Error('no model is loaded: pick one first');
    if (!capturesAll) await loadFrom(lastRequest, true);
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
    return model !== null;
  }
};

Comlink.expose(api);
