/**
 * Walks an ONNX model's bytes and lists its nodes, graph inputs and outputs, and initializers (name, type, shape
 * and where their data lies), without decoding or copying the weights. This is what the graph patch, the layout
 * detection, the size check and the logit lens need.
 */
import { InputError } from '../../core/issues';
import { ProtoReader, WireType } from './protobuf';

/** ONNX TensorProto.DataType values we meet. */
export const OnnxType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  BFLOAT16: 16
} as const;

export const ONNX_TYPE_BYTES: Record<number, number> = { 1: 4, 2: 1, 3: 1, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 16: 2 };

export interface OnnxAttribute {
  readonly name: string;
  readonly i?: number;
  readonly f?: number;
  readonly s?: string;
  readonly ints?: readonly number[];
}

export interface OnnxNode {
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: readonly OnnxAttribute[];
}

export interface OnnxValueInfo {
  readonly name: string;
  readonly elemType: number;
  /** Dimension values, or the symbolic name for symbolic dims. */
  readonly shape: readonly (number | string)[] | null;
}

export interface OnnxInitializer {
  readonly name: string;
  readonly dataType: number;
  readonly dims: readonly number[];
  /** Where the values are: raw bytes inside the model file, typed fields inside it, or an external file. */
  readonly data:
    | { readonly kind: 'raw'; readonly offset: number; readonly length: number }
    | { readonly kind: 'float_data' | 'int64_data' | 'int32_data'; readonly offset: number; readonly length: number }
    | { readonly kind: 'external'; readonly location: string; readonly offset: number; readonly length: number | null }
    | { readonly kind: 'empty' };
}

export interface OnnxGraphInfo {
  readonly irVersion: number;
  readonly producer: string;
  readonly opsets: ReadonlyMap<string, number>;
  readonly nodes: readonly OnnxNode[];
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  readonly initializers: ReadonlyMap<string, OnnxInitializer>;
  /** External data files the initializers refer to. */
  readonly externalFiles: readonly string[];
}

function readAttribute(r: ProtoReader): OnnxAttribute {
  let name = '';
  let i: number | undefined;
  let f: number | undefined;
  let s: string | undefined;
  let ints: number[] | undefined;
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === WireType.LengthDelimited) name = r.string();
    else if (field === 2 && wire === WireType.Fixed32) f = r.float();
    else if (field === 3 && wire === WireType.Varint) i = r.int64();
    else if (field === 4 && wire === WireType.LengthDelimited) s = r.string();
    else if (field === 8) r.repeatedInt64(wire, (ints ??= []));
    else r.skip(wire);
  }
  return { name, i, f, s, ints };
}

function readNode(r: ProtoReader): OnnxNode {
  const inputs: string[] = [];
  const outputs: string[] = [];
  const attributes: OnnxAttribute[] = [];
  let name = '';
  let opType = '';
  let domain = '';
  while (!r.done) {
    const { field, wire } = r.tag();
    if (wire !== WireType.LengthDelimited) {
      r.skip(wire);
      continue;
    }
    if (field === 1) inputs.push(r.string());
    else if (field === 2) outputs.push(r.string());
    else if (field === 3) name = r.string();
    else if (field === 4) opType = r.string();
    else if (field === 7) domain = r.string();
    else if (field === 5) {
      const [s, e] = r.span();
      attributes.push(readAttribute(new ProtoReader(r.buf, s, e)));
    } else r.skip(wire);
  }
  return { name, opType, domain, inputs, outputs, attributes };
}

function readValueInfo(r: ProtoReader): OnnxValueInfo {
  let name = '';
  let elemType = 0;
  let shape: (number | string)[] | null = null;
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === WireType.LengthDelimited) name = r.string();
    else if (field === 2 && wire === WireType.LengthDelimited) {
      // TypeProto.tensor_type (1) → elem_type (1), shape (2) → dim (1) → dim_value (1) | dim_param (2)
      const [ts, te] = r.span();
      const t = new ProtoReader(r.buf, ts, te);
      while (!t.done) {
        const tt = t.tag();
        if (tt.field !== 1 || tt.wire !== WireType.LengthDelimited) {
          t.skip(tt.wire);
          continue;
        }
        const [ss, se] = t.span();
        const tensor = new ProtoReader(r.buf, ss, se);
        while (!tensor.done) {
          const f = tensor.tag();
          if (f.field === 1 && f.wire === WireType.Varint) elemType = tensor.varint();
          else if (f.field === 2 && f.wire === WireType.LengthDelimited) {
            shape = [];
            const [hs, he] = tensor.span();
            const sh = new ProtoReader(r.buf, hs, he);
            while (!sh.done) {
              const d = sh.tag();
              if (d.field !== 1 || d.wire !== WireType.LengthDelimited) {
                sh.skip(d.wire);
                continue;
              }
              const [ds, de] = sh.span();
              const dim = new ProtoReader(r.buf, ds, de);
              let v: number | string = '?';
              while (!dim.done) {
                const df = dim.tag();
                if (df.field === 1 && df.wire === WireType.Varint) v = dim.int64();
                else if (df.field === 2 && df.wire === WireType.LengthDelimited) v = dim.string();
                else dim.skip(df.wire);
              }
              shape.push(v);
            }
          } else tensor.skip(f.wire);
        }
      }
    } else r.skip(wire);
  }
  return { name, elemType, shape };
}

