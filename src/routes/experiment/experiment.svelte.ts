/**
 * The Experiment page's state, kept for the whole session (a run goes on while the user visits other pages):
 * the runs in IndexedDB, the run this tab drives in the inference worker, and what other tabs are doing.
 *
 * One run at a time across tabs: starting or resuming takes the Web Lock `spikescore-experiment` (ifAvailable), and
 * the run itself holds `spikescore-experiment:<runId>`, so every tab can see which run is live with
 * `navigator.locks.query()`. Tabs that do not hold the lock follow read-only: the running tab broadcasts its progress
 * on a BroadcastChannel, and followers poll the store for the runs and items. A run whose record says "running"
 * while no tab holds its lock was interrupted (its tab closed or reloaded) and can be resumed.
 *
 * A run on the server's GPU pool (`remoteRun.ts`) is driven from this page instead of the worker, under the same
 * locks, into the same store: the page sends the items the store lacks and stores each result as it arrives.
 */
import * as Comlink from 'comlink';
import { BUILTIN_TEMPLATE } from '$lib/engine/catalog';
import { exportRunBundle, importRunBundle } from '$lib/store/idb/bundle';
import { IdbRunStore, type NewRun } from '$lib/store/idb/runStore';
import type { RunRecord } from '$lib/store/idb/schema';
import { newRequestId, type EngineState } from '$lib/ui/state/engine.svelte';
import { reloadRequest, type ExperimentError, type ExperimentEvent, type ExperimentOutcome, type ModelSource } from '../../../workers/protocols/experiment';
import { applyEvent, emptyProgress, type LiveProgress } from './progress';
import { driveRemoteRun, emptyRemoteProgress, isRemoteRun, probeRemote, type RemoteProbe } from './remoteRun';

export const EXPERIMENT_LOCK = 'spikescore-experiment';
export const EXPERIMENT_CHANNEL = 'spikescore-experiment';
export const runLockName = (runId: string) => `${EXPERIMENT_LOCK}:${runId}`;

type TabMessage =
  | { readonly type: 'progress'; readonly progress: LiveProgress }
  | { readonly type: 'started' | 'ended'; readonly runId: string }
  | { readonly type: 'changed' };

export interface RunOutcome extends Omit<ExperimentOutcome, 'summary'> {
  readonly runId: string;
  /** What the page shows of a finished run (a local run's `RunSummary` has more). */
  readonly summary: { readonly items: number; readonly completed: number; readonly skipped: number; readonly failed: number } | null;
}

export interface PageError {
  readonly name: string;
  readonly message: string;
  readonly hint: string | null;
}

function toPageError(e: unknown): PageError {
  const err = e as { name?: string; message?: string; hint?: string } | null;
  return { name: err?.name ?? 'Error', message: err?.message ?? String(e), hint: typeof err?.hint === 'string' ? err.hint : null };
}

const POLL_MS = 1000;
const BUMP_MS = 1000;

export class ExperimentState {
  store = $state.raw<IdbRunStore | null>(null);
  runs = $state.raw<RunRecord[]>([]);
  storeError = $state<string | null>(null);
  /** The run this tab drives, while it runs. */
  ownRunId = $state<string | null>(null);
  /** Runs whose lock some tab holds (including this one). */
  heldRunIds = $state.raw<ReadonlySet<string>>(new Set());
  /** Another tab holds the experiment lock. */
  otherTabBusy = $state(false);
  /** Live progress of this tab's run, or of the run another tab drives (followed). */
  progress = $state.raw<LiveProgress | null>(null);
  /** How this tab's last run ended. */
  outcome = $state.raw<RunOutcome | null>(null);
  /** An error of a start, resume, import or delete. */
  error = $state.raw<PageError | null>(null);
  busy = $state(false);
  /** Bumped whenever stored runs or items may have changed (views reload). */
  revision = $state(0);
  /** What the server says of remote GPU runs (`GET /api/remote`), null before the first check. */
  remote = $state.raw<RemoteProbe | null>(null);
  /** Where the next run goes (the server's pool only while `remote` says it is available). */
  runOn = $state<'browser' | 'server'>('browser');

  #requestId: string | null = null;
  #channel: BroadcastChannel | null = null;
  #timer: ReturnType<typeof setInterval> | null = null;
  #lastBroadcast = 0;
  #lastBump = 0;
  #bumpTimer: ReturnType<typeof setTimeout> | null = null;
  #ready: Promise<void> | null = null;
  #remoteController: AbortController | null = null;
  #remoteCheck = 0;

