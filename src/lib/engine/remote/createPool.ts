/**
 * A `NodePool` from configured engines and the model's spec: one `LanguageModel` per node, speaking that node's
 * protocol, with its token from the environment. The CLI (`remote_engines`) and the server route build their
 * pools here.
 */
import { unwrap } from '../../core/issues';
import type { RemoteEngineConfig } from './config';
import { resolveEndpoints } from './config';
import { NodePool, type PoolPolicy } from './pool';
import { remoteModel } from './remoteModel';
import type { RemoteModelSpec } from './spec';

export function createRemotePool(engines: readonly RemoteEngineConfig[], spec: RemoteModelSpec, env: Readonly<Record<string, string | undefined>>, policy: PoolPolicy = {}, fetchImpl?: typeof fetch): NodePool {
  const endpoints = unwrap(resolveEndpoints(engines, env, fetchImpl));
  return new NodePool(
    engines.map((e, i) => ({
      name: endpoints[i].name,
      maxConcurrency: e.max_concurrency ?? 4,
      model: remoteModel(e.protocol, endpoints[i], spec, { hiddenStates: e.hidden_states ?? true, ...(e.served_model ? { servedModel: e.served_model } : {}) })
    })),
    policy
  );
}
