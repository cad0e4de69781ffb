/**
 * Items of a run spread over a pool of remote nodes (shared by the CLI and the server route).
 *
 * - An item is a whole dialogue: the per-item function runs all its turns on the ONE model it is given, so the
 *   engine's prefix cache holds the conversation from turn to turn.
 * - Each node takes at most `maxConcurrency` items at once; a new item goes to the up node with the fewest items
 *   in flight (ties: configuration order), preferring nodes it has not failed on.
 * - A failed attempt whose error is retryable is tried again on another node after an exponential backoff
 *   (`backoffMs · 2^(attempt−1)`, at most `maxBackoffMs`), at most `maxAttempts` attempts in all. A
 *   non-retryable error (a bad item, a refused request) fails the item at once.
 * - Every attempt has a deadline (`attemptTimeoutMs`): a hanging node does not stall the run. An attempt that
 *   answers after its deadline is ignored, so an item is reported once.
 * - A node whose attempts fail `failuresToMarkDown` times in a row (faults of the node, not of the item) is
 *   marked down for `downForMs`; it then gets one trial item (half-open) before taking a full load again.
 * - Results are reported as they complete (`onResult`, awaited before the slot is reused, so a caller that stores
 *   results applies back-pressure). The run stops early on `signal`.
 * - Results do not depend on the node: every request's seed comes from the item's key (`requestSeed`).
 *
 * The node state (slots, failures, down-until) belongs to the `NodePool`, so concurrent runs (several clients of
 * the server route) share the per-node limits.
 *
 * The seam for the dialogue runner: `ItemFn<I, R> = (item, model, signal) => Promise<R>`; the runner's per-item
 * function (all turns of one item on `model`, honouring `signal`) plugs in as is.
 */
import { InputError } from '../../core/issues';
import type { LanguageModel } from '../types';
import { RemoteError } from './errors';

/** The runner's per-item function: all turns of `item` on `model`; stop when `signal` aborts. */
export type ItemFn<I, R> = (item: I, model: LanguageModel, signal: AbortSignal) => Promise<R>;

export interface PoolNode {
  /** The node's name (in results and logs; never its address). */
  readonly name: string;
  readonly model: LanguageModel;
  /** Items in flight at once on this node (default 4). */
  readonly maxConcurrency?: number;
}

export interface PoolPolicy {
  /** Attempts per item in all, first included (default 3). */
  readonly maxAttempts?: number;
  /** First retry delay in ms (default 500); doubles per attempt. */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Deadline of one attempt of one item, all turns (default 10 min). */
  readonly attemptTimeoutMs?: number;
  /** Consecutive node faults that mark a node down (default 3). */
  readonly failuresToMarkDown?: number;
  /** How long a node stays down, in ms (default 30 s). */
  readonly downForMs?: number;
}

export interface ItemDone<I, R> {
  readonly itemId: string;
  readonly item: I;
  readonly result: R;
  readonly node: string;
  readonly attempts: number;
}

export interface ItemFailed<I> {
  readonly itemId: string;
  readonly item: I;
  readonly error: Error;
  readonly attempts: number;
  /** Nodes tried, in order. */
  readonly nodes: readonly string[];
}

export interface AttemptFailed {
  readonly itemId: string;
  readonly node: string;
  readonly attempt: number;
  readonly error: Error;
  readonly willRetry: boolean;
}

export interface RunOptions<I, R> {
  readonly itemId: (item: I) => string;
  readonly run: ItemFn<I, R>;
  readonly signal?: AbortSignal;
  /** Stop starting items (retries included) but let those in flight finish and report (a client went away). */
  readonly drain?: AbortSignal;
  readonly onResult?: (done: ItemDone<I, R>) => void | Promise<void>;
  readonly onFailure?: (failed: ItemFailed<I>) => void | Promise<void>;
  /** An attempt starts (item, node, attempt number from 1). */
  readonly onStart?: (itemId: string, node: string, attempt: number) => void;
  /** Every failed attempt, retried or not (for logs and tests). */
  readonly onAttemptError?: (e: AttemptFailed) => void;
}

