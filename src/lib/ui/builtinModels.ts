/**
 * Models this app serves itself from `static/models/` (built by `npm run build` from code and committed weights),
 * so the page works with no network.
 */
import type { CatalogEntry } from '$lib/engine/catalog';

export const BUILTIN_MODELS: readonly CatalogEntry[] = [];
