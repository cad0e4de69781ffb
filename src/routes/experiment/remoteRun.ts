/**
 * Experiment runs on the server's GPU pool (`POST /api/remote/runs`, mode `dialogue`), with this browser's
 * IndexedDB as the store of record, exactly as a local run:
 *
 * - the run record is created in `IdbRunStore` as for a local run (config, provenance, sampled items), marked as
 *   remote by `provenance.source.kind === 'remote'`;
 * - only `{id, question, context, answer, label}` of each sampled item is sent (never the dataset's other fields),
 *   with the run's config minus what is the server's business or would name an address (judge, NLI, paths);
 * - each result is stored turn by turn with the store's per-turn save (`sink.save`: item row, turn record and that
 *   turn's hidden states in one transaction), the turns before the last as a `partial` item, so a reload between
 *   two saves leaves an item that is sent again, never a "complete" item missing turns;
 * - `runRemote` (the route's client) submits the items the store lacks, reconnects after a dropped stream, and drops
 *   a result already stored; a resume (after a pause or a reload) is the same call.
 *
 * What a remote run scores (docs/remote.md): NLL per turn; entropy and the logit-lens RS are unavailable on remote
 * engines and stored as `null` (never estimated); hidden states are the last layer only, with SGLang.
 *
 * Imports `engine/remote/client.ts` directly (not the folder's index), so the OpenAI client stays out of the page.
 */
import type { RunConfig } from '../../lib/core/config/runConfig';
import type { DatasetItem } from '../../lib/core/datasets/parseDataset';
import type { ItemResult } from '../../lib/core/itemResult';
import type { TurnHidden } from '../../lib/core/runner/types';
import { RemoteRunRefused, runRemote } from '../../lib/engine/remote/client';
import { RUNS_PATH, type RunEvent, type RunItem } from '../../lib/engine/remote/protocol';
import type { IdbRunStore } from '../../lib/store/idb/runStore';
import type { RunRecord } from '../../lib/store/idb/schema';

export const STATUS_PATH = '/api/remote';

/** The model the server's pool serves (`GET /api/remote` → `model`). */
export interface RemoteModel {
  readonly id: string;
  readonly layout: string;
  readonly numLayers: number;
  readonly hiddenSize: number;
  /** Hidden-state indices every node can capture: `[numLayers]` with SGLang, none with an OpenAI-compatible API. */
  readonly capturableLayers: readonly number[];
  /** Scores the engines cannot give, with why. */
  readonly unavailable: Readonly<Record<string, string>>;
}

export interface RemoteNode {
  readonly name: string;
  readonly up: boolean;
  readonly active: number;
  readonly maxConcurrency: number;
  readonly completed: number;
  readonly failedAttempts: number;
}

export interface RemoteStatus {
  readonly model: RemoteModel;
  readonly nodes: readonly RemoteNode[];
  readonly modes: readonly string[];
}

/**
 * What `GET /api/remote` says:
 * - `ok`: remote runs are available (with the model and the nodes);
 * - `refused`: HTTP 401, the token is missing or wrong (`message` is the server's);
 * - `unavailable`: the server has the route but no pool (503, `message` says why);
 * - `absent`: no such route (a static build, the dev server without a token, a network error): say nothing.
 */
export type RemoteProbe =
  | { readonly kind: 'ok'; readonly status: RemoteStatus }
  | { readonly kind: 'refused'; readonly status: number; readonly message: string }
  | { readonly kind: 'unavailable'; readonly message: string }
  | { readonly kind: 'absent' };

async function errorText(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    return (JSON.parse(text) as { error?: string }).error ?? text;
  } catch {
    return text;
  }
}

function num(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`GET ${STATUS_PATH}: ${what} must be a number, got ${JSON.stringify(v)}`);
  return v;
}

