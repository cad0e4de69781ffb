/**
 * Files for the CLI side of the store (Node only; the page uses IndexedDB). Every write is atomic: the bytes go to
 * a temporary file in the same folder, which is then renamed over the target, so a crash or a full disk never
 * leaves a half-written file and never loses the previous version.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { InputError } from '../../core/issues';

export async function atomicWrite(path: string, data: string | Uint8Array): Promise<void> {
  await fs.mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await fs.open(tmp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, path);
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOSPC' || e.code === 'EDQUOT') {
      throw Object.assign(new Error(`no space left to write ${path}; nothing was changed (the previous version, if any, is intact)`), {
        hint: 'free some disk space and run the command again (with --resume where it applies)'
      });
    }
    throw err;
  }
}

export async function atomicWriteJson(path: string, value: unknown): Promise<void> {
  await atomicWrite(path, JSON.stringify(value, null, 2) + '\n');
}

/** Reads and parses JSON, or throws an `InputError` naming the file (and the position for bad JSON). */
export async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new InputError([{ code: 'not_found', path: [], message: `${path}: no such file`, where: path }]);
    throw err;
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InputError([{ code: 'malformed', path: [], message: `${path}: not valid JSON (${(err as Error).message})`, where: path }]);
  }
}

export interface ScanOptions {
  /** Descend into sub-folders (default true). */
  readonly recursive?: boolean;
  /** Which file names to keep (default: `*.json`). */
  readonly match?: (name: string) => boolean;
}

/**
 * Files under `dir`, sorted by path so every run visits them in the same order. Temporary files of atomic writes
 * (`.*.tmp`) and hidden files are skipped. A missing folder is an `InputError`.
 */
export async function listFiles(dir: string, options: ScanOptions = {}): Promise<string[]> {
  const recursive = options.recursive ?? true;
  const match = options.match ?? ((n: string) => n.endsWith('.json'));
  try {
    const st = await fs.stat(dir);
    if (!st.isDirectory()) throw new InputError([{ code: 'invalid_value', path: [], message: `${dir} is not a folder`, where: dir }]);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError([{ code: 'not_found', path: [], message: `${dir}: no such folder`, where: dir }]);
  }
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = await fs.readdir(d, { withFileTypes: true });
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (recursive) await walk(p);
      } else if (e.isFile() && match(e.name)) out.push(p);
    }
  };
  await walk(dir);
  return out.sort((a, b) => relative(dir, a).localeCompare(relative(dir, b)));
}

export async function exists(path: string): Promise<boolean> {
  try {
    await fs.access(path);
    return true;
  } catch {
    return false;
  }
}
