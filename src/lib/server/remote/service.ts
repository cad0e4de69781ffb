/**
 * The remote-run service behind `POST /api/remote/runs` and `GET /api/remote`: plain Fetch-API handlers
 * (Request in, Response out), so the SvelteKit route, a test's node:http server and a benchmark mount the same
 * code.
 *
 * A run request is checked (token, body size, shape, no node addresses, item count) before anything happens; a
 * refused request changes nothing (no journal line, no node call). Then its items are sharded over the node pool
 * and each result is streamed as one NDJSON line as soon as it completes (`protocol.ts`).
 *
 * Idempotency, keyed by (run id, item id):
 * - the journal (`journal.ts`) pins what a run id means (a different config is 409) and records every finished
 *   item with its digest, on disk, so it survives a restart;
 * - an item already in flight (the same run submitted again over a new connection) is not started twice: the new
 *   stream waits for the running attempt;
 * - a result finished while its client was away (a dropped connection) is kept in memory for a while (the
 *   outbox) and replayed when the client resubmits the item; items the client does not resubmit are taken as
 *   stored and dropped from the outbox;
 * - when a client goes away, items not yet started are not started (the pool drains), so a resubmission is the
 *   only way work resumes, and it resumes only the items the client lacks.
 * After a restart the outbox is empty: a resubmitted item runs again and is checked against its digest.
 */
import { createHash } from 'node:crypto';
import { prettifyIssues } from '../../core/issues';
import type { NodePool } from '../../engine/remote/pool';
import type { RunEvent, RunItem } from '../../engine/remote/protocol';
import { encodeWire } from '../../engine/remote/wire';
import { authorize, jsonResponse } from './auth';
import { readBodyLimited } from './body';
import { Journal } from './journal';
import { BUILTIN_MODES, type RunnerMode } from './modes';
import { validateRunRequest } from './validate';

export interface RemoteServiceOptions {
  /** `SPIKESCORE_API_TOKEN`; null turns the API off (503). */
  readonly token: string | null;
  /** The node pool; null when none is configured (503). */
  readonly pool: NodePool | null;
  /** Why there is no pool, for the 503 answer and the log (never secrets). */
  readonly poolError?: string | null;
  /** Folder of the idempotency journal. */
  readonly journalDir: string;
  readonly modes?: Readonly<Record<string, RunnerMode>>;
  /** Largest request body in bytes (default 512 KiB, adapter-node's own default BODY_SIZE_LIMIT). */
  readonly maxBodyBytes?: number;
  /** Most items per request (default 5000). */
  readonly maxItems?: number;
  /** Finished results kept for a client that went away (default 2000 entries, 10 minutes). */
  readonly outboxSize?: number;
  readonly outboxTtlMs?: number;
  /** Log lines (node names and item ids only: never tokens or node addresses). Default: stderr. */
  readonly log?: (line: string) => void;
}

type Outcome =
  | { readonly kind: 'done'; readonly event: Extract<RunEvent, { type: 'item' }> }
  | { readonly kind: 'failed'; readonly event: Extract<RunEvent, { type: 'item_failed' }> }
  | { readonly kind: 'cancelled' };

interface Slot {
  readonly promise: Promise<Outcome>;
  resolve(o: Outcome): void;
  outcome: Outcome | null;
  settledAt: number;
}

