/**
 * The server route's wire protocol (`POST /api/remote/runs`), shared by the server and `client.ts`.
 *
 * Request body (JSON):
 *
 *   { "run_id": "r-2026-01-05", "mode": "generate", "config": {…}, "items": [{ "id": "q1", … }, …] }
 *
 * `run_id` and each item `id` form the idempotency key (run id, item id). `mode` picks the per-item function the
 * server runs (`generate` built in; the dialogue runner registers `dialogue`); `config` is that mode's settings.
 * A body that names a node (`url`, `base_url`, `host`, `nodes`, `remote_engines`, … anywhere) is refused: nodes
 * are server configuration.
 *
 * Response: `application/x-ndjson`, one event per line, in this order: `accepted`; then per item, as items
 * complete, `item` or `item_failed` (and `warning` if a re-run differs from the result journalled before); then
 * `done`. A stream that ends without `done` was cut: the client resubmits the items it lacks.
 */
import type { Issue } from '../../core/issues';

export const RUNS_PATH = '/api/remote/runs';

export interface RunRequest {
  readonly run_id: string;
  readonly mode?: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly items: readonly RunItem[];
}

/** One item: an id plus whatever the mode reads (`messages` or `question` for `generate`). */
export interface RunItem {
  readonly id: string;
  readonly [field: string]: unknown;
}

export type RunEvent =
  | { readonly type: 'accepted'; readonly run_id: string; readonly items: number; readonly nodes: number; readonly replayed: number }
  | {
      readonly type: 'item';
      readonly run_id: string;
      readonly item_id: string;
      /** The node's configured name (never its address). */
      readonly node: string;
      readonly attempts: number;
      /** `encodeWire` of the mode's result. */
      readonly result: unknown;
      /** SHA-256 of the encoded result, for the client's own checks. */
      readonly digest: string;
    }
  | { readonly type: 'item_failed'; readonly run_id: string; readonly item_id: string; readonly error: string; readonly attempts: number }
  | { readonly type: 'warning'; readonly run_id: string; readonly item_id?: string; readonly message: string }
  | { readonly type: 'done'; readonly run_id: string; readonly done: number; readonly failed: number; readonly cancelled: number };

/** A JSON error body of a refused request: `{error, issues?}`. */
export interface RefusalBody {
  readonly error: string;
  readonly issues?: readonly Issue[];
}
