/**
 * Node only (CLI, scripts): a node pool from a run config's `remote_engines`, for `spikescore run`. The model's
 * config.json and tokenizer are read from `tokenizer` — a local folder or a hub-like URL — or, when that is not
 * given, from the config's `model_path` on the hub (only its small metadata files; the weights stay on the
 * engines). Node tokens come from the environment variables named by `token_env`.
 *
 *   const pool = await poolFromRunConfig(config, process.env);
 *   await pool.run(items, { itemId: (it) => it.id, run: runnerItemFn, onResult: writeItemResult });
 */
import { InputError, unwrap } from '../../../core/issues';
import { DirSource } from '../../node/dirSource';
import { HubSource, type FileSource } from '../../sources';
import type { LanguageModel } from '../../types';
import { parseRemoteEngines, type RemoteEngineConfig } from '../config';
import { createRemotePool } from '../createPool';
import type { NodePool, PoolPolicy } from '../pool';
import { remoteModel } from '../remoteModel';
import { loadRemoteSpec, type RemoteModelSpec } from '../spec';

export interface RemoteRunConfig {
  readonly model_path?: unknown;
  readonly remote_engines?: unknown;
  /** Ours, optional: a folder or URL with the model's config.json and tokenizer.json (default: model_path on the hub). */
  readonly remote_tokenizer?: unknown;
}

function sourceFor(location: string): FileSource {
  if (/^https?:\/\//.test(location)) {
    return {
      label: location,
      async read(path: string) {
        const res = await fetch(location.replace(/\/?$/, '/') + path);
        if (res.status === 404) return null;
        if (!res.ok) throw new Error(`${location}${path}: HTTP ${res.status}`);
        return new Uint8Array(await res.arrayBuffer());
      }
    };
  }
  return new DirSource(location);
}

export async function poolFromRunConfig(config: RemoteRunConfig, env: Readonly<Record<string, string | undefined>>, policy: PoolPolicy = {}, where = 'config.json'): Promise<NodePool> {
  return (await remoteRunSetup(config, env, policy, where)).pool;
}

/**
 * The pool with what it was built from: the parsed engines and the model's spec, and `describe`, a model of the
 * first engine for what the runner reads before any item runs (info: id, layers, context, what is unavailable; the
 * codec). `describe` is never asked to generate.
 */
export async function remoteRunSetup(
  config: RemoteRunConfig,
  env: Readonly<Record<string, string | undefined>>,
  policy: PoolPolicy = {},
  where = 'config.json'
): Promise<{ pool: NodePool; engines: RemoteEngineConfig[]; spec: RemoteModelSpec; describe: LanguageModel }> {
  const engines = unwrap(parseRemoteEngines(config.remote_engines, where));
  if (typeof config.model_path !== 'string' || !config.model_path) throw new InputError([{ code: 'missing_field', path: ['model_path'], where, message: 'model_path must name the model the remote engines serve' }]);
  const location = typeof config.remote_tokenizer === 'string' ? config.remote_tokenizer : null;
  const source = location ? sourceFor(location) : new HubSource(config.model_path);
  const spec = await loadRemoteSpec(source, config.model_path);
  const pool = createRemotePool(engines, spec, env, policy);
  const e = engines[0];
  const describe = remoteModel(e.protocol, { name: e.name ?? 'node-1', url: e.url }, spec, { hiddenStates: e.hidden_states ?? true, ...(e.served_model ? { servedModel: e.served_model } : {}) });
  return { pool, engines, spec, describe };
}
