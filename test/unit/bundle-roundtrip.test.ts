import 'fake-indexeddb/auto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { bundleExportCommand, bundleImportCommand } from '../../src/cli/commands/bundle';
import { runCli } from '../../src/cli/main';
import { parseRunConfig, storableConfig } from '../../src/lib/core/config/runConfig';
import { parseDataset } from '../../src/lib/core/datasets/parseDataset';
import { unwrap } from '../../src/lib/core/issues';
import { runDialogue } from '../../src/lib/core/runner/runDialogue';
import { decodeBundle, encodeBundle } from '../../src/lib/store/bundle';
import { exportRunBundle, importRunBundle } from '../../src/lib/store/idb/bundle';
import { IdbRunStore } from '../../src/lib/store/idb/runStore';
import { exportRunDir, importBundleToDir } from '../../src/lib/store/node/bundleDir';
import { RunDirSink, writeRunManifest } from '../../src/lib/store/node/runDir';
import { FakeModel } from './runner-fakeModel';
import { captureIO } from './captureIO';

const SECRET = 'sk-bundle-secret-9876543210';
const config = unwrap(parseRunConfig({ max_steps: 2, seed: 11, capture: { layers: [1, 3] }, judge: { base_url: 'https://judge.example/v1', model: 'gpt-4o-mini', api_key_env: 'JUDGE_KEY' } }));
const items = unwrap(parseDataset('{"id": "t:1", "question": "First?", "answer": "one"}\n{"id": "t/2", "question": "Second?", "answer": ["two", "2"]}\n', { where: 'd.jsonl' })).items;
const clock = () => Date.UTC(2026, 4, 5);
const CREATED = '2026-05-05T00:00:00.000Z';

/** A finished run directory made with the test double, plus a probe. */
async function runDir(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'bundle-run-'));
  await writeRunManifest(dir, { format_version: 1, kind: 'spikescore-run', run_id: 'run-abc', created: CREATED, config: storableConfig(config), provenance: { model_id: 'test-double/echo', app_version: '0.1.0', seeds: { run: 11 } }, dataset: { path: 'd.jsonl', items: 2 } });
  await runDialogue({ model: new FakeModel(), config, items, sink: new RunDirSink(dir, 'test-double/echo'), now: clock, labeller: { label: async () => ({ label: 0, source: 'judge' }) } });
  mkdirSync(join(dir, 'probes'));
  writeFileSync(join(dir, 'probes', 'sep.json'), JSON.stringify({ coef: [0.5, -0.5], intercept: 0.1, classes: [0, 1] }));
  return dir;
}

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  const walk = (d: string, prefix: string) => {
    for (const name of readdirSync(d, { withFileTypes: true })) {
      if (name.isDirectory()) walk(join(d, name.name), `${prefix}${name.name}/`);
      else out[prefix + name.name] = readFileSync(join(d, name.name)).toString('base64');
    }
  };
  walk(dir, '');
  return out;
}

function rezip(bytes: Uint8Array, edit: (files: Record<string, Uint8Array>) => void): Uint8Array {
  const files = unzipSync(bytes);
  edit(files);
  return zipSync(files);
}

const cli = (cwd: string) => captureIO(cwd, { JUDGE_KEY: SECRET });

