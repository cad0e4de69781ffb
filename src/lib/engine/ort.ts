/**
 * The onnxruntime-web module the engine runs on, injected once by the entry point: browser code imports
 * `onnxruntime-web/webgpu` (the entry transformers.js itself uses, so one runtime ships), Node imports plain
 * `onnxruntime-web` (its WASM backend). The engine never imports ORT itself.
 */
export type Ort = typeof import('onnxruntime-web');
export type OrtTensor = import('onnxruntime-web').Tensor;
export type OrtSession = import('onnxruntime-web').InferenceSession;

let current: Ort | null = null;

export function useOrt(ort: Ort): void {
  current = ort;
}

export function getOrt(): Ort {
  if (!current) throw new Error('the engine has no onnxruntime module: call useOrt(ort) at start-up');
  return current;
}

/** The ORT version string, for provenance. */
export function ortVersion(): string | null {
  const env = current?.env as { versions?: { web?: string; common?: string } } | undefined;
  return env?.versions?.web ?? env?.versions?.common ?? null;
}
