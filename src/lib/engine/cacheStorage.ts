/**
 * Downloaded model files in the browser's Cache Storage, so a second visit downloads nothing. Finished files are
 * stored under their URL in one cache; partial downloads, with their ETag and total in headers, in a second cache.
 * (Two caches, not a `#partial` suffix: Cache Storage ignores URL fragments when matching, so a suffixed entry would
 * be found as the finished file.)
 */
import type { BlobCache, PartialDownload } from './download';

export const MODEL_CACHE_NAME = 'spikescore-models-v1';
export const PARTIAL_CACHE_NAME = 'spikescore-partial-v1';

export class CacheStorageBlobCache implements BlobCache {
  constructor(
    private readonly name = MODEL_CACHE_NAME,
    private readonly partialName = PARTIAL_CACHE_NAME
  ) {}
  private open() {
    return caches.open(this.name);
  }
  private openPartial() {
    return caches.open(this.partialName);
  }
  async get(key: string) {
    const r = await (await this.open()).match(key);
    return r ? new Uint8Array(await r.arrayBuffer()) : null;
  }
  async put(key: string, bytes: Uint8Array) {
    await (await this.open()).put(key, new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'content-length': String(bytes.length) } }));
  }
  async getPartial(key: string): Promise<PartialDownload | null> {
    const r = await (await this.openPartial()).match(key);
    if (!r) return null;
    const total = r.headers.get('x-total');
    return { bytes: new Uint8Array(await r.arrayBuffer()), etag: r.headers.get('x-etag'), total: total ? Number(total) : null };
  }
  async putPartial(key: string, p: PartialDownload) {
    const headers: Record<string, string> = {};
    if (p.etag) headers['x-etag'] = p.etag;
    if (p.total !== null) headers['x-total'] = String(p.total);
    await (await this.openPartial()).put(key, new Response(p.bytes as Uint8Array<ArrayBuffer>, { headers }));
  }
  async deletePartial(key: string) {
    await (await this.openPartial()).delete(key);
  }
  async delete(key: string) {
    await (await this.open()).delete(key);
    await this.deletePartial(key);
  }
  async list() {
    const c = await this.open();
    const out: { key: string; bytes: number }[] = [];
    for (const req of await c.keys()) {
      const r = await c.match(req);
      out.push({ key: req.url, bytes: Number(r?.headers.get('content-length') ?? 0) });
    }
    return out;
  }
}
