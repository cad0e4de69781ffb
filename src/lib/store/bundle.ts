/**
 * Run bundles (design.md): one zip file holding a whole run, to move it between the page and the CLI or to share it.
 *
 *   manifest.json                  {format_version, kind, run_id, created, config, provenance, items, hidden, probes, …}
 *   items.jsonl                    one item result per line (the item-file format)
 *   hidden/<safe_id>.safetensors   hidden states per item (design.md, Hidden states)
 *   probes/<name>                  probes applied to the run (.safetensors or .json)
 *
 * `decodeBundle` validates EVERYTHING before returning (the zip, the manifest and its version, every item line,
 * every hidden-state file, every probe), and reports every problem at once, so an importer that writes only after
 * it returns changes nothing for a corrupt or newer bundle. A bundle never holds a secret: its config is checked
 * with the config parser, which refuses keys.
 */
import { strFromU8, strToU8, unzipSync, zipSync, type Zippable } from 'fflate';
import { parseRunConfig } from '../core/config/runConfig';
import { InputError, type Issue } from '../core/issues';
import { parseItemResult, safeId, type ItemResult } from '../core/itemResult';
import { decodeHiddenStates } from './hiddenStates';
import { decodeSafetensors } from './safetensors';

export const BUNDLE_FORMAT_VERSION = 1;
export const BUNDLE_KIND = 'spikescore-run-bundle';

export interface BundleManifest {
  readonly format_version: number;
  readonly kind: typeof BUNDLE_KIND;
  readonly run_id: string;
  readonly created: string;
  readonly config: Record<string, unknown>;
  readonly provenance: Record<string, unknown>;
  /** Number of items. */
  readonly items: number;
  /** Safe ids with a hidden-state file. */
  readonly hidden: readonly string[];
  /** Probe file names. */
  readonly probes: readonly string[];
  readonly [key: string]: unknown;
}

export interface RunBundle {
  readonly manifest: BundleManifest;
  readonly items: readonly ItemResult[];
  /** safe id → `<safe_id>.safetensors` bytes. */
  readonly hidden: ReadonlyMap<string, Uint8Array>;
  /** file name → bytes. */
  readonly probes: ReadonlyMap<string, Uint8Array>;
}

