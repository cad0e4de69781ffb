/**
 * The remote engines of a pool, as configured: the CLI's `remote_engines` field and the server's
 * `SPIKESCORE_REMOTE_NODES` use the same entries.
 *
 *   { "url": "http://10.0.0.5:30000", "protocol": "sglang" | "openai", "token_env": "GPU_A_TOKEN",
 *     "name": "gpu-a", "max_concurrency": 8, "hidden_states": true, "served_model": "llama-70b",
 *     "request_timeout_ms": 120000 }
 *
 * Only `url` and `protocol` are required, and every engine of a pool speaks the same protocol. A token is never written in the configuration: `token_env` names the
 * environment variable that holds it, read when the pool is built, and never logged or sent anywhere but to its node.
 *
 * A pool configuration (the server's) wraps the engines with the model they serve and the retry policy:
 *
 *   { "model": "meta-llama/Llama-3.1-70B-Instruct", "tokenizer": "/srv/models/llama-3.1-70b",
 *     "nodes": [ …entries… ], "max_attempts": 3, "attempt_timeout_ms": 600000, "down_for_ms": 30000 }
 */
import { fail, ok, typeName, type Issue, type Result } from '../../core/issues';
import type { NodeEndpoint } from './http';
import type { PoolPolicy } from './pool';
import { REMOTE_PROTOCOLS, type RemoteProtocol } from './remoteModel';

export interface RemoteEngineConfig {
  readonly url: string;
  readonly protocol: RemoteProtocol;
  readonly token_env?: string;
  readonly name?: string;
  readonly max_concurrency?: number;
  readonly hidden_states?: boolean;
  readonly served_model?: string;
  readonly request_timeout_ms?: number;
}

export interface RemotePoolConfig {
  readonly model: string;
  /** A model folder or a hub-like URL holding config.json and tokenizer.json. */
  readonly tokenizer: string;
  readonly nodes: readonly RemoteEngineConfig[];
  readonly policy: PoolPolicy;
}

const ENGINE_FIELDS = ['url', 'protocol', 'token_env', 'name', 'max_concurrency', 'hidden_states', 'served_model', 'request_timeout_ms'];
const POLICY_FIELDS: Record<string, keyof PoolPolicy> = {
  max_attempts: 'maxAttempts',
  backoff_ms: 'backoffMs',
  max_backoff_ms: 'maxBackoffMs',
  attempt_timeout_ms: 'attemptTimeoutMs',
  failures_to_mark_down: 'failuresToMarkDown',
  down_for_ms: 'downForMs'
};

const positiveInt = (v: unknown) => Number.isInteger(v) && (v as number) > 0;

export function parseRemoteEngines(value: unknown, where: string, path: (string | number)[] = ['remote_engines']): Result<RemoteEngineConfig[]> {
  if (!Array.isArray(value) || value.length === 0) return fail([{ code: 'invalid_type', path, where, message: `${path.join('.')} must be a non-empty list of {url, protocol, token_env}, got ${typeName(value)}` }]);
  const issues: Issue[] = [];
  const names = new Set<string>();
  const out = value.map((e, i): RemoteEngineConfig => {
    const at = [...path, i];
    const issue = (field: string, message: string, code = 'invalid_value') => issues.push({ code, path: [...at, field], where, message });
    if (!e || typeof e !== 'object' || Array.isArray(e)) {
      issues.push({ code: 'invalid_type', path: at, where, message: `${path.join('.')}[${i}] must be an object {url, protocol, token_env}, got ${typeName(e)}` });
      return { url: '', protocol: 'sglang' };
    }
    const r = e as Record<string, unknown>;
    for (const k of Object.keys(r)) if (!ENGINE_FIELDS.includes(k)) issue(k, `${path.join('.')}[${i}].${k} is not a field of a remote engine (allowed: ${ENGINE_FIELDS.join(', ')})`, 'unknown_field');
    let url = '';
    if (typeof r.url !== 'string') issue('url', `${path.join('.')}[${i}].url must be an http(s) URL, got ${typeName(r.url)}`, r.url === undefined ? 'missing_field' : 'invalid_type');
    else {
      try {
        const u = new URL(r.url);
        if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
        if (u.username || u.password) issue('url', `${path.join('.')}[${i}].url carries credentials: put the token in the variable named by token_env instead`);
        url = r.url;
      } catch {
        issue('url', `${path.join('.')}[${i}].url must be an http(s) URL, got ${JSON.stringify(r.url)}`);
      }
    }
    if (!REMOTE_PROTOCOLS.includes(r.protocol as RemoteProtocol)) issue('protocol', `${path.join('.')}[${i}].protocol must be one of ${REMOTE_PROTOCOLS.map((p) => `"${p}"`).join(', ')}, got ${JSON.stringify(r.protocol)}`);
    if (r.token_env !== undefined && (typeof r.token_env !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(r.token_env))) issue('token_env', `${path.join('.')}[${i}].token_env must name an environment variable, got ${JSON.stringify(r.token_env)}`);
    const name = r.name ?? `node-${i + 1}`;
    if (typeof name !== 'string' || !/^[\w.-]{1,64}$/.test(name)) issue('name', `${path.join('.')}[${i}].name must be 1–64 letters, digits, '.', '_' or '-', got ${JSON.stringify(r.name)}`);
    else if (names.has(name)) issue('name', `${path.join('.')}[${i}].name "${name}" is used twice`);
    else names.add(name);
    if (r.max_concurrency !== undefined && !positiveInt(r.max_concurrency)) issue('max_concurrency', `${path.join('.')}[${i}].max_concurrency must be a positive integer, got ${JSON.stringify(r.max_concurrency)}`);
    if (r.request_timeout_ms !== undefined && !positiveInt(r.request_timeout_ms)) issue('request_timeout_ms', `${path.join('.')}[${i}].request_timeout_ms must be a positive integer, got ${JSON.stringify(r.request_timeout_ms)}`);
    if (r.hidden_states !== undefined && typeof r.hidden_states !== 'boolean') issue('hidden_states', `${path.join('.')}[${i}].hidden_states must be true or false, got ${typeName(r.hidden_states)}`);
    if (r.served_model !== undefined && typeof r.served_model !== 'string') issue('served_model', `${path.join('.')}[${i}].served_model must be a string, got ${typeName(r.served_model)}`);
    return {
      url,
      protocol: r.protocol as RemoteProtocol,
      name: name as string,
      ...(r.token_env !== undefined ? { token_env: r.token_env as string } : {}),
      ...(r.max_concurrency !== undefined ? { max_concurrency: r.max_concurrency as number } : {}),
      ...(r.hidden_states !== undefined ? { hidden_states: r.hidden_states as boolean } : {}),
      ...(r.served_model !== undefined ? { served_model: r.served_model as string } : {}),
      ...(r.request_timeout_ms !== undefined ? { request_timeout_ms: r.request_timeout_ms as number } : {})
    };
  });
  // The two protocols give different results for one item (the chat API has no hidden states, and its engine
  // renders the template itself): a mixed pool would make results depend on the node an item landed on.
  const protocols = new Set(out.map((e) => e.protocol).filter((p) => REMOTE_PROTOCOLS.includes(p)));
  if (protocols.size > 1) {
    issues.push({ code: 'invalid_value', path, where, message: `${path.join('.')} mixes protocols (${[...protocols].join(' and ')}): every engine of a pool must speak the same protocol, or results would depend on the node an item ran on` });
  }
  return issues.length ? fail(issues) : ok(out);
}