/** Reads the status body; a body without a model (an older server) is refused with what is missing. */
export function parseRemoteStatus(json: unknown): RemoteStatus {
  const o = (json ?? {}) as { model?: Record<string, unknown>; nodes?: Record<string, unknown>[]; modes?: unknown };
  const m = o.model;
  if (!m || typeof m.id !== 'string') throw new TypeError(`GET ${STATUS_PATH}: the answer names no model (this server's remote route is older than this page)`);
  return {
    model: {
      id: m.id,
      layout: String(m.layout ?? ''),
      numLayers: num(m.num_layers, 'model.num_layers'),
      hiddenSize: num(m.hidden_size, 'model.hidden_size'),
      capturableLayers: Array.isArray(m.capturable_layers) ? m.capturable_layers.map((l) => num(l, 'model.capturable_layers[]')) : [],
      unavailable: (m.unavailable && typeof m.unavailable === 'object' ? m.unavailable : {}) as Record<string, string>
    },
    nodes: (Array.isArray(o.nodes) ? o.nodes : []).map((n) => ({
      name: String(n.name),
      up: n.up === true,
      active: Number(n.active ?? 0),
      maxConcurrency: Number(n.max_concurrency ?? 0),
      completed: Number(n.completed ?? 0),
      failedAttempts: Number(n.failed_attempts ?? 0)
    })),
    modes: Array.isArray(o.modes) ? o.modes.map(String) : []
  };
}

/** Asks the server whether remote runs are available. Never throws. */
export async function probeRemote(token: string, options: { fetch?: typeof fetch; endpoint?: string; signal?: AbortSignal } = {}): Promise<RemoteProbe> {
  const doFetch = options.fetch ?? fetch;
  let res: Response;
  try {
    res = await doFetch(options.endpoint ?? STATUS_PATH, { headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, signal: options.signal });
  } catch {
    return { kind: 'absent' };
  }
  if (res.status === 401 || res.status === 403) return { kind: 'refused', status: res.status, message: await errorText(res) };
  if (res.status === 503) {
    const message = await errorText(res);
    // The API switched off (no SPIKESCORE_API_TOKEN on the server) is the normal state of a plain `npm start`.
    return /API is disabled/i.test(message) ? { kind: 'absent' } : { kind: 'unavailable', message };
  }
  if (!res.ok || !(res.headers.get('content-type') ?? '').includes('application/json')) return { kind: 'absent' };
  try {
    const status = parseRemoteStatus(await res.json());
    if (!status.modes.includes('dialogue')) return { kind: 'unavailable', message: 'the server does not serve the "dialogue" mode' };
    return { kind: 'ok', status };
  } catch (e) {
    return { kind: 'unavailable', message: (e as Error).message };
  }
}

/** The run record's mark of a remote run. */
export interface RemoteSource {
  readonly kind: 'remote';
  readonly endpoint: string;
  readonly layout: string;
  /** The pool's nodes when the run was created (names only). */
  readonly nodes: readonly string[];
}

export function isRemoteRun(run: Pick<RunRecord, 'provenance'>): boolean {
  return ((run.provenance as { source?: { kind?: unknown } | null }).source?.kind ?? null) === 'remote';
}

/** The provenance of a new remote run (stamped into the run record; items carry what the server's runner wrote). */
export function remoteProvenance(status: RemoteStatus, config: Pick<RunConfig, 'seed' | 'sampling'>, created: string, appVersion: string): Record<string, unknown> {
  const source: RemoteSource = { kind: 'remote', endpoint: RUNS_PATH, layout: status.model.layout, nodes: status.nodes.map((n) => n.name) };
  return {
    model_id: status.model.id,
    model_sha256: null,
    tokenizer_hash: null,
    chat_template_hash: null,
    ort_version: null,
    backend: 'remote',
    threads: null,
    dtype: null,
    app_version: appVersion,
    seeds: { run: config.seed, sampling: config.sampling.seed },
    created,
    unavailable: { ...status.model.unavailable },
    source
  };
}

/**
 * The run's items as the route takes them: `{id, question, context, answer, label}`, plus `label_rule` and
 * `attribute` for an item labelled by a rule (the testbed's), and nothing else.
 */
export function remoteItems(run: Pick<RunRecord, 'id' | 'dataset'>): RunItem[] {
  const items = (run.dataset as { items?: unknown } | null | undefined)?.items;
  if (!Array.isArray(items) || items.length === 0) throw new Error(`run ${run.id} holds no dataset items (dataset.items), so it cannot run`);
  return (items as DatasetItem[]).map((it) => ({
    id: it.id,
    question: it.question,
    context: it.context ?? '',
    answer: Array.isArray(it.answer) ? [...it.answer] : (it.answer ?? ''),
    ...(it.label === 0 || it.label === 1 ? { label: it.label } : {}),
    ...(typeof it.meta?.label_rule === 'string' ? { label_rule: it.meta.label_rule, attribute: it.meta.attribute } : {})
  }));
}

