/** `GET /api/remote`: whether remote runs are available here, and the nodes' state (names, never addresses). */
import { env } from '$env/dynamic/private';
import { remoteService } from '$lib/server/remote';
import type { RequestHandler } from './$types';

export const prerender = false;

export const GET: RequestHandler = async ({ request }) => (await remoteService(env)).handleStatus(request);
