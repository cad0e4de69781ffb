/**
 * Checks a run request before anything runs: its shape, its size, its mode's config and items, and that it names
 * no node. Nodes are server configuration; a body that carries an address is refused, so the route never calls
 * an address a client sent (it would otherwise be a request forgery relay into the GPU network).
 */
import { typeName, type Issue, type PathSegment } from '../../core/issues';
import type { RunItem, RunRequest } from '../../engine/remote/protocol';
import type { RunnerMode } from './modes';

/** Keys that name where to send requests, compared without case, `_` or `-`. */
const ADDRESS_KEYS = new Set(['url', 'urls', 'baseurl', 'apibase', 'apiurl', 'endpoint', 'endpoints', 'host', 'hosts', 'hostname', 'address', 'addr', 'port', 'node', 'nodes', 'nodeurl', 'remoteengines', 'remotenodes', 'server', 'servers', 'upstream', 'proxy', 'tokenenv']);

/** Paths of every key in `value` that names a node or an address. */
export function findAddressKeys(value: unknown, path: PathSegment[] = [], out: PathSegment[][] = []): PathSegment[][] {
  if (Array.isArray(value)) value.forEach((v, i) => findAddressKeys(v, [...path, i], out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (ADDRESS_KEYS.has(k.toLowerCase().replace(/[_-]/g, ''))) out.push([...path, k]);
      findAddressKeys(v, [...path, k], out);
    }
  }
  return out;
}

export interface RequestLimits {
  readonly maxItems: number;
}

const RUN_ID = /^[A-Za-z0-9][\w.:-]{0,127}$/;

/** The checked request, or the issues and the status to answer them with (400). */
export function validateRunRequest(json: unknown, limits: RequestLimits, modes: Readonly<Record<string, RunnerMode>>): { ok: true; value: RunRequest; mode: RunnerMode } | { ok: false; issues: Issue[] } {
  if (!json || typeof json !== 'object' || Array.isArray(json)) return { ok: false, issues: [{ code: 'invalid_type', path: [], message: `the body must be an object {run_id, mode, config, items}, got ${typeName(json)}` }] };
  const addresses = findAddressKeys(json);
  if (addresses.length) {
    return {
      ok: false,
      issues: addresses.map((p) => ({ code: 'forbidden_field', path: p, message: `the body names a node or an address (${p.join('.')}): nodes are server configuration (SPIKESCORE_REMOTE_NODES), never taken from a request` }))
    };
  }
  const r = json as Record<string, unknown>;
  const issues: Issue[] = [];
  for (const k of Object.keys(r)) if (!['run_id', 'mode', 'config', 'items'].includes(k)) issues.push({ code: 'unknown_field', path: [k], message: `${k} is not a field of a run request (allowed: run_id, mode, config, items)` });
  if (typeof r.run_id !== 'string' || !RUN_ID.test(r.run_id)) issues.push({ code: 'invalid_value', path: ['run_id'], message: `run_id must be 1–128 letters, digits, '.', '_', ':' or '-', got ${JSON.stringify(r.run_id)}` });
  const modeName = r.mode ?? 'generate';
  const mode = typeof modeName === 'string' && Object.hasOwn(modes, modeName) ? modes[modeName] : undefined;
  if (!mode) issues.push({ code: 'invalid_value', path: ['mode'], message: `mode must be one of ${Object.keys(modes).map((m) => `"${m}"`).join(', ')}, got ${JSON.stringify(r.mode)}` });
  if (!r.config || typeof r.config !== 'object' || Array.isArray(r.config)) issues.push({ code: 'invalid_type', path: ['config'], message: `config must be an object, got ${typeName(r.config)}` });
  else if (mode) issues.push(...mode.check(r.config as Record<string, unknown>));
  if (!Array.isArray(r.items) || r.items.length === 0) {
    issues.push({ code: 'invalid_type', path: ['items'], message: `items must be a non-empty list, got ${Array.isArray(r.items) ? 'an empty list' : typeName(r.items)}` });
  } else if (r.items.length > limits.maxItems) {
    issues.push({ code: 'too_large', path: ['items'], message: `items has ${r.items.length} entries, more than the limit of ${limits.maxItems} per request (SPIKESCORE_REMOTE_MAX_ITEMS): send them in several requests` });
  } else {
    const seen = new Set<string>();
    r.items.forEach((item, i) => {
      if (!item || typeof item !== 'object' || Array.isArray(item)) {
        issues.push({ code: 'invalid_type', path: ['items', i], message: `items[${i}] must be an object with an id, got ${typeName(item)}` });
        return;
      }
      const id = (item as RunItem).id;
      if (typeof id !== 'string' || id.length === 0 || id.length > 256) issues.push({ code: 'invalid_value', path: ['items', i, 'id'], message: `items[${i}].id must be a string of 1–256 characters, got ${JSON.stringify(id)}` });
      else if (seen.has(id)) issues.push({ code: 'invalid_value', path: ['items', i, 'id'], message: `items[${i}].id "${id}" appears twice` });
      else seen.add(id);
      if (mode?.checkItem) issues.push(...mode.checkItem(item as RunItem, i));
    });
  }
  if (issues.length) return { ok: false, issues };
  return { ok: true, value: { run_id: r.run_id as string, mode: modeName as string, config: r.config as Record<string, unknown>, items: r.items as RunItem[] }, mode: mode! };
}
