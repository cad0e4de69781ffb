/**
 * The client of the server route: the client is the store of record. It submits the items it lacks, stores each
 * result as it arrives (deduplicated by item id), and when the stream is cut — a dropped connection, a server
 * restart — reconnects and resubmits only the items it still lacks, until every item is stored or has failed.
 *
 *   const summary = await runRemote({ endpoint: '/api/remote/runs', token, runId, config, items,
 *     has: (id) => store.has(id), onResult: (id, result) => store.put(id, result) });
 *
 * `onResult` is awaited before the next event is read: a result counts as stored when it resolves. A result for
 * an item already stored (a replay after a reconnect) is dropped, so nothing is stored twice.
 */
import { InputError } from '../../core/issues';
import type { RunEvent, RunItem } from './protocol';
import { decodeWire, readNdjson } from './wire';

export interface RemoteRunOptions {
  /** The route's URL (`/api/remote/runs` in the page, an absolute URL elsewhere). */
  readonly endpoint: string;
  /** The server's API token (`SPIKESCORE_API_TOKEN`), sent as a bearer token. */
  readonly token: string;
  readonly runId: string;
  readonly mode?: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly items: readonly RunItem[];
  /** Whether the store already holds an item (checked once, before the first submission). */
  readonly has?: (itemId: string) => boolean | Promise<boolean>;
  /** Stores one result; awaited. */
  readonly onResult: (itemId: string, result: unknown, meta: { readonly node: string; readonly attempts: number; readonly digest: string }) => void | Promise<void>;
  readonly onFailure?: (itemId: string, error: string) => void | Promise<void>;
  /** Every event and every reconnect, for progress displays and logs. */
  readonly onEvent?: (event: RunEvent | { readonly type: 'reconnect'; readonly attempt: number; readonly missing: number; readonly reason: string }) => void;
  readonly signal?: AbortSignal;
  /** Submissions after the first, in all (default 20). */
  readonly maxReconnects?: number;
  /** First wait before reconnecting, in ms (default 250); doubles up to `maxReconnectDelayMs` (default 8000). */
  readonly reconnectDelayMs?: number;
  readonly maxReconnectDelayMs?: number;
  readonly fetch?: typeof fetch;
}

export interface RemoteRunSummary {
  /** Results stored by this call. */
  readonly stored: number;
  /** Items the store held before the call. */
  readonly alreadyStored: number;
  readonly failed: readonly string[];
  /** Results dropped because their item was already stored. */
  readonly duplicates: number;
  readonly reconnects: number;
}

/** The server refused the run (bad token, bad body, conflict): resubmitting cannot help. */
export class RemoteRunRefused extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(`the server refused the run (HTTP ${status}): ${message}`);
    this.name = 'RemoteRunRefused';
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

export async function runRemote(options: RemoteRunOptions): Promise<RemoteRunSummary> {
  const ids = new Set<string>();
  for (const item of options.items) {
    if (typeof item.id !== 'string' || !item.id) throw new InputError(`every item needs a non-empty string id, got ${JSON.stringify(item.id)}`);
    if (ids.has(item.id)) throw new InputError(`item id "${item.id}" appears twice in the run`);
    ids.add(item.id);
  }
  const stored = new Set<string>();
  for (const item of options.items) if (await options.has?.(item.id)) stored.add(item.id);
  const alreadyStored = stored.size;
  const failed = new Map<string, string>();
  const max = options.maxReconnects ?? 20;
  const doFetch = options.fetch ?? fetch;
  let duplicates = 0;
  let reconnects = 0;
  let delay = options.reconnectDelayMs ?? 250;

  for (let submission = 0; ; submission++) {
    const missing = options.items.filter((it) => !stored.has(it.id) && !failed.has(it.id));
    if (missing.length === 0 || options.signal?.aborted) break;
    if (submission > 0) {
      if (reconnects >= max) throw new Error(`the run ${options.runId} still lacks ${missing.length} item(s) after ${reconnects} reconnects`);
      reconnects++;
      await sleep(delay, options.signal);
      delay = Math.min(delay * 2, options.maxReconnectDelayMs ?? 8000);
      if (options.signal?.aborted) break;
    }
    let sawDone = false;
    let progressed = false;
    try {
      const res = await doFetch(options.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/x-ndjson', authorization: `Bearer ${options.token}` },
        body: JSON.stringify({ run_id: options.runId, ...(options.mode ? { mode: options.mode } : {}), config: options.config, items: missing }),
        signal: options.signal
      });
      if (!res.ok) {
        const text = await res.text().catch(() => '');
        let message = text;
        try {
          message = (JSON.parse(text) as { error?: string }).error ?? text;
        } catch {
          // not JSON: keep the text
        }
        // 502/503/504: the server (or what is in front of it) is not ready: try again later.
        if (res.status === 502 || res.status === 503 || res.status === 504) throw new Error(`HTTP ${res.status}: ${message}`);
        throw new RemoteRunRefused(res.status, message);
      }
      if (!res.body) throw new Error('the response has no body');
      for await (const line of readNdjson(res.body)) {
        const ev = line as RunEvent;
        options.onEvent?.(ev);
        if (ev.type === 'item') {
          if (!ids.has(ev.item_id)) continue; // not ours: never store what was not asked for
          if (stored.has(ev.item_id)) {
            duplicates++;
            continue;
          }
          await options.onResult(ev.item_id, decodeWire(ev.result), { node: ev.node, attempts: ev.attempts, digest: ev.digest });
          stored.add(ev.item_id);
          progressed = true;
        } else if (ev.type === 'item_failed') {
          if (!ids.has(ev.item_id) || stored.has(ev.item_id) || failed.has(ev.item_id)) continue;
          failed.set(ev.item_id, ev.error);
          await options.onFailure?.(ev.item_id, ev.error);
          progressed = true;
        } else if (ev.type === 'done') {
          sawDone = true;
        }
      }
      if (!sawDone) throw new Error('the stream ended before the run was done');
    } catch (e) {
      if (e instanceof RemoteRunRefused) throw e;
      if (options.signal?.aborted) break;
      const left = options.items.filter((it) => !stored.has(it.id) && !failed.has(it.id)).length;
      options.onEvent?.({ type: 'reconnect', attempt: reconnects + 1, missing: left, reason: (e as Error).message });
    }
    if (progressed) delay = options.reconnectDelayMs ?? 250;
  }
  return { stored: stored.size - alreadyStored, alreadyStored, failed: [...failed.keys()], duplicates, reconnects };
}
