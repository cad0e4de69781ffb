import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeF16, encodeF16, f16BitsToF32, f32ToF16Bits } from '../../src/lib/core/float16';
import { parseItemResult, parseItemResultText, safeId, turnScore } from '../../src/lib/core/itemResult';
import { keyedRandom, permutation } from '../../src/lib/core/random';
import { decodeSafetensors, encodeSafetensors, tensorToFloat32 } from '../../src/lib/store/safetensors';

describe('keyedRandom', () => {
  it('keyedRandom(seed, ...key) gives the same draws for the same key and different draws for another key', () => {
    const a = keyedRandom(42, 'item-1', 3, 0);
    const b = keyedRandom(42, 'item-1', 3, 0);
    const c = keyedRandom(42, 'item-1', 3, 1);
    const xa = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xa);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(xa);
    expect(keyedRandom(1, '1')()).not.toBe(keyedRandom(1, 1)());
  });

  it('keyedRandom draws are uniform in [0, 1) and normal() has mean 0 and variance 1', () => {
    const r = keyedRandom(7);
    let s = 0;
    let min = 1;
    let max = 0;
    for (let i = 0; i < 20000; i++) {
      const x = r();
      s += x;
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    expect(s / 20000).toBeCloseTo(0.5, 1);
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    let m = 0;
    let v = 0;
    for (let i = 0; i < 20000; i++) {
      const z = r.normal();
      m += z;
      v += z * z;
    }
    expect(m / 20000).toBeCloseTo(0, 1);
    expect(v / 20000).toBeCloseTo(1, 1);
  });

  it('permutation(n, random) is a permutation', () => {
    const p = Array.from(permutation(100, keyedRandom(3)));
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});

describe('float16', () => {
  it('f32ToF16Bits rounds to nearest even and round-trips representable values', () => {
    for (const v of [0, 1, -2, 0.5, 65504, 6.103515625e-5, 5.960464477539063e-8, 0.333251953125]) {
      expect(f16BitsToF32(f32ToF16Bits(v))).toBe(v);
    }
    expect(f32ToF16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie goes to even (1.0)
    expect(f32ToF16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie goes to even (1 + 2^-9)
    expect(f32ToF16Bits(1e6)).toBe(0x7c00);
    expect(Number.isNaN(f16BitsToF32(f32ToF16Bits(NaN)))).toBe(true);
    expect(Array.from(decodeF16(encodeF16([0.1, -0.1])))).toEqual([0.0999755859375, -0.0999755859375]);
  });
});

describe('safetensors', () => {
  const tensors = {
    'turn0.last_token_embedding': { dtype: 'F16' as const, shape: [2, 3], data: encodeF16([1, 2, 3, -1, 0.5, 0.25]) },
    w: { dtype: 'F32' as const, shape: [3], data: new Float32Array([0.1, 0.2, 0.3]) }
  };

  it('encodeSafetensors output is read back by an independent Python reader', () => {
    const bytes = encodeSafetensors(tensors, { format_version: '1', layers: '[13,14]' });
    const dir = mkdtempSync(join(tmpdir(), 'st-'));
    const file = join(dir, 'x.safetensors');
    writeFileSync(file, bytes);
    const py = JSON.parse(execFileSync('python3', ['test/tools/read_safetensors.py', file], { encoding: 'utf8' }));
    expect(py.metadata).toEqual({ format_version: '1', layers: '[13,14]' });
    expect(py.tensors['turn0.last_token_embedding']).toEqual({ dtype: 'F16', shape: [2, 3], values: [1, 2, 3, -1, 0.5, 0.25] });
    expect(py.tensors.w.values.map((x: number) => Math.fround(x))).toEqual([0.1, 0.2, 0.3].map(Math.fround));
  });

  it('decodeSafetensors(encodeSafetensors(x)) round-trips tensors and metadata', () => {
    const st = decodeSafetensors(encodeSafetensors(tensors, { a: 'b' }));
    expect(st.metadata).toEqual({ a: 'b' });
    expect(Array.from(tensorToFloat32(st.tensors.get('turn0.last_token_embedding')!))).toEqual([1, 2, 3, -1, 0.5, 0.25]);
    expect(st.tensors.get('w')!.shape).toEqual([3]);
  });

  it('decodeSafetensors names the file and the problem for truncated, non-JSON or inconsistent input', () => {
    const bytes = encodeSafetensors(tensors);
    expect(() => decodeSafetensors(bytes.slice(0, bytes.length - 4), 'h.safetensors')).toThrow(/h\.safetensors is not a valid safetensors file: tensor "w" ends at byte 24/);
    expect(() => decodeSafetensors(new Uint8Array(5), 'h.safetensors')).toThrow(/fewer than the 8-byte header length/);
    const junk = new Uint8Array(16);
    new DataView(junk.buffer).setBigUint64(0, 8n, true);
    junk.set(new TextEncoder().encode('not json'), 8);
    expect(() => decodeSafetensors(junk, 'j.safetensors')).toThrow(/its header is not JSON/);
  });
});

describe('item results', () => {
  it('parseItemResult reads the seed format (version 0) with nil_label as an alias of nli_label', () => {
    const r = parseItemResult({ id: 'a:b', question: 'q', nil_label: 0, reasoning_chain: [{ step: 0, response: 'x', metrics: { probe_pred: 0.3 } }] }, 'a.json');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.nli_label).toBe(0);
    expect(r.value.format_version).toBe(1);
    expect(turnScore(r.value.reasoning_chain[0], 'probe_pred')).toBe(0.3);
    expect(turnScore(r.value.reasoning_chain[0], 'rs')).toBeNull();
    expect(safeId('coqa:3/1')).toBe('coqa_3_1');
  });

  it('parseItemResult refuses a newer format and names every bad field with its path', () => {
    const newer = parseItemResult({ format_version: 99, id: 'x', reasoning_chain: [] }, 'n.json');
    expect(!newer.ok && newer.issues[0].message).toContain('format_version 99 is newer than this app reads');
    const bad = parseItemResult({ id: 'x', nli_label: 2, reasoning_chain: [{ metrics: [] }] }, 'b.json');
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.issues.map((i) => i.path.join('.'))).toEqual(['nli_label', 'reasoning_chain.0.metrics']);
    expect(() => parseItemResultText('{"id": ', 'c.json')).toThrow(/c\.json: not valid JSON/);
  });
});
