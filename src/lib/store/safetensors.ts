/**
 * The safetensors format (https://huggingface.co/docs/safetensors), in and out of bytes:
 *
 *   [u64 little-endian N][N bytes of JSON header, space-padded to a multiple of 8][tensor data]
 *
 * The header maps each tensor name to `{dtype, shape, data_offsets: [begin, end]}` (offsets relative to the start of
 * the data, row-major, little-endian) and may hold `__metadata__`, a map of string to string. Data blocks must not
 * overlap and must cover the data area exactly. Pure functions over bytes: no file system here.
 */
import { decodeF16, f16BitsToF32 } from '../core/float16';
import { InputError, type Issue } from '../core/issues';

export type SafetensorsDtype = 'F16' | 'BF16' | 'F32' | 'F64' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const BYTES: Record<SafetensorsDtype, number> = { F16: 2, BF16: 2, F32: 4, F64: 8, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

export interface TensorIn {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** Row-major values: half bits (`Uint16Array`) for F16/BF16, the matching typed array otherwise. */
  readonly data: ArrayBufferView;
}

export interface TensorOut {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** A copy of the tensor's bytes, aligned for its typed array. */
  readonly bytes: Uint8Array;
}

export interface Safetensors {
  readonly metadata: Readonly<Record<string, string>>;
  readonly tensors: ReadonlyMap<string, TensorOut>;
}

const MAX_HEADER = 100 * 1024 * 1024;

function count(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Encodes tensors (in the given order) and string metadata. */
export function encodeSafetensors(tensors: Readonly<Record<string, TensorIn>> | ReadonlyMap<string, TensorIn>, metadata: Readonly<Record<string, string>> = {}): Uint8Array {
  const entries: [string, TensorIn][] = tensors instanceof Map ? [...(tensors as ReadonlyMap<string, TensorIn>).entries()] : Object.entries(tensors as Record<string, TensorIn>);
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new TypeError(`safetensors metadata values must be strings; "${k}" is ${typeof v}`);
    }
    header.__metadata__ = metadata;
  }
  let offset = 0;
  for (const [name, t] of entries) {
    if (name === '__metadata__') throw new TypeError('a tensor cannot be named __metadata__');
    const nbytes = count(t.shape) * BYTES[t.dtype];
    if (t.data.byteLength !== nbytes) {
      throw new TypeError(`tensor "${name}": shape [${t.shape.join(', ')}] of ${t.dtype} needs ${nbytes} bytes, got ${t.data.byteLength}`);
    }
    header[name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + nbytes] };
    offset += nbytes;
  }
  let json = JSON.stringify(header);
  const enc = new TextEncoder();
  let headerBytes = enc.encode(json);
  const pad = (8 - (headerBytes.length % 8)) % 8;
  if (pad) {
    json += ' '.repeat(pad);
    headerBytes = enc.encode(json);
  }
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const [, t] of entries) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
    pos += t.data.byteLength;
  }
  return out;
}

