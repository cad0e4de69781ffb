/**
 * The remote service mounted in a node:http server on 127.0.0.1, in-process: the same Fetch-API handlers the
 * SvelteKit route calls (`RemoteService.handleRun/handleStatus`), reached over real HTTP. Restarting = closing this
 * server and its service (connections dropped, runs aborted) and starting a new service on the same port with the
 * same journal folder, which is what a process restart leaves behind (the journal on disk, nothing in memory).
 * We mount the handler in-process rather than starting the built app so a test run needs no `vite build`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { RemoteService, type RemoteServiceOptions } from '../../src/lib/server/remote/service';

export interface RouteServer {
  readonly url: string;
  readonly port: number;
  readonly service: RemoteService;
  /** Drops every connection and stops the service (a crash, as far as clients can tell). */
  stop(): Promise<void>;
}

function toRequest(req: IncomingMessage, base: string, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  return new Request(new URL(req.url ?? '/', base), {
    method: req.method,
    headers,
    signal,
    ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: 'half' } : {})
  } as RequestInit);
}

async function send(res: ServerResponse, response: Response): Promise<void> {
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  res.on('close', () => void reader.cancel().catch(() => undefined));
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await new Promise((r) => res.once('drain', r));
    }
    res.end();
  } catch {
    res.destroy();
  }
}

export async function startRouteServer(options: RemoteServiceOptions, port = 0): Promise<RouteServer> {
  const service = new RemoteService(options);
  const sockets = new Set<Socket>();
  const server: Server = createServer(async (req, res) => {
    const ctrl = new AbortController();
    res.on('close', () => ctrl.abort());
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const request = toRequest(req, base, ctrl.signal);
    const path = new URL(request.url).pathname;
    const response = path === '/api/remote/runs' && req.method === 'POST' ? await service.handleRun(request) : path === '/api/remote' && req.method === 'GET' ? await service.handleStatus(request) : new Response('not found', { status: 404 });
    await send(res, response);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actual = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    service,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await service.close();
    }
  };
}
