/**
 * The experiment API of the inference worker: a dataset run (the Experiment page) into the page's IndexedDB.
 *
 * The page creates the run record (config, dataset items, provenance) in `IdbRunStore` and then asks the worker to
 * run it by id; the worker reads everything it needs from the record, so the same call starts a new run and resumes
 * one after a pause or a page reload (finished items and turns are skipped). The worker writes every turn to the
 * store itself (one transaction per turn) and reports progress through `onEvent`.
 *
 * Errors come back as data (`ExperimentOutcome.error`), not as rejections, so their name and hint survive the
 * worker boundary (comlink keeps only an Error's message and stack).
 */
import type { ProgressEvent, RunSummary } from '../../src/lib/core/runner/types';
import type { ProbeDataSummary } from '../../src/lib/core/runner/runProbeData';
import type { LoadRequest } from '../protocol';

/** How the loaded model was loaded, so a resumed run can load it again (files from disk cannot be). */
export type ModelSource =
  | { readonly kind: 'hub'; readonly model: string; readonly builtin: boolean; readonly dtype: string; readonly backend: string }
  | { readonly kind: 'files'; readonly label: string; readonly dtype: string; readonly backend: string };

/** The loaded model as an experiment records it. */
export interface ExperimentModel {
  readonly id: string;
  readonly numLayers: number;
  readonly hiddenSize: number;
  /** Hidden-state indices this model can capture (0 = embedding output). */
  readonly capturableLayers: readonly number[];
  /** The provenance stamped into the run and every item (model and file hashes, ORT, backend, threads). */
  readonly provenance: Record<string, unknown>;
  readonly source: ModelSource | null;
}

export interface ExperimentRunRequest {
  /** For cancelling (`cancel(requestId)`): finished turns are kept and the run is marked paused. */
  readonly requestId: string;
  /** A run already created in the store (status anything but finished). */
  readonly runId: string;
  /** The LLM judge's key, typed in Settings: used for requests, kept in memory only, never stored. */
  readonly judgeApiKey?: string | null;
  /** The IndexedDB database (default: the app's); tests may use another. */
  readonly dbName?: string;
}

/** One progress event of the run, as the runner reports it (dialogue) or reduced to item events (probe_data). */
export type ExperimentEvent =
  | { readonly type: 'progress'; readonly event: ProgressEvent }
  | { readonly type: 'token'; readonly itemId: string; readonly turn: number; readonly text: string }
  | { readonly type: 'probe-item'; readonly kind: 'item-done' | 'item-skipped' | 'item-failed'; readonly index: number; readonly total: number; readonly itemId: string; readonly error?: string };

export interface ExperimentError {
  /** `StorageFullError`, `InputError`, `ModelMismatch`, `Error`, … */
  readonly name: string;
  readonly message: string;
  /** What to do next (for storage: what to delete). */
  readonly hint: string | null;
}

export interface ExperimentOutcome {
  /** finished: every item done; paused: cancelled (resume continues); stopped: an error ended the run. */
  readonly status: 'finished' | 'paused' | 'stopped';
  readonly summary: (RunSummary | ProbeDataSummary) | null;
  readonly error: ExperimentError | null;
}

export interface ExperimentApi {
  /** The loaded model as a run records it, or null when none is loaded. */
  experimentModel(): Promise<ExperimentModel | null>;
  /** Runs (or resumes) a stored run to its end, a pause, or an error. */
  experimentRun(request: ExperimentRunRequest, onEvent?: (e: ExperimentEvent) => void): Promise<ExperimentOutcome>;
}

/** The load request that reloads a recorded model source (null for files from disk). */
export function reloadRequest(source: ModelSource | null, templates: { builtin: string; hub: string }): LoadRequest | null {
  if (!source || source.kind !== 'hub') return null;
  const dtype = source.dtype as Extract<LoadRequest, { kind: 'hub' }>['dtype'];
  const backend = (['webgpu', 'wasm'].includes(source.backend) ? source.backend : 'auto') as 'webgpu' | 'wasm' | 'auto';
  return { kind: 'hub', model: source.model, template: source.builtin ? templates.builtin : templates.hub, dtype, backend, cache: !source.builtin };
}
