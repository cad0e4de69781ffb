import type { Command } from '../command';
import { testbedModel } from './testbed-model';
import { tinyModel } from './tiny-model';

/**
 * Every `spikescore` command, in the order `--help` lists them. A command lives in its own file in this folder
 * and is added here with one line.
 */
export const commands: readonly Command[] = [tinyModel, testbedModel];
