#!/usr/bin/env node
// The `spikescore` command runs the TypeScript sources directly through tsx, so it works right after `npm ci`.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/cli/main.ts');
const { processIO } = await import('../src/cli/io.ts');

const controller = new AbortController();
let interrupts = 0;
process.on('SIGINT', () => {
  interrupts += 1;
  if (interrupts > 1) process.exit(130);
  process.stderr.write('\ninterrupt: finishing the current step, then stopping (Ctrl-C again to quit now)\n');
  controller.abort();
});
process.exitCode = await runCli(process.argv.slice(2), processIO(controller.signal));