function readInitializer(r: ProtoReader): OnnxInitializer {
  const dims: number[] = [];
  let name = '';
  let dataType = 0;
  let data: OnnxInitializer['data'] = { kind: 'empty' };
  let external = false;
  const ext: Record<string, string> = {};
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1) r.repeatedInt64(wire, dims);
    else if (field === 2 && wire === WireType.Varint) dataType = r.varint();
    else if (field === 8 && wire === WireType.LengthDelimited) name = r.string();
    else if (field === 9 && wire === WireType.LengthDelimited) {
      const [s, e] = r.span();
      data = { kind: 'raw', offset: s, length: e - s };
    } else if ((field === 4 || field === 5 || field === 7) && wire === WireType.LengthDelimited) {
      const [s, e] = r.span();
      data = { kind: field === 4 ? 'float_data' : field === 5 ? 'int32_data' : 'int64_data', offset: s, length: e - s };
    } else if (field === 13 && wire === WireType.LengthDelimited) {
      const [s, e] = r.span();
      const kv = new ProtoReader(r.buf, s, e);
      let key = '';
      let value = '';
      while (!kv.done) {
        const t = kv.tag();
        if (t.field === 1 && t.wire === WireType.LengthDelimited) key = kv.string();
        else if (t.field === 2 && t.wire === WireType.LengthDelimited) value = kv.string();
        else kv.skip(t.wire);
      }
      ext[key] = value;
    } else if (field === 14 && wire === WireType.Varint) external = r.varint() === 1;
    else r.skip(wire);
  }
  if (external) {
    data = {
      kind: 'external',
      location: ext.location ?? '',
      offset: ext.offset ? Number(ext.offset) : 0,
      length: ext.length ? Number(ext.length) : null
    };
  }
  return { name, dataType, dims, data };
}

/**
 * Scans a model. `where` names it in errors (a file name or URL). Bytes that are not an ONNX model give an
 * `InputError` saying so.
 */
export function scanOnnx(bytes: Uint8Array, where = 'model.onnx'): OnnxGraphInfo {
  const notOnnx = (why: string): never => {
    throw new InputError([{ code: 'malformed', path: [], message: `${where} is not an ONNX model (${why})`, where }]);
  };
  const nodes: OnnxNode[] = [];
  const inputs: OnnxValueInfo[] = [];
  const outputs: OnnxValueInfo[] = [];
  const initializers = new Map<string, OnnxInitializer>();
  const opsets = new Map<string, number>();
  let irVersion = 0;
  let producer = '';
  let sawGraph = false;
  try {
    const r = new ProtoReader(bytes);
    while (!r.done) {
      const { field, wire } = r.tag();
      if (field === 1 && wire === WireType.Varint) irVersion = r.varint();
      else if (field === 2 && wire === WireType.LengthDelimited) producer = r.string();
      else if (field === 8 && wire === WireType.LengthDelimited) {
        const [s, e] = r.span();
        const o = new ProtoReader(bytes, s, e);
        let domain = '';
        let version = 0;
        while (!o.done) {
          const t = o.tag();
          if (t.field === 1 && t.wire === WireType.LengthDelimited) domain = o.string();
          else if (t.field === 2 && t.wire === WireType.Varint) version = o.varint();
          else o.skip(t.wire);
        }
        opsets.set(domain, version);
      } else if (field === 7 && wire === WireType.LengthDelimited) {
        // Several occurrences of the graph field are merged (protobuf semantics); we read them all.
        sawGraph = true;
        const [s, e] = r.span();
        const g = new ProtoReader(bytes, s, e);
        while (!g.done) {
          const t = g.tag();
          if (t.wire !== WireType.LengthDelimited) {
            g.skip(t.wire);
            continue;
          }
          const [ns, ne] = g.span();
          const sub = new ProtoReader(bytes, ns, ne);
          if (t.field === 1) nodes.push(readNode(sub));
          else if (t.field === 5) {
            const init = readInitializer(sub);
            initializers.set(init.name, init);
          } else if (t.field === 11) inputs.push(readValueInfo(sub));
          else if (t.field === 12) outputs.push(readValueInfo(sub));
        }
      } else r.skip(wire);
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    notOnnx((e as Error).message);
  }
  if (!sawGraph || irVersion === 0) notOnnx(sawGraph ? 'no IR version' : 'no graph found');
  // Graph inputs include initializers in old IR versions; keep only real inputs.
  const realInputs = inputs.filter((i) => !initializers.has(i.name));
  const externalFiles = [...new Set([...initializers.values()].flatMap((i) => (i.data.kind === 'external' ? [i.data.location] : [])))];
  return { irVersion, producer, opsets, nodes, inputs: realInputs, outputs, initializers, externalFiles };
}