export interface BundleContents {
  readonly run_id: string;
  readonly created: string;
  readonly config: Record<string, unknown>;
  readonly provenance: Record<string, unknown>;
  readonly items: readonly ItemResult[];
  readonly hidden: ReadonlyMap<string, Uint8Array>;
  readonly probes: ReadonlyMap<string, Uint8Array>;
  /** Extra manifest fields (dataset, summary, …). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

const SAFE_NAME = /^[^/\\\0]+$/;

function zipTime(created: string): Date {
  const d = new Date(created);
  return Number.isFinite(d.getTime()) && d.getUTCFullYear() >= 1980 ? d : new Date('1980-01-01T00:00:00Z');
}

/** Builds the zip. Files are ordered (manifest, items, hidden by safe id, probes by name) and time-stamped with `created`, so the same run gives the same bytes. */
export function encodeBundle(contents: BundleContents): Uint8Array {
  const hiddenIds = [...contents.hidden.keys()].sort();
  const probeNames = [...contents.probes.keys()].sort();
  for (const name of probeNames) if (!SAFE_NAME.test(name) || name === '.' || name === '..') throw new TypeError(`encodeBundle: probe name "${name}" is not a plain file name`);
  const manifest: BundleManifest = {
    ...(contents.extra ?? {}),
    format_version: BUNDLE_FORMAT_VERSION,
    kind: BUNDLE_KIND,
    run_id: contents.run_id,
    created: contents.created,
    config: contents.config,
    provenance: contents.provenance,
    items: contents.items.length,
    hidden: hiddenIds,
    probes: probeNames
  };
  const mtime = zipTime(contents.created);
  const files: Zippable = {
    'manifest.json': [strToU8(JSON.stringify(manifest, null, 2) + '\n'), { mtime }],
    'items.jsonl': [strToU8(contents.items.map((i) => JSON.stringify(i)).join('\n') + (contents.items.length ? '\n' : '')), { mtime }]
  };
  for (const id of hiddenIds) files[`hidden/${id}.safetensors`] = [contents.hidden.get(id)!, { mtime, level: 0 }];
  for (const name of probeNames) files[`probes/${name}`] = [contents.probes.get(name)!, { mtime }];
  return zipSync(files, { level: 6 });
}

/** Unzips and validates a bundle; throws one `InputError` listing every problem, naming `where`. */
export function decodeBundle(bytes: Uint8Array, where = 'bundle.zip'): RunBundle {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (e) {
    throw new InputError([{ code: 'malformed', path: [], where, message: `${where} is not a readable zip file (${(e as Error).message})` }]);
  }
  const issues: Issue[] = [];
  const bad = (message: string, code = 'malformed', path: (string | number)[] = []) => issues.push({ code, path, where, message: `${where}: ${message}` });

  for (const name of Object.keys(files)) {
    if (name.startsWith('/') || name.split('/').some((p) => p === '..') || name.includes('\\')) {
      throw new InputError([{ code: 'malformed', path: [], where, message: `${where}: entry "${name}" points outside the bundle; refusing it` }]);
    }
  }

  // The manifest first: a newer bundle is refused before anything else is looked at.
  const mBytes = files['manifest.json'];
  if (!mBytes) throw new InputError([{ code: 'missing_field', path: [], where, message: `${where}: manifest.json is missing; this is not a SpikeScore run bundle` }]);
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(strFromU8(mBytes)) as Record<string, unknown>;
    if (!manifest || typeof manifest !== 'object' || Array.isArray(manifest)) throw new Error('not an object');
  } catch (e) {
    throw new InputError([{ code: 'malformed', path: [], where, message: `${where}: manifest.json is not a JSON object (${(e as Error).message})` }]);
  }
  const version = manifest.format_version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new InputError([{ code: 'invalid_value', path: ['format_version'], where, message: `${where}: manifest.json format_version must be a positive integer, got ${JSON.stringify(version)}` }]);
  }
  if (version > BUNDLE_FORMAT_VERSION) {
    throw new InputError([{ code: 'newer_format', path: ['format_version'], where, message: `${where}: bundle format_version ${version} is newer than this app reads (${BUNDLE_FORMAT_VERSION}); update SpikeScore Lab` }]);
  }
  if (manifest.kind !== BUNDLE_KIND) bad(`manifest.json kind must be "${BUNDLE_KIND}", got ${JSON.stringify(manifest.kind)}`, 'invalid_value', ['kind']);
  if (typeof manifest.run_id !== 'string' || manifest.run_id === '') bad('manifest.json run_id must be a non-empty string', 'invalid_value', ['run_id']);
  if (typeof manifest.created !== 'string') bad('manifest.json created must be an ISO date string', 'invalid_value', ['created']);
  if (!manifest.provenance || typeof manifest.provenance !== 'object') bad('manifest.json provenance must be an object', 'invalid_value', ['provenance']);
  const cfg = parseRunConfig(manifest.config, { where: `${where}: manifest.json config` });
  if (!cfg.ok) issues.push(...cfg.issues);

  // Items.
  const items: ItemResult[] = [];
  const iBytes = files['items.jsonl'];
  if (!iBytes) bad('items.jsonl is missing', 'missing_field');
  else {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(iBytes);
    } catch {
      text = '';
      bad('items.jsonl is not UTF-8 text');
    }
    const seen = new Set<string>();
    text.split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      const at = `${where}: items.jsonl:${i + 1}`;
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch (e) {
        issues.push({ code: 'malformed', path: [], where: at, message: `${at}: not valid JSON (${(e as Error).message})` });
        return;
      }
      const r = parseItemResult(raw, at);
      if (!r.ok) {
        issues.push(...r.issues);
        return;
      }
      const s = safeId(r.value.id);
      if (seen.has(s)) issues.push({ code: 'invalid_value', path: ['id'], where: at, message: `${at}: item "${r.value.id}" appears twice` });
      seen.add(s);
      items.push(r.value);
    });
    if (typeof manifest.items === 'number' && manifest.items !== items.length && !issues.length) {
      bad(`manifest.json says ${manifest.items} items, items.jsonl holds ${items.length} (the bundle is incomplete)`, 'mismatch', ['items']);
    }
  }
  const turnsById = new Map(items.map((i) => [safeId(i.id), i.reasoning_chain.length]));

  // Hidden states: every file must decode and belong to an item's existing turns.
  const hidden = new Map<string, Uint8Array>();
  const listedHidden = Array.isArray(manifest.hidden) ? (manifest.hidden as unknown[]) : [];
  for (const [name, data] of Object.entries(files)) {
    if (!name.startsWith('hidden/') || name.endsWith('/')) continue;
    const m = /^hidden\/([^/]+)\.safetensors$/.exec(name);
    if (!m) {
      bad(`unexpected file ${name} (hidden/ holds <safe_id>.safetensors files)`);
      continue;
    }
    const id = m[1];
    if (!turnsById.has(id)) {
      bad(`${name} belongs to no item of items.jsonl`, 'mismatch');
      continue;
    }
    try {
      const h = decodeHiddenStates(data, `${where}: ${name}`);
      const n = turnsById.get(id)!;
      const extra = h.turns.filter((k) => k >= n);
      if (extra.length) bad(`${name} holds turn(s) ${extra.join(', ')} but the item has ${n} turn(s)`, 'mismatch');
    } catch (e) {
      if (e instanceof InputError) issues.push(...e.issues);
      else throw e;
    }
    hidden.set(id, data);
  }
  for (const id of listedHidden) if (typeof id === 'string' && !hidden.has(id)) bad(`manifest.json lists hidden/${id}.safetensors, which is missing`, 'missing_field', ['hidden']);

  // Probes: plain names, decodable as safetensors or JSON.
  const probes = new Map<string, Uint8Array>();
  for (const [name, data] of Object.entries(files)) {
    if (!name.startsWith('probes/') || name.endsWith('/')) continue;
    const file = name.slice('probes/'.length);
    if (!SAFE_NAME.test(file)) {
      bad(`probe entry ${name} is not a plain file name`);
      continue;
    }
    if (file.endsWith('.safetensors')) {
      try {
        decodeSafetensors(data, `${where}: ${name}`);
      } catch (e) {
        if (e instanceof InputError) issues.push(...e.issues);
        else throw e;
      }
    } else if (file.endsWith('.json')) {
      try {
        JSON.parse(strFromU8(data));
      } catch (e) {
        bad(`${name} is not valid JSON (${(e as Error).message})`);
      }
    } else bad(`${name}: a probe is a .safetensors or .json file`, 'unsupported');
    probes.set(file, data);
  }
  for (const name of Object.keys(files)) {
    if (name === 'manifest.json' || name === 'items.jsonl' || name.startsWith('hidden/') || name.startsWith('probes/') || name.endsWith('/')) continue;
    bad(`unexpected file ${name} in the bundle`);
  }
  if (issues.length) throw new InputError(issues);
  return { manifest: manifest as unknown as BundleManifest, items, hidden, probes };
}
