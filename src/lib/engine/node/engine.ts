/**
 * The engine in Node (CLI, tests, benchmarks): onnxruntime-web's WASM backend, the same code and numerics as the
 * page's WASM path.
 */
import * as ort from 'onnxruntime-web';
import { loadModel, type LoadOptions } from '../loadModel';
import type { LocalModel } from '../localModel';
import { useOrt } from '../ort';
import { DirSource } from './dirSource';

let ready = false;

export function initNodeEngine(): typeof ort {
  if (!ready) {
    useOrt(ort);
    ort.env.logLevel = 'error';
    ready = true;
  }
  return ort;
}

/** Loads a hub-like model folder from disk. */
export async function loadModelFromDir(dir: string, options: Partial<LoadOptions> = {}): Promise<LocalModel> {
  initNodeEngine();
  return loadModel(new DirSource(dir), { modelId: options.modelId ?? dir.split('/').filter(Boolean).pop() ?? dir, ...options });
}