describe('run bundles', () => {
  it('spikescore bundle export then import reproduces the items, hidden states and probes', async () => {
    const dir = await runDir();
    const work = mkdtempSync(join(tmpdir(), 'bundle-cli-'));
    const c = cli(work);
    expect(await runCli(['bundle', 'export', '--run-dir', dir, '--out', 'run.zip'], c.io, [bundleExportCommand, bundleImportCommand])).toBe(0);
    expect(c.out).toMatch(/^wrote .*run\.zip \(\d+\.\d\d MB\)\n$/);
    const zip = readFileSync(join(work, 'run.zip'));
    expect(Object.keys(unzipSync(zip)).sort()).toEqual(['hidden/t_1.safetensors', 'hidden/t_2.safetensors', 'items.jsonl', 'manifest.json', 'probes/sep.json']);
    expect(await runCli(['bundle', 'import', 'run.zip', '--out', 'copy'], c.io, [bundleExportCommand, bundleImportCommand])).toBe(0);
    expect(c.out).toContain('imported run run-abc: 2 items, 2 hidden-state files, 1 probes');
    const a = snapshot(dir);
    const b = snapshot(join(work, 'copy'));
    for (const f of ['t_1.json', 't_2.json', 't_1.safetensors', 't_2.safetensors', 'probes/sep.json']) expect(b[f], f).toBe(a[f]);
    const manifest = JSON.parse(Buffer.from(b['manifest.json'], 'base64').toString('utf8'));
    expect(manifest).toMatchObject({ format_version: 1, kind: 'spikescore-run', run_id: 'run-abc', created: CREATED, dataset: { path: 'd.jsonl' }, imported_from: 'run.zip' });
    // The same run exports to the same bytes (ordered entries, fixed time stamps).
    expect(await exportRunDir(dir)).toEqual(await exportRunDir(dir));
  });

  it('importing a corrupt bundle changes nothing and exits 2 naming the problem', async () => {
    const work = mkdtempSync(join(tmpdir(), 'bundle-bad-'));
    writeFileSync(join(work, 'junk.zip'), 'this is not a zip');
    const c = cli(work);
    expect(await runCli(['bundle', 'import', 'junk.zip', '--out', 'dest'], c.io, [bundleImportCommand])).toBe(2);
    expect(c.err).toMatch(/^✖ junk\.zip is not a readable zip file \(/);
    expect(readdirSync(work)).toEqual(['junk.zip']);

    const good = await exportRunDir(await runDir());
    const truncated = good.slice(0, Math.floor(good.length * 0.7));
    await expect(importBundleToDir(truncated, join(work, 'dest'), 'cut.zip')).rejects.toThrow(/cut\.zip is not a readable zip file/);
    expect(existsSync(join(work, 'dest'))).toBe(false);
  });

  it('decodeBundle reports every bad item line, hidden file and probe at once', async () => {
    const good = await exportRunDir(await runDir());
    const bad = rezip(good, (f) => {
      const lines = strFromU8(f['items.jsonl']).trim().split('\n');
      f['items.jsonl'] = strToU8([lines[0], '{"id": 5, "nli_label": 3, "reasoning_chain": []}', '{not json'].join('\n') + '\n');
      f['hidden/t_2.safetensors'] = f['hidden/t_2.safetensors'].slice(0, 40);
      f['hidden/ghost.safetensors'] = f['hidden/t_1.safetensors'];
      f['probes/broken.json'] = strToU8('{');
      f['notes.txt'] = strToU8('hello');
    });
    let message = '';
    try {
      decodeBundle(bad, 'b.zip');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('b.zip: items.jsonl:2: nli_label must be 1 (correct), 0 (hallucinated) or null, got 3');
    expect(message).toMatch(/b\.zip: items\.jsonl:3: not valid JSON/);
    expect(message).toContain('b.zip: hidden/t_2.safetensors belongs to no item of items.jsonl');
    expect(message).toContain('b.zip: hidden/ghost.safetensors belongs to no item of items.jsonl');
    expect(message).toMatch(/b\.zip: probes\/broken\.json is not valid JSON/);
    expect(message).toContain('b.zip: unexpected file notes.txt in the bundle');

    const badHidden = rezip(good, (f) => {
      f['hidden/t_2.safetensors'] = f['hidden/t_2.safetensors'].slice(0, 40);
    });
    expect(() => decodeBundle(badHidden, 'h.zip')).toThrow(/h\.zip: hidden\/t_2\.safetensors is not a valid safetensors file/);
  });

  it('importing a bundle newer than the app, or one escaping its folder, is refused and changes nothing', async () => {
    const good = await exportRunDir(await runDir());
    const newer = rezip(good, (f) => {
      const m = JSON.parse(strFromU8(f['manifest.json']));
      f['manifest.json'] = strToU8(JSON.stringify({ ...m, format_version: 99 }));
    });
    const work = mkdtempSync(join(tmpdir(), 'bundle-new-'));
    const before = snapshot(work);
    await expect(importBundleToDir(newer, join(work, 'dest'), 'new.zip')).rejects.toThrow('new.zip: bundle format_version 99 is newer than this app reads (1); update SpikeScore Lab');
    const slip = rezip(good, (f) => {
      f['../../evil.json'] = strToU8('{}');
    });
    await expect(importBundleToDir(slip, join(work, 'dest'), 'slip.zip')).rejects.toThrow('slip.zip: entry "../../evil.json" points outside the bundle; refusing it');
    const hiddenNewer = rezip(good, (f) => {
      const bytes = f['hidden/t_1.safetensors'];
      const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
      const header = strFromU8(bytes.subarray(8, 8 + n)).replace('"format_version":"1"', '"format_version":"7"');
      const out = new Uint8Array(bytes.length);
      out.set(bytes);
      out.set(strToU8(header), 8);
      f['hidden/t_1.safetensors'] = out;
    });
    await expect(importBundleToDir(hiddenNewer, join(work, 'dest'), 'hn.zip')).rejects.toThrow('hn.zip: hidden/t_1.safetensors: format_version 7 is newer than this app reads (1); update SpikeScore Lab');
    expect(snapshot(work)).toEqual(before);
    // An existing non-empty target is refused too.
    mkdirSync(join(work, 'full'));
    writeFileSync(join(work, 'full', 'x'), 'keep me');
    await expect(importBundleToDir(good, join(work, 'full'), 'g.zip')).rejects.toThrow(/full already exists and is not an empty folder; choose a new --out folder \(nothing was written\)/);
    expect(readFileSync(join(work, 'full', 'x'), 'utf8')).toBe('keep me');
  });

  it('a bundle never holds a judge key, and a bundle whose config carries one is refused', async () => {
    const dir = await runDir();
    const bytes = await exportRunDir(dir);
    for (const [name, data] of Object.entries(unzipSync(bytes))) expect(Buffer.from(data).includes(SECRET), name).toBe(false);
    expect(JSON.parse(strFromU8(unzipSync(bytes)['manifest.json'])).config.judge).toEqual({ base_url: 'https://judge.example/v1', model: 'gpt-4o-mini', api_key_env: 'JUDGE_KEY', timeout_ms: null });
    const leaky = rezip(bytes, (f) => {
      const m = JSON.parse(strFromU8(f['manifest.json']));
      m.config.judge.api_key = SECRET;
      f['manifest.json'] = strToU8(JSON.stringify(m));
    });
    expect(() => decodeBundle(leaky, 'leak.zip')).toThrow('leak.zip: manifest.json config: judge.api_key: a key never goes in a config file');
  });

  it('the page exports a run from IndexedDB and imports a CLI bundle into it, in both directions', async () => {
    const dir = await runDir();
    const cliBundle = await exportRunDir(dir);
    const store = await IdbRunStore.open({ name: `bundle-${Math.random()}`, estimate: null });
    const run = await importRunBundle(store, cliBundle, 'cli.zip');
    expect(run).toMatchObject({ id: 'run-abc', status: 'imported', model_id: 'test-double/echo' });
    const fromDir = decodeBundle(cliBundle);
    expect(await store.listItems('run-abc')).toEqual([...fromDir.items].sort((a, b) => (a.id < b.id ? -1 : 1)));
    expect((await store.listProbes('run-abc')).map((p) => p.name)).toEqual(['sep.json']);

    const pageBundle = await exportRunBundle(store, 'run-abc');
    const back = decodeBundle(pageBundle);
    for (const [id, data] of fromDir.hidden) expect(back.hidden.get(id), id).toEqual(data);
    expect(back.items).toEqual(await store.listItems('run-abc'));

    // Importing the same run again is refused and changes nothing.
    const before = await store.listItems('run-abc');
    await expect(importRunBundle(store, cliBundle, 'again.zip')).rejects.toThrow('again.zip: run "run-abc" is already in this browser; delete it first to import it again (nothing was written)');
    expect(await store.listItems('run-abc')).toEqual(before);

    // A corrupt bundle leaves the database as it was.
    const runsBefore = await store.listRuns();
    const corrupt = rezip(cliBundle, (f) => {
      const m = JSON.parse(strFromU8(f['manifest.json']));
      f['manifest.json'] = strToU8(JSON.stringify({ ...m, run_id: 'other' }));
      f['items.jsonl'] = strToU8('{"id": "x", "reasoning_chain": "no"}\n');
    });
    await expect(importRunBundle(store, corrupt, 'c.zip')).rejects.toThrow('c.zip: items.jsonl:1: reasoning_chain must be an array of turns, got string');
    expect(await store.listRuns()).toEqual(runsBefore);
    expect(await store.listItems('other')).toEqual([]);
    store.close();
  });

  it('encodeBundle refuses probe names that are not plain file names', () => {
    expect(() => encodeBundle({ run_id: 'r', created: CREATED, config: {}, provenance: {}, items: [], hidden: new Map(), probes: new Map([['../x.json', new Uint8Array()]]) })).toThrow(
      'encodeBundle: probe name "../x.json" is not a plain file name'
    );
  });
});
