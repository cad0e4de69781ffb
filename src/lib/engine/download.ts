/**
 * Our own streamed, resumable download with progress in bytes, into a cache (Cache Storage in browsers, a folder
 * in the CLI). A finished file is served from the cache with no request at all. An interrupted download keeps
 * the bytes it got; the next attempt asks for the rest with an HTTP Range request (`If-Range` on the ETag) and
 * appends them, or starts over when the server answers 200 instead of 206.
 */

export interface PartialDownload {
  readonly bytes: Uint8Array;
  readonly etag: string | null;
  readonly total: number | null;
}

/** Where downloaded files live between visits. Keys are URLs. */
export interface BlobCache {
  get(key: string): Promise<Uint8Array | null>;
  put(key: string, bytes: Uint8Array): Promise<void>;
  getPartial(key: string): Promise<PartialDownload | null>;
  putPartial(key: string, partial: PartialDownload): Promise<void>;
  deletePartial(key: string): Promise<void>;
  delete(key: string): Promise<void>;
  /** Keys and sizes of finished files. */
  list(): Promise<{ key: string; bytes: number }[]>;
}

export interface DownloadProgress {
  readonly url: string;
  readonly loaded: number;
  /** Null when the server sends no length. */
  readonly total: number | null;
  readonly fromCache: boolean;
}

export interface DownloadOptions {
  readonly cache?: BlobCache;
  readonly onProgress?: (p: DownloadProgress) => void;
  readonly signal?: AbortSignal;
  readonly fetch?: typeof fetch;
  /** Save partial bytes every this many bytes (default 16 MiB), so a crash loses little. */
  readonly checkpointBytes?: number;
}

export class DownloadError extends Error {
  constructor(
    message: string,
    readonly url: string,
    readonly status: number | null,
    readonly hint?: string
  ) {
    super(message);
    this.name = 'DownloadError';
  }
}

const STATUS_TEXT: Record<number, string> = {
  401: 'needs authentication (gated model: accept its licence on the hub, or pick another model)',
  403: 'is forbidden',
  404: 'does not exist',
  429: 'was refused: too many requests, try again in a minute',
  500: 'failed on the server',
  502: 'failed on the server (bad gateway)',
  503: 'failed: the server is unavailable'
};

function concat(chunks: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let pos = 0;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}

/** Downloads `url`, or returns null when it does not exist (HTTP 404). */
export async function download(url: string, options: DownloadOptions = {}): Promise<Uint8Array | null> {
  const { cache, onProgress, signal } = options;
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const cached = await cache?.get(url);
  if (cached) {
    onProgress?.({ url, loaded: cached.length, total: cached.length, fromCache: true });
    return cached;
  }
  const partial = await cache?.getPartial(url);
  const headers: Record<string, string> = {};
  if (partial && partial.bytes.length > 0) {
    headers.Range = `bytes=${partial.bytes.length}-`;
    if (partial.etag) headers['If-Range'] = partial.etag;
  }
  let res: Response;
  try {
    res = await doFetch(url, { headers, signal });
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new DownloadError(`could not reach ${url} (${(e as Error).message})`, url, null, 'check the hub address in Settings and your connection');
  }
  if (res.status === 404) return null;
  if (res.status === 416 && partial) {
    // Our partial is already complete or the file changed: start over.
    await cache?.deletePartial(url);
    return download(url, options);
  }
  if (!res.ok) throw new DownloadError(`${url} ${STATUS_TEXT[res.status] ?? `failed with HTTP ${res.status}`}`, url, res.status);
  const resumed = res.status === 206 && partial !== null && partial !== undefined;
  const etag = res.headers.get('etag');
  const length = Number(res.headers.get('content-length') ?? NaN);
  const start = resumed ? partial!.bytes.length : 0;
  const total = Number.isFinite(length) ? start + length : (partial?.total ?? null);
  const chunks: Uint8Array[] = resumed ? [partial!.bytes] : [];
  let loaded = start;
  let sinceCheckpoint = 0;
  const checkpoint = options.checkpointBytes ?? 16 * 2 ** 20;
  onProgress?.({ url, loaded, total, fromCache: false });
  const save = async () => {
    if (cache && loaded > 0) await cache.putPartial(url, { bytes: concat(chunks, loaded), etag: etag ?? partial?.etag ?? null, total });
  };
  try {
    if (!res.body) throw new Error('the response has no body');
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.length;
      sinceCheckpoint += value.length;
      onProgress?.({ url, loaded, total, fromCache: false });
      if (sinceCheckpoint >= checkpoint) {
        sinceCheckpoint = 0;
        await save();
      }
    }
  } catch (e) {
    await save();
    if (signal?.aborted) throw e;
    throw new DownloadError(
      `the download of ${url} was interrupted at ${loaded} of ${total ?? '?'} bytes (${(e as Error).message}); it resumes from there next time`,
      url,
      null,
      'try again: the bytes already downloaded are kept'
    );
  }
  if (total !== null && loaded !== total) {
    await save();
    throw new DownloadError(`the download of ${url} ended at ${loaded} of ${total} bytes; it resumes from there next time`, url, null);
  }
  const bytes = concat(chunks, loaded);
  if (cache) {
    await cache.put(url, bytes);
    await cache.deletePartial(url);
  }
  return bytes;
}

/** A cache in memory (tests, and pages where Cache Storage is unavailable). */
export class MemoryBlobCache implements BlobCache {
  private readonly done = new Map<string, Uint8Array>();
  private readonly partial = new Map<string, PartialDownload>();
  async get(key: string) {
    return this.done.get(key) ?? null;
  }
  async put(key: string, bytes: Uint8Array) {
    this.done.set(key, bytes);
  }
  async getPartial(key: string) {
    return this.partial.get(key) ?? null;
  }
  async putPartial(key: string, p: PartialDownload) {
    this.partial.set(key, p);
  }
  async deletePartial(key: string) {
    this.partial.delete(key);
  }
  async delete(key: string) {
    this.done.delete(key);
    this.partial.delete(key);
  }
  async list() {
    return [...this.done.entries()].map(([key, b]) => ({ key, bytes: b.length }));
  }
}
