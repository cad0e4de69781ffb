import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { download, DownloadError, MemoryBlobCache, type BlobCache, type DownloadProgress } from '../../src/lib/engine/download';
import { FsBlobCache } from '../../src/lib/engine/node/fsCache';
import { HubSource, hubFileUrl } from '../../src/lib/engine/sources';

const FILE = new Uint8Array(1_000_000).map((_, i) => (i * 7919) % 251);
/** Byte equality without vitest's element-by-element diffing (slow on a megabyte). */
const same = (a: Uint8Array | null, b: Uint8Array) => a !== null && Buffer.from(a).equals(Buffer.from(b));

/** A hub-like server: serves FILE with an ETag and Range support; `cutAfter` drops the connection mid-body. */
let server: Server;
let base = '';
const log: { range: string | undefined; sent: number }[] = [];
let cutAfter: number | null = null;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/m/onnx/model.onnx') {
      const range = req.headers.range;
      let start = 0;
      if (range) start = Number(/bytes=(\d+)-/.exec(range)![1]);
      const body = FILE.subarray(start);
      const entry = { range, sent: 0 };
      log.push(entry);
      res.writeHead(range ? 206 : 200, { 'content-length': String(body.length), etag: '"v1"', ...(range ? { 'content-range': `bytes ${start}-${FILE.length - 1}/${FILE.length}` } : {}) });
      if (cutAfter !== null) {
        const part = body.subarray(0, cutAfter);
        entry.sent = part.length;
        cutAfter = null;
        res.write(part, () => res.destroy());
        return;
      }
      entry.sent = body.length;
      res.end(body);
    } else if (req.url === '/m/broken.json') {
      res.writeHead(500).end('boom');
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address() as { port: number };
  base = `http://127.0.0.1:${addr.port}/{model}/`;
});
afterAll(() => server.close());

async function interruptedThenResumed(cache: BlobCache) {
  log.length = 0;
  const url = hubFileUrl(base, 'm', 'onnx/model.onnx');
  cutAfter = 300_000;
  const events: DownloadProgress[] = [];
  await expect(download(url, { cache, checkpointBytes: 50_000, onProgress: (p) => events.push(p) })).rejects.toThrow(/interrupted at \d+ of 1000000 bytes.*resumes from there/);
  const partial = await cache.getPartial(url);
  expect(partial!.bytes.length).toBeGreaterThan(0);
  const got = await download(url, { cache, onProgress: (p) => events.push(p) });
  expect(same(got, FILE)).toBe(true);
  // The second request asked only for the rest, and the server sent only the rest.
  expect(log[1].range).toBe(`bytes=${partial!.bytes.length}-`);
  expect(log[1].sent).toBe(FILE.length - partial!.bytes.length);
  // Progress: loaded never decreases within an attempt, total is fixed, it ends at 100 %.
  const second = events.slice(events.findIndex((e, i) => i > 0 && e.loaded < events[i - 1].loaded));
  for (let i = 1; i < second.length; i++) expect(second[i].loaded).toBeGreaterThanOrEqual(second[i - 1].loaded);
  expect(new Set(events.map((e) => e.total))).toEqual(new Set([FILE.length]));
  expect(events.at(-1)!.loaded).toBe(FILE.length);
  // A second visit downloads nothing.
  log.length = 0;
  expect(same(await download(url, { cache }), FILE)).toBe(true);
  expect(log).toHaveLength(0);
}

describe('download', () => {
  it('download(url) resumes an interrupted download with a Range request, in a memory cache', async () => {
    await interruptedThenResumed(new MemoryBlobCache());
  });

  it('download(url) resumes an interrupted download with a Range request, in the CLI folder cache', async () => {
    await interruptedThenResumed(new FsBlobCache(mkdtempSync(join(tmpdir(), 'dl-'))));
  });

  it('download(url) returns null for a missing file and names the URL and status for a server error', async () => {
    const src = new HubSource('m', base, new MemoryBlobCache());
    expect(await src.read('nope.json')).toBeNull();
    const err = await src.read('broken.json').catch((e) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect(err.message).toBe(`${hubFileUrl(base, 'm', 'broken.json')} failed on the server`);
  });

  it('hubFileUrl(template, model, path) fills {model}, and appends the model to a plain base', () => {
    expect(hubFileUrl('https://huggingface.co/{model}/resolve/main/', 'a/b', 'onnx/x.onnx')).toBe('https://huggingface.co/a/b/resolve/main/onnx/x.onnx');
    expect(hubFileUrl('http://127.0.0.1:9/models', 'demo', 'config.json')).toBe('http://127.0.0.1:9/models/demo/config.json');
  });
});
