/**
 * Models this app serves itself from `static/models/` (built by `npm run build` from code and committed weights),
 * so the page works with no network.
 */
import type { CatalogEntry } from '$lib/engine/catalog';

export const BUILTIN_MODELS: readonly CatalogEntry[] = [
  {
    id: 'random-demo',
    label: 'Random-weight demo model',
    kind: 'chat',
    sizesMb: { fp32: 26, fp16: 13 },
    note: 'Built into the app, works offline. Its weights are RANDOM: it shows the pipeline (dialogue, per-turn scores, SpikeScore), not the method — its answers are noise.',
    builtin: true
  }
];
