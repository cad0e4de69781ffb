/**
 * Which backend runs a model, and why, in one function. WebGPU when an adapter exists and, for fp16 weights,
 * only when it has `shader-f16` (without it ORT silently returns zeros, stack.md §2); otherwise WASM, threaded
 * when the page is cross-origin isolated.
 */
import type { Backend, ModelDtype } from './types';

export interface GpuFacts {
  readonly architecture: string;
  readonly vendor: string;
  readonly shaderF16: boolean;
  readonly maxBufferSize: number;
  readonly maxStorageBufferBindingSize: number;
}

export interface BackendRequest {
  readonly requested: 'auto' | 'webgpu' | 'wasm';
  readonly dtype: ModelDtype;
  /** Null when there is no WebGPU adapter (or no WebGPU at all, as in Node). */
  readonly gpu: GpuFacts | null;
  readonly inNode: boolean;
  readonly crossOriginIsolated: boolean;
  readonly hardwareConcurrency: number;
  /** A thread count the user asked for (CLI `--threads`); clamped to what is possible. */
  readonly threads?: number;
}

export interface BackendChoice {
  readonly backend: Exclude<Backend, 'remote'>;
  readonly reason: string;
  readonly threads: number;
}

const needsF16 = (dtype: ModelDtype) => dtype === 'fp16' || dtype === 'q4f16';

export function chooseBackend(req: BackendRequest): BackendChoice {
  const maxThreads = req.inNode || req.crossOriginIsolated ? Math.max(1, Math.min(4, req.hardwareConcurrency)) : 1;
  const threads = Math.max(1, Math.min(req.threads ?? maxThreads, maxThreads));
  const wasmWhy = req.inNode
    ? `Node runs onnxruntime-web's WASM backend, ${threads} thread${threads > 1 ? 's' : ''}`
    : req.crossOriginIsolated
      ? `WASM, ${threads} thread${threads > 1 ? 's' : ''}`
      : 'WASM, single-threaded because the page is not cross-origin isolated (no COOP/COEP headers)';
  const wasm = (why: string): BackendChoice => ({ backend: 'wasm', reason: `${why}: ${wasmWhy}`, threads });
  if (req.requested === 'wasm') return wasm('WASM requested');
  if (req.inNode) return wasm(req.requested === 'webgpu' ? 'WebGPU is not available in Node' : 'no WebGPU in Node');
  if (!req.gpu) return wasm(req.requested === 'webgpu' ? 'WebGPU requested but this browser has no WebGPU adapter' : 'no WebGPU adapter');
  if (needsF16(req.dtype) && !req.gpu.shaderF16) {
    return wasm(`the WebGPU adapter (${req.gpu.architecture || req.gpu.vendor || 'unknown'}) has no shader-f16, and ${req.dtype} weights would give all-zero outputs there`);
  }
  return {
    backend: 'webgpu',
    reason: `WebGPU (${req.gpu.vendor || 'adapter'}${req.gpu.architecture ? ' ' + req.gpu.architecture : ''}${needsF16(req.dtype) ? ', shader-f16' : ''}) for ${req.dtype} weights`,
    threads: 1
  };
}

/** The WebGPU adapter's facts, or null (no `navigator.gpu`, no adapter). */
export async function probeGpu(): Promise<GpuFacts | null> {
  const nav = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<unknown> } } }).navigator;
  if (!nav?.gpu) return null;
  try {
    const adapter = (await nav.gpu.requestAdapter()) as {
      features: { has(f: string): boolean };
      limits: { maxBufferSize: number; maxStorageBufferBindingSize: number };
      info?: { architecture?: string; vendor?: string };
    } | null;
    if (!adapter) return null;
    return {
      architecture: adapter.info?.architecture ?? '',
      vendor: adapter.info?.vendor ?? '',
      shaderF16: adapter.features.has('shader-f16'),
      maxBufferSize: adapter.limits.maxBufferSize,
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize
    };
  } catch {
    return null; // an adapter request can throw on broken drivers; WASM still works
  }
}

/** ORT WASM runs in a 32-bit address space: weights, a copy of the model bytes and activations share 4 GiB. */
export const WASM_MEMORY_LIMIT = 4 * 2 ** 30;

export interface SizeFacts {
  /** Bytes of the model file(s). */
  readonly totalBytes: number;
  /** The largest single initializer, in bytes. */
  readonly largestTensorBytes: number;
  readonly largestTensorName: string;
}

/** What does not fit the chosen backend, in words; empty when it fits. */
export function checkFits(choice: BackendChoice, size: SizeFacts, gpu: GpuFacts | null): string[] {
  const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  const problems: string[] = [];
  if (choice.backend === 'wasm') {
    // The session holds the weights once and needs working memory beside them; 1.25× is a measured-safe margin.
    if (size.totalBytes * 1.25 > WASM_MEMORY_LIMIT) {
      problems.push(`the model is ${gib(size.totalBytes)}, and WASM can address at most ${gib(WASM_MEMORY_LIMIT)} including working memory: pick a smaller model or a q4 variant`);
    }
  } else if (gpu) {
    if (size.largestTensorBytes > gpu.maxStorageBufferBindingSize) {
      problems.push(`its largest tensor ${size.largestTensorName} is ${mib(size.largestTensorBytes)}, above this GPU's storage-buffer limit of ${mib(gpu.maxStorageBufferBindingSize)}`);
    }
    if (size.largestTensorBytes > gpu.maxBufferSize) {
      problems.push(`its largest tensor ${size.largestTensorName} is ${mib(size.largestTensorBytes)}, above this GPU's buffer limit of ${mib(gpu.maxBufferSize)}`);
    }
  }
  return problems;
}
