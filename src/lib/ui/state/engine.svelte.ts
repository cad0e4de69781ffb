/**
 * The page's handle on the inference worker (svelte.dev's `Bundler` pattern): creates the worker from a module URL,
 * wraps it with comlink, and keeps what the page shows — the loaded model, the backend and why, load progress and
 * the last error — as reactive state. The page thread never creates an ORT session.
 */
import * as Comlink from 'comlink';
import { getContext, setContext } from 'svelte';
import type { Capabilities, DiagnosticsReport, InferenceApi, LoadRequest, WireGenerateOptions } from '../../../../workers/protocol';
import type { GenerationResult, LoadProgress, ModelInfo, TokenEvent } from '$lib/engine/types';

export interface FileProgress {
  readonly file: string;
  readonly loaded: number;
  readonly total: number;
  readonly fromCache: boolean;
}

let counter = 0;
export const newRequestId = (prefix = 'r') => `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

export class EngineState {
  #worker: Worker | null = null;
  #api: Comlink.Remote<InferenceApi> | null = null;
  #loadToken = 0;

  info = $state.raw<ModelInfo | null>(null);
  capabilities = $state.raw<Capabilities | null>(null);
  /** Per-file progress of the current load, in order. */
  files = $state.raw<FileProgress[]>([]);
  phase = $state<'idle' | 'loading' | 'ready' | 'error'>('idle');
  error = $state<string | null>(null);
  busy = $state(false);

  get api(): Comlink.Remote<InferenceApi> {
    if (!this.#api) {
      this.#worker = new Worker(new URL('../../../../workers/inference.worker.ts', import.meta.url), { type: 'module', name: 'inference' });
      this.#api = Comlink.wrap<InferenceApi>(this.#worker);
    }
    return this.#api;
  }

  async probe(): Promise<Capabilities> {
    this.capabilities = await this.api.capabilities();
    return this.capabilities;
  }

  async load(request: LoadRequest): Promise<ModelInfo | null> {
    const token = ++this.#loadToken;
    this.phase = 'loading';
    this.error = null;
    this.files = [];
    this.info = null;
    const onProgress = (p: LoadProgress) => {
      if (token !== this.#loadToken) return; // a newer load started
      if (p.status === 'progress') this.#setFile({ file: p.file, loaded: p.loaded, total: p.total, fromCache: false });
      else if (p.status === 'done') {
        const cur = this.files.find((f) => f.file === p.file);
        this.#setFile({ file: p.file, loaded: cur?.total ?? cur?.loaded ?? 0, total: cur?.total ?? 0, fromCache: p.fromCache });
      }
    };
    try {
      const info = await this.api.load(request, Comlink.proxy(onProgress));
      if (token !== this.#loadToken) return null;
      this.info = info;
      this.phase = 'ready';
      return info;
    } catch (e) {
      if (token !== this.#loadToken) return null;
      this.phase = 'error';
      this.error = (e as Error).message;
      return null;
    }
  }

  #setFile(f: FileProgress) {
    const i = this.files.findIndex((x) => x.file === f.file);
    this.files = i < 0 ? [...this.files, f] : this.files.map((x, j) => (j === i ? f : x));
  }

  /** Stops a load in progress: the worker is replaced, so nothing keeps downloading (resume picks up the bytes kept). */
  cancelLoad() {
    this.#loadToken++;
    this.#worker?.terminate();
    this.#worker = null;
    this.#api = null;
    this.phase = 'idle';
    this.files = [];
  }

  async generate(promptIds: number[], options: Omit<WireGenerateOptions, 'requestId'>, onToken?: (e: TokenEvent) => void, requestId = newRequestId('gen')): Promise<GenerationResult> {
    this.busy = true;
    try {
      return await this.api.generate(promptIds, { ...options, requestId }, onToken ? Comlink.proxy(onToken) : undefined);
    } finally {
      this.busy = false;
    }
  }

  /** Checks the loaded model on this device (cache loop vs full forward pass). */
  async diagnose(): Promise<DiagnosticsReport> {
    this.busy = true;
    try {
      const report = await this.api.diagnose();
      this.info = await this.api.info();
      return report;
    } finally {
      this.busy = false;
    }
  }

  cancel(requestId: string) {
    void this.#api?.cancel(requestId);
  }
}

const KEY = Symbol('engine');

export function setEngine(engine: EngineState): EngineState {
  return setContext(KEY, engine);
}

export function getEngine(): EngineState {
  return getContext<EngineState>(KEY);
}
