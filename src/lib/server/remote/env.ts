/**
 * The server's remote configuration, from its environment only (never from a request):
 *
 *   SPIKESCORE_API_TOKEN              bearer token every /api/* request must carry (unset: the API answers 503)
 *   SPIKESCORE_REMOTE_NODES           the pool: JSON, or the path of a JSON file (`config.ts`, RemotePoolConfig);
 *                                     a JSON list of engines is accepted with the two variables below
 *   SPIKESCORE_REMOTE_MODEL           the model the engines serve (with a list of engines)
 *   SPIKESCORE_REMOTE_TOKENIZER       folder or URL with its config.json and tokenizer.json (with a list)
 *   SPIKESCORE_DATA_DIR               server data dir (default ./data); the journal goes in remote-journal/
 *   SPIKESCORE_JOURNAL_DAYS           journals of runs untouched this many days are deleted at start (default 30;
 *                                     0 keeps them forever)
 *   SPIKESCORE_REMOTE_MAX_BODY_BYTES  largest request body (default 524288; raise BODY_SIZE_LIMIT with it)
 *   SPIKESCORE_REMOTE_MAX_ITEMS       most items per request (default 5000)
 *   <token_env of each node>          each node's own token
 */
import { promises as fs } from 'node:fs';
import { join, resolve } from 'node:path';
import { fail, ok, prettifyIssues, type Result } from '../../core/issues';
import { parseRemotePoolConfig, type RemotePoolConfig } from '../../engine/remote/config';

export type Env = Readonly<Record<string, string | undefined>>;

export interface RemoteEnv {
  readonly token: string | null;
  readonly journalDir: string;
  /** Journals untouched longer than this are pruned at start; null keeps them forever. */
  readonly journalMaxAgeDays: number | null;
  /** Why SPIKESCORE_JOURNAL_DAYS was not understood (then nothing is pruned), or null. */
  readonly journalDaysProblem: string | null;
  readonly maxBodyBytes: number;
  readonly maxItems: number;
}

function positive(env: Env, name: string, fallback: number): number {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** SPIKESCORE_JOURNAL_DAYS: unset → 30; a whole number of days; 0 → never. Anything else prunes nothing, and says so. */
function journalDays(env: Env): { journalMaxAgeDays: number | null; journalDaysProblem: string | null } {
  const v = env.SPIKESCORE_JOURNAL_DAYS?.trim();
  if (v === undefined || v === '') return { journalMaxAgeDays: 30, journalDaysProblem: null };
  if (/^\d+$/.test(v)) return { journalMaxAgeDays: Number(v) === 0 ? null : Number(v), journalDaysProblem: null };
  return {
    journalMaxAgeDays: null,
    journalDaysProblem: `SPIKESCORE_JOURNAL_DAYS must be a whole number of days (0 keeps the journals forever); got ${JSON.stringify(v)}, so no journal is pruned`
  };
}

export function readRemoteEnv(env: Env): RemoteEnv {
  return {
    token: env.SPIKESCORE_API_TOKEN || null,
    journalDir: join(resolve(env.SPIKESCORE_DATA_DIR || 'data'), 'remote-journal'),
    ...journalDays(env),
    maxBodyBytes: positive(env, 'SPIKESCORE_REMOTE_MAX_BODY_BYTES', 512 * 1024),
    maxItems: positive(env, 'SPIKESCORE_REMOTE_MAX_ITEMS', 5000)
  };
}

/** The pool configuration, or null when `SPIKESCORE_REMOTE_NODES` is unset. */
export async function readPoolConfig(env: Env): Promise<Result<RemotePoolConfig> | null> {
  const raw = env.SPIKESCORE_REMOTE_NODES?.trim();
  if (!raw) return null;
  const where = raw.startsWith('{') || raw.startsWith('[') ? 'SPIKESCORE_REMOTE_NODES' : raw;
  let text = raw;
  if (where !== 'SPIKESCORE_REMOTE_NODES') {
    try {
      text = await fs.readFile(raw, 'utf8');
    } catch (e) {
      return fail([{ code: 'not_found', path: [], where, message: `SPIKESCORE_REMOTE_NODES names a file that cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` }]);
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return fail([{ code: 'malformed', path: [], where, message: `the node pool is not valid JSON (${(e as Error).message})` }]);
  }
  if (Array.isArray(json)) json = { model: env.SPIKESCORE_REMOTE_MODEL, tokenizer: env.SPIKESCORE_REMOTE_TOKENIZER, nodes: json };
  const parsed = parseRemotePoolConfig(json, where);
  return parsed.ok ? ok(parsed.value) : fail(parsed.issues);
}

export function describeIssues(result: Result<unknown>): string {
  return result.ok ? '' : prettifyIssues(result.issues);
}
