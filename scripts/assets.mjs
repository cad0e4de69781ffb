// Assets the app serves from static/ that are built from code (and committed weights), never committed
// themselves (static/models/ is git-ignored). Idempotent: a model whose stamp matches is not rebuilt.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Every file below these paths, sorted (the code that writes a model, and the files it reads). */
function filesUnder(paths) {
  const out = [];
  const walk = (p) => {
    if (statSync(p).isDirectory()) for (const n of readdirSync(p).sort()) walk(join(p, n));
    else out.push(p);
  };
  for (const p of paths) walk(p);
  return out;
}

/** A stamp that changes whenever one of these files does (names and contents). */
function stampOf(label, paths) {
  const h = createHash('sha256');
  for (const f of filesUnder(paths)) h.update(`${f} ${statSync(f).size}\n`).update(readFileSync(f));
  return `${label}-${h.digest('hex').slice(0, 16)}`;
}

// The graph and tokenizer writers every built-in model goes through.
const WRITERS = [join('src', 'lib', 'engine', 'fixtures'), join('src', 'lib', 'engine', 'testbed')];

/** Built-in models: folder under static/models/, the command that builds it, and a stamp that changes with it. */
const MODELS = [
  {
    // The knowledge testbed (testbed/MODEL_CARD.md), written from its committed files.
    dir: 'testbed',
    stamp: () => stampOf('testbed', [...WRITERS, ...['weights.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'eval.json', 'values.json'].map((f) => join('testbed', f))]),
    args: ['testbed-model']
  },
  {
    dir: 'random-demo',
    stamp: () => stampOf('llama-4x64-seed1', WRITERS),
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
    const stamp = m.stamp();
    if (existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === stamp) continue;
    console.log(`building the built-in model ${m.dir}…`);
    const r = spawnSync(process.execPath, ['bin/spikescore.mjs', ...m.args, '--out', out], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`building ${m.dir} failed (exit ${r.status})`);
    writeFileSync(stampFile, stamp + '\n');
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await prepareAssets();
