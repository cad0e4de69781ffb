/**
 * One ONNX decoder session and its forward step. Letters used in shape comments, fixed here (llm.c):
 *   B batch, S tokens fed this step, P tokens already in the KV cache, T = P + S, H kv heads, D head dim,
 *   L + 1 hidden-state indices (embedding output and every layer), d hidden size, V vocabulary.
 *
 * I/O names follow optimum and the onnxruntime-genai builder: `input_ids` [B,S], `attention_mask` [B,T],
 * optional `position_ids` [B,S], `past_key_values.{i}.key|value` [B,H,P,D] in, `present.{i}.key|value` [B,H,T,D]
 * out, plus the outputs the graph patch added (`spikescore_logits_last` [B,V], `spikescore_hidden_last` [L+1,B,d]).
 */
import { toFloat32 } from '../core/float16';
import { InputError } from '../core/issues';
import type { OnnxGraphInfo } from './onnx/scan';
import { HIDDEN_ALL, HIDDEN_LAST, LOGITS_LAST } from './onnx/promoteLayerOutputs';
import { getOrt, type OrtSession, type OrtTensor } from './ort';

export interface DecoderIO {
  readonly inputIds: string;
  readonly attentionMask: string | null;
  readonly positionIds: string | null;
  readonly useCacheBranch: string | null;
  /** Per layer: past key/value input names and present output names. */
  readonly kv: readonly { readonly pastKey: string; readonly pastValue: string; readonly presentKey: string; readonly presentValue: string }[];
  readonly kvHeads: number;
  readonly headDim: number;
  readonly kvType: 'float32' | 'float16';
  readonly logitsType: 'float32' | 'float16';
}

const elemTypeName = (t: number): 'float32' | 'float16' => (t === 10 ? 'float16' : 'float32');

/** Reads the decoder's I/O contract from the graph (and config for symbolic shapes); unknown I/O is an error. */
export function describeDecoderIO(graph: OnnxGraphInfo, config: { numKeyValueHeads?: number; headDim?: number }, where: string): DecoderIO {
  const inputs = new Map(graph.inputs.map((i) => [i.name, i]));
  const outputs = new Map(graph.outputs.map((o) => [o.name, o]));
  const missing: string[] = [];
  if (!inputs.has('input_ids')) missing.push('input `input_ids`');
  if (!outputs.has('logits')) missing.push('output `logits`');
  const kv: { pastKey: string; pastValue: string; presentKey: string; presentValue: string }[] = [];
  for (let i = 0; inputs.has(`past_key_values.${i}.key`); i++) {
    const item = { pastKey: `past_key_values.${i}.key`, pastValue: `past_key_values.${i}.value`, presentKey: `present.${i}.key`, presentValue: `present.${i}.value` };
    for (const [n, m] of [[item.pastValue, inputs], [item.presentKey, outputs], [item.presentValue, outputs]] as const) if (!m.has(n)) missing.push(`\`${n}\``);
    kv.push(item);
  }
  if (kv.length === 0) missing.push('KV-cache inputs `past_key_values.{i}.key|value` (export the model "with past")');
  if (missing.length) {
    throw new InputError([{ code: 'unsupported', path: [], where, message: `${where} is not a decoder with a KV cache we can drive: missing ${missing.join(', ')}; found inputs ${[...inputs.keys()].join(', ')}` }]);
  }
  const past0 = inputs.get(kv[0].pastKey)!;
  const shape = past0.shape ?? [];
  const kvHeads = typeof shape[1] === 'number' ? shape[1] : config.numKeyValueHeads;
  const headDim = typeof shape[3] === 'number' ? shape[3] : config.headDim;
  if (!kvHeads || !headDim) throw new InputError(`${where}: cannot tell the KV-cache shape (heads ${kvHeads}, head dim ${headDim}) from the graph or config.json`);
  return {
    inputIds: 'input_ids',
    attentionMask: inputs.has('attention_mask') ? 'attention_mask' : null,
    positionIds: inputs.has('position_ids') ? 'position_ids' : null,
    useCacheBranch: inputs.has('use_cache_branch') ? 'use_cache_branch' : null,
    kv,
    kvHeads,
    headDim,
    kvType: elemTypeName(past0.elemType),
    logitsType: elemTypeName(outputs.get('logits')!.elemType)
  };
}

