/**
 * Runs in the page's IndexedDB: create, list (with config, model and date), read, delete; the runner's sink (one
 * transaction per turn over items, turns and hidden states, so a failed write leaves the state after the previous
 * turn); label overrides; probes; settings. The quota is checked before every write.
 */
import type { IDBPDatabase } from 'idb';
import { CAPTURE_POSITIONS } from '../../core/config/runConfig';
import { InputError } from '../../core/issues';
import type { ItemResult, LabelSource } from '../../core/itemResult';
import type { ItemError, ProgressRecord, RunSink, TurnHidden } from '../../core/runner/types';
import { ensureRoom, guardQuota, platformEstimate, type EstimateFn } from './quota';
import { openSpikeDb, type ErrorRow, type HiddenRow, type ItemRow, type ProbeRow, type RunRecord, type SpikeDB } from './schema';

export const IDB_RUN_FORMAT_VERSION = 1;

export interface NewRun {
  readonly config: Record<string, unknown>;
  readonly provenance: Record<string, unknown>;
  readonly modelId: string;
  readonly dataset?: Record<string, unknown> | null;
  /** Default: a random UUID. */
  readonly id?: string;
  /** Default: now. */
  readonly created?: string;
}

function newId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (c?.randomUUID) return c.randomUUID();
  return `run-${Date.now().toString(36)}`;
}

function hiddenBytes(h: TurnHidden | null): number {
  if (!h) return 0;
  return Object.values(h.positions).reduce((a, b) => a + (b?.byteLength ?? 0), 0);
}

function splitItem(result: ItemResult, runId: string): ItemRow {
  const { reasoning_chain, ...rest } = result;
  return { ...rest, run_id: runId, n_turns: reasoning_chain.length };
}

export class IdbRunStore {
  constructor(
    readonly db: IDBPDatabase<SpikeDB>,
    private readonly estimate: EstimateFn | null = platformEstimate()
  ) {}

  static async open(options: { name?: string; estimate?: EstimateFn | null } = {}): Promise<IdbRunStore> {
    return new IdbRunStore(await openSpikeDb(options.name), options.estimate === undefined ? platformEstimate() : options.estimate);
  }

  close(): void {
    this.db.close();
  }

  async room(bytes: number): Promise<void> {
    await ensureRoom(bytes, this.estimate);
  }

  // Runs.

  async createRun(run: NewRun): Promise<RunRecord> {
    const created = run.created ?? new Date().toISOString();
    const record: RunRecord = {
      id: run.id ?? newId(),
      format_version: IDB_RUN_FORMAT_VERSION,
      created,
      updated: created,
      config: run.config,
      provenance: run.provenance,
      model_id: run.modelId,
      dataset: run.dataset ?? null,
      status: 'running',
      summary: null,
      progress: null
    };
    await this.room(JSON.stringify(record).length);
    await guardQuota(() => this.db.add('runs', record));
    return record;
  }

  /** Every run, newest first. */
  async listRuns(): Promise<RunRecord[]> {
    return (await this.db.getAllFromIndex('runs', 'created')).reverse();
  }

  async getRun(id: string): Promise<RunRecord | null> {
    return (await this.db.get('runs', id)) ?? null;
  }

  async updateRun(id: string, patch: Partial<Pick<RunRecord, 'status' | 'summary' | 'progress'>>): Promise<RunRecord> {
    const tx = this.db.transaction('runs', 'readwrite');
    const run = await tx.store.get(id);
    if (!run) throw new InputError(`no run "${id}" in this browser`);
    const next = { ...run, ...patch, updated: new Date().toISOString() };
    await tx.store.put(next);
    await guardQuota(() => tx.done);
    return next;
  }

  /** Deletes a run with its items, turns, hidden states, errors and attached probes, in one transaction. */
  async deleteRun(id: string): Promise<void> {
    const tx = this.db.transaction(['runs', 'items', 'turns', 'hidden', 'errors', 'probes'], 'readwrite');
    await tx.objectStore('runs').delete(id);
    for (const store of ['items', 'turns', 'hidden', 'errors', 'probes'] as const) {
      let cursor = await tx.objectStore(store).index('run').openKeyCursor(IDBKeyRange.only(id));
      while (cursor) {
        await tx.objectStore(store).delete(cursor.primaryKey);
        cursor = await cursor.continue();
      }
    }
    await tx.done;
  }

