import type { Command } from '../command';
import { bundleExportCommand, bundleImportCommand } from './bundle';
import { evalCommand } from './eval';
import { fallbacksLabel } from './fallbacks-label';
import { fallbacksOrderTest } from './fallbacks-order-test';
import { runCommand } from './run';
import { tinyModel } from './tiny-model';

/**
 * Every `spikescore` command, in the order `--help` lists them. A command lives in its own file in this folder
 * and is added here with one line.
 */
export const commands: readonly Command[] = [
  tinyModel,
  runCommand,
  evalCommand,
  bundleExportCommand,
  bundleImportCommand,
  fallbacksLabel,
  fallbacksOrderTest
];
