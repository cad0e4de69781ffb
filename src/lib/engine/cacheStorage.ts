/**
 * Downloaded model files in the browser's Cache Storage, so a second visit downloads nothing. Finished files are
 * stored under their URL; a partial download under `<url>#partial`, with its ETag and total in headers.
 */
import type { BlobCache, PartialDownload } from './download';

export const MODEL_CACHE_NAME = 'spikescore-models-v1';

export class CacheStorageBlobCache implements BlobCache {
  constructor(private readonly name = MODEL_CACHE_NAME) {}
  private open() {
    return caches.open(this.name);
  }
  async get(key: string) {
    const r = await (await this.open()).match(key);
    return r ? new Uint8Array(await r.arrayBuffer()) : null;
  }
  async put(key: string, bytes: Uint8Array) {
    await (await this.open()).put(key, new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'content-length': String(bytes.length) } }));
  }
  async getPartial(key: string): Promise<PartialDownload | null> {
    const r = await (await this.open()).match(`${key}#partial`);
    if (!r) return null;
    const total = r.headers.get('x-total');
    return { bytes: new Uint8Array(await r.arrayBuffer()), etag: r.headers.get('x-etag'), total: total ? Number(total) : null };
  }
  async putPartial(key: string, p: PartialDownload) {
    const headers: Record<string, string> = {};
    if (p.etag) headers['x-etag'] = p.etag;
    if (p.total !== null) headers['x-total'] = String(p.total);
    await (await this.open()).put(`${key}#partial`, new Response(p.bytes as Uint8Array<ArrayBuffer>, { headers }));
  }
  async deletePartial(key: string) {
    await (await this.open()).delete(`${key}#partial`);
  }
  async delete(key: string) {
    const c = await this.open();
    await c.delete(key);
    await c.delete(`${key}#partial`);
  }
  async list() {
    const c = await this.open();
    const out: { key: string; bytes: number }[] = [];
    for (const req of await c.keys()) {
      if (req.url.endsWith('#partial')) continue;
      const r = await c.match(req);
      out.push({ key: req.url, bytes: Number(r?.headers.get('content-length') ?? 0) });
    }
    return out;
  }
}
