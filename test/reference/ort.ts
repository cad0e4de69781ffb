/**
 * Test helpers around onnxruntime-web (WASM, in Node) for the fixture models: feeds in the optimum / GenAI I/O
 * layout, a full pass, a cached pass, and a plain decode-append-encode way of exposing inner tensors as outputs
 * (independent of the engine's append-only patch, so the fixture tests do not depend on it).
 */
import * as ort from 'onnxruntime-web';
import onnxProto from 'onnx-proto';
import { decodeF16 } from '../../src/lib/core/float16';
import type { ResidualTensor } from '../../src/lib/engine/fixtures/residualTensors';

const { onnx } = onnxProto;
type GraphProto = InstanceType<typeof onnx.GraphProto>;
type NodeProto = InstanceType<typeof onnx.NodeProto>;
type TensorProto = InstanceType<typeof onnx.TensorProto>;
type ValueInfoProto = InstanceType<typeof onnx.ValueInfoProto>;

/** A decoded model's graph (decode fills every repeated field, so the class type is accurate). */
function decodeGraph(bytes: Uint8Array) {
  const model = onnx.ModelProto.decode(bytes);
  return { model, graph: model.graph as GraphProto };
}

ort.env.wasm.numThreads = 1;

export { ort };

export interface DecoderShape {
  readonly layers: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly fp16: boolean;
}

export type Cache = Record<string, ort.Tensor>;

export function emptyCache(shape: DecoderShape, batch = 1): Cache {
  const cache: Cache = {};
  for (let i = 0; i < shape.layers; i++) {
    for (const kv of ['key', 'value']) {
      cache[`past_key_values.${i}.${kv}`] = shape.fp16
        ? new ort.Tensor('float16', new Uint16Array(0), [batch, shape.kvHeads, 0, shape.headDim])
        : new ort.Tensor('float32', new Float32Array(0), [batch, shape.kvHeads, 0, shape.headDim]);
    }
  }
  return cache;
}

const i64 = (rows: readonly (readonly number[])[]) =>
  new ort.Tensor('int64', BigInt64Array.from(rows.flat().map((v) => BigInt(v))), [rows.length, rows[0]?.length ?? 0]);

export interface StepInput {
  /** [B][S] new tokens */
  readonly ids: readonly (readonly number[])[];
  /** [B][P + S] (default all ones) */
  readonly mask?: readonly (readonly number[])[];
  /** [B][S] (default P..P+S−1) */
  readonly positions?: readonly (readonly number[])[];
  readonly past?: Cache;
}

export interface StepOutput {
  /** [B, S, V] as float32 */
  readonly logits: Float32Array;
  readonly dims: readonly number[];
  /** present.* renamed to past_key_values.* for the next step */
  readonly cache: Cache;
  /** Every other output, as float32 */
  readonly extra: Record<string, Float32Array>;
}

export function toF32(t: ort.Tensor): Float32Array {
  return t.type === 'float16' ? decodeF16(t.data as Uint16Array) : (t.data as Float32Array);
}

export async function step(session: ort.InferenceSession, shape: DecoderShape, input: StepInput): Promise<StepOutput> {
  const B = input.ids.length;
  const S = input.ids[0].length;
  const past = input.past ?? emptyCache(shape, B);
  const P = past['past_key_values.0.key'].dims[2];
  const feeds: Record<string, ort.Tensor> = { ...past, input_ids: i64(input.ids) };
  feeds.attention_mask = i64(input.mask ?? input.ids.map(() => Array.from({ length: P + S }, () => 1)));
  if (session.inputNames.includes('position_ids')) {
    feeds.position_ids = i64(input.positions ?? input.ids.map(() => Array.from({ length: S }, (_, s) => P + s)));
  }
  const out = await session.run(feeds);
  const cache: Cache = {};
  const extra: Record<string, Float32Array> = {};
  for (const [name, t] of Object.entries(out)) {
    if (name.startsWith('present.')) cache[name.replace('present.', 'past_key_values.')] = t;
    else if (name !== 'logits') extra[name] = toF32(t);
  }
  return { logits: toF32(out.logits), dims: out.logits.dims, cache, extra };
}

/**
 * The model with the given residual tensors as extra graph outputs named `hidden.{index}` (an `Identity` per
 * tensor; an `Add` where the builder left the sum implicit).
 */
export function exposeResiduals(bytes: Uint8Array, residuals: readonly ResidualTensor[], elemType: number): Uint8Array {
  const { model, graph } = decodeGraph(bytes);
  residuals.forEach((r, index) => {
    const name = `hidden.${index}`;
    if ('tensor' in r) graph.node.push(onnx.NodeProto.create({ name: `expose_${index}`, opType: 'Identity', input: [r.tensor], output: [name] }));
    else graph.node.push(onnx.NodeProto.create({ name: `expose_${index}`, opType: 'Add', input: [...r.add], output: [name] }));
    graph.output.push(onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType } } }));
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Node names and op types of a model, in graph order. */
export function listNodes(bytes: Uint8Array): { name: string; opType: string; domain: string; inputs: string[]; outputs: string[] }[] {
  return (decodeGraph(bytes).graph.node as NodeProto[]).map((n) => ({ name: n.name, opType: n.opType, domain: n.domain, inputs: [...n.input], outputs: [...n.output] }));
}

export function modelInfo(bytes: Uint8Array) {
  const { model, graph: g } = decodeGraph(bytes);
  return {
    irVersion: Number(model.irVersion),
    opsets: model.opsetImport.map((o) => ({ domain: o.domain ?? '', version: Number(o.version) })),
    inputs: (g.input as ValueInfoProto[]).map((v) => v.name),
    outputs: (g.output as ValueInfoProto[]).map((v) => v.name),
    initializers: new Map((g.initializer as TensorProto[]).map((t) => [t.name, { dims: t.dims.map(Number), dataType: t.dataType }]))
  };
}

/** max |a − b| and max |b| over the selected rows (`rows` of `width` values; all rows by default). */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>, width?: number, rows?: readonly number[]): { diff: number; scale: number } {
  let diff = 0;
  let scale = 0;
  const check = (i: number) => {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= diff)) diff = Number.isNaN(d) ? Infinity : d;
    scale = Math.max(scale, Math.abs(b[i]));
  };
  if (width && rows) {
    for (const r of rows) for (let j = 0; j < width; j++) check(r * width + j);
  } else {
    if (a.length !== b.length) throw new Error(`maxDiff: lengths ${a.length} and ${b.length} differ`);
    for (let i = 0; i < a.length; i++) check(i);
  }
  return { diff, scale };
}
