/**
 * What the server can run per item, by `mode`. A mode checks its config and items, and makes the per-item
 * function (`ItemFn`, the seam shared with the CLI's pool) for one run. `generate` is built in; the dialogue
 * runner registers `dialogue` (see docs/remote.md, "Wiring").
 */
import type { Issue } from '../../core/issues';
import { checkGenerateConfig, checkGenerateItem, generateConfig, generateItem } from '../../engine/remote/generateItem';
import type { ItemFn } from '../../engine/remote/pool';
import type { RunItem } from '../../engine/remote/protocol';

export interface RunnerMode {
  /** Every issue with the mode's config (paths start at `config`). */
  check(config: Readonly<Record<string, unknown>>): Issue[];
  /** Issues with one item (paths start at `items[i]`). */
  checkItem?(item: RunItem, index: number): Issue[];
  /** The per-item function of one run, given its checked config. */
  create(config: Readonly<Record<string, unknown>>, runId: string): ItemFn<RunItem, unknown>;
}

export const generateMode: RunnerMode = {
  check: checkGenerateConfig,
  checkItem: checkGenerateItem,
  create: (config) => generateItem(generateConfig(config))
};

export const BUILTIN_MODES: Readonly<Record<string, RunnerMode>> = { generate: generateMode };
