/**
 * The CLI's run directory (the seed's output layout, method-spikescore.md §8.1):
 *
 *   <output_dir>/<safe_id>.json           the item result (atomic write, after every turn)
 *   <output_dir>/<safe_id>.safetensors    its hidden states (design.md), rewritten after every turn that has them
 *   <output_dir>/<safe_id>_error.json     a failed item: {id, error, traceback, timestamp}
 *   <output_dir>/progress.json            {current, total, percentage, current_item, timestamp, turn, turns}
 *   <output_dir>/manifest.json            {format_version, kind, run_id, created, config, provenance, dataset, summary}
 *   <output_dir>/probes/*                 probes applied to the run (exported with it)
 *
 * Per turn the safetensors file is written first and the item JSON last, each atomically. The JSON is the record of
 * what is finished: a crash between the two leaves hidden states of a turn the JSON does not have, which the next
 * write of that item drops. So every state on disk is the state after some turn, never half of one.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../core/issues';
import { parseItemResultText, safeId, type ItemResult } from '../../core/itemResult';
import type { ItemError, ProgressRecord, RunSink, TurnHidden } from '../../core/runner/types';
import { decodeHiddenStates, encodeHiddenStates, hiddenStatesTurns } from '../hiddenStates';
import { atomicWrite, atomicWriteJson, exists, readJsonFile } from './files';

export const RUN_MANIFEST_FILE = 'manifest.json';
export const PROGRESS_FILE = 'progress.json';
export const RUN_FORMAT_VERSION = 1;

/** True for `<safe_id>.json` item files (not the manifest, progress or error files, not temporary files). */
export function isItemFileName(name: string): boolean {
  return name.endsWith('.json') && !name.startsWith('.') && name !== RUN_MANIFEST_FILE && name !== PROGRESS_FILE && !name.endsWith('_error.json');
}

/** Item ids whose files would collide with the run directory's own files. */
export function reservedIdProblem(id: string): string | null {
  const s = safeId(id);
  if (s === 'manifest' || s === 'progress' || s.endsWith('_error')) return `item id "${id}" would be stored as ${s}.json, a name the run directory reserves`;
  if (s === '' || s === '.' || s === '..' || s.startsWith('.') || /[\\\0]/.test(s)) return `item id "${id}" cannot be a file name`;
  return null;
}

export interface RunManifest {
  readonly format_version: number;
  readonly kind: 'spikescore-run';
  readonly run_id: string;
  readonly created: string;
  readonly updated?: string;
  readonly config: Record<string, unknown>;
  readonly provenance: Record<string, unknown>;
  readonly dataset?: Record<string, unknown>;
  readonly summary?: Record<string, unknown> | null;
  readonly [key: string]: unknown;
}

export async function readRunManifest(dir: string): Promise<RunManifest | null> {
  const path = join(dir, RUN_MANIFEST_FILE);
  if (!(await exists(path))) return null;
  const raw = await readJsonFile(path);
  const m = raw as Partial<RunManifest>;
  if (!m || typeof m !== 'object' || typeof m.format_version !== 'number' || typeof m.config !== 'object') {
    throw new InputError([{ code: 'malformed', path: [], where: path, message: `${path}: not a run manifest (needs format_version and config)` }]);
  }
  if (m.format_version > RUN_FORMAT_VERSION) {
    throw new InputError([{ code: 'newer_format', path: ['format_version'], where: path, message: `${path}: format_version ${m.format_version} is newer than this app reads (${RUN_FORMAT_VERSION}); update SpikeScore Lab` }]);
  }
  return m as RunManifest;
}

export async function writeRunManifest(dir: string, manifest: RunManifest): Promise<void> {
  await atomicWriteJson(join(dir, RUN_MANIFEST_FILE), manifest);
}

/** The item files of a run directory (top level only), sorted by name. */
export async function listItemFiles(dir: string): Promise<string[]> {
  if (!(await exists(dir))) return [];
  const names = await fs.readdir(dir);
  return names.filter(isItemFileName).sort();
}

/** The run directory as a `RunSink` for the runner. */
export class RunDirSink implements RunSink {
  private current: { id: string; turns: Map<number, TurnHidden> } | null = null;

  constructor(
    readonly dir: string,
    readonly modelId: string
  ) {}

  itemPath(id: string): string {
    return join(this.dir, `${safeId(id)}.json`);
  }

  hiddenPath(id: string): string {
    return join(this.dir, `${safeId(id)}.safetensors`);
  }

  errorPath(id: string): string {
    return join(this.dir, `${safeId(id)}_error.json`);
  }

  async loadItem(id: string): Promise<ItemResult | null> {
    const path = this.itemPath(id);
    let text: string;
    try {
      text = await fs.readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    const item = parseItemResultText(text, path);
    if (item.id !== id) throw new InputError([{ code: 'mismatch', path: ['id'], where: path, message: `${path} holds item "${item.id}", not "${id}"` }]);
    return item;
  }

  /** The stored hidden turns of an item that the JSON vouches for (turns < `before`). */
  private async hiddenTurns(id: string, before: number): Promise<Map<number, TurnHidden>> {
    if (this.current?.id === id) {
      for (const k of [...this.current.turns.keys()]) if (k >= before) this.current.turns.delete(k);
      return this.current.turns;
    }
    const turns = new Map<number, TurnHidden>();
    const path = this.hiddenPath(id);
    if (before > 0 && (await exists(path))) {
      const stored = decodeHiddenStates(new Uint8Array(await fs.readFile(path)), path);
      const hiddenSize = stored.hiddenSize ?? 0;
      for (const [k, positions] of hiddenStatesTurns(stored, 'f16')) {
        if (k < before) turns.set(k, { layers: stored.layers, hiddenSize, positions: positions as TurnHidden['positions'] });
      }
    }
    this.current = { id, turns };
    return turns;
  }

  async save(result: ItemResult, turn: { step: number; hidden: TurnHidden | null } | null): Promise<void> {
    if (turn) {
      const turns = await this.hiddenTurns(result.id, turn.step);
      if (turn.hidden) {
        const first = [...turns.values()][0];
        const h = turn.hidden;
        if (first && (JSON.stringify(first.layers) !== JSON.stringify(h.layers) || first.hiddenSize !== h.hiddenSize)) {
          throw new TypeError(`${this.hiddenPath(result.id)}: turn ${turn.step} stores layers [${h.layers.join(',')}] × ${h.hiddenSize}, but the file holds [${first.layers.join(',')}] × ${first.hiddenSize}; one file holds one layer set`);
        }
        turns.set(turn.step, h);
      }
      const path = this.hiddenPath(result.id);
      if (turns.size) {
        const first = [...turns.values()][0];
        const byTurn = new Map([...turns].map(([k, t]) => [k, t.positions] as const));
        await atomicWrite(path, encodeHiddenStates({ modelId: this.modelId, layers: first.layers, hiddenSize: first.hiddenSize, turns: byTurn }));
      } else await fs.rm(path, { force: true });
    }
    await atomicWriteJson(this.itemPath(result.id), result);
  }

  async saveError(error: ItemError): Promise<void> {
    await atomicWriteJson(this.errorPath(error.id), error);
  }

  async clearError(id: string): Promise<void> {
    await fs.rm(this.errorPath(id), { force: true });
  }

  async saveProgress(progress: ProgressRecord): Promise<void> {
    await atomicWriteJson(join(this.dir, PROGRESS_FILE), progress);
  }
}
