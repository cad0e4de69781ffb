/**
 * Node only: the built-in testbed model folder the CLI loads when a config names no `model_path`. Written once
 * from the committed `testbed/` files (`writeTestbedModel`) into the model cache, as
 * `<cacheDir>/builtin-testbed-<16 hex of testbedSourceHash>` (the weights, tokenizer, template and evaluation, and
 * the writer's format version), and reused afterwards.
 *
 * The folder is written under a temporary name and renamed into place only when complete, so an interrupted
 * write (a full disk, Ctrl-C) never leaves a half-written model where the next run would load it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../../core/issues';
import { TESTBED_DIR } from './files';
import { TESTBED_FORMAT_VERSION, writeTestbedModel } from './writeTestbedModel';

/** The model id runs on the built-in testbed record (the page's built-in entry has the same id). */
export const TESTBED_MODEL_ID = 'testbed';

/** The files the model folder is written from: a change to any of them (or to the writer) makes a new folder. */
export const TESTBED_SOURCE_FILES = ['weights.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'eval.json'] as const;

export interface EnsureTestbedOptions {
  readonly sourceDir?: string;
  readonly onProgress?: (message: string) => void;
  /** Writes the folder (default `writeTestbedModel`); tests pass one that fails midway. */
  readonly write?: (dir: string, sourceDir: string) => Promise<unknown>;
}

/** SHA-256 over the source files and the writer's format version: the key of the written folder. */
export async function testbedSourceHash(sourceDir: string = TESTBED_DIR): Promise<string> {
  const h = createHash('sha256').update(`testbed-model-v${TESTBED_FORMAT_VERSION}\n`);
  for (const name of TESTBED_SOURCE_FILES) {
    const path = join(sourceDir, name);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(path));
    } catch {
      throw new InputError([{ code: 'not_found', path: ['model_path'], where: sourceDir, message: `the built-in testbed model needs ${path}, which is missing (set model_path to a model folder or a hub id)` }]);
    }
    h.update(`${name} ${bytes.length}\n`).update(bytes);
  }
  return h.digest('hex');
}

export async function ensureTestbedModel(cacheDir: string, options: EnsureTestbedOptions = {}): Promise<string> {
  const source = options.sourceDir ?? TESTBED_DIR;
  const sha = (await testbedSourceHash(source)).slice(0, 16);
  const dir = join(cacheDir, `builtin-testbed-${sha}`);
  if (existsSync(join(dir, 'config.json'))) return dir;
  await mkdir(cacheDir, { recursive: true });
  const tmp = `${dir}.${randomBytes(4).toString('hex')}.tmp`;
  options.onProgress?.(`writing the built-in testbed model to ${dir}`);
  try {
    await (options.write ?? ((d, sourceDir) => writeTestbedModel(d, { sourceDir })))(tmp, source);
    await rename(tmp, dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    // Another process may have put the same folder in place meanwhile: that one is complete, use it.
    if (existsSync(join(dir, 'config.json'))) return dir;
    throw err;
  }
  return dir;
}
