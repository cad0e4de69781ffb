/** The inference worker's one loaded model, shared by its APIs. */
import { CacheStorageBlobCache } from '../../src/lib/engine/cacheStorage';
import { loadModel } from '../../src/lib/engine/loadModel';
import type { LocalModel } from '../../src/lib/engine/localModel';
import { FileListSource, HubSource } from '../../src/lib/engine/sources';
import type { LoadProgress } from '../../src/lib/engine/types';
import type { LoadRequest } from '../protocol';
import { requestRegistry } from '../requests';

export const state: { model: LocalModel | null; lastRequest: LoadRequest | null; capturesAll: boolean } = {
  model: null,
  lastRequest: null,
  capturesAll: false
};

/** Requests in progress, by id, so the page can cancel them; `cancellable` runs one under its id. */
export const { controllers, cancellable } = requestRegistry();

export function requireModel(): LocalModel {
  if (!state.model) throw new Error('no model is loaded: pick one first');
  return state.model;
}

export async function loadFrom(request: LoadRequest, all: boolean, onProgress?: (p: LoadProgress) => void) {
  await state.model?.dispose();
  state.model = null;
  const source =
    request.kind === 'hub'
      ? new HubSource(request.model, request.template, request.cache === false ? undefined : new CacheStorageBlobCache())
      : new FileListSource(request.files);
  state.model = await loadModel(source, {
    modelId: request.kind === 'hub' ? request.model : request.label,
    dtype: request.dtype,
    backend: request.backend,
    ...(request.threads ? { threads: request.threads } : {}),
    captureModes: all ? ['all'] : [],
    onProgress: (p) => onProgress?.(p)
  });
  state.lastRequest = request;
  state.capturesAll = all;
  return state.model.info;
}
