/**
 * Bearer-token check for every `/api/*` request (called from the `handle` hook in `src/hooks.server.ts`, and again
 * by the remote service itself, so the handler is safe when mounted elsewhere, as in the tests).
 *
 * - No `SPIKESCORE_API_TOKEN` on the server: 503, the API is off (never open without a token).
 * - No `Authorization: Bearer …` header, or a wrong token: 401 with `WWW-Authenticate: Bearer`.
 * Tokens are compared in constant time (over their SHA-256, so lengths leak nothing either).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers } });
}

/** A refusal response, or null when the request carries the server's token. */
export function authorize(request: Request, serverToken: string | null | undefined): Response | null {
  if (!serverToken) return jsonResponse(503, { error: 'the API is disabled: the server has no SPIKESCORE_API_TOKEN set' });
  const header = request.headers.get('authorization') ?? '';
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) return jsonResponse(401, { error: 'this API needs an Authorization: Bearer <token> header' }, { 'www-authenticate': 'Bearer' });
  if (!timingSafeEqual(digest(m[1]), digest(serverToken))) return jsonResponse(401, { error: 'the bearer token is not valid' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
  return null;
}
