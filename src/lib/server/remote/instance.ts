/**
 * The server's one `RemoteService`, built on first use from the environment: reads the pool configuration,
 * loads the model's tokenizer and config (a folder or a URL), and makes one remote model per node. A broken
 * configuration does not stop the app: the remote API answers 503 with what is wrong (no secrets in it).
 */
import { InputError, prettifyIssues } from '../../core/issues';
import { createRemotePool } from '../../engine/remote/createPool';
import type { NodePool } from '../../engine/remote/pool';
import { loadRemoteSpec } from '../../engine/remote/spec';
import { DirSource } from '../../engine/node/dirSource';
import type { FileSource } from '../../engine/sources';
import { readPoolConfig, readRemoteEnv, type Env } from './env';
import type { RunnerMode } from './modes';
import { BUILTIN_MODES } from './modes';
import { RemoteService } from './service';

/** Files under a base URL (`<base>/config.json`, …). */
class UrlSource implements FileSource {
  constructor(readonly label: string) {}
  async read(path: string, options: { signal?: AbortSignal } = {}) {
    const res = await fetch(this.label.replace(/\/?$/, '/') + path, { signal: options.signal });
    if (res.status === 404) return null;
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  }
}

export async function createServiceFromEnv(env: Env, modes: Readonly<Record<string, RunnerMode>> = BUILTIN_MODES): Promise<RemoteService> {
  const settings = readRemoteEnv(env);
  let pool: NodePool | null = null;
  let poolError: string | null = null;
  const config = await readPoolConfig(env);
  if (config && !config.ok) poolError = prettifyIssues(config.issues);
  else if (config?.ok) {
    try {
      const c = config.value;
      const source = /^https?:\/\//.test(c.tokenizer) ? new UrlSource(c.tokenizer) : new DirSource(c.tokenizer);
      pool = createRemotePool(c.nodes, await loadRemoteSpec(source, c.model), env, c.policy);
    } catch (e) {
      poolError = e instanceof InputError ? e.message : `the node pool could not be built (${(e as Error).message})`;
    }
  }
  if (poolError) process.stderr.write(`[remote] no node pool: ${poolError}\n`);
  const service = new RemoteService({ ...settings, pool, poolError, modes });
  if (settings.journalDaysProblem) process.stderr.write(`[remote] ${settings.journalDaysProblem}\n`);
  if (settings.journalMaxAgeDays !== null) {
    const days = settings.journalMaxAgeDays;
    try {
      const removed = await service.journal.prune(days * 86_400_000);
      if (removed.length) process.stderr.write(`[remote] pruned ${removed.length} run journal(s) untouched for more than ${days} days\n`);
    } catch (e) {
      // Pruning is housekeeping: a folder that cannot be read must not stop the service.
      process.stderr.write(`[remote] the run journals in ${settings.journalDir} could not be pruned (${(e as Error).message})\n`);
    }
  }
  return service;
}

let instance: Promise<RemoteService> | null = null;
const extraModes: Record<string, RunnerMode> = {};

/** Adds a mode (e.g. `dialogue`) before the first request builds the service. */
export function registerRemoteMode(name: string, mode: RunnerMode): void {
  if (instance) throw new Error(`registerRemoteMode("${name}") was called after the remote service started`);
  extraModes[name] = mode;
}

export function remoteService(env: Env): Promise<RemoteService> {
  instance ??= createServiceFromEnv(env, { ...BUILTIN_MODES, ...extraModes });
  return instance;
}
