import { describe, expect, it } from 'vitest';
import { checkFits, chooseBackend, type GpuFacts } from '../../src/lib/engine/backend';

const swiftshader: GpuFacts = { architecture: 'swiftshader', vendor: 'google', shaderF16: false, maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 2 ** 30 };
const f16gpu: GpuFacts = { ...swiftshader, architecture: 'ampere', vendor: 'nvidia', shaderF16: true };
const page = { inNode: false, crossOriginIsolated: true, hardwareConcurrency: 8, requested: 'auto' as const };

describe('chooseBackend', () => {
  it('chooseBackend runs fp16 on WASM when the adapter has no shader-f16, and says why', () => {
    const c = chooseBackend({ ...page, dtype: 'fp16', gpu: swiftshader });
    expect(c.backend).toBe('wasm');
    expect(c.reason).toContain('has no shader-f16');
    expect(c.threads).toBe(4);
  });

  it('chooseBackend runs fp32 on WebGPU without shader-f16, and fp16 on WebGPU with it', () => {
    expect(chooseBackend({ ...page, dtype: 'fp32', gpu: swiftshader }).backend).toBe('webgpu');
    expect(chooseBackend({ ...page, dtype: 'fp16', gpu: f16gpu })).toMatchObject({ backend: 'webgpu', reason: expect.stringContaining('shader-f16') });
  });

  it('chooseBackend falls back to single-threaded WASM without an adapter or cross-origin isolation', () => {
    const c = chooseBackend({ ...page, crossOriginIsolated: false, dtype: 'fp32', gpu: null });
    expect(c).toMatchObject({ backend: 'wasm', threads: 1 });
    expect(c.reason).toContain('no WebGPU adapter');
    expect(c.reason).toContain('not cross-origin isolated');
    expect(chooseBackend({ ...page, dtype: 'fp32', gpu: swiftshader, requested: 'wasm' }).backend).toBe('wasm');
    expect(chooseBackend({ ...page, inNode: true, dtype: 'fp32', gpu: null, threads: 1 })).toMatchObject({ backend: 'wasm', threads: 1 });
  });

  it('checkFits names what does not fit: the 4 GiB WASM space, and the GPU buffer limits', () => {
    const wasm = chooseBackend({ ...page, dtype: 'fp32', gpu: null });
    expect(checkFits(wasm, { totalBytes: 4e9, largestTensorBytes: 1e8, largestTensorName: 'lm_head' }, null)[0]).toMatch(/the model is 3\.73 GiB, and WASM can address at most 4\.00 GiB/);
    expect(checkFits(wasm, { totalBytes: 3e8, largestTensorBytes: 1e8, largestTensorName: 'x' }, null)).toEqual([]);
    const gpu = chooseBackend({ ...page, dtype: 'fp32', gpu: swiftshader });
    const p = checkFits(gpu, { totalBytes: 3e9, largestTensorBytes: 1.5 * 2 ** 30, largestTensorName: 'model.embed_tokens.weight' }, swiftshader);
    expect(p[0]).toBe("its largest tensor model.embed_tokens.weight is 1536 MiB, above this GPU's storage-buffer limit of 1024 MiB");
  });
});
