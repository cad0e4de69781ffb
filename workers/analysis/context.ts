/**
 * What the analysis worker's APIs share: one connection to the page's IndexedDB (opened on first use, in the
 * worker itself, so items and hidden states never cross to the page) and the requests in progress, by id, so the
 * page can cancel them.
 */
import { IdbRunStore } from '../../src/lib/store/idb/runStore';

let store: Promise<IdbRunStore> | null = null;

/** The store, opened once per worker. */
export function openStore(): Promise<IdbRunStore> {
  store ??= IdbRunStore.open().catch((e) => {
    store = null;
    throw e;
  });
  return store;
}

/** Requests in progress, by id. */
export const controllers = new Map<string, AbortController>();

/** Runs `task` with an AbortSignal registered under `requestId`; `cancel(requestId)` aborts it. */
export async function cancellable<T>(requestId: string, task: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  controllers.set(requestId, controller);
  try {
    return await task(controller.signal);
  } finally {
    controllers.delete(requestId);
  }
}

export function cancel(requestId: string): void {
  const c = controllers.get(requestId);
  if (!c) return;
  const err = new Error('cancelled');
  err.name = 'AbortError';
  c.abort(err);
}
