/**
 * Seeded randomness keyed by what a draw is for. Every draw of a run comes from `keyedRandom(runSeed, itemId,
 * turn, sampleIndex, …)`: the generator for a key depends on nothing but that key, never on a stream shared
 * across items, so a resumed, reordered or remote run draws exactly what an uninterrupted one draws.
 *
 * The key is hashed to 128 bits (cyrb128, a MurmurHash3-style string hash) and seeds sfc32, a small counter-mixing
 * generator with good statistical quality. Neither is cryptographic.
 */

export type KeyPart = string | number | bigint;

/** A uniform source in [0, 1) with helpers; call it like `Math.random`. */
export interface Random {
  (): number;
  /** A uniform integer in [0, n). */
  int(n: number): number;
  /** A standard normal draw (Box–Muller). */
  normal(): number;
}

function cyrb128(str: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < str.length; i++) {
    const k = str.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/** The canonical string of a key: parts are typed so that 1 and "1" differ. */
function keyString(parts: readonly KeyPart[]): string {
  return parts.map((p) => `${typeof p === 'string' ? 's' : 'n'}${String(p).length}:${String(p)}`).join('|');
}

export function keyedRandom(seed: KeyPart, ...key: KeyPart[]): Random {
  // The sfc32 state lives in an Int32Array: closure variables holding 32-bit values would be boxed as heap
  // numbers and make every draw allocate.
  const s = Int32Array.from(cyrb128(keyString([seed, ...key])));
  const next = (): number => {
    const a = s[0];
    const b = s[1];
    const c = s[2];
    const d = (s[3] + 1) | 0;
    const t = (((a + b) | 0) + d) | 0;
    s[0] = b ^ (b >>> 9);
    s[1] = (c + (c << 3)) | 0;
    s[2] = (((c << 21) | (c >>> 11)) + t) | 0;
    s[3] = d;
    return (t >>> 0) / 4294967296;
  };
  // Warm up so that similar keys diverge at once.
  for (let i = 0; i < 12; i++) next();
  let spare: number | null = null;
  const random = next as Random;
  random.int = (n: number): number => {
    if (!(n > 0) || !Number.isInteger(n)) throw new RangeError(`Random.int(n) needs a positive integer n, got ${n}`);
    return Math.floor(next() * n);
  };
  random.normal = (): number => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = next();
    const v = next();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
  return random;
}

/** Fisher–Yates shuffle in place, with the given source (d3's `shuffler`). Returns the array. */
export function shuffleInPlace<T>(array: T[], random: Random): T[] {
  for (let i = array.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    const t = array[i];
    array[i] = array[j];
    array[j] = t;
  }
  return array;
}

/** A random permutation of 0..n-1. */
export function permutation(n: number, random: Random): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = random.int(i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