/** The KV cache after a step: per layer [key, value], each [B,H,T,D]. The holder owns (and disposes) them. */
export interface KvState {
  readonly tensors: readonly OrtTensor[];
  readonly length: number;
  readonly batch: number;
}

export interface StepOutput {
  /** [B × V] last-position logits, row-major (float32 or float16 values as numbers). */
  readonly logits: ArrayLike<number>;
  /** [(L+1) × B × d] last-position hidden states, float32. */
  readonly hidden: Float32Array;
  readonly present: KvState;
}

export class OnnxDecoder {
  /** Prompt tokens encoded over the session's life (tests count them to prove prefix reuse). */
  encodedTokens = 0;

  constructor(
    readonly session: OrtSession,
    readonly io: DecoderIO,
    readonly numLayers: number,
    readonly hiddenSize: number,
    readonly vocabSize: number
  ) {}

  private emptyPast(batch: number): OrtTensor[] {
    const ort = getOrt();
    const dims = [batch, this.io.kvHeads, 0, this.io.headDim];
    const make = () => (this.io.kvType === 'float16' ? new ort.Tensor('float16', new Uint16Array(0), dims) : new ort.Tensor('float32', new Float32Array(0), dims));
    return this.io.kv.flatMap(() => [make(), make()]);
  }

  /** The feeds for one step; exported so benchmarks can time a bare `session.run` with identical inputs. */
  feeds(ids: readonly (readonly number[])[], past: KvState | null): Record<string, OrtTensor> {
    const ort = getOrt();
    const B = ids.length;
    const S = ids[0].length;
    const P = past?.length ?? 0;
    const T = P + S;
    const inputIds = new BigInt64Array(B * S); // [B,S]
    for (let b = 0; b < B; b++) for (let s = 0; s < S; s++) inputIds[b * S + s] = BigInt(ids[b][s]);
    const feeds: Record<string, OrtTensor> = { [this.io.inputIds]: new ort.Tensor('int64', inputIds, [B, S]) };
    if (this.io.attentionMask) feeds[this.io.attentionMask] = new ort.Tensor('int64', new BigInt64Array(B * T).fill(1n), [B, T]); // [B,T]
    if (this.io.positionIds) {
      const pos = new BigInt64Array(B * S); // [B,S]
      for (let b = 0; b < B; b++) for (let s = 0; s < S; s++) pos[b * S + s] = BigInt(P + s);
      feeds[this.io.positionIds] = new ort.Tensor('int64', pos, [B, S]);
    }
    if (this.io.useCacheBranch) feeds[this.io.useCacheBranch] = new ort.Tensor('bool', [P > 0], [1]);
    const pastTensors = past ? past.tensors : this.emptyPast(B);
    this.io.kv.forEach((kv, i) => {
      feeds[kv.pastKey] = pastTensors[2 * i]; // [B,H,P,D]
      feeds[kv.pastValue] = pastTensors[2 * i + 1];
    });
    return feeds;
  }

  get fetches(): string[] {
    return [LOGITS_LAST, HIDDEN_LAST, ...this.io.kv.flatMap((kv) => [kv.presentKey, kv.presentValue])];
  }