  // Items.

  async getItem(runId: string, itemId: string): Promise<ItemResult | null> {
    const tx = this.db.transaction(['items', 'turns'], 'readonly');
    const row = await tx.objectStore('items').get([runId, itemId]);
    if (!row) return null;
    const turns = await tx.objectStore('turns').index('run_item').getAll(IDBKeyRange.only([runId, itemId]));
    await tx.done;
    return assemble(row, turns.map((t) => t.turn));
  }

  /** Every item of a run, sorted by id. */
  async listItems(runId: string): Promise<ItemResult[]> {
    const tx = this.db.transaction(['items', 'turns'], 'readonly');
    const rows = await tx.objectStore('items').index('run').getAll(IDBKeyRange.only(runId));
    const turns = await tx.objectStore('turns').index('run').getAll(IDBKeyRange.only(runId));
    await tx.done;
    const byItem = new Map<string, ItemResult['reasoning_chain']>();
    for (const t of turns) {
      const list = byItem.get(t.item_id) ?? [];
      list.push(t.turn);
      byItem.set(t.item_id, list);
    }
    return rows.map((r) => assemble(r, byItem.get(r.id) ?? [])).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async getHidden(runId: string, itemId: string): Promise<Map<number, TurnHidden>> {
    const rows = await this.db.getAllFromIndex('hidden', 'run_item', IDBKeyRange.only([runId, itemId]));
    return new Map(rows.map((r) => [r.step, { layers: r.layers, hiddenSize: r.hidden_size, positions: r.positions }]));
  }

  async hiddenModelId(runId: string, itemId: string): Promise<string | null> {
    const row = await this.db.getFromIndex('hidden', 'run_item', IDBKeyRange.only([runId, itemId]));
    return row?.model_id ?? null;
  }

  async listErrors(runId: string): Promise<ItemError[]> {
    return (await this.db.getAllFromIndex('errors', 'run', IDBKeyRange.only(runId))).map((r) => r.error);
  }

  /**
   * Overrides an item's label (1 correct, 0 hallucinated, null unknown). The label before the first override and
   * its source are kept (`label_before_override`, `label_source_before_override`), so every metric can flag
   * overridden items; a later override keeps the original ones.
   */
  async overrideLabel(runId: string, itemId: string, label: 0 | 1 | null): Promise<ItemResult> {
    if (!(label === 0 || label === 1 || label === null)) throw new InputError(`a label override must be 1 (correct), 0 (hallucinated) or null, got ${JSON.stringify(label)}`);
    const tx = this.db.transaction(['items', 'turns'], 'readwrite');
    const row = await tx.objectStore('items').get([runId, itemId]);
    if (!row) throw new InputError(`no item "${itemId}" in run "${runId}"`);
    const next: ItemRow = { ...row };
    if (row.label_source !== 'override') {
      next.label_before_override = row.nli_label;
      next.label_source_before_override = row.label_source ?? null;
    }
    next.nli_label = label;
    next.label_source = 'override' as LabelSource;
    await tx.objectStore('items').put(next);
    const turns = await tx.objectStore('turns').index('run_item').getAll(IDBKeyRange.only([runId, itemId]));
    await guardQuota(() => tx.done);
    return assemble(next, turns.map((t) => t.turn));
  }

  /** The runner's sink for a run: one transaction per turn. */
  sink(runId: string, modelId: string): RunSink {
    return new IdbRunSink(this, runId, modelId);
  }

  // Probes and settings.

  async putProbe(probe: { name: string; bytes: Uint8Array; run_id?: string | null; meta?: Record<string, unknown> | null; id?: string }): Promise<ProbeRow> {
    const row: ProbeRow = { id: probe.id ?? (probe.run_id ? `${probe.run_id}/${probe.name}` : probe.name), name: probe.name, run_id: probe.run_id ?? null, created: new Date().toISOString(), bytes: probe.bytes, meta: probe.meta ?? null };
    await this.room(probe.bytes.byteLength);
    await guardQuota(() => this.db.put('probes', row));
    return row;
  }

  async getProbe(id: string): Promise<ProbeRow | null> {
    return (await this.db.get('probes', id)) ?? null;
  }

  async listProbes(runId?: string | null): Promise<ProbeRow[]> {
    if (runId === undefined) return this.db.getAll('probes');
    return (await this.db.getAll('probes')).filter((p) => p.run_id === runId);
  }

  async deleteProbe(id: string): Promise<void> {
    await this.db.delete('probes', id);
  }

  async getSetting<T = unknown>(key: string): Promise<T | undefined> {
    return (await this.db.get('settings', key))?.value as T | undefined;
  }

  async setSetting(key: string, value: unknown): Promise<void> {
    await guardQuota(() => this.db.put('settings', { key, value }));
  }
}

/**
 * Runs the requests of one read-write transaction and waits for it to commit. If any request fails, even
 * synchronously (a value that cannot be cloned), the transaction is aborted, so none of its writes land; a quota
 * failure becomes `StorageFullError`.
 */
export async function writeAtomically<T extends { abort(): void; done: Promise<void> }>(tx: T, requests: (tx: T, track: (request: Promise<unknown>) => void) => void): Promise<void> {
  await guardQuota(async () => {
    const writes: Promise<unknown>[] = [];
    // Once one request fails the others reject too (the transaction aborts): those rejections are expected.
    const track = (request: Promise<unknown>) => {
      request.catch(() => undefined);
      writes.push(request);
    };
    try {
      requests(tx, track);
      await Promise.all(writes);
      await tx.done;
    } catch (e) {
      try {
        tx.abort();
      } catch {
        // already finished or aborted
      }
      await tx.done.catch(() => undefined);
      throw e;
    }
  });
}

function assemble(row: ItemRow, turns: ItemResult['reasoning_chain']): ItemResult {
  const { run_id: _r, n_turns: _n, ...rest } = row;
  void _r;
  void _n;
  return { ...rest, reasoning_chain: [...turns].sort((a, b) => a.step - b.step) } as ItemResult;
}

class IdbRunSink implements RunSink {
  constructor(
    private readonly store: IdbRunStore,
    private readonly runId: string,
    private readonly modelId: string
  ) {}

