// Assets the app serves from static/ that are generated from code or committed sources, never committed
// themselves (static/models/ is git-ignored). Idempotent: a step whose output is up to date does nothing.
export async function prepareAssets() {
  // Filled in as the demo model lands (see README, "The offline demo model").
}
