// Assets the app serves from static/ that are built from code (and committed weights), never committed
// themselves (static/models/ is git-ignored). Idempotent: a model whose stamp matches is not rebuilt.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Built-in models: folder under static/models/, the command that builds it, and a stamp that changes with it. */
const MODELS = [
  {
    // The knowledge testbed (testbed/MODEL_CARD.md), written from the committed weights: its stamp is their hash.
    dir: 'testbed',
    stamp: `testbed-v1-${createHash('sha256').update(readFileSync(join('testbed', 'weights.safetensors'))).digest('hex').slice(0, 16)}`,
    args: ['testbed-model']
  },
  {
    dir: 'random-demo',
    stamp: 'llama-4x64-seed1-v1',
    args: ['tiny-model', '--arch', 'llama', '--seed', '1', '--dtype', 'fp32']
  }
];

/** Data files the app serves, copied from the repository (the testbed's dataset lives with its model). */
const DATA = [{ from: join('testbed', 'dataset.jsonl'), to: join('static', 'data', 'testbed', 'dataset.jsonl') }];

export async function prepareAssets() {
  for (const d of DATA) {
    const text = readFileSync(d.from);
    if (existsSync(d.to) && readFileSync(d.to).equals(text)) continue;
    mkdirSync(dirname(d.to), { recursive: true });
    writeFileSync(d.to, text);
  }
  for (const m of MODELS) {
    const out = join('static', 'models', m.dir);
    const stampFile = join(out, '.stamp');
    if (existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === m.stamp) continue;
    console.log(`building the built-in model ${m.dir}…`);
    const r = spawnSync(process.execPath, ['bin/spikescore.mjs', ...m.args, '--out', out], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`building ${m.dir} failed (exit ${r.status})`);
    writeFileSync(stampFile, m.stamp + '\n');
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await prepareAssets();
