import type { Command } from '../command';
import { bundleExportCommand, bundleImportCommand } from './bundle';
import { runCommand } from './run';

/**
 * Every `spikescore` command, in the order `--help` lists them. A command lives in its own file in this folder
 * and is added here with one line.
 */
export const commands: readonly Command[] = [
  runCommand,
  bundleExportCommand,
  bundleImportCommand
];
