/**
 * The CLI's download cache: one file per URL (named by its SHA-256) in a folder, `~/.cache/spikescore/models` by
 * default (`$XDG_CACHE_HOME` respected). Writes are atomic.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { atomicWrite } from '../../store/node/files';
import type { BlobCache, PartialDownload } from '../download';

export function defaultCacheDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'spikescore', 'models');
}

export class FsBlobCache implements BlobCache {
  constructor(readonly dir: string = defaultCacheDir()) {}
  private path(key: string, suffix = '') {
    return join(this.dir, createHash('sha256').update(key).digest('hex').slice(0, 32) + suffix);
  }
  private async read(p: string) {
    try {
      return new Uint8Array(await fs.readFile(p));
    } catch {
      return null;
    }
  }
  async get(key: string) {
    return this.read(this.path(key));
  }
  async put(key: string, bytes: Uint8Array) {
    await atomicWrite(this.path(key), bytes);
    await atomicWrite(this.path(key, '.url'), key);
  }
  async getPartial(key: string): Promise<PartialDownload | null> {
    const bytes = await this.read(this.path(key, '.partial'));
    if (!bytes) return null;
    const meta = await this.read(this.path(key, '.partial.json'));
    const m = meta ? (JSON.parse(new TextDecoder().decode(meta)) as { etag: string | null; total: number | null }) : { etag: null, total: null };
    return { bytes, etag: m.etag, total: m.total };
  }
  async putPartial(key: string, p: PartialDownload) {
    await atomicWrite(this.path(key, '.partial'), p.bytes);
    await atomicWrite(this.path(key, '.partial.json'), JSON.stringify({ etag: p.etag, total: p.total }));
  }
  async deletePartial(key: string) {
    await fs.rm(this.path(key, '.partial'), { force: true });
    await fs.rm(this.path(key, '.partial.json'), { force: true });
  }
  async delete(key: string) {
    await this.deletePartial(key);
    await fs.rm(this.path(key), { force: true });
    await fs.rm(this.path(key, '.url'), { force: true });
  }
  async list() {
    let names: string[] = [];
    try {
      names = await fs.readdir(this.dir);
    } catch {
      return [];
    }
    const out: { key: string; bytes: number }[] = [];
    for (const n of names.filter((x) => x.endsWith('.url'))) {
      const key = await fs.readFile(join(this.dir, n), 'utf8');
      const st = await fs.stat(join(this.dir, n.slice(0, -4))).catch(() => null);
      if (st) out.push({ key, bytes: st.size });
    }
    return out;
  }
}
