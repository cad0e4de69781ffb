import type { Handle } from '@sveltejs/kit';
import { env } from '$env/dynamic/private';
import { authorize } from '$lib/server/remote/auth';
import { dialogueMode } from '$lib/server/remote/dialogueMode';
import { registerRemoteMode } from '$lib/server/remote/instance';

// Remote runs of whole SpikeScore dialogues (mode "dialogue"), beside the built-in one-turn mode "generate".
registerRemoteMode('dialogue', dialogueMode);

/**
 * Every response is cross-origin isolated (COOP/COEP), so onnxruntime-web can use SharedArrayBuffer and run
 * threaded WASM. Vite's dev and preview servers set the same headers (vite.config.ts).
 *
 * Every `/api/*` request needs `Authorization: Bearer $SPIKESCORE_API_TOKEN` (the server's environment); without
 * a token configured the API is off (503). Layouts do not apply to `+server` routes, so the check lives here.
 */
export const handle: Handle = async ({ event, resolve }) => {
  const denied = event.url.pathname.startsWith('/api/') ? authorize(event.request, env.SPIKESCORE_API_TOKEN) : null;
  const response = denied ?? (await resolve(event));
  response.headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  response.headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  response.headers.set('Cross-Origin-Resource-Policy', 'same-origin');
  return response;
};
