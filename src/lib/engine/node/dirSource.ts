/** A model folder on disk (the CLI, `npm run smoke`). */
import { promises as fs } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DownloadProgress } from '../download';
import type { FileSource } from '../sources';

export class DirSource implements FileSource {
  readonly label: string;
  constructor(readonly dir: string) {
    this.label = resolve(dir);
  }
  async read(path: string, options: { onProgress?: (p: DownloadProgress) => void } = {}) {
    try {
      const bytes = new Uint8Array(await fs.readFile(join(this.dir, path)));
      options.onProgress?.({ url: join(this.label, path), loaded: bytes.length, total: bytes.length, fromCache: false });
      return bytes;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }
}