/** Decodes and validates; a malformed file is an `InputError` naming `where` (a file name) and the problem. */
export function decodeSafetensors(bytes: Uint8Array, where = 'safetensors'): Safetensors {
  const fail = (message: string, path: (string | number)[] = []): never => {
    throw new InputError([{ code: 'malformed', path, message: `${where} is not a valid safetensors file: ${message}`, where }]);
  };
  if (bytes.length < 8) fail(`it has ${bytes.length} bytes, fewer than the 8-byte header length`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (n > BigInt(Math.min(MAX_HEADER, bytes.length - 8))) fail(`the header length ${n} runs past the end of the file (${bytes.length} bytes)`);
  const headerLen = Number(n);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    fail(`its header is not JSON (${(e as Error).message})`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) fail('its header is not a JSON object');
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, TensorOut>();
  const spans: [number, number, string][] = [];
  const issues: Issue[] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (!value || typeof value !== 'object' || Array.isArray(value)) fail('__metadata__ is not an object', ['__metadata__']);
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__.${k} is ${typeof v}, not a string`, ['__metadata__', k]);
        metadata[k] = v as string;
      }
      continue;
    }
    const info = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (!info || typeof info !== 'object') fail(`entry "${name}" is not an object`, [name]);
    const dtype = info.dtype as SafetensorsDtype;
    if (typeof dtype !== 'string' || !(dtype in BYTES)) fail(`tensor "${name}" has unsupported dtype ${JSON.stringify(info.dtype)}`, [name, 'dtype']);
    const shape = info.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor "${name}" has a bad shape ${JSON.stringify(shape)}`, [name, 'shape']);
    const off = info.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0) || off[1] < off[0]) {
      fail(`tensor "${name}" has bad data_offsets ${JSON.stringify(off)}`, [name, 'data_offsets']);
    }
    const [begin, end] = off as [number, number];
    if (end > dataLen) fail(`tensor "${name}" ends at byte ${end} of the data, past its end (${dataLen} bytes; the file may be truncated)`, [name, 'data_offsets']);
    const expected = count(shape as number[]) * BYTES[dtype];
    if (end - begin !== expected) fail(`tensor "${name}" has ${end - begin} bytes but shape [${(shape as number[]).join(', ')}] of ${dtype} needs ${expected}`, [name]);
    spans.push([begin, end, name]);
    tensors.set(name, { dtype, shape: shape as number[], bytes: bytes.slice(dataStart + begin, dataStart + end) });
  }
  spans.sort((a, b) => a[0] - b[0]);
  let covered = 0;
  for (const [begin, end, name] of spans) {
    if (begin < covered) fail(`tensor "${name}" overlaps the tensor before it`, [name, 'data_offsets']);
    if (begin > covered) issues.push({ code: 'malformed', path: [name], message: `a gap of ${begin - covered} bytes before tensor "${name}"`, where });
    covered = end;
  }
  if (covered !== dataLen) fail(`the tensors cover ${covered} bytes of data but the file holds ${dataLen}`);
  if (issues.length) throw new InputError(issues.map((i) => ({ ...i, message: `${where} is not a valid safetensors file: ${i.message}` })));
  return { metadata, tensors };
}

/** A tensor's values as float32 (F16, BF16, F32, F64 and integer types). */
export function tensorToFloat32(t: TensorOut): Float32Array {
  const b = t.bytes;
  switch (t.dtype) {
    case 'F32':
      return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
    case 'F16':
      return decodeF16(new Uint16Array(b.buffer, b.byteOffset, b.byteLength / 2));
    case 'BF16': {
      const u = new Uint16Array(b.buffer, b.byteOffset, b.byteLength / 2);
      const out = new Float32Array(u.length);
      const view = new Uint32Array(out.buffer);
      for (let i = 0; i < u.length; i++) view[i] = u[i] << 16;
      return out;
    }
    case 'F64':
      return Float32Array.from(new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8));
    case 'I64':
      return Float32Array.from(new BigInt64Array(b.buffer, b.byteOffset, b.byteLength / 8), (x) => Number(x));
    case 'I32':
      return Float32Array.from(new Int32Array(b.buffer, b.byteOffset, b.byteLength / 4));
    case 'I16':
      return Float32Array.from(new Int16Array(b.buffer, b.byteOffset, b.byteLength / 2));
    case 'I8':
      return Float32Array.from(new Int8Array(b.buffer, b.byteOffset, b.byteLength));
    case 'U8':
    case 'BOOL':
      return Float32Array.from(b);
  }
}

/** Half bits of an F16 tensor, without conversion. */
export function tensorF16Bits(t: TensorOut): Uint16Array {
  if (t.dtype !== 'F16') throw new TypeError(`expected an F16 tensor, got ${t.dtype}`);
  return new Uint16Array(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength / 2);
}

export { f16BitsToF32 };
