import type { Command } from '../command';
import { bundleExportCommand, bundleImportCommand } from './bundle';
import { evalCommand } from './eval';
import { fallbacksLabel } from './fallbacks-label';
import { fallbacksOrderTest } from './fallbacks-order-test';
import { fallbacksRun } from './fallbacks-run';
import { metricsCommand } from './metrics';
import { probeTrainCommand } from './probeTrain';
import { runCommand } from './run';
import { testbedModel } from './testbed-model';
import { tinyModel } from './tiny-model';

/**
 * Every `spikescore` command, in the order `--help` lists them (the seed's steps first: run, probe train, metrics,
 * eval). A command lives in its own file in this folder and is added here.
 */
export const commands: readonly Command[] = [
  runCommand,
  probeTrainCommand,
  metricsCommand,
  evalCommand,
  bundleExportCommand,
  bundleImportCommand,
  fallbacksLabel,
  fallbacksOrderTest,
  fallbacksRun,
  tinyModel,
  testbedModel
];
