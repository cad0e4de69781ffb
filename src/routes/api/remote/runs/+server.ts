/**
 * `POST /api/remote/runs`: a run (config + items) sharded over the server's node pool, results streamed back as
 * NDJSON, keyed by (run id, item id). Protocol: `src/lib/engine/remote/protocol.ts`; client: `client.ts`.
 * The bearer token is checked in the `handle` hook (every /api/* request) and again by the service.
 */
import { env } from '$env/dynamic/private';
import { remoteService } from '$lib/server/remote';
import type { RequestHandler } from './$types';

export const prerender = false;

export const POST: RequestHandler = async ({ request }) => (await remoteService(env)).handleRun(request);
