/**
 * What went wrong talking to a remote node, as data: which node (by its configured name, never its address or
 * token), what kind of failure, and whether trying again (on another node) can help. The pool retries retryable
 * errors and counts node faults towards marking a node down; a non-retryable error fails the item at once.
 */

export type RemoteErrorKind =
  /** Connection refused, reset or dropped: the node is gone or restarting. */
  | 'network'
  /** No answer within the request timeout: the node hangs or is overloaded. */
  | 'timeout'
  /** HTTP 5xx, 429 or 408: the node is unhealthy or busy. */
  | 'server'
  /** HTTP 4xx other than 408/429: the request itself is wrong; another node will refuse it too. */
  | 'request'
  /** HTTP 401/403: the node refused our token. */
  | 'auth'
  /** The answer is not what the protocol promises (bad JSON, missing fields, wrong lengths). */
  | 'protocol'
  /** The caller's signal aborted the request. */
  | 'cancelled';

const RETRYABLE: Readonly<Record<RemoteErrorKind, boolean>> = {
  network: true,
  timeout: true,
  server: true,
  request: false,
  auth: false,
  protocol: true,
  cancelled: false
};

export class RemoteError extends Error {
  readonly kind: RemoteErrorKind;
  /** The node's configured name (e.g. `gpu-a`), never its URL. */
  readonly node: string;
  readonly status: number | null;
  readonly retryable: boolean;
  /** A fault of the node (counts towards marking it down) rather than of the request or the caller. */
  readonly nodeFault: boolean;
  constructor(kind: RemoteErrorKind, node: string, message: string, status: number | null = null) {
    super(`${node}: ${message}`);
    this.name = 'RemoteError';
    this.kind = kind;
    this.node = node;
    this.status = status;
    this.retryable = RETRYABLE[kind];
    // A node whose token is refused is misconfigured: it counts as down so the pool stops sending it work.
    this.nodeFault = kind === 'network' || kind === 'timeout' || kind === 'server' || kind === 'protocol' || kind === 'auth';
  }
}

/** The kind of an HTTP status that is not 2xx. */
export function statusKind(status: number): RemoteErrorKind {
  if (status === 401 || status === 403) return 'auth';
  if (status === 408 || status === 429 || status >= 500) return 'server';
  return 'request';
}