export function parseRemotePoolConfig(value: unknown, where: string): Result<RemotePoolConfig> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return fail([{ code: 'invalid_type', path: [], where, message: `a remote pool configuration must be an object {model, tokenizer, nodes}, got ${typeName(value)}` }]);
  const r = value as Record<string, unknown>;
  const issues: Issue[] = [];
  for (const k of Object.keys(r)) if (!['model', 'tokenizer', 'nodes', ...Object.keys(POLICY_FIELDS)].includes(k)) issues.push({ code: 'unknown_field', path: [k], where, message: `${k} is not a field of a remote pool configuration (allowed: model, tokenizer, nodes, ${Object.keys(POLICY_FIELDS).join(', ')})` });
  if (typeof r.model !== 'string' || !r.model) issues.push({ code: 'missing_field', path: ['model'], where, message: 'model must name the model the engines serve, e.g. "meta-llama/Llama-3.1-70B-Instruct"' });
  if (typeof r.tokenizer !== 'string' || !r.tokenizer) issues.push({ code: 'missing_field', path: ['tokenizer'], where, message: 'tokenizer must be a folder or hub-like URL with the model\'s config.json and tokenizer.json' });
  const policy: Record<string, number> = {};
  for (const [field, key] of Object.entries(POLICY_FIELDS)) {
    if (r[field] === undefined) continue;
    if (!positiveInt(r[field])) issues.push({ code: 'invalid_value', path: [field], where, message: `${field} must be a positive integer, got ${JSON.stringify(r[field])}` });
    else policy[key] = r[field] as number;
  }
  const nodes = parseRemoteEngines(r.nodes, where, ['nodes']);
  if (!nodes.ok) issues.push(...nodes.issues);
  if (issues.length) return fail(issues);
  return ok({ model: r.model as string, tokenizer: r.tokenizer as string, nodes: nodes.ok ? nodes.value : [], policy: policy as PoolPolicy });
}

/**
 * The endpoints of the configured engines, each with its token read from `env[token_env]`. A missing variable is
 * an issue naming the variable (never a value).
 */
export function resolveEndpoints(engines: readonly RemoteEngineConfig[], env: Readonly<Record<string, string | undefined>>, fetchImpl?: typeof fetch): Result<NodeEndpoint[]> {
  const issues: Issue[] = [];
  const out = engines.map((e, i): NodeEndpoint => {
    let token: string | undefined;
    if (e.token_env) {
      token = env[e.token_env];
      if (!token) issues.push({ code: 'missing_field', path: ['nodes', i, 'token_env'], message: `node ${e.name}: the environment variable ${e.token_env} (its token_env) is not set` });
    }
    return { name: e.name ?? `node-${i + 1}`, url: e.url, ...(token ? { token } : {}), ...(e.request_timeout_ms ? { requestTimeoutMs: e.request_timeout_ms } : {}), ...(fetchImpl ? { fetch: fetchImpl } : {}) };
  });
  return issues.length ? fail(issues) : ok(out);
}
