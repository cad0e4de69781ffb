/**
 * The server's idempotency journal: a small append-only JSONL file per run under the server data dir
 * (`<SPIKESCORE_DATA_DIR>/remote-journal/<run id>.jsonl`), so it survives a restart. It holds no results — the
 * client is the store of record — only what makes a resubmission safe:
 *
 *   {"t":"run","config":"<sha256 of mode + config>","at":"…"}     first line: what the run id means
 *   {"t":"done","item":"q1","digest":"<sha256 of the result>"}     an item finished (and was offered to the client)
 *   {"t":"failed","item":"q2","error":"…"}                         an item failed after its attempts
 *
 * A run id resubmitted with another config is a conflict (409): the same key must mean the same work. An item
 * re-run after a restart or a dropped connection is compared with its journalled digest, so a node that
 * answers differently (a broken determinism promise) is reported, not silently stored.
 *
 * A torn last line (a crash while appending) is ignored on reading. Appends for one run are serialised.
 *
 * `prune(maxAgeMs)` deletes the journals of runs untouched (no append) for longer than that, except those this
 * process has open; the server prunes at start (`SPIKESCORE_JOURNAL_DAYS`, default 30; 0 keeps them forever).
 * A pruned run id is new again: resubmitting it runs every item.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';

export interface RunJournal {
  readonly configHash: string;
  readonly done: ReadonlyMap<string, string>;
  readonly failed: ReadonlyMap<string, string>;
}

interface State {
  configHash: string | null;
  done: Map<string, string>;
  failed: Map<string, string>;
}

/** A file name for a run id (ids are checked to `[\w.:-]`; `:` is not portable in file names). */
export function journalFileName(runId: string): string {
  return `${runId.replace(/[^\w.-]/g, '_')}-${Buffer.from(runId).toString('hex').slice(0, 16)}.jsonl`;
}

export class Journal {
  private readonly cache = new Map<string, Promise<State>>();
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(readonly dir: string) {}

  private file(runId: string): string {
    return join(this.dir, journalFileName(runId));
  }

  private load(runId: string): Promise<State> {
    let s = this.cache.get(runId);
    if (!s) {
      s = (async () => {
        const state: State = { configHash: null, done: new Map(), failed: new Map() };
        let text = '';
        try {
          text = await fs.readFile(this.file(runId), 'utf8');
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        }
        for (const line of text.split('\n')) {
          if (!line.trim()) continue;
          let rec: { t?: string; config?: string; item?: string; digest?: string; error?: string };
          try {
            rec = JSON.parse(line);
          } catch {
            continue; // a torn line from a crash mid-append
          }
          if (rec.t === 'run' && typeof rec.config === 'string') state.configHash ??= rec.config;
          else if (rec.t === 'done' && typeof rec.item === 'string' && typeof rec.digest === 'string') {
            state.done.set(rec.item, rec.digest);
            state.failed.delete(rec.item);
          } else if (rec.t === 'failed' && typeof rec.item === 'string') state.failed.set(rec.item, String(rec.error ?? ''));
        }
        return state;
      })();
      this.cache.set(runId, s);
    }
    return s;
  }

  private append(runId: string, record: Record<string, unknown>): Promise<void> {
    const prev = this.queues.get(runId) ?? Promise.resolve();
    const next = prev.then(async () => {
      await fs.mkdir(this.dir, { recursive: true });
      await fs.appendFile(this.file(runId), JSON.stringify(record) + '\n');
    });
    this.queues.set(runId, next.catch(() => undefined));
    return next;
  }

  /** Opens a run: 'new' (journalled now), 'same' (seen before with this config) or 'conflict'. */
  async begin(runId: string, configHash: string): Promise<'new' | 'same' | 'conflict'> {
    const s = await this.load(runId);
    if (s.configHash === null) {
      s.configHash = configHash;
      await this.append(runId, { t: 'run', config: configHash, at: new Date().toISOString() });
      return 'new';
    }
    return s.configHash === configHash ? 'same' : 'conflict';
  }

  /** Records a finished item; returns the digest journalled for it before, if any. */
  async done(runId: string, itemId: string, digest: string): Promise<string | null> {
    const s = await this.load(runId);
    const before = s.done.get(itemId) ?? null;
    s.done.set(itemId, digest);
    s.failed.delete(itemId);
    if (before !== digest) await this.append(runId, { t: 'done', item: itemId, digest });
    return before;
  }

  async failed(runId: string, itemId: string, error: string): Promise<void> {
    const s = await this.load(runId);
    s.failed.set(itemId, error);
    await this.append(runId, { t: 'failed', item: itemId, error: error.slice(0, 500) });
  }

  async read(runId: string): Promise<RunJournal | null> {
    const s = await this.load(runId);
    return s.configHash === null ? null : { configHash: s.configHash, done: s.done, failed: s.failed };
  }

  /**
   * Deletes journal files last written more than `maxAgeMs` before `now`, except runs this process has loaded.
   * Other files in the folder are left alone. Returns the deleted file names; a missing folder prunes nothing.
   */
  async prune(maxAgeMs: number, now: number = Date.now()): Promise<string[]> {
    if (!(maxAgeMs > 0)) throw new RangeError(`maxAgeMs must be a positive number of milliseconds; got ${maxAgeMs}`);
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const open = new Set([...this.cache.keys()].map(journalFileName));
    const removed: string[] = [];
    for (const name of names.filter((n) => n.endsWith('.jsonl') && !open.has(n)).sort()) {
      const path = join(this.dir, name);
      const st = await fs.stat(path).catch(() => null);
      if (!st?.isFile() || now - st.mtimeMs <= maxAgeMs) continue;
      await fs.rm(path, { force: true });
      removed.push(name);
    }
    return removed;
  }

  /** Waits for pending appends (tests, shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.queues.values()]);
  }
}