/** Config fields the server ignores or refuses (paths, the pool, and the judge / NLI, which name addresses). */
const NOT_SENT = ['model_path', 'dataset_path', 'output_dir', 'remote_engines', 'remote_tokenizer', 'judge', 'nli', 'probe'];

/** Label methods the server's dialogue mode can apply itself. */
export const REMOTE_LABEL_METHODS = ['dataset', 'match', 'f1'] as const;

/**
 * The run's config as it is sent: the stored config minus `NOT_SENT`, with `dataset_type` from the dataset's kind
 * when the config names none (as a local run stamps it into every item). Deterministic: a resume sends the same
 * config, which the server's journal requires of a run id.
 */
export function remoteConfig(run: Pick<RunRecord, 'config' | 'dataset'>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(run.config)) if (!NOT_SENT.includes(k) && v !== undefined) out[k] = v;
  const kind = (run.dataset as { kind?: unknown } | null | undefined)?.kind;
  if ((out.dataset_type === null || out.dataset_type === undefined) && typeof kind === 'string') out.dataset_type = kind;
  return out;
}

/** Why a config cannot run remotely (null when it can). */
export function remoteConfigProblem(config: Pick<RunConfig, 'mode' | 'label_method' | 'capture'>, model: RemoteModel): string | null {
  if (config.mode !== 'dialogue') return `the server runs dialogue experiments only (mode "${config.mode}" runs in this browser)`;
  if (!(REMOTE_LABEL_METHODS as readonly string[]).includes(config.label_method)) {
    return `label_method "${config.label_method}" is not available on the server: use ${REMOTE_LABEL_METHODS.join(', ')}`;
  }
  const layers = config.capture.layers;
  if (layers && model.capturableLayers.length) {
    const wanted = Array.from({ length: layers[1] - layers[0] }, (_, i) => layers[0] + i);
    const missing = wanted.filter((l) => !model.capturableLayers.includes(l));
    if (missing.length) return `capture.layers asks for hidden-state indices ${missing.join(', ')}, but the remote engines return the last layer only (index ${model.capturableLayers.join(', ')}): leave the layers empty`;
  }
  return null;
}

/** One result of the `dialogue` mode, as `decodeWire` gives it back. */
export interface RemoteDialogueResult {
  readonly item: ItemResult;
  readonly hidden: readonly { readonly step: number; readonly layers: readonly number[]; readonly hiddenSize: number; readonly positions: Readonly<Record<string, Uint8Array>> }[];
}

/** F16 little-endian bytes → F16 bits (a copy, so the bits own an aligned buffer). */
function f16Bits(bytes: Uint8Array, where: string): Uint16Array {
  if (bytes.byteLength % 2 !== 0) throw new TypeError(`${where}: ${bytes.byteLength} bytes is not a whole number of F16 values`);
  return new Uint16Array(bytes.slice().buffer);
}

/** Checks the shape of a result and returns its hidden states by turn. */
function hiddenByStep(result: RemoteDialogueResult, itemId: string): Map<number, TurnHidden> {
  const r = result as Partial<RemoteDialogueResult> | null;
  if (!r || !r.item || !Array.isArray(r.item.reasoning_chain) || !Array.isArray(r.hidden)) throw new TypeError(`item ${itemId}: the server's result is not a dialogue result ({item, hidden})`);
  if (r.item.id !== itemId) throw new TypeError(`item ${itemId}: the server's result is for item ${JSON.stringify(r.item.id)}`);
  const out = new Map<number, TurnHidden>();
  for (const h of r.hidden) {
    const positions: Record<string, Uint16Array> = {};
    for (const [name, bytes] of Object.entries(h.positions) as [string, unknown][]) {
      if (!(bytes instanceof Uint8Array)) throw new TypeError(`item ${itemId} turn ${h.step} ${name}: the hidden states are not F16 bytes`);
      const bits = f16Bits(bytes, `item ${itemId} turn ${h.step} ${name}`);
      if (bits.length !== h.layers.length * h.hiddenSize) throw new TypeError(`item ${itemId} turn ${h.step} ${name}: ${bits.length} values, expected ${h.layers.length} layers × ${h.hiddenSize}`);
      positions[name] = bits;
    }
    out.set(h.step, { layers: [...h.layers], hiddenSize: h.hiddenSize, positions });
  }
  return out;
}

