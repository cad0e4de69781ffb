/**
 * Per-step maths on one row of logits: log-normaliser and entropy of the full distribution, the top-k
 * alternatives, and the choice of the next token (greedy, or seeded sampling with temperature and top-p).
 * One pass over the vocabulary where possible; float64 accumulators.
 */
import type { Random } from '../core/random';

export interface LogitStats {
  /** log Σ exp(x): a token's logprob is x[id] − logZ. */
  readonly logZ: number;
  /** −Σ p ln p of softmax(x), in nats. */
  readonly entropy: number;
  readonly argmax: number;
}

/** x: logits (any numeric array), [offset, offset + n). */
export function logitStats(x: ArrayLike<number>, offset: number, n: number): LogitStats {
  let m = -Infinity;
  let argmax = 0;
  for (let i = 0; i < n; i++) {
    const v = x[offset + i];
    if (v > m) {
      m = v;
      argmax = i;
    }
  }
  // H = log s − t/s with s = Σ e^(x−m) and t = Σ e^(x−m)(x−m).
  let s = 0;
  let t = 0;
  for (let i = 0; i < n; i++) {
    const d = x[offset + i] - m;
    const e = Math.exp(d);
    s += e;
    t += e * d;
  }
  const logS = Math.log(s);
  return { logZ: m + logS, entropy: Math.max(0, logS - t / s), argmax };
}

/** The k largest entries, best first (ties: lower id first). */
export function topK(x: ArrayLike<number>, offset: number, n: number, k: number): { ids: Int32Array; values: Float32Array } {
  k = Math.min(k, n);
  const ids = new Int32Array(k).fill(-1);
  const vals = new Float64Array(k).fill(-Infinity);
  for (let i = 0; i < n; i++) {
    const v = x[offset + i];
    if (v <= vals[k - 1]) continue;
    let j = k - 1;
    while (j > 0 && v > vals[j - 1]) {
      vals[j] = vals[j - 1];
      ids[j] = ids[j - 1];
      j--;
    }
    vals[j] = v;
    ids[j] = i;
  }
  return { ids, values: Float32Array.from(vals) };
}

/**
 * Chooses the next token. Temperature 0 is greedy (argmax, ties to the lower id). Otherwise softmax(x / T),
 * restricted to the smallest set of most probable tokens whose mass reaches `topP` (ties broken by id), and one
 * draw from `random`.
 */
export function chooseToken(x: ArrayLike<number>, offset: number, n: number, temperature: number, topP: number, random: Random | null, stats?: LogitStats): number {
  const argmax = stats?.argmax ?? logitStats(x, offset, n).argmax;
  if (!(temperature > 0)) return argmax;
  if (!random) throw new TypeError('sampling with temperature > 0 needs a random source');
  const mx = x[offset + argmax];
  const inv = 1 / temperature;
  const p = new Float64Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.exp((x[offset + i] - mx) * inv);
    p[i] = e;
    s += e;
  }
  const u = random();
  if (topP >= 1) {
    let target = u * s;
    for (let i = 0; i < n; i++) {
      target -= p[i];
      if (target < 0) return i;
    }
    return argmax;
  }
  // Nucleus: sort candidates by probability. Tokens below 1e-12 of the top one cannot matter for any topP < 1.
  const floor = 1e-12;
  const cand: number[] = [];
  for (let i = 0; i < n; i++) if (p[i] >= floor) cand.push(i);
  cand.sort((a, b) => p[b] - p[a] || a - b);
  const limit = topP * s;
  let mass = 0;
  let cut = cand.length;
  for (let j = 0; j < cand.length; j++) {
    mass += p[cand[j]];
    if (mass >= limit) {
      cut = j + 1;
      break;
    }
  }
  let target = u * Math.min(mass, s);
  for (let j = 0; j < cut; j++) {
    target -= p[cand[j]];
    if (target < 0) return cand[j];
  }
  return cand[cut - 1];
}