  /** Runs one forward step over `ids` ([B][S] token ids) after the cached `past`; does not dispose `past`. */
  async step(ids: readonly (readonly number[])[], past: KvState | null): Promise<StepOutput> {
    const B = ids.length;
    const S = ids[0].length;
    if (past && past.batch !== B) throw new Error(`KV cache has batch ${past.batch}, step has ${B}`);
    const feeds = this.feeds(ids, past);
    const out = await this.session.run(feeds, this.fetches);
    this.encodedTokens += S * B;
    const logitsT = out[LOGITS_LAST]; // [B,V]
    const hiddenT = out[HIDDEN_LAST]; // [L+1,B,d]
    // fp16 comes back as half bits in a Uint16Array in Node (a Float16Array in browsers): decode to float32.
    const logits = toFloat32(logitsT.data as ArrayLike<number>, logitsT.type === 'float16' ? 'float16' : 'float32');
    const hidden = toFloat32(hiddenT.data as ArrayLike<number>, hiddenT.type === 'float16' ? 'float16' : 'float32');
    hiddenT.dispose?.();
    const present = this.io.kv.flatMap((kv) => [out[kv.presentKey], out[kv.presentValue]]);
    return { logits, hidden, present: { tensors: present, length: (past?.length ?? 0) + S, batch: B } };
  }

  /** A full forward pass without cache returning every position's hidden states `[L+1, S, d]` (tests, analysis). */
  async fullHidden(ids: readonly number[]): Promise<{ hidden: Float32Array; logitsLast: ArrayLike<number> }> {
    if (!this.session.outputNames.includes(HIDDEN_ALL)) throw new Error('this session was patched without the "all" capture mode');
    const feeds = this.feeds([ids], null);
    const out = await this.session.run(feeds, [LOGITS_LAST, HIDDEN_ALL]);
    const h = out[HIDDEN_ALL];
    const l = out[LOGITS_LAST];
    return {
      hidden: toFloat32(h.data as ArrayLike<number>, h.type === 'float16' ? 'float16' : 'float32'),
      logitsLast: toFloat32(l.data as ArrayLike<number>, l.type === 'float16' ? 'float16' : 'float32')
    };
  }
}

async function cpuData(t: OrtTensor): Promise<Float32Array | Uint16Array> {
  const data = (t.location === 'cpu' || t.location === undefined ? t.data : await t.getData()) as Float32Array | Uint16Array;
  // Browsers may give float16 as Float16Array: keep the half bits so copies stay exact.
  if (t.type === 'float16' && !(data instanceof Uint16Array)) return new Uint16Array((data as unknown as { buffer: ArrayBuffer }).buffer, (data as unknown as { byteOffset: number }).byteOffset, t.size);
  return data;
}

/** A cache cut to its first `length` positions (copies; the original is left for its owner to dispose). */
export async function truncateKv(state: KvState, length: number): Promise<KvState> {
  const ort = getOrt();
  const tensors: OrtTensor[] = [];
  for (const t of state.tensors) {
    const [B, H, T, D] = t.dims as number[];
    const src = await cpuData(t);
    const dst = src instanceof Uint16Array ? new Uint16Array(B * H * length * D) : new Float32Array(B * H * length * D);
    for (let bh = 0; bh < B * H; bh++) dst.set(src.subarray(bh * T * D, bh * T * D + length * D), bh * length * D);
    tensors.push(new ort.Tensor(t.type as 'float32', dst as Float32Array, [B, H, length, D]));
  }
  return { tensors, length, batch: state.batch };
}

/** A batch-1 cache repeated `n` times along the batch axis (copies). */
export async function expandKv(state: KvState, n: number): Promise<KvState> {
  if (state.batch !== 1) throw new Error(`can only expand a batch-1 cache, got batch ${state.batch}`);
  const ort = getOrt();
  const tensors: OrtTensor[] = [];
  for (const t of state.tensors) {
    const [, H, T, D] = t.dims as number[];
    const src = await cpuData(t);
    const dst = src instanceof Uint16Array ? new Uint16Array(n * src.length) : new Float32Array(n * src.length);
    for (let b = 0; b < n; b++) dst.set(src, b * src.length);
    tensors.push(new ort.Tensor(t.type as 'float32', dst as Float32Array, [n, H, T, D]));
  }
  return { tensors, length: state.length, batch: n };
}

export function disposeKv(state: KvState | null): void {
  if (!state) return;
  for (const t of state.tensors) t.dispose?.();
}
