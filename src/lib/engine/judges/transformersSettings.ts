/**
 * Where transformers.js looks for an NLI model, set on its global `env` object (names as transformers.js spells
 * them). The same settings serve Node (the CLI, tests) and a browser worker.
 *
 * - A local folder: `localModelPath` is the folder that holds `<model id>/config.json`, `<model id>/onnx/…`
 *   (a file-system path in Node; a URL path such as `/models/` in a browser). `allowLocalModels` turns on.
 * - A hub: `remoteHost` (default the Hugging Face Hub) serves `<remoteHost><model>/resolve/<revision>/<file>`;
 *   `allowRemoteModels` turns on. A local mirror laid out the same way works too (tests use one on 127.0.0.1).
 *
 * `env` is global to transformers.js: apply settings right before a load and load one model at a time.
 */

/** The part of transformers.js's `env` we touch (kept structural so this file does not import the library). */
export interface TransformersEnvLike {
  allowRemoteModels: boolean;
  allowLocalModels: boolean;
  localModelPath: string;
  remoteHost: string;
  useFSCache: boolean;
  useBrowserCache: boolean;
  cacheDir: string | null;
  fetch: (input: string | URL, init?: unknown) => Promise<unknown>;
  backends: { onnx: { wasm?: { wasmPaths?: unknown } } };
}

export interface TransformersSettings {
  /** Folder holding `<model id>/…`; enables local models (and, unless `remoteHost` is set too, only those). */
  readonly localModelPath?: string;
  /** Hub base URL ending in `/`, e.g. `https://huggingface.co/` or `http://127.0.0.1:8000/`; enables remote models. */
  readonly remoteHost?: string;
  /** Override what the two above imply. */
  readonly allowRemoteModels?: boolean;
  readonly allowLocalModels?: boolean;
  /**
   * Keep downloaded files (Node: in `cacheDir`; browser: Cache Storage). Default: transformers.js's own default.
   * In Node a remote model needs it: transformers.js hands onnxruntime-node the cached file's path.
   */
  readonly cache?: boolean;
  /** Node only: where downloaded files are kept. */
  readonly cacheDir?: string;
  /**
   * Browser only: where onnxruntime-web's wasm lives. `null` clears the CDN address transformers.js sets on import,
   * so the wasm that vite bundled is used (needed offline, `stack.md`); leave undefined to keep it.
   */
  readonly wasmPaths?: string | null;
  /** The fetch transformers.js downloads with (a proxy, or `fixtureFetch` for the offline demo). Stays set. */
  readonly fetch?: (input: string | URL, init?: RequestInit) => Promise<Response>;
}

export function applyTransformersSettings(env: TransformersEnvLike, s: TransformersSettings): void {
  if (s.localModelPath !== undefined) {
    env.localModelPath = s.localModelPath.endsWith('/') ? s.localModelPath : `${s.localModelPath}/`;
    env.allowLocalModels = true;
    if (s.remoteHost === undefined) env.allowRemoteModels = false;
  }
  if (s.remoteHost !== undefined) {
    env.remoteHost = s.remoteHost.endsWith('/') ? s.remoteHost : `${s.remoteHost}/`;
    env.allowRemoteModels = true;
    if (s.localModelPath === undefined) env.allowLocalModels = false;
  }
  if (s.allowRemoteModels !== undefined) env.allowRemoteModels = s.allowRemoteModels;
  if (s.allowLocalModels !== undefined) env.allowLocalModels = s.allowLocalModels;
  if (s.cache !== undefined) {
    env.useFSCache = s.cache;
    // transformers.js throws if asked for Cache Storage where there is none (Node).
    env.useBrowserCache = s.cache && typeof (globalThis as { caches?: unknown }).caches !== 'undefined';
  }
  if (s.cacheDir !== undefined) env.cacheDir = s.cacheDir;
  if (s.fetch !== undefined) env.fetch = s.fetch as TransformersEnvLike['fetch'];
  if (s.wasmPaths !== undefined && env.backends.onnx.wasm) env.backends.onnx.wasm.wasmPaths = s.wasmPaths ?? undefined;
}
