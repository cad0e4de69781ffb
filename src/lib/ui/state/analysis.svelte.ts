/**
 * The page's handle on the analysis worker (bootstrap, probe training, cross-domain matrix, probe files, bundles),
 * owned by one small class as `EngineState` owns the inference worker. The worker is created on first use and kept
 * for the app's life, so a training keeps going while the user moves between Probes and Evaluate.
 *
 * Cancelling: requests that yield (training, cross-domain, applying a probe) stop on `cancel(requestId)`; an
 * evaluation is one synchronous bootstrap, so cancelling it replaces the worker.
 */
import * as Comlink from 'comlink';
import { getContext, hasContext, setContext } from 'svelte';
import type { AnalysisApi } from '../../../../workers/protocols/analysis';

let counter = 0;
export const newAnalysisId = (prefix = 'a') => `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

export class AnalysisClient {
  #worker: Worker | null = null;
  #api: Comlink.Remote<AnalysisApi> | null = null;

  get api(): Comlink.Remote<AnalysisApi> {
    if (!this.#api) {
      this.#worker = new Worker(new URL('../../../../workers/analysis.worker.ts', import.meta.url), { type: 'module', name: 'analysis' });
      this.#api = Comlink.wrap<AnalysisApi>(this.#worker);
    }
    return this.#api;
  }

  /** Stops a request that yields; the caller's promise rejects with an AbortError. */
  cancel(requestId: string): void {
    void this.#api?.cancel(requestId);
  }

  /** Stops whatever the worker is doing by replacing it (pending calls never settle: the caller drops them). */
  restart(): void {
    this.#worker?.terminate();
    this.#worker = null;
    this.#api = null;
  }
}

const KEY = Symbol('analysis');
let shared: AnalysisClient | null = null;

export function setAnalysis(client: AnalysisClient): AnalysisClient {
  return setContext(KEY, client);
}

/** The client from context, or the app-wide one (created on first use). */
export function getAnalysis(): AnalysisClient {
  if (hasContext(KEY)) return getContext<AnalysisClient>(KEY);
  shared ??= new AnalysisClient();
  return shared;
}

/** The message of an error from the worker, as the page shows it. */
export function errorMessage(e: unknown): string {
  if (e && typeof e === 'object' && 'message' in e && typeof (e as Error).message === 'string') return (e as Error).message;
  return String(e);
}

export function isAbort(e: unknown): boolean {
  return !!e && typeof e === 'object' && (e as Error).name === 'AbortError';
}