function slot(): Slot {
  let resolve!: (o: Outcome) => void;
  const promise = new Promise<Outcome>((r) => (resolve = r));
  const s: Slot = {
    promise,
    outcome: null,
    settledAt: 0,
    resolve(o) {
      if (s.outcome) return;
      s.outcome = o;
      s.settledAt = Date.now();
      resolve(o);
    }
  };
  return s;
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/** A canonical JSON (sorted keys) for hashing configs. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

export class RemoteService {
  readonly journal: Journal;
  private readonly modes: Readonly<Record<string, RunnerMode>>;
  private readonly slots = new Map<string, Slot>();
  private readonly closing = new AbortController();
  private readonly active = new Set<Promise<unknown>>();
  private readonly log: (line: string) => void;

  constructor(readonly options: RemoteServiceOptions) {
    this.journal = new Journal(options.journalDir);
    this.modes = options.modes ?? BUILTIN_MODES;
    this.log = options.log ?? ((line) => process.stderr.write(`[remote] ${line}\n`));
  }

  private refuseUnlessReady(request: Request): Response | null {
    const denied = authorize(request, this.options.token);
    if (denied) return denied;
    if (!this.options.pool) return jsonResponse(503, { error: `no remote node pool is configured${this.options.poolError ? `: ${this.options.poolError}` : ' (set SPIKESCORE_REMOTE_NODES)'}` });
    if (this.closing.signal.aborted) return jsonResponse(503, { error: 'the server is shutting down' });
    return null;
  }

  /** `GET /api/remote`: whether remote runs are available, and the nodes' state (names only). */
  async handleStatus(request: Request): Promise<Response> {
    const refused = this.refuseUnlessReady(request);
    if (refused) return refused;
    const pool = this.options.pool!;
    const model = pool.model();
    return jsonResponse(200, {
      model: { id: model.id, layout: model.layout, num_layers: model.numLayers, hidden_size: model.hiddenSize, capturable_layers: model.capturableLayers, unavailable: model.unavailable },
      nodes: pool.status().map((s) => ({ name: s.name, up: s.up, active: s.active, max_concurrency: s.maxConcurrency, completed: s.completed, failed_attempts: s.failedAttempts })),
      modes: Object.keys(this.modes),
      limits: { max_body_bytes: this.maxBodyBytes, max_items: this.maxItems }
    });
  }

  private get maxBodyBytes(): number {
    return this.options.maxBodyBytes ?? 512 * 1024;
  }

  private get maxItems(): number {
    return this.options.maxItems ?? 5000;
  }

  private key(runId: string, itemId: string): string {
    return `${runId}\u0000${itemId}`;
  }

  /** Drops settled results past their time or beyond the outbox size, and those of `runId` not in `keep`. */
  private prune(runId: string, keep: ReadonlySet<string>): void {
    const now = Date.now();
    const ttl = this.options.outboxTtlMs ?? 600_000;
    const prefix = `${runId}\u0000`;
    const settled: [string, Slot][] = [];
    for (const [k, s] of this.slots) {
      if (!s.outcome) continue;
      if (now - s.settledAt > ttl || (k.startsWith(prefix) && !keep.has(k.slice(prefix.length)))) this.slots.delete(k);
      else settled.push([k, s]);
    }
    const max = this.options.outboxSize ?? 2000;
    settled.sort((a, b) => a[1].settledAt - b[1].settledAt);
    for (let i = 0; i < settled.length - max; i++) this.slots.delete(settled[i][0]);
  }

  /** `POST /api/remote/runs`. */
  async handleRun(request: Request): Promise<Response> {
    const refused = this.refuseUnlessReady(request);
    if (refused) return refused;
    const pool = this.options.pool!;
    const body = await readBodyLimited(request, this.maxBodyBytes);
    if (!body.ok) return body.response;
    let json: unknown;
    try {
      json = JSON.parse(body.text);
    } catch (e) {
      return jsonResponse(400, { error: `the body is not JSON (${(e as Error).message})` });
    }
    const checked = validateRunRequest(json, { maxItems: this.maxItems }, this.modes);
    if (!checked.ok) return jsonResponse(400, { error: prettifyIssues(checked.issues), issues: checked.issues });
    const run = checked.value;
    const runId = run.run_id;
    const state = await this.journal.begin(runId, sha256(canonical({ mode: run.mode, config: run.config })));
    if (state === 'conflict') return jsonResponse(409, { error: `run ${runId} was started with another mode or config: a run id names one piece of work (use a new run id)` });

    const itemFn = checked.mode.create(run.config, runId);
    const requested = new Set(run.items.map((i) => i.id));
    this.prune(runId, requested);

    // Attach to what exists (in flight, or finished while the client was away); start the rest.
    const waits: { id: string; slot: Slot }[] = [];
    const toRun: RunItem[] = [];
    let replayed = 0;
    for (const item of run.items) {
      const k = this.key(runId, item.id);
      const existing = this.slots.get(k);
      if (existing && existing.outcome?.kind !== 'cancelled' && existing.outcome?.kind !== 'failed') {
        if (existing.outcome) replayed++;
        waits.push({ id: item.id, slot: existing });
      } else {
        const s = slot();
        this.slots.set(k, s);
        waits.push({ id: item.id, slot: s });
        toRun.push(item);
      }
    }
    const mine = new Map(toRun.map((i) => [i.id, this.slots.get(this.key(runId, i.id))!]));

    const encoder = new TextEncoder();
    const drain = new AbortController();
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    let open = true;
    const write = (ev: RunEvent) => {
      if (!open) return;
      try {
        controller.enqueue(encoder.encode(JSON.stringify(ev) + '\n'));
      } catch {
        open = false;
        drain.abort();
      }
    };
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        controller = c;
      },
      cancel() {
        open = false;
        drain.abort(); // the client went away: finish what runs, start nothing new
      }
    });
    request.signal?.addEventListener('abort', () => drain.abort(), { once: true });
    // Draining: items of this request that are not running now will not start; free them at once so a
    // resubmission (the client reconnecting) starts them instead of waiting for this stream's leftovers.
    const running = new Set<string>();
    drain.signal.addEventListener(
      'abort',
      () => {
        for (const [id, s] of mine) {
          if (s.outcome || running.has(id)) continue;
          s.resolve({ kind: 'cancelled' });
          if (this.slots.get(this.key(runId, id)) === s) this.slots.delete(this.key(runId, id));
        }
      },
      { once: true }
    );
    const onClose = () => {
      if (open) {
        open = false;
        try {
          controller.error(new Error('the server is shutting down'));
        } catch {
          // already closed
        }
      }
    };
    this.closing.signal.addEventListener('abort', onClose, { once: true });

    write({ type: 'accepted', run_id: runId, items: run.items.length, nodes: pool.size, replayed });
    const work = (async () => {
      const poolRun = toRun.length
        ? pool.run(toRun, {
            itemId: (i) => i.id,
            run: itemFn,
            signal: this.closing.signal,
            drain: drain.signal,
            onStart: (itemId) => running.add(itemId),
            onResult: async ({ itemId, result, node, attempts }) => {
              const encoded = encodeWire(result);
              const digest = sha256(JSON.stringify(encoded));
              const before = await this.journal.done(runId, itemId, digest);
              if (before && before !== digest) {
                this.log(`run ${runId} item ${itemId}: the re-run on ${node} differs from the journalled result`);
                write({ type: 'warning', run_id: runId, item_id: itemId, message: `item ${itemId} was run before and gave a different result (digest ${before.slice(0, 12)}… then, ${digest.slice(0, 12)}… now): the engine is not deterministic for this request` });
              }
              mine.get(itemId)!.resolve({ kind: 'done', event: { type: 'item', run_id: runId, item_id: itemId, node, attempts, result: encoded, digest } });
              running.delete(itemId);
            },
            onFailure: async ({ itemId, error, attempts, nodes }) => {
              this.log(`run ${runId} item ${itemId}: failed after ${attempts} attempt(s) on ${nodes.join(', ')}: ${error.message}`);
              await this.journal.failed(runId, itemId, error.message);
              mine.get(itemId)!.resolve({ kind: 'failed', event: { type: 'item_failed', run_id: runId, item_id: itemId, error: error.message, attempts } });
              running.delete(itemId);
            },
            onAttemptError: ({ itemId, node, attempt, error, willRetry }) => {
              running.delete(itemId);
              this.log(`run ${runId} item ${itemId}: attempt ${attempt} on ${node} failed (${error.message})${willRetry ? ', retrying elsewhere' : ''}`);
            }
          })
        : Promise.resolve(null);
      poolRun
        .catch((e) => this.log(`run ${runId}: ${(e as Error).message}`))
        .finally(() => {
          // Items the pool did not finish (drained or shut down) are free to be submitted again.
          for (const [id, s] of mine) {
            if (!s.outcome) {
              s.resolve({ kind: 'cancelled' });
              if (this.slots.get(this.key(runId, id)) === s) this.slots.delete(this.key(runId, id));
            }
          }
        });
      let done = 0;
      let failed = 0;
      let cancelled = 0;
      await Promise.all(
        waits.map(async ({ id, slot: s }) => {
          const o = await s.promise;
          if (o.kind === 'done') {
            done++;
            write(o.event);
          } else if (o.kind === 'failed') {
            failed++;
            write(o.event);
            // A failed item may be retried by a later submission: forget it.
            if (this.slots.get(this.key(runId, id)) === s) this.slots.delete(this.key(runId, id));
          } else cancelled++;
        })
      );
      await poolRun.catch(() => undefined);
      write({ type: 'done', run_id: runId, done, failed, cancelled });
      if (open) {
        open = false;
        try {
          controller.close();
        } catch {
          // the client closed it first
        }
      }
      this.closing.signal.removeEventListener('abort', onClose);
    })();
    this.active.add(work);
    work.finally(() => this.active.delete(work));
    return new Response(stream, { status: 200, headers: { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' } });
  }

  /** Stops every run (in-flight attempts are aborted; their items are not journalled as done). */
  async close(): Promise<void> {
    this.closing.abort(new Error('the server is shutting down'));
    await Promise.allSettled([...this.active]);
    await this.journal.flush();
  }
}
