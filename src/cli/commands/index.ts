import type { Command } from '../command';
import { fallbacksLabel } from './fallbacks-label';
import { fallbacksOrderTest } from './fallbacks-order-test';

/**
 * Every `spikescore` command, in the order `--help` lists them. A command lives in its own file in this folder
 * and is added here with one line.
 */
export const commands: readonly Command[] = [
  fallbacksLabel,
  fallbacksOrderTest
];
