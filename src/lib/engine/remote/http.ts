/**
 * One JSON request to a node, with the node's bearer token, a per-request timeout and the caller's signal, and
 * every failure turned into a `RemoteError` that names the node (never its address or token).
 */
import { RemoteError, statusKind } from './errors';

export interface NodeEndpoint {
  /** The node's name in messages, logs and results (`gpu-a`, `node-1`). */
  readonly name: string;
  /** Base URL, e.g. `http://10.0.0.5:30000` (server configuration only). */
  readonly url: string;
  /** Bearer token sent to the node, if it needs one. */
  readonly token?: string;
  /** Milliseconds a request may take before it is abandoned as a timeout (default 120 000). */
  readonly requestTimeoutMs?: number;
  /** The fetch to use (default: the global one). */
  readonly fetch?: typeof fetch;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;

/** A signal that aborts when `signal` does or after `ms`; `timedOut()` says which. */
export function deadline(ms: number, signal?: AbortSignal): { signal: AbortSignal; timedOut: () => boolean; clear: () => void } {
  const ctrl = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ctrl.abort(new Error(`timed out after ${ms} ms`));
  }, ms);
  const onAbort = () => ctrl.abort(signal?.reason);
  if (signal?.aborted) ctrl.abort(signal.reason);
  else signal?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: ctrl.signal,
    timedOut: () => timedOut,
    clear: () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  };
}

export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}

export async function postJson(node: NodeEndpoint, path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
  const ms = node.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const d = deadline(ms, signal);
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (node.token) headers.authorization = `Bearer ${node.token}`;
  try {
    let res: Response;
    try {
      res = await (node.fetch ?? fetch)(joinUrl(node.url, path), { method: 'POST', headers, body: JSON.stringify(body), signal: d.signal });
    } catch (e) {
      throw classifyThrown(node.name, path, e, d.timedOut(), ms, signal);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      throw classifyThrown(node.name, path, e, d.timedOut(), ms, signal);
    }
    if (!res.ok) {
      // The node's own message helps (e.g. "--enable-return-hidden-states is off"); cut it short for the logs.
      const detail = text.replace(/\s+/g, ' ').trim().slice(0, 300);
      throw new RemoteError(statusKind(res.status), node.name, `POST ${path} answered HTTP ${res.status}${detail ? ` (${detail})` : ''}`, res.status);
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new RemoteError('protocol', node.name, `POST ${path} answered HTTP ${res.status} with a body that is not JSON`, res.status);
    }
  } finally {
    d.clear();
  }
}

function classifyThrown(node: string, path: string, e: unknown, timedOut: boolean, ms: number, signal?: AbortSignal): RemoteError {
  if (e instanceof RemoteError) return e;
  if (timedOut) return new RemoteError('timeout', node, `POST ${path} got no answer within ${ms} ms`);
  if (signal?.aborted) return new RemoteError('cancelled', node, `POST ${path} was cancelled`);
  // undici puts the reason (ECONNREFUSED, ECONNRESET, "other side closed") in `cause`; it names no URL.
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  const why = cause?.code ?? cause?.message ?? (e as Error).message ?? String(e);
  return new RemoteError('network', node, `POST ${path} failed (${why})`);
}
