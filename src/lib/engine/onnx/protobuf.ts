/**
 * A minimal protobuf wire-format reader: enough to walk an ONNX model's structure while skipping (never copying)
 * its weight bytes. Field numbers are those of onnx.proto (IR 8+).
 */

export const enum WireType {
  Varint = 0,
  Fixed64 = 1,
  LengthDelimited = 2,
  Fixed32 = 5
}

export class ProtoReader {
  pos: number;
  readonly end: number;
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    end = buf.length
  ) {
    this.pos = start;
    this.end = end;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** A varint as a JS number (exact below 2^53, which covers every length, offset and dim we meet). */
  varint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new RangeError(`truncated varint at byte ${this.pos}`);
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw new RangeError(`varint longer than 10 bytes at byte ${this.pos}`);
  }

  /** A signed int64 varint (two's complement) as a number. */
  int64(): number {
    const start = this.pos;
    const v = this.varint();
    // Negative int64 values take 10 bytes; reinterpret from the raw bytes.
    if (this.pos - start === 10) {
      let big = 0n;
      let shift = 0n;
      for (let i = start; i < this.pos; i++) {
        big |= BigInt(this.buf[i] & 0x7f) << shift;
        shift += 7n;
      }
      return Number(BigInt.asIntN(64, big));
    }
    return v;
  }

  tag(): { field: number; wire: number } {
    const t = this.varint();
    return { field: Math.floor(t / 8), wire: t & 7 };
  }

  /** Start and end (absolute byte offsets) of a length-delimited field's payload; advances past it. */
  span(): [number, number] {
    const len = this.varint();
    const start = this.pos;
    const end = start + len;
    if (end > this.end) throw new RangeError(`field of ${len} bytes at byte ${start} runs past the end (${this.end})`);
    this.pos = end;
    return [start, end];
  }

  string(): string {
    const [s, e] = this.span();
    return new TextDecoder().decode(this.buf.subarray(s, e));
  }

  float(): number {
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4).getFloat32(0, true);
    this.pos += 4;
    return v;
  }

  skip(wire: number): void {
    switch (wire) {
      case WireType.Varint:
        this.varint();
        return;
      case WireType.Fixed64:
        this.pos += 8;
        return;
      case WireType.LengthDelimited:
        this.span();
        return;
      case WireType.Fixed32:
        this.pos += 4;
        return;
      default:
        throw new RangeError(`unsupported wire type ${wire} at byte ${this.pos}`);
    }
  }

  /** Packed or unpacked repeated int64 values of one occurrence of the field. */
  repeatedInt64(wire: number, out: number[]): void {
    if (wire === WireType.LengthDelimited) {
      const [s, e] = this.span();
      const sub = new ProtoReader(this.buf, s, e);
      while (!sub.done) out.push(sub.int64());
    } else out.push(this.int64());
  }
}
