/**
 * The page's IndexedDB schema, in one place, with a version number and the upgrades as numbered steps:
 * `UPGRADES[v]` takes a database from version v to v + 1. Opening runs every step from the stored version to
 * `DB_VERSION` inside the one upgrade transaction, so a failed upgrade leaves the old database untouched.
 *
 * Stores (keys in brackets):
 *   runs      [id]                        a run: config (no secrets), provenance, model, date, summary, progress
 *   items     [run_id, id]                an item result without its turns, plus `n_turns`
 *   turns     [run_id, item_id, step]     one turn record
 *   hidden    [run_id, item_id, step]     one turn's hidden states: F16 bits per position, layers, hidden size
 *   errors    [run_id, id]                a failed item: {id, error, traceback, timestamp}
 *   probes    [id]                        probe files (bytes), globally or attached to a run
 *   settings  [key]                       app settings
 */
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import type { CapturePosition } from '../../core/config/runConfig';
import type { ItemResult, TurnRecord } from '../../core/itemResult';
import type { ItemError, ProgressRecord } from '../../core/runner/types';

export const DB_NAME = 'spikescore-lab';
export const DB_VERSION = 1;

export interface RunRecord {
  readonly id: string;
  readonly format_version: number;
  readonly created: string;
  updated: string;
  readonly config: Record<string, unknown>;
  readonly provenance: Record<string, unknown>;
  readonly model_id: string;
  readonly dataset?: Record<string, unknown> | null;
  status: 'running' | 'finished' | 'cancelled' | 'imported';
  summary?: Record<string, unknown> | null;
  progress?: ProgressRecord | null;
  readonly [key: string]: unknown;
}

/** An item result without its turns (they live in `turns`). */
export type ItemRow = { [K in keyof ItemResult as K extends 'reasoning_chain' ? never : K]: ItemResult[K] } & { run_id: string; n_turns: number };

export interface TurnRow {
  readonly run_id: string;
  readonly item_id: string;
  readonly step: number;
  readonly turn: TurnRecord;
}

export interface HiddenRow {
  readonly run_id: string;
  readonly item_id: string;
  readonly step: number;
  readonly layers: readonly number[];
  readonly hidden_size: number;
  readonly model_id: string;
  readonly positions: Partial<Record<CapturePosition, Uint16Array>>;
}

export interface ErrorRow {
  readonly run_id: string;
  readonly id: string;
  readonly error: ItemError;
}

export interface ProbeRow {
  readonly id: string;
  readonly name: string;
  /** The run this probe came with (bundles), or null for the user's own probes. */
  readonly run_id: string | null;
  readonly created: string;
  readonly bytes: Uint8Array;
  readonly meta?: Record<string, unknown> | null;
}

export interface SettingRow {
  readonly key: string;
  readonly value: unknown;
}

export interface SpikeDB extends DBSchema {
  runs: { key: string; value: RunRecord; indexes: { created: string } };
  items: { key: [string, string]; value: ItemRow; indexes: { run: string } };
  turns: { key: [string, string, number]; value: TurnRow; indexes: { run: string; run_item: [string, string] } };
  hidden: { key: [string, string, number]; value: HiddenRow; indexes: { run: string; run_item: [string, string] } };
  errors: { key: [string, string]; value: ErrorRow; indexes: { run: string } };
  probes: { key: string; value: ProbeRow; indexes: { run: string } };
  settings: { key: string; value: SettingRow };
}

type Upgrade = (db: IDBPDatabase<SpikeDB>, tx: IDBPTransaction<SpikeDB, StoreNames<SpikeDB>[], 'versionchange'>) => void;

export const UPGRADES: readonly Upgrade[] = [
  // 0 → 1: the first schema.
  (db) => {
    db.createObjectStore('runs', { keyPath: 'id' }).createIndex('created', 'created');
    db.createObjectStore('items', { keyPath: ['run_id', 'id'] }).createIndex('run', 'run_id');
    const turns = db.createObjectStore('turns', { keyPath: ['run_id', 'item_id', 'step'] });
    turns.createIndex('run', 'run_id');
    turns.createIndex('run_item', ['run_id', 'item_id']);
    const hidden = db.createObjectStore('hidden', { keyPath: ['run_id', 'item_id', 'step'] });
    hidden.createIndex('run', 'run_id');
    hidden.createIndex('run_item', ['run_id', 'item_id']);
    db.createObjectStore('errors', { keyPath: ['run_id', 'id'] }).createIndex('run', 'run_id');
    db.createObjectStore('probes', { keyPath: 'id' }).createIndex('run', 'run_id');
    db.createObjectStore('settings', { keyPath: 'key' });
  }
];

export async function openSpikeDb(name = DB_NAME): Promise<IDBPDatabase<SpikeDB>> {
  if (UPGRADES.length !== DB_VERSION) throw new Error(`schema: DB_VERSION ${DB_VERSION} needs ${DB_VERSION} upgrade steps, found ${UPGRADES.length}`);
  const db: IDBPDatabase<SpikeDB> = await openDB<SpikeDB>(name, DB_VERSION, {
    upgrade(udb, oldVersion, newVersion, tx) {
      for (let v = oldVersion; v < (newVersion ?? DB_VERSION); v++) UPGRADES[v](udb, tx);
    },
    // A newer version of the app (another tab) wants to upgrade: let it, this connection is closed.
    blocking() {
      db.close();
    }
  });
  return db;
}
