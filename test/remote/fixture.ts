/**
 * The fixture model the test nodes run: a tiny random-weight Llama built in code by the fixtures module
 * (`writeModelFolder`, GPT-2's BPE tokenizer with a ChatML template), written once per test process to a
 * temporary folder, loaded by the real engine (`loadModelFromDir`, onnxruntime-web WASM in Node). The remote
 * side reads the same folder's config.json and tokenizer files (`loadRemoteSpec`), as a server does.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeModelFolder } from '../../src/lib/engine/fixtures/node/writeModelFolder';
import { loadModelFromDir } from '../../src/lib/engine/node/engine';
import { DirSource } from '../../src/lib/engine/node/dirSource';
import { loadRemoteSpec } from '../../src/lib/engine/remote/spec';
import type { LanguageModel } from '../../src/lib/engine/types';
import type { Backend } from './harness';

const SPEC = { arch: 'llama', layers: 2, hidden: 16, heads: 2, kvHeads: 1, intermediate: 32, maxPositions: 512, seed: 'remote-tests' } as const;

let folder: Promise<string> | null = null;

/**
 * The fixture folder, built once per machine state: test files run in separate processes, so the folder is
 * shared through the temporary directory (built aside, then renamed into place whole; a loser of that race
 * keeps the winner's identical folder).
 */
export function fixtureFolder(): Promise<string> {
  folder ??= (async () => {
    // Keyed by the spec and the fixture builder's sources, so a changed builder never serves a stale folder.
    const hash = createHash('sha256').update(JSON.stringify(SPEC));
    const sources = fileURLToPath(new URL('../../src/lib/engine/fixtures/', import.meta.url));
    for (const f of (readdirSync(sources, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).sort()) hash.update(f).update(readFileSync(join(sources, f)));
    const shared = join(tmpdir(), `spikescore-remote-fixture-${hash.digest('hex').slice(0, 12)}`);
    if (existsSync(join(shared, 'tiny-llama', '.complete'))) return join(shared, 'tiny-llama');
    const aside = mkdtempSync(join(tmpdir(), 'remote-fixture-'));
    await writeModelFolder(join(aside, 'tiny-llama'), SPEC, { dtypes: ['fp32'] });
    writeFileSync(join(aside, 'tiny-llama', '.complete'), '');
    try {
      renameSync(aside, shared);
    } catch {
      return join(aside, 'tiny-llama'); // another process put its folder in place first
    }
    return join(shared, 'tiny-llama');
  })();
  return folder;
}

/**
 * The fixture as a test-node backend. Loading a session takes a while on a shared 2-core machine, so the backend
 * hands out `models` sessions in turn (default 4): three nodes started together get three different sessions;
 * nodes of later tests reuse them, with whatever their KV caches hold, which results must not depend on.
 */
export async function fixtureBackend(models = 4): Promise<Backend> {
  const dir = await fixtureFolder();
  const spec = await loadRemoteSpec(new DirSource(dir), 'tiny-llama');
  const loaded: Promise<LanguageModel>[] = [];
  let next = 0;
  return {
    makeModel: () => {
      const i = next++ % models;
      loaded[i] ??= loadModelFromDir(dir, { modelId: 'tiny-llama', backend: 'wasm', dtype: 'fp32' });
      return loaded[i];
    },
    spec
  };
}
