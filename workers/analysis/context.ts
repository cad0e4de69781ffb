/**
 * What the analysis worker's APIs share: one connection to the page's IndexedDB (opened on first use, in the
 * worker itself, so items and hidden states never cross to the page) and the requests in progress, by id, so the
 * page can cancel them.
 */
import { IdbRunStore } from '../../src/lib/store/idb/runStore';
import { requestRegistry } from '../requests';

let store: Promise<IdbRunStore> | null = null;

/** The store, opened once per worker. */
export function openStore(): Promise<IdbRunStore> {
  store ??= IdbRunStore.open().catch((e) => {
    store = null;
    throw e;
  });
  return store;
}

/** Requests in progress, by id; `cancellable` runs one under its id, `cancel(requestId)` aborts it. */
export const { controllers, cancellable } = requestRegistry();

export function cancel(requestId: string): void {
  const c = controllers.get(requestId);
  if (!c) return;
  const err = new Error('cancelled');
  err.name = 'AbortError';
  c.abort(err);
}
