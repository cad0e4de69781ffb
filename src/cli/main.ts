/**
 * `spikescore`: the same core and engine as the page, with files instead of IndexedDB.
 * Exit status: 0 on success, 2 on bad input (the message on stderr names what is wrong and where), 1 on failure.
 */
import { formatHelp, parseArgs } from './args';
import type { Command } from './command';
import { commands } from './commands/index';
import type { CliIO } from './io';
import { InputError } from '../lib/core/issues';
import { APP_VERSION } from '../lib/core/version';

function globalHelp(list: readonly Command[]): string {
  const width = Math.max(...list.map((c) => c.name.length), 8) + 2;
  return [
    `spikescore ${APP_VERSION}: hallucination detection with SpikeScore, and Loops-to-Oops fallback analysis`,
    '',
    'usage: spikescore <command> [options]     (spikescore <command> --help for its options)',
    '',
    'commands:',
    ...list.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Exit status: 0 success, 2 bad input (message on stderr), 1 failure.'
  ].join('\n');
}

/** Finds the command whose words are the longest prefix of argv's leading words. */
export function findCommand(argv: readonly string[], list: readonly Command[] = commands): { command?: Command; rest: readonly string[] } {
  let best: Command | undefined;
  let bestLen = 0;
  for (const c of list) {
    const words = c.name.split(' ');
    if (words.length > bestLen && words.every((w, i) => argv[i] === w)) {
      best = c;
      bestLen = words.length;
    }
  }
  return { command: best, rest: argv.slice(bestLen) };
}

export async function runCli(argv: readonly string[], io: CliIO, list: readonly Command[] = commands): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout(globalHelp(list) + '\n');
    return 0;
  }
  if (argv[0] === '--version') {
    io.stdout(APP_VERSION + '\n');
    return 0;
  }
  const { command, rest } = findCommand(argv, list);
  if (!command) {
    // A group word alone (`spikescore probe`) lists its subcommands.
    const group = list.filter((c) => c.name.startsWith(argv[0] + ' '));
    if (group.length) {
      io.stdout(globalHelp(group) + '\n');
      return rest.includes('--help') ? 0 : 2;
    }
    io.stderr(`✖ unknown command "${argv[0]}"; run \`spikescore --help\` for the list\n`);
    return 2;
  }
  const usage = `spikescore ${command.name}${command.positionals?.length ? ' ' + command.positionals.map((p) => (p.required ? p.name.toUpperCase() : `[${p.name.toUpperCase()}]`)).join(' ') : ''} [options]`;
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(formatHelp(usage, command.summary, command.options, command.positionals, command.details) + '\n');
    return 0;
  }
  try {
    const args = parseArgs(rest, command.options, command.positionals, `spikescore ${command.name}`);
    const status = await command.run(args, io);
    return status ?? 0;
  } catch (err) {
    if (err instanceof InputError) {
      io.stderr(err.message + '\n');
      return 2;
    }
    const e = err as Error & { hint?: string };
    if (e?.name === 'AbortError' || io.signal?.aborted) {
      io.stderr('stopped: cancelled; finished work is kept (resume with the same command and --resume)\n');
      return 130;
    }
    io.stderr(`error: ${e?.message ?? String(err)}\n`);
    if (e?.hint) io.stderr(`hint: ${e.hint}\n`);
    if (io.env.SPIKESCORE_DEBUG && e?.stack) io.stderr(e.stack + '\n');
    return 1;
  }
}