  constructor(readonly engine: EngineState) {}

  /** Opens the store, lists the runs, and starts following other tabs. Idempotent. */
  init(): Promise<void> {
    this.#ready ??= this.#init();
    return this.#ready;
  }

  async #init(): Promise<void> {
    try {
      this.store = await IdbRunStore.open();
    } catch (e) {
      this.storeError = `This browser's storage (IndexedDB) could not be opened: ${(e as Error).message}. Runs cannot be stored; check that the site may store data (not a private window with storage off).`;
      return;
    }
    if (typeof BroadcastChannel !== 'undefined') {
      this.#channel = new BroadcastChannel(EXPERIMENT_CHANNEL);
      this.#channel.onmessage = (m: MessageEvent<TabMessage>) => void this.#onMessage(m.data);
    }
    await this.refresh();
    await this.#poll();
    this.#timer = setInterval(() => void this.#poll(), POLL_MS);
  }

  get locksAvailable(): boolean {
    return typeof navigator !== 'undefined' && !!navigator.locks;
  }

  async refresh(): Promise<void> {
    if (!this.store) return;
    this.runs = await this.store.listRuns();
    this.#bump();
  }

  /** Views reload their items on a revision: at most once a second while turns land, and once after the last. */
  #bump(): void {
    const wait = BUMP_MS - (performance.now() - this.#lastBump);
    if (wait <= 0) {
      this.#lastBump = performance.now();
      this.revision++;
    } else if (!this.#bumpTimer) {
      this.#bumpTimer = setTimeout(() => {
        this.#bumpTimer = null;
        this.#lastBump = performance.now();
        this.revision++;
      }, wait);
    }
  }

  #post(message: TabMessage): void {
    this.#channel?.postMessage(message);
  }

  async #onMessage(m: TabMessage): Promise<void> {
    if (m.type === 'progress') {
      if (this.ownRunId === null) this.progress = m.progress;
      return;
    }
    if (m.type === 'ended' && this.ownRunId === null && this.progress?.runId === m.runId) this.progress = null;
    await this.refresh();
  }

  async #poll(): Promise<void> {
    if (!this.locksAvailable) return;
    const { held = [] } = await navigator.locks.query();
    const names = held.map((l) => l.name ?? '');
    const ids = new Set(names.filter((n) => n.startsWith(`${EXPERIMENT_LOCK}:`)).map((n) => n.slice(EXPERIMENT_LOCK.length + 1)));
    const globalHeld = names.includes(EXPERIMENT_LOCK);
    const other = globalHeld && this.ownRunId === null && !this.busy;
    const changed = ids.size !== this.heldRunIds.size || [...ids].some((id) => !this.heldRunIds.has(id));
    this.heldRunIds = ids;
    this.otherTabBusy = other;
    if (!other && this.ownRunId === null && this.progress) this.progress = null;
    // Following another tab: its items land in the store turn by turn.
    if (changed || other) await this.refresh();
  }

  /**
   * Creates a run and drives it to its end (or a pause or an error) in the worker, holding the experiment lock.
   * Returns false when another tab holds the lock (nothing is created).
   */
  async start(run: NewRun, judgeApiKey: string | null, onCreated?: (runId: string) => void): Promise<boolean> {
    return this.#withLock(async () => {
      const record = await this.store!.createRun(run);
      await this.refresh();
      onCreated?.(record.id);
      await this.#drive(record, judgeApiKey);
    });
  }

  /** Asks the server whether remote GPU runs are available with this token (the latest call wins). */
  async checkRemote(token: string): Promise<RemoteProbe> {
    const n = ++this.#remoteCheck;
    const r = await probeRemote(token);
    if (n === this.#remoteCheck) this.remote = r;
    return r;
  }

  /** Creates a run on the server's GPU pool and drives it to its end (or a pause or an error), like `start`. */
  async startRemote(run: NewRun, token: string, onCreated?: (runId: string) => void): Promise<boolean> {
    return this.#withLock(async () => {
      const record = await this.store!.createRun(run);
      await this.refresh();
      onCreated?.(record.id);
      await this.#driveRemote(record, token);
    });
  }

  /**
   * Continues a paused, stopped or interrupted run: a local one loads its model first if another (or none) is
   * loaded; a remote one resubmits the items the store lacks (with the token from Settings).
   */
  async resume(run: RunRecord, judgeApiKey: string | null, hubTemplate: string, remoteToken = ''): Promise<boolean> {
    if (isRemoteRun(run)) {
      if (!remoteToken) {
        this.error = { name: 'NoToken', message: `run ${run.id} runs on the server's GPU pool: enter the Remote server token in Settings (it is kept in memory only, so again after a reload), then press Resume.`, hint: null };
        return false;
      }
      return this.#withLock(async () => {
        const fresh = (await this.store!.getRun(run.id)) ?? run;
        await this.#driveRemote(fresh, remoteToken);
      });
    }
    return this.#withLock(async () => {
      const loaded = await this.engine.api.experimentModel();
      if (!loaded || loaded.id !== run.model_id) {
        const source = ((run.provenance as { source?: ModelSource | null }).source ?? null) as ModelSource | null;
        const request = reloadRequest(source, { builtin: BUILTIN_TEMPLATE, hub: hubTemplate });
        if (!request) {
          throw Object.assign(new Error(`run ${run.id} was made with ${run.model_id}, which came from files on this disk; load it (Model, above) and resume again`), { name: 'ModelMismatch' });
        }
        const info = await this.engine.load(request);
        if (!info) throw Object.assign(new Error(`loading ${run.model_id} to resume the run failed: ${this.engine.error ?? 'unknown error'}`), { name: 'ModelMismatch' });
      }
      const fresh = (await this.store!.getRun(run.id)) ?? run;
      await this.#drive(fresh, judgeApiKey);
    });
  }

  async #withLock(task: () => Promise<void>): Promise<boolean> {
    if (!this.store) return false;
    this.error = null;
    this.outcome = null;
    this.busy = true;
    try {
      if (!this.locksAvailable) {
        // No Web Locks (very old browsers): one tab is all this page can guarantee.
        await task();
        return true;
      }
      const got = await navigator.locks.request(EXPERIMENT_LOCK, { ifAvailable: true }, async (lock) => {
        if (!lock) return false;
        await task();
        return true;
      });
      if (!got) {
        this.otherTabBusy = true;
        this.error = { name: 'Busy', message: 'An experiment is already running in another tab. One run at a time: this tab follows it read-only until it ends.', hint: null };
      }
      return got;
    } catch (e) {
      this.error = toPageError(e);
      return false;
    } finally {
      this.busy = false;
      await this.refresh();
    }
  }

  async #drive(run: RunRecord, judgeApiKey: string | null): Promise<void> {
    const total = ((run.dataset as { items?: unknown[] } | null)?.items ?? []).length;
    const turns = (run.config as { mode?: string; max_steps?: number }).mode === 'probe_data' ? 0 : Number((run.config as { max_steps?: number }).max_steps ?? 0) + 1;
    const body = async () => {
      this.ownRunId = run.id;
      this.engine.busy = true;
      this.progress = emptyProgress(run.id, total, turns);
      this.#post({ type: 'started', runId: run.id });
      const requestId = newRequestId('exp');
      this.#requestId = requestId;
      const onEvent = (e: ExperimentEvent) => {
        if (!this.progress) return;
        this.progress = applyEvent(this.progress, e);
        const now = performance.now();
        if (e.type !== 'token' || now - this.#lastBroadcast > 250) {
          this.#lastBroadcast = now;
          this.#post({ type: 'progress', progress: this.progress });
        }
        if ((e.type === 'progress' && e.event.type === 'turn') || e.type === 'probe-item') this.#bump();
      };
      let outcome: ExperimentOutcome;
      try {
        outcome = await this.engine.api.experimentRun({ requestId, runId: run.id, judgeApiKey }, Comlink.proxy(onEvent));
      } catch (e) {
        // The worker itself failed (crashed, or was replaced by a model load).
        outcome = { status: 'stopped', summary: null, error: toPageError(e) as ExperimentError };
      } finally {
        this.#requestId = null;
        this.ownRunId = null;
        this.engine.busy = false;
      }
      this.outcome = { runId: run.id, ...outcome };
      this.progress = null;
      this.#post({ type: 'ended', runId: run.id });
    };
    if (this.locksAvailable) await navigator.locks.request(runLockName(run.id), body);
    else await body();
  }

  /** A remote run: the items go to the server, each result is stored here as it arrives (no worker involved). */
  async #driveRemote(run: RunRecord, token: string): Promise<void> {
    const total = ((run.dataset as { items?: unknown[] } | null)?.items ?? []).length;
    const body = async () => {
      this.ownRunId = run.id;
      this.progress = { ...emptyProgress(run.id, total, 0), remote: emptyRemoteProgress(total) };
      this.#post({ type: 'started', runId: run.id });
      const controller = new AbortController();
      this.#remoteController = controller;
      let outcome: RunOutcome;
      try {
        const r = await driveRemoteRun({
          store: this.store!,
          runId: run.id,
          token,
          signal: controller.signal,
          onProgress: (rp) => {
            if (!this.progress) return;
            this.progress = { ...this.progress, remote: rp, done: rp.stored, skipped: rp.alreadyStored, failed: rp.failed, lastError: rp.lastError };
            this.#post({ type: 'progress', progress: this.progress });
          },
          onStored: () => this.#bump()
        });
        outcome = { runId: run.id, ...r };
      } finally {
        this.#remoteController = null;
        this.ownRunId = null;
      }
      this.outcome = outcome;
      this.progress = null;
      this.#post({ type: 'ended', runId: run.id });
      void this.checkRemote(token);
    };
    if (this.locksAvailable) await navigator.locks.request(runLockName(run.id), body);
    else await body();
  }

  /** Stops this tab's run after the turn in progress is dropped; finished turns are kept (resume continues). */
  pause(): void {
    if (this.#requestId) this.engine.cancel(this.#requestId);
    this.#remoteController?.abort();
  }

  async deleteRun(id: string): Promise<void> {
    if (!this.store) return;
    // Ask the lock manager now: the polled snapshot can lag behind a run that just finished.
    await this.#poll();
    if (this.heldRunIds.has(id)) {
      this.error = { name: 'Busy', message: `run ${id} is running; pause it before deleting it`, hint: null };
      return;
    }
    try {
      await this.store.deleteRun(id);
      this.#post({ type: 'changed' });
    } catch (e) {
      this.error = toPageError(e);
    }
    await this.refresh();
  }

  /** Imports a bundle (zip); a corrupt, newer or already-present bundle changes nothing and returns its error. */
  async importBundle(file: File): Promise<RunRecord | null> {
    if (!this.store) return null;
    this.error = null;
    try {
      const run = await importRunBundle(this.store, new Uint8Array(await file.arrayBuffer()), file.name);
      this.#post({ type: 'changed' });
      await this.refresh();
      return run;
    } catch (e) {
      this.error = toPageError(e);
      return null;
    }
  }

  async exportBundle(id: string): Promise<Uint8Array | null> {
    if (!this.store) return null;
    try {
      return await exportRunBundle(this.store, id);
    } catch (e) {
      this.error = toPageError(e);
      return null;
    }
  }

  async overrideLabel(runId: string, itemId: string, label: 0 | 1 | null): Promise<void> {
    if (!this.store) return;
    try {
      await this.store.overrideLabel(runId, itemId, label);
      this.#post({ type: 'changed' });
    } catch (e) {
      this.error = toPageError(e);
    }
    this.revision++;
    this.#lastBump = performance.now();
  }

  /** Bytes each run takes in the store (hidden states exactly, records as JSON text), for "what to delete". */
  async runSizes(): Promise<Map<string, number>> {
    const sizes = new Map<string, number>();
    if (!this.store) return sizes;
    const add = (id: string, n: number) => sizes.set(id, (sizes.get(id) ?? 0) + n);
    const db = this.store.db;
    let c = await db.transaction('hidden').store.openCursor();
    while (c) {
      add(c.value.run_id, Object.values(c.value.positions).reduce((a, b) => a + (b?.byteLength ?? 0), 0));
      c = await c.continue();
    }
    let t = await db.transaction('turns').store.openCursor();
    while (t) {
      add(t.value.run_id, JSON.stringify(t.value.turn).length);
      t = await t.continue();
    }
    for (const p of await this.store.listProbes()) if (p.run_id) add(p.run_id, p.bytes.byteLength);
    return sizes;
  }

  destroy(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#channel?.close();
  }
}

const instances = new WeakMap<EngineState, ExperimentState>();

/** The session's experiment state for this engine (one per tab). */
export function experimentState(engine: EngineState): ExperimentState {
  let s = instances.get(engine);
  if (!s) {
    s = new ExperimentState(engine);
    instances.set(engine, s);
  }
  return s;
}