export interface RunSummary {
  readonly done: number;
  readonly failed: number;
  /** Items neither done nor failed because the run was aborted. */
  readonly cancelled: number;
  readonly attempts: number;
}

/** What `NodePool.model()` reports. */
export interface PoolModel {
  readonly id: string;
  /** `remote-sglang` or `remote-openai`. */
  readonly layout: string;
  readonly numLayers: number;
  readonly hiddenSize: number;
  readonly capturableLayers: readonly number[];
  /** Scores no node can give, with why (`entropy`, `logit_lens`, `hidden_states`). */
  readonly unavailable: Readonly<Partial<Record<string, string>>>;
}

export interface NodeStatus {
  readonly name: string;
  readonly up: boolean;
  readonly active: number;
  readonly maxConcurrency: number;
  readonly consecutiveFailures: number;
  /** Epoch ms until which the node is down, or null. */
  readonly downUntil: number | null;
  readonly completed: number;
  readonly failedAttempts: number;
}

interface NodeState {
  readonly node: PoolNode;
  readonly index: number;
  readonly max: number;
  active: number;
  failures: number;
  downUntil: number;
  /** After being down: one trial item at a time until one succeeds. */
  halfOpen: boolean;
  completed: number;
  failedAttempts: number;
}

const DEFAULTS = { maxAttempts: 3, backoffMs: 500, maxBackoffMs: 30_000, attemptTimeoutMs: 600_000, failuresToMarkDown: 3, downForMs: 30_000 } as const;

/** Whether an error is worth another attempt (on another node). */
export function isRetryable(e: unknown): boolean {
  if (e instanceof InputError) return false;
  if (e instanceof RemoteError) return e.retryable;
  if (e instanceof TypeError || e instanceof RangeError) return false; // a bug or misuse, not a node's fault
  return (e as { retryable?: unknown })?.retryable !== false;
}

function isNodeFault(e: unknown): boolean {
  if (e instanceof RemoteError) return e.nodeFault;
  return isRetryable(e);
}

export class AttemptTimeoutError extends Error {
  readonly retryable = true;
  constructor(node: string, ms: number) {
    super(`${node}: the item took longer than ${ms} ms`);
    this.name = 'AttemptTimeoutError';
  }
}

export class NodePool {
  private readonly states: NodeState[];
  private readonly policy: Required<PoolPolicy>;
  private waiters = new Set<() => void>();

  constructor(nodes: readonly PoolNode[], policy: PoolPolicy = {}) {
    if (nodes.length === 0) throw new InputError('a node pool needs at least one node');
    const names = new Set<string>();
    this.states = nodes.map((node, index) => {
      if (names.has(node.name)) throw new InputError(`node name "${node.name}" appears twice: every node needs its own name`);
      names.add(node.name);
      const max = node.maxConcurrency ?? 4;
      if (!Number.isInteger(max) || max < 1) throw new InputError(`node ${node.name}: maxConcurrency must be a positive integer, got ${max}`);
      return { node, index, max, active: 0, failures: 0, downUntil: 0, halfOpen: false, completed: 0, failedAttempts: 0 };
    });
    this.policy = { ...DEFAULTS, ...policy };
    if (!Number.isInteger(this.policy.maxAttempts) || this.policy.maxAttempts < 1) throw new InputError(`maxAttempts must be a positive integer, got ${this.policy.maxAttempts}`);
  }

  get size(): number {
    return this.states.length;
  }