  private get db() {
    return this.store.db;
  }

  loadItem(id: string): Promise<ItemResult | null> {
    return this.store.getItem(this.runId, id);
  }

  async save(result: ItemResult, turn: { step: number; hidden: TurnHidden | null } | null): Promise<void> {
    const row = splitItem(result, this.runId);
    const record = turn ? result.reasoning_chain[turn.step] : null;
    if (turn && (!record || record.step !== turn.step)) throw new TypeError(`save: the item has no turn ${turn.step} to store`);
    await this.store.room(JSON.stringify(row).length + (record ? JSON.stringify(record).length : 0) + hiddenBytes(turn?.hidden ?? null));
    await writeAtomically(this.db.transaction(['items', 'turns', 'hidden'], 'readwrite'), (tx, track) => {
      track(tx.objectStore('items').put(row));
      if (turn && record) {
        track(tx.objectStore('turns').put({ run_id: this.runId, item_id: result.id, step: turn.step, turn: record }));
        const key: [string, string, number] = [this.runId, result.id, turn.step];
        if (turn.hidden) {
          const positions: HiddenRow['positions'] = {};
          for (const p of CAPTURE_POSITIONS) if (turn.hidden.positions[p]) positions[p] = turn.hidden.positions[p];
          track(tx.objectStore('hidden').put({ run_id: this.runId, item_id: result.id, step: turn.step, layers: [...turn.hidden.layers], hidden_size: turn.hidden.hiddenSize, model_id: this.modelId, positions }));
        } else track(tx.objectStore('hidden').delete(key));
      }
    });
  }

  async saveError(error: ItemError): Promise<void> {
    const row: ErrorRow = { run_id: this.runId, id: error.id, error };
    await guardQuota(() => this.db.put('errors', row));
  }

  async clearError(id: string): Promise<void> {
    await this.db.delete('errors', [this.runId, id]);
  }

  async saveProgress(progress: ProgressRecord): Promise<void> {
    await this.store.updateRun(this.runId, { progress });
  }
}
