/** Run bundles through the analysis worker: export a stored run as zip bytes, import one (all or nothing). */
import type { IdbRunStore } from '../../src/lib/store/idb/runStore';
import { exportRunBundle, importRunBundle } from '../../src/lib/store/idb/bundle';
import type { RunOverview } from '../protocols/analysis';
import { runOverview } from './runData';

export function exportBundle(store: IdbRunStore, runId: string): Promise<Uint8Array> {
  return exportRunBundle(store, runId);
}

export async function importBundle(store: IdbRunStore, bytes: Uint8Array, name: string): Promise<RunOverview> {
  const run = await importRunBundle(store, bytes, name);
  return runOverview(store, run);
}