/**
 * Stores one remote result with the store's per-turn save, turn by turn in order: turn k as the item with turns
 * 0…k (`partial` before the last), the last with the item as the server finished it. An item that stopped at
 * turn 0 (its prompt did not fit) is stored without turns, as the local runner does.
 */
export async function storeRemoteResult(store: IdbRunStore, run: Pick<RunRecord, 'id' | 'model_id'>, itemId: string, result: RemoteDialogueResult): Promise<void> {
  const hidden = hiddenByStep(result, itemId);
  const item = result.item;
  const chain = item.reasoning_chain;
  const sink = store.sink(run.id, run.model_id);
  if (chain.length === 0) await sink.save(structuredClone(item), null);
  for (let k = 0; k < chain.length; k++) {
    const last = k === chain.length - 1;
    const snapshot: ItemResult = last ? item : { ...item, reasoning_chain: chain.slice(0, k + 1), actual_steps: k, run_status: 'partial' };
    await sink.save(snapshot, { step: chain[k].step, hidden: hidden.get(chain[k].step) ?? null });
  }
  await sink.clearError(itemId);
}

/** Whether the store holds the item whole (a `partial` one is sent again). */
export async function storedWhole(store: IdbRunStore, runId: string, itemId: string): Promise<boolean> {
  return (await store.getItem(runId, itemId))?.run_status === 'complete';
}

/** Live progress of a remote run (also folded into the page's `LiveProgress.remote`). */
export interface RemoteProgress {
  readonly total: number;
  /** Stored by this session. */
  readonly stored: number;
  /** Found stored before this session (a resume). */
  readonly alreadyStored: number;
  readonly failed: number;
  /** Items stored per node in this session. */
  readonly byNode: Readonly<Record<string, number>>;
  /** Nodes the server said it spreads the run over (`accepted`). */
  readonly nodes: number | null;
  readonly reconnects: number;
  /** The last failed item and its error. */
  readonly lastError: string | null;
  /** The last reconnect and why. */
  readonly note: string | null;
}

export function emptyRemoteProgress(total: number): RemoteProgress {
  return { total, stored: 0, alreadyStored: 0, failed: 0, byNode: {}, nodes: null, reconnects: 0, lastError: null, note: null };
}

/** "3 of 4 items stored (1 before) · 0 failed · on 2 nodes: node-1 2, node-2 1". */
export function remoteProgressText(p: RemoteProgress): string {
  const done = p.stored + p.alreadyStored;
  const parts = [`${done} of ${p.total} items stored${p.alreadyStored ? ` (${p.alreadyStored} before this session)` : ''}`];
  if (p.failed) parts.push(`${p.failed} failed`);
  const byNode = Object.entries(p.byNode)
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([n, c]) => `${n} ${c}`);
  parts.push(`${p.nodes === null ? 'waiting for the server' : `on ${p.nodes} node${p.nodes === 1 ? '' : 's'}`}${byNode.length ? `: ${byNode.join(', ')}` : ''}`);
  if (p.reconnects) parts.push(`${p.reconnects} reconnect${p.reconnects === 1 ? '' : 's'}`);
  return parts.join(' · ');
}

export interface RemoteRunOutcome {
  readonly status: 'finished' | 'paused' | 'stopped';
  readonly summary: { readonly items: number; readonly completed: number; readonly skipped: number; readonly failed: number; readonly reconnects: number; readonly duplicates: number } | null;
  readonly error: { readonly name: string; readonly message: string; readonly hint: string | null } | null;
}

export interface DriveRemoteOptions {
  readonly store: IdbRunStore;
  readonly runId: string;
  readonly token: string;
  readonly endpoint?: string;
  readonly fetch?: typeof fetch;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: RemoteProgress) => void;
  /** Each item stored (for views that reload). */
  readonly onStored?: (itemId: string) => void;
  /** Reconnect pacing (tests). */
  readonly reconnectDelayMs?: number;
  readonly maxReconnects?: number;
}

