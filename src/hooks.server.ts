import type { Handle } from '@sveltejs/kit';

/**
 * Every response is cross-origin isolated (COOP/COEP), so onnxruntime-web can use SharedArrayBuffer and run
 * threaded WASM. Vite's dev and preview servers set the same headers (vite.config.ts).
 */
export const handle: Handle = async ({ event, resolve }) => {
  const response = await resolve(event);
  response.headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  response.headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  response.headers.set('Cross-Origin-Resource-Policy', 'same-origin');
  return response;
};
