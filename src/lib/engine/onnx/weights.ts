/**
 * Reads initializer values out of model bytes (and external data files), as float32. Used for the unembedding
 * matrix of the logit lens; the session never sees these copies.
 */
import { decodeF16 } from '../../core/float16';
import { InputError } from '../../core/issues';
import type { OnnxGraphInfo, OnnxInitializer, OnnxNode } from './scan';
import { ONNX_TYPE_BYTES, OnnxType } from './scan';

export type ExternalData = ReadonlyMap<string, Uint8Array>;

/** The raw little-endian bytes of an initializer. */
export function initializerBytes(model: Uint8Array, init: OnnxInitializer, external: ExternalData = new Map()): Uint8Array {
  const d = init.data;
  if (d.kind === 'raw') return model.subarray(d.offset, d.offset + d.length);
  if (d.kind === 'external') {
    const file = external.get(d.location);
    if (!file) throw new InputError(`initializer ${init.name} lives in the external data file ${d.location}, which was not loaded`);
    const length = d.length ?? init.dims.reduce((a, b) => a * b, 1) * (ONNX_TYPE_BYTES[init.dataType] ?? 1);
    if (d.offset + length > file.length) throw new InputError(`initializer ${init.name} runs past the end of ${d.location} (truncated download?)`);
    return file.subarray(d.offset, d.offset + length);
  }
  if (d.kind === 'float_data' && init.dataType === OnnxType.FLOAT) return model.subarray(d.offset, d.offset + d.length); // packed fixed32
  throw new InputError(`initializer ${init.name} stores its values as ${d.kind}, which this reader does not support`);
}

function aligned(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
}

/** An initializer's values as float32 (FLOAT, FLOAT16, BFLOAT16). */
export function initializerFloat32(model: Uint8Array, init: OnnxInitializer, external?: ExternalData): Float32Array {
  const b = aligned(initializerBytes(model, init, external));
  switch (init.dataType) {
    case OnnxType.FLOAT:
      return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4).slice();
    case OnnxType.FLOAT16:
      return decodeF16(new Uint16Array(b.buffer, b.byteOffset, b.byteLength / 2));
    case OnnxType.BFLOAT16: {
      const u = new Uint16Array(b.buffer, b.byteOffset, b.byteLength / 2);
      const out = new Float32Array(u.length);
      const v = new Uint32Array(out.buffer);
      for (let i = 0; i < u.length; i++) v[i] = u[i] << 16;
      return out;
    }
    default:
      throw new InputError(`initializer ${init.name} has data type ${init.dataType}, not a float type`);
  }
}

function attr(node: OnnxNode, name: string): number | undefined {
  return node.attributes.find((a) => a.name === name)?.i;
}

/**
 * Dequantises a `com.microsoft` MatMulNBits weight to `[N × K]` float32: W[n, k] = (q[n, k] − zp[n, b]) · scale[n, b]
 * for block b = ⌊k / block_size⌋; 4-bit values are packed two per byte, low nibble first; the default zero point
 * is 2^(bits−1).
 */
export function dequantizeMatMulNBits(model: Uint8Array, graph: OnnxGraphInfo, node: OnnxNode, external?: ExternalData): { data: Float32Array; n: number; k: number } {
  const K = attr(node, 'K');
  const N = attr(node, 'N');
  const bits = attr(node, 'bits') ?? 4;
  const blockSize = attr(node, 'block_size');
  if (!K || !N || !blockSize) throw new InputError(`MatMulNBits node ${node.name} lacks its K, N or block_size attribute`);
  if (bits !== 4 && bits !== 8) throw new InputError(`MatMulNBits node ${node.name} has ${bits}-bit weights; only 4 and 8 are supported`);
  const get = (i: number) => {
    const name = node.inputs[i];
    if (!name) return undefined;
    const init = graph.initializers.get(name);
    if (!init) throw new InputError(`MatMulNBits node ${node.name}: input ${name} is not an initializer`);
    return init;
  };
  const qInit = get(1)!;
  const scaleInit = get(2)!;
  const zpInit = get(3);
  const q = initializerBytes(model, qInit, external);
  const scales = initializerFloat32(model, scaleInit, external);
  const blocks = Math.ceil(K / blockSize);
  const blob = (blockSize * bits) / 8;
  let zp: (n: number, b: number) => number = () => 2 ** (bits - 1);
  if (zpInit) {
    if (zpInit.dataType === OnnxType.UINT8) {
      const z = initializerBytes(model, zpInit, external);
      const perRow = Math.ceil((blocks * bits) / 8);
      zp = bits === 4 ? (n, b) => (z[n * perRow + (b >> 1)] >> ((b & 1) * 4)) & 0xf : (n, b) => z[n * perRow + b];
    } else {
      const z = initializerFloat32(model, zpInit, external);
      zp = (n, b) => z[n * blocks + b];
    }
  }
  const out = new Float32Array(N * K);
  for (let n = 0; n < N; n++) {
    for (let b = 0; b < blocks; b++) {
      const s = scales[n * blocks + b];
      const z = zp(n, b);
      const base = (n * blocks + b) * blob;
      for (let j = 0; j < blockSize; j++) {
        const k = b * blockSize + j;
        if (k >= K) break;
        const v = bits === 4 ? (q[base + (j >> 1)] >> ((j & 1) * 4)) & 0xf : q[base + j];
        out[n * K + k] = (v - z) * s;
      }
    }
  }
  return { data: out, n: N, k: K };
}

function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}

/**
 * The unembedding matrix `[vocab × hidden]`: the LM head that produces `logits` (MatMul with a `[hidden, vocab]`
 * weight, MatMul on a Transpose of the tied `[vocab, hidden]` embedding, Gemm with transB, or MatMulNBits), found by
 * walking back from the `logits` output through Cast/Identity nodes.
 */
export function findUnembedding(model: Uint8Array, graph: OnnxGraphInfo, external?: ExternalData): { matrix: Float32Array; vocab: number; hidden: number } {
  const producer = new Map<string, OnnxNode>();
  for (const n of graph.nodes) for (const o of n.outputs) producer.set(o, n);
  let node = producer.get('logits');
  while (node && (node.opType === 'Cast' || node.opType === 'Identity')) node = producer.get(node.inputs[0]);
  if (!node) throw new InputError('the model has no `logits` output; cannot find its LM head');
  if (node.opType === 'MatMulNBits') {
    const { data, n, k } = dequantizeMatMulNBits(model, graph, node, external);
    return { matrix: data, vocab: n, hidden: k };
  }
  if (node.opType === 'MatMul' || node.opType === 'Gemm') {
    const wName = node.inputs[1];
    const init = graph.initializers.get(wName);
    const transB = node.opType === 'Gemm' && attr(node, 'transB') === 1;
    if (init) {
      const [a, b] = init.dims;
      const data = initializerFloat32(model, init, external);
      // MatMul: [hidden, vocab] → transpose; Gemm with transB: already [vocab, hidden]
      return transB ? { matrix: data, vocab: a, hidden: b } : { matrix: transpose(data, a, b), vocab: b, hidden: a };
    }
    const t = producer.get(wName);
    if (t?.opType === 'Transpose') {
      const src = graph.initializers.get(t.inputs[0]);
      if (src) return { matrix: initializerFloat32(model, src, external), vocab: src.dims[0], hidden: src.dims[1] };
    }
  }
  throw new InputError(`cannot read the LM head (${node.opType} ${node.name}) of this model as a matrix`);
}
