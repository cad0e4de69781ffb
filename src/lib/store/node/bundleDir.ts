/**
 * Run bundles to and from a CLI run directory. Export reads the manifest, every item file, its hidden states and
 * `probes/*`. Import validates the whole bundle first (`decodeBundle`), then writes into a temporary folder beside
 * the target and renames it into place: a corrupt or newer bundle, or a failure half-way, changes nothing.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../../core/issues';
import { parseItemResultText, safeId, type ItemResult } from '../../core/itemResult';
import { decodeBundle, encodeBundle, type RunBundle } from '../bundle';
import { atomicWrite, atomicWriteJson, exists } from './files';
import { listItemFiles, readRunManifest, RUN_FORMAT_VERSION, RUN_MANIFEST_FILE, type RunManifest } from './runDir';

function without(o: Readonly<Record<string, unknown>>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
}

export interface ExportOptions {
  /** Extra probe files to include (paths), besides `<run-dir>/probes/*`. */
  readonly probes?: readonly string[];
}

export async function exportRunDir(dir: string, options: ExportOptions = {}): Promise<Uint8Array> {
  const manifest = await readRunManifest(dir);
  if (!manifest) throw new InputError([{ code: 'not_found', path: [], where: dir, message: `${dir}: no ${RUN_MANIFEST_FILE}; is this a run directory made by \`spikescore run\`?` }]);
  const items: ItemResult[] = [];
  const hidden = new Map<string, Uint8Array>();
  for (const name of await listItemFiles(dir)) {
    const path = join(dir, name);
    const item = parseItemResultText(await fs.readFile(path, 'utf8'), path);
    items.push(item);
    const h = join(dir, `${safeId(item.id)}.safetensors`);
    if (await exists(h)) hidden.set(safeId(item.id), new Uint8Array(await fs.readFile(h)));
  }
  const probes = new Map<string, Uint8Array>();
  const probeDir = join(dir, 'probes');
  if (await exists(probeDir)) {
    for (const name of (await fs.readdir(probeDir)).sort()) {
      if (name.startsWith('.')) continue;
      probes.set(name, new Uint8Array(await fs.readFile(join(probeDir, name))));
    }
  }
  for (const p of options.probes ?? []) {
    if (!(await exists(p))) throw new InputError([{ code: 'not_found', path: [], where: p, message: `${p}: no such probe file` }]);
    probes.set(basename(p), new Uint8Array(await fs.readFile(p)));
  }
  const extra = without(manifest, ['format_version', 'kind', 'run_id', 'created', 'config', 'provenance']);
  return encodeBundle({ run_id: manifest.run_id, created: manifest.created, config: manifest.config, provenance: manifest.provenance, items, hidden, probes, extra });
}

/** Validates `bytes` as a bundle and writes it as a run directory at `outDir`, which must not exist or be empty. */
export async function importBundleToDir(bytes: Uint8Array, outDir: string, where = 'bundle.zip'): Promise<RunBundle> {
  const bundle = decodeBundle(bytes, where);
  if (await exists(outDir)) {
    const st = await fs.stat(outDir);
    if (!st.isDirectory() || (await fs.readdir(outDir)).length > 0) {
      throw new InputError([{ code: 'invalid_value', path: [], where: outDir, message: `${outDir} already exists and is not an empty folder; choose a new --out folder (nothing was written)` }]);
    }
  }
  const tmp = join(dirname(outDir), `.${basename(outDir)}.import-${randomBytes(4).toString('hex')}`);
  try {
    await fs.mkdir(tmp, { recursive: true });
    const rest = without(bundle.manifest, ['format_version', 'kind', 'items', 'hidden', 'probes']);
    const manifest: RunManifest = { ...rest, format_version: RUN_FORMAT_VERSION, kind: 'spikescore-run', run_id: bundle.manifest.run_id, created: bundle.manifest.created, config: bundle.manifest.config, provenance: bundle.manifest.provenance, imported_from: basename(where) };
    for (const item of bundle.items) await atomicWriteJson(join(tmp, `${safeId(item.id)}.json`), item);
    for (const [id, data] of bundle.hidden) await atomicWrite(join(tmp, `${id}.safetensors`), data);
    for (const [name, data] of bundle.probes) await atomicWrite(join(tmp, 'probes', name), data);
    await atomicWriteJson(join(tmp, RUN_MANIFEST_FILE), manifest);
    if (await exists(outDir)) await fs.rmdir(outDir);
    await fs.mkdir(dirname(outDir), { recursive: true });
    await fs.rename(tmp, outDir);
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw e;
  }
  return bundle;
}
