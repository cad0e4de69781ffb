/**
 * The ordering test of every order matrix, computed one at a time in a small worker (never on the page thread),
 * the matrix on screen first. Results are kept for the page's lifetime.
 */
import * as Comlink from 'comlink';
import type { OrderingTestApi } from '../../../workers/orderingTest.worker';
import type { OrderingTestResult } from '$lib/core/fallbacks/orderingTest';

export type OrderingSummary = Omit<OrderingTestResult, 'questions'>;
export type OrderingEntry = { readonly state: 'done'; readonly result: OrderingSummary } | { readonly state: 'error'; readonly message: string };

export class OrderingTests {
  results = $state.raw<Record<string, OrderingEntry>>({});
  #worker: Worker | null = null;
  #api: Comlink.Remote<OrderingTestApi> | null = null;
  #queue: { name: string; rows: number[][] }[] = [];
  #running = false;

  get done(): number {
    return Object.keys(this.results).length;
  }

  /** Queues the matrices not yet tested; `first` goes to the front of the queue. */
  request(matrices: readonly { name: string; rows: number[][] }[], first?: string) {
    for (const m of matrices) {
      if (m.name in this.results || this.#queue.some((q) => q.name === m.name)) continue;
      this.#queue.push({ name: m.name, rows: m.rows });
    }
    if (first) {
      const i = this.#queue.findIndex((q) => q.name === first);
      if (i > 0) this.#queue.unshift(...this.#queue.splice(i, 1));
    }
    void this.#drain();
  }

  async #drain() {
    if (this.#running) return;
    this.#running = true;
    try {
      while (this.#queue.length) {
        const { name, rows } = this.#queue.shift()!;
        let entry: OrderingEntry;
        try {
          entry = { state: 'done', result: await this.#remote().test(name, rows) };
        } catch (e) {
          entry = { state: 'error', message: (e as Error).message };
        }
        if (!this.#worker) return; // disposed
        this.results = { ...this.results, [name]: entry };
      }
    } finally {
      this.#running = false;
    }
  }

  #remote(): Comlink.Remote<OrderingTestApi> {
    if (!this.#api) {
      this.#worker = new Worker(new URL('../../../workers/orderingTest.worker.ts', import.meta.url), { type: 'module', name: 'ordering-test' });
      this.#api = Comlink.wrap<OrderingTestApi>(this.#worker);
    }
    return this.#api;
  }

  dispose() {
    this.#queue = [];
    this.#worker?.terminate();
    this.#worker = null;
    this.#api = null;
  }
}
