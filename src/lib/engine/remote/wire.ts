/**
 * Item results over JSON: typed arrays travel as base64 of their little-endian bytes, so hidden states
 * (`[layers × hidden]` float32) cost 4/3 of their size instead of a decimal per value, and NaN entries (an
 * unavailable entropy) survive, which plain JSON turns into null.
 *
 *   Float32Array → {"$f32": "<base64>"},  Int32Array → {"$i32": …},  Float64Array → {"$f64": …},
 *   Uint8Array → {"$u8": …};  other values as JSON has them.
 *
 * Plus an NDJSON reader: one JSON value per line of a byte stream.
 */

type Tag = '$f32' | '$f64' | '$i32' | '$u8';

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function fromBase64(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** A JSON-safe copy of `value` with typed arrays tagged. */
export function encodeWire(value: unknown): unknown {
  if (!LITTLE_ENDIAN) throw new Error('encodeWire: big-endian platforms are not supported');
  if (value instanceof Float32Array) return { $f32: toBase64(bytesOf(value)) };
  if (value instanceof Float64Array) return { $f64: toBase64(bytesOf(value)) };
  if (value instanceof Int32Array) return { $i32: toBase64(bytesOf(value)) };
  if (value instanceof Uint8Array) return { $u8: toBase64(value) };
  if (Array.isArray(value)) return value.map(encodeWire);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = encodeWire(v);
    return out;
  }
  return value;
}

function typed(tag: Tag, b64: string): ArrayBufferView {
  const bytes = fromBase64(b64);
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const width = tag === '$f64' ? 8 : tag === '$u8' ? 1 : 4;
  if (bytes.byteLength % width !== 0) throw new TypeError(`a ${tag} value has ${bytes.byteLength} bytes, not a multiple of ${width}`);
  if (tag === '$f32') return new Float32Array(buf);
  if (tag === '$f64') return new Float64Array(buf);
  if (tag === '$i32') return new Int32Array(buf);
  return new Uint8Array(buf);
}

/** The inverse of `encodeWire`. */
export function decodeWire(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeWire);
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === '$f32' || keys[0] === '$f64' || keys[0] === '$i32' || keys[0] === '$u8')) {
      const b64 = (value as Record<string, unknown>)[keys[0]];
      if (typeof b64 !== 'string') throw new TypeError(`a ${keys[0]} value must be a base64 string, got ${typeof b64}`);
      return typed(keys[0] as Tag, b64);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = decodeWire(v);
    return out;
  }
  return value;
}

export class TruncatedStreamError extends Error {
  constructor() {
    super('the stream ended inside a line (the connection dropped)');
    this.name = 'TruncatedStreamError';
  }
}

/** One JSON value per line of `body` (blank lines skipped); a last line without its newline throws. */
export async function* readNdjson(body: ReadableStream<Uint8Array>): AsyncGenerator<unknown> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (line) yield JSON.parse(line);
      }
      if (done) break;
    }
    // Every line the server writes ends with a newline: text after the last one is a line cut short.
    if (buffer.trim()) throw new TruncatedStreamError();
  } finally {
    reader.releaseLock();
  }
}
