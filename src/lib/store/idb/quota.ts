/**
 * Browser storage quota. Before a write the store asks `navigator.storage.estimate()` whether the bytes fit; a write
 * that fails with `QuotaExceededError` anyway (the estimate is coarse) becomes the same `StorageFullError`, whose
 * message says what to delete. Either way the transaction did not commit, so nothing is half-written.
 */

export type EstimateFn = () => Promise<{ usage?: number; quota?: number }>;

export class StorageFullError extends Error {
  readonly hint: string;
  constructor(detail: string) {
    const hint = 'delete runs you no longer need (Runs → Delete), exporting any you want to keep as a bundle first, or remove cached models (Settings → Models)';
    super(`browser storage is full: ${detail}; nothing was written. To make room, ${hint}.`);
    this.name = 'StorageFullError';
    this.hint = hint;
  }
}

const MB = (b: number) => `${(b / 1e6).toFixed(1)} MB`;

/** The platform's estimate, or null where there is none (Node without a polyfill). */
export function platformEstimate(): EstimateFn | null {
  const storage = (globalThis as { navigator?: { storage?: { estimate?: () => Promise<{ usage?: number; quota?: number }> } } }).navigator?.storage;
  return storage?.estimate ? () => storage.estimate!() : null;
}

/** Throws `StorageFullError` when `bytes` more would not fit in the quota. Unknown usage or quota passes. */
export async function ensureRoom(bytes: number, estimate: EstimateFn | null): Promise<void> {
  if (!estimate) return;
  const { usage, quota } = await estimate();
  if (typeof usage !== 'number' || typeof quota !== 'number' || quota <= 0) return;
  if (usage + bytes > quota) throw new StorageFullError(`${MB(usage)} used of ${MB(quota)}, and this write needs ${MB(bytes)} more`);
}

/** True for the errors browsers raise when a transaction runs out of quota. */
export function isQuotaError(e: unknown): boolean {
  const err = e as { name?: string; inner?: { name?: string } } | null;
  return err?.name === 'QuotaExceededError' || err?.inner?.name === 'QuotaExceededError';
}

/** Runs a write; a quota failure becomes `StorageFullError`. */
export async function guardQuota<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (e) {
    if (isQuotaError(e)) throw new StorageFullError(`the browser refused the write (${(e as Error).message || 'QuotaExceededError'})`);
    throw e;
  }
}
