/**
 * A folder served over HTTP on 127.0.0.1, laid out like the hub (`<root>/<model>/config.json`, …), for tests:
 * CORS for the app's cross-origin fetches, Range requests for resumed downloads, ETags, and a switch that cuts
 * the next download of a file after some bytes (an interrupted download).
 */
import { createReadStream, promises as fs } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';

export interface HubServer {
  readonly url: string;
  /** `http://127.0.0.1:PORT/{model}/`: the app's hub-address setting. */
  readonly template: string;
  /** Requests seen: path, Range header, bytes sent. */
  readonly log: { path: string; range: string | undefined; status: number }[];
  /** The next request for `path` sends `bytes` bytes and then drops the connection. */
  cutNext(path: string, bytes: number): void;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = { '.json': 'application/json', '.onnx': 'application/octet-stream', '.txt': 'text/plain' };

export async function startHubServer(root: string, port = 0): Promise<HubServer> {
  const log: HubServer['log'] = [];
  const cuts = new Map<string, number>();
  const server: Server = createServer(async (req, res) => {
    const cors = {
      'access-control-allow-origin': '*',
      'access-control-allow-headers': 'range, if-range',
      'access-control-expose-headers': 'content-length, content-range, etag',
      'cross-origin-resource-policy': 'cross-origin'
    };
    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors).end();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(url.pathname);
    // Test control, for tests running in other processes: cut the next download of a file, read the request log.
    if (path === '/__control/cut') {
      cuts.set(url.searchParams.get('path') ?? '', Number(url.searchParams.get('bytes') ?? 0));
      res.writeHead(204, cors).end();
      return;
    }
    if (path === '/__control/log') {
      res.writeHead(200, { ...cors, 'content-type': 'application/json' }).end(JSON.stringify(log));
      return;
    }
    const file = normalize(join(root, path));
    if (!file.startsWith(normalize(root))) {
      res.writeHead(403, cors).end();
      return;
    }
    const st = await fs.stat(file).catch(() => null);
    if (!st || !st.isFile()) {
      log.push({ path, range: req.headers.range, status: 404 });
      res.writeHead(404, cors).end('not found');
      return;
    }
    const etag = `"${st.size}-${st.mtimeMs}"`;
    let start = 0;
    let status = 200;
    const range = req.headers.range;
    if (range && (!req.headers['if-range'] || req.headers['if-range'] === etag)) {
      const m = /bytes=(\d+)-/.exec(range);
      if (m) {
        start = Number(m[1]);
        status = 206;
      }
    }
    log.push({ path, range, status });
    const headers: Record<string, string> = {
      ...cors,
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': String(st.size - start),
      etag,
      'accept-ranges': 'bytes'
    };
    if (status === 206) headers['content-range'] = `bytes ${start}-${st.size - 1}/${st.size}`;
    res.writeHead(status, headers);
    const cut = cuts.get(path);
    if (cut !== undefined) {
      cuts.delete(path);
      const stream = createReadStream(file, { start, end: start + cut - 1 });
      stream.pipe(res, { end: false });
      // Close the connection a moment after the last byte: a stream that errors discards the chunks its reader
      // has not taken yet, so on a busy machine an immediate reset could leave the client with nothing to resume.
      stream.on('end', () => setTimeout(() => res.destroy(), 300));
      return;
    }
    createReadStream(file, { start }).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const addr = server.address() as { port: number };
  const url = `http://127.0.0.1:${addr.port}`;
  return {
    url,
    template: `${url}/{model}/`,
    log,
    cutNext: (p, bytes) => cuts.set(p, bytes),
    close: () => new Promise((resolve) => server.close(() => resolve()))
  };
}
