/** The store: hidden-state files, run bundles, the page's IndexedDB (Node-only file code lives in `node/`). */
export {
  encodeHiddenStates,
  decodeHiddenStates,
  hiddenStatesTurns,
  sliceLayers,
  rowsOfRange,
  hiddenTensorName,
  HIDDEN_STATES_FORMAT_VERSION,
  type HiddenStatesFile,
  type HiddenStatesInput,
  type TurnHidden
} from './hiddenStates';
export { encodeBundle, decodeBundle, BUNDLE_FORMAT_VERSION, BUNDLE_KIND, type BundleManifest, type BundleContents, type RunBundle } from './bundle';
export { IdbRunStore, IDB_RUN_FORMAT_VERSION, type NewRun } from './idb/runStore';
export { openSpikeDb, DB_NAME, DB_VERSION, UPGRADES, type RunRecord, type ItemRow, type TurnRow, type HiddenRow, type ErrorRow, type ProbeRow, type SpikeDB } from './idb/schema';
export { exportRunBundle, importRunBundle } from './idb/bundle';
export { StorageFullError, ensureRoom, isQuotaError, guardQuota, platformEstimate, type EstimateFn } from './idb/quota';