function errorOf(e: unknown): { name: string; message: string; hint: string | null } {
  const err = e as { name?: string; message?: string; hint?: unknown } | null;
  if (e instanceof RemoteRunRefused) {
    const hint = e.status === 401 ? 'Check the Remote server token in Settings, then press Resume on the run.' : e.status === 409 ? 'The server ran this run id with another config.' : null;
    return { name: 'RemoteRunRefused', message: e.message, hint };
  }
  return { name: err?.name ?? 'Error', message: err?.message ?? String(e), hint: typeof err?.hint === 'string' ? err.hint : null };
}

/**
 * Runs (or resumes) a stored remote run to its end, a pause (`signal`), or an error, and records the end in the
 * run record as the local runner does (finished, or cancelled with `stopped_by` on an error). The store's own
 * failures (a full disk) stop the run at once instead of being retried as a dropped stream.
 */
export async function driveRemoteRun(options: DriveRemoteOptions): Promise<RemoteRunOutcome> {
  const { store } = options;
  const run = await store.getRun(options.runId);
  if (!run) return { status: 'stopped', summary: null, error: { name: 'InputError', message: `no run "${options.runId}" in this browser`, hint: null } };
  if (run.status === 'finished' || run.status === 'imported') return { status: 'stopped', summary: null, error: { name: 'InputError', message: `run "${run.id}" is ${run.status}; there is nothing to resume`, hint: null } };
  let progress: RemoteProgress;
  let items: RunItem[];
  try {
    items = remoteItems(run);
    progress = emptyRemoteProgress(items.length);
  } catch (e) {
    return { status: 'stopped', summary: null, error: errorOf(e) };
  }
  const emit = (patch: Partial<RemoteProgress>) => {
    progress = { ...progress, ...patch };
    options.onProgress?.(progress);
  };
  const inner = new AbortController();
  const onAbort = () => inner.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) inner.abort();
  let storeError: unknown = null;
  const sink = store.sink(run.id, run.model_id);
  try {
    if (run.status !== 'running') await store.updateRun(run.id, { status: 'running' });
    const summary = await runRemote({
      endpoint: options.endpoint ?? RUNS_PATH,
      token: options.token,
      runId: run.id,
      mode: 'dialogue',
      config: remoteConfig(run),
      items,
      fetch: options.fetch,
      signal: inner.signal,
      reconnectDelayMs: options.reconnectDelayMs,
      maxReconnects: options.maxReconnects,
      has: async (id) => {
        const whole = await storedWhole(store, run.id, id);
        if (whole) emit({ alreadyStored: progress.alreadyStored + 1 });
        return whole;
      },
      onResult: async (id, result, meta) => {
        if (storeError) return;
        try {
          await storeRemoteResult(store, run, id, result as RemoteDialogueResult);
        } catch (e) {
          // Not a dropped stream: stop, do not resubmit.
          storeError = e;
          inner.abort();
          return;
        }
        emit({ stored: progress.stored + 1, byNode: { ...progress.byNode, [meta.node]: (progress.byNode[meta.node] ?? 0) + 1 } });
        options.onStored?.(id);
      },
      onFailure: async (id, error) => {
        await sink.saveError({ id, error, traceback: null, timestamp: new Date().toISOString() });
        emit({ failed: progress.failed + 1, lastError: `${id}: ${error}` });
      },
      onEvent: (ev: RunEvent | { type: 'reconnect'; attempt: number; missing: number; reason: string }) => {
        if (ev.type === 'accepted') emit({ nodes: ev.nodes });
        else if (ev.type === 'reconnect') emit({ reconnects: ev.attempt, note: `the stream was cut (${ev.reason}); resubmitting the ${ev.missing} item(s) not stored yet` });
      }
    });
    if (storeError) throw storeError;
    const result = {
      items: items.length,
      completed: summary.stored,
      skipped: summary.alreadyStored,
      failed: summary.failed.length,
      reconnects: summary.reconnects,
      duplicates: summary.duplicates
    };
    if (options.signal?.aborted) {
      await store.updateRun(run.id, { status: 'cancelled', summary: null }).catch(() => undefined);
      return { status: 'paused', summary: null, error: null };
    }
    await store.updateRun(run.id, { status: 'finished', summary: { ...result, remote: true } });
    return { status: 'finished', summary: result, error: null };
  } catch (e) {
    const err = errorOf(e);
    await store.updateRun(run.id, { status: 'cancelled', summary: { stopped_by: err.name, error: err.message } }).catch(() => undefined);
    return { status: 'stopped', summary: null, error: err };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}
