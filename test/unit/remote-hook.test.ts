import { describe, expect, it, vi } from 'vitest';

// The hook reads the server's environment through SvelteKit's `$env/dynamic/private`; here it is a plain object.
const env: Record<string, string | undefined> = {};
vi.mock('$env/dynamic/private', () => ({ env }));
const { handle } = await import('../../src/hooks.server');

type HandleInput = Parameters<typeof handle>[0];

function call(path: string, headers: Record<string, string> = {}) {
  let resolved = 0;
  const event = { url: new URL(`http://127.0.0.1${path}`), request: new Request(`http://127.0.0.1${path}`, { headers }) } as unknown as HandleInput['event'];
  const resolve = (async () => {
    resolved++;
    return new Response('page', { status: 200 });
  }) as unknown as HandleInput['resolve'];
  return { response: handle({ event, resolve }) as Promise<Response>, resolved: () => resolved };
}

describe('hooks.server handle', () => {
  it('handle refuses /api/* without the server token (503 when none is set, 401 otherwise) and keeps COOP/COEP on every response', async () => {
    delete env.SPIKESCORE_API_TOKEN;
    const off = call('/api/remote/runs', { authorization: 'Bearer x' });
    const r1 = await off.response;
    expect(r1.status).toBe(503);
    expect(off.resolved()).toBe(0);
    expect(r1.headers.get('cross-origin-embedder-policy')).toBe('require-corp');

    env.SPIKESCORE_API_TOKEN = 'hook-token';
    const bad = call('/api/remote', { authorization: 'Bearer wrong' });
    expect((await bad.response).status).toBe(401);
    expect(bad.resolved()).toBe(0);
    const good = call('/api/remote', { authorization: 'Bearer hook-token' });
    expect((await good.response).status).toBe(200);
    expect(good.resolved()).toBe(1);

    const page = call('/');
    const r2 = await page.response;
    expect(r2.status).toBe(200);
    expect(r2.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(r2.headers.get('cross-origin-resource-policy')).toBe('same-origin');
  });
});