  /**
   * The model the pool serves, as a client plans a run with it: the first node's id and sizes, the hidden-state
   * indices EVERY node can capture (an SGLang node without hidden states makes it none), and every score any node
   * names unavailable (with that node's reason).
   */
  model(): PoolModel {
    const infos = this.states.map((s) => s.node.model.info);
    const first = infos[0];
    const capturable = first.capturableLayers.filter((l) => infos.every((i) => i.capturableLayers.includes(l)));
    const unavailable: Partial<Record<string, string>> = {};
    for (const i of infos) for (const [k, v] of Object.entries(i.unavailable ?? {})) unavailable[k] ??= v;
    return { id: first.id, layout: first.layout, numLayers: first.numLayers, hiddenSize: first.hiddenSize, capturableLayers: capturable, unavailable };
  }

  status(now = Date.now()): NodeStatus[] {
    return this.states.map((s) => ({
      name: s.node.name,
      up: s.downUntil <= now,
      active: s.active,
      maxConcurrency: s.max,
      consecutiveFailures: s.failures,
      downUntil: s.downUntil > now ? s.downUntil : null,
      completed: s.completed,
      failedAttempts: s.failedAttempts
    }));
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = new Set();
    for (const f of w) f();
  }

  /** A free node for an item that has failed on `avoid`, or null. */
  private pick(avoid: ReadonlySet<string>, now: number): NodeState | null {
    let best: NodeState | null = null;
    let bestKey = Infinity;
    for (const s of this.states) {
      if (s.downUntil > now) continue;
      const limit = s.halfOpen ? 1 : s.max;
      if (s.active >= limit) continue;
      // Untried nodes first, then the least loaded (as a fraction of its slots), then configuration order.
      const key = (avoid.has(s.node.name) ? 1e6 : 0) + (s.active / s.max) * 1e3 + s.index;
      if (key < bestKey) {
        best = s;
        bestKey = key;
      }
    }
    return best;
  }

  /** When the earliest down node comes back, or Infinity. */
  private nextUp(now: number): number {
    let t = Infinity;
    for (const s of this.states) if (s.downUntil > now) t = Math.min(t, s.downUntil);
    return t;
  }

  private succeeded(s: NodeState): void {
    s.failures = 0;
    s.halfOpen = false;
    s.completed++;
  }

  private faulted(s: NodeState, now: number): void {
    s.failedAttempts++;
    s.failures++;
    if (s.halfOpen || s.failures >= this.policy.failuresToMarkDown) {
      s.downUntil = now + this.policy.downForMs;
      s.halfOpen = true;
      s.failures = 0;
    }
  }

