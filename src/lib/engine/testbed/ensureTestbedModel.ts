/**
 * Node only: the built-in testbed model folder the CLI loads when a config names no `model_path`. Written once
 * per weights file from the committed `testbed/` files (`writeTestbedModel`) into the model cache, as
 * `<cacheDir>/builtin-testbed-<sha256 of the weights, 12 hex>-v<format>`, and reused afterwards.
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

export async function ensureTestbedModel(cacheDir: string, options: { readonly sourceDir?: string; readonly onProgress?: (message: string) => void } = {}): Promise<string> {
  const source = options.sourceDir ?? TESTBED_DIR;
  let weights: Uint8Array;
  try {
    weights = new Uint8Array(await readFile(join(source, 'weights.safetensors')));
  } catch {
    throw new InputError([{ code: 'not_found', path: ['model_path'], where: source, message: `the built-in testbed model needs ${join(source, 'weights.safetensors')}, which is missing (set model_path to a model folder or a hub id)` }]);
  }
  const sha = createHash('sha256').update(weights).digest('hex').slice(0, 12);
  const dir = join(cacheDir, `builtin-testbed-${sha}-v${TESTBED_FORMAT_VERSION}`);
  if (existsSync(join(dir, 'config.json'))) return dir;
  await mkdir(cacheDir, { recursive: true });
  const tmp = `${dir}.${randomBytes(4).toString('hex')}.tmp`;
  options.onProgress?.(`writing the built-in testbed model to ${dir}`);
  try {
    await writeTestbedModel(tmp, { sourceDir: source });
    await rename(tmp, dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    // Another process may have put the same folder in place meanwhile: that one is complete, use it.
    if (existsSync(join(dir, 'config.json'))) return dir;
    throw err;
  }
  return dir;
}
