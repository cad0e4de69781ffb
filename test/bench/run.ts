/**
 * `npm run bench -- <name> [--key=value …]`: runs `test/bench/<name>.ts`, whose `bench(args)` returns
 * `{bench, figures, …}`. Progress goes to stderr; the last line on stdout is that object as one JSON line
 * (design.md, "Benchmarks").
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here).filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_')).map((f) => f.slice(0, -3));
const [name, ...rest] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  process.stderr.write(`usage: npm run bench -- <name>\navailable: ${available.join(', ') || '(none)'}\n`);
  process.exit(2);
}
const args: Record<string, string> = {};
for (const a of rest) {
  const m = /^--([^=]+)=(.*)$/.exec(a);
  if (m) args[m[1]] = m[2];
}
const mod = (await import(pathToFileURL(join(here, `${name}.ts`)).href)) as {
  bench: (args: Record<string, string>) => Promise<{ bench: string; figures: Record<string, number> }>;
};
const result = await mod.bench(args);
process.stdout.write(JSON.stringify(result) + '\n');