  /** Runs every item once (retrying failures on other nodes); resolves when all are done, failed or cancelled. */
  async run<I, R>(items: readonly I[], options: RunOptions<I, R>): Promise<RunSummary> {
    const p = this.policy;
    const ids = new Set<string>();
    interface Entry {
      readonly item: I;
      readonly id: string;
      attempts: number;
      readonly tried: string[];
      readyAt: number;
      lastError: Error | null;
    }
    const queue: Entry[] = items.map((item) => {
      const id = options.itemId(item);
      if (typeof id !== 'string' || id === '') throw new InputError(`every item needs a non-empty string id, got ${JSON.stringify(id)}`);
      if (ids.has(id)) throw new InputError(`item id "${id}" appears twice in the run`);
      ids.add(id);
      return { item, id, attempts: 0, tried: [], readyAt: 0, lastError: null };
    });
    let done = 0;
    let failed = 0;
    let attempts = 0;
    let inflight = 0;
    let fatal: unknown = null;
    const running = new Set<Promise<void>>();
    const signal = options.signal;

    const fail = async (e: Entry, error: Error) => {
      failed++;
      await options.onFailure?.({ itemId: e.id, item: e.item, error, attempts: e.attempts, nodes: [...e.tried] });
    };

    const attempt = async (e: Entry, s: NodeState): Promise<void> => {
      const ctrl = new AbortController();
      let timer: ReturnType<typeof setTimeout> | undefined;
      let onAbort: (() => void) | undefined;
      // Racing the deadline and the run's signal: a per-item function that ignores its signal cannot hold the
      // slot forever, and its late answer is dropped with the losing promise.
      const stop = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const err = new AttemptTimeoutError(s.node.name, p.attemptTimeoutMs);
          ctrl.abort(err);
          reject(err);
        }, p.attemptTimeoutMs);
        onAbort = () => {
          ctrl.abort(signal?.reason);
          reject(signal?.reason ?? new Error('cancelled'));
        };
        if (signal?.aborted) onAbort();
        else signal?.addEventListener('abort', onAbort, { once: true });
      });
      stop.catch(() => undefined);
      let outcome: { ok: true; result: R } | { ok: false; error: Error };
      try {
        outcome = { ok: true, result: await Promise.race([options.run(e.item, s.node.model, ctrl.signal), stop]) };
      } catch (err) {
        outcome = { ok: false, error: err instanceof Error ? err : new Error(String(err)) };
      } finally {
        clearTimeout(timer);
        if (onAbort) signal?.removeEventListener('abort', onAbort);
      }
      try {
        if (outcome.ok) {
          this.succeeded(s);
          done++;
          // The slot stays taken until the caller has the result (back-pressure for a caller that stores it).
          await options.onResult?.({ itemId: e.id, item: e.item, result: outcome.result, node: s.node.name, attempts: e.attempts });
          return;
        }
        const error = outcome.error;
        if (signal?.aborted) {
          queue.push(e); // counted as cancelled
          return;
        }
        const retry = isRetryable(error) && e.attempts < p.maxAttempts;
        if (isNodeFault(error)) this.faulted(s, Date.now());
        options.onAttemptError?.({ itemId: e.id, node: s.node.name, attempt: e.attempts, error, willRetry: retry });
        e.lastError = error;
        if (retry) {
          e.readyAt = Date.now() + Math.min(p.maxBackoffMs, p.backoffMs * 2 ** (e.attempts - 1));
          queue.push(e);
        } else {
          await fail(e, error);
        }
      } finally {
        s.active--;
        this.wake();
      }
    };

    const drain = options.drain;
    while (!fatal) {
      if (signal?.aborted) break;
      if (drain?.aborted && inflight === 0) break;
      const now = Date.now();
      // Dispatch every ready item that has a free node, in queue order.
      for (let i = 0; i < queue.length && !drain?.aborted; ) {
        const e = queue[i];
        if (e.readyAt > now) {
          i++;
          continue;
        }
        const s = this.pick(new Set(e.tried), now);
        if (!s) break;
        queue.splice(i, 1);
        s.active++;
        e.attempts++;
        e.tried.push(s.node.name);
        attempts++;
        inflight++;
        options.onStart?.(e.id, s.node.name, e.attempts);
        const task = attempt(e, s)
          .catch((err) => {
            fatal ??= err; // onResult/onFailure threw: the caller's store failed, stop the run
          })
          .finally(() => {
            inflight--;
            running.delete(task);
            this.wake();
          });
        running.add(task);
      }
      if (queue.length === 0 && inflight === 0) break;
      // Sleep until something can change: a slot frees, a backoff ends, a node comes back, or the run is aborted.
      const wakeAt = Math.min(...queue.map((e) => e.readyAt).filter((t) => t > now), this.nextUp(now));
      await new Promise<void>((resolve) => {
        const timer = Number.isFinite(wakeAt) ? setTimeout(finish, Math.max(1, wakeAt - Date.now())) : undefined;
        function finish() {
          clearTimeout(timer);
          signal?.removeEventListener('abort', finish);
          drain?.removeEventListener('abort', finish);
          resolve();
        }
        this.waiters.add(finish);
        signal?.addEventListener('abort', finish, { once: true });
        drain?.addEventListener('abort', finish, { once: true });
      });
    }
    await Promise.allSettled([...running]);
    if (fatal) throw fatal;
    return { done, failed, cancelled: items.length - done - failed, attempts };
  }
}
