import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  Adam,
  backwardMlp,
  batchLoss,
  createMlp,
  evaluateLoss,
  forwardMlp,
  matmulAB,
  matmulABt,
  matmulAtB,
  matvec,
  matvecT,
  mish,
  mishGrad,
  mlpParameters,
  mlpSpecOf,
  mlpZeros,
  ReduceLROnPlateau,
  trainMlp,
  trainValSplit,
  type Mlp,
  type MlpSpec
} from '../../src/lib/core/probes/index';
import { keyedRandom } from '../../src/lib/core/random';
import { hashUniform } from '../tools/hashData';

const goldens = JSON.parse(readFileSync(new URL('../fixtures/probe-goldens.json', import.meta.url), 'utf8')) as {
  mlp: { name: string; kind: 'sep-mlp' | 'saplma'; seed: number; d: number; hidden: number[]; raw: number[]; p_true?: number[] }[];
  losses: { huber: { pred: number[]; target: number[]; delta: number; value: number }; bce: { logits: number[]; y: number[]; value: number } };
};

function randomArray(n: number, seed: number): Float32Array {
  const r = keyedRandom(seed);
  return Float32Array.from({ length: n }, () => r.normal());
}

describe('linalg kernels', () => {
  it('matmulABt, matmulAB, matmulAtB, matvec and matvecT agree with triple loops on odd shapes', () => {
    for (const [m, n, k] of [[1, 1, 1], [3, 5, 7], [5, 6, 9], [16, 13, 33]]) {
      const A = randomArray(m * k, 1);
      const Bt = randomArray(n * k, 2);
      const B = randomArray(k * n, 3);
      const bias = randomArray(n, 4);
      const C = new Float64Array(m * n);
      matmulABt(A, Bt, C, m, n, k, bias);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
        let s = bias[j];
        for (let p = 0; p < k; p++) s += A[i * k + p] * Bt[j * k + p];
        expect(C[i * n + j]).toBeCloseTo(s, 10);
      }
      const D = new Float64Array(m * n).fill(1);
      matmulAB(A, B, D, m, n, k, true);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
        let s = 1;
        for (let p = 0; p < k; p++) s += A[i * k + p] * B[p * n + j];
        expect(D[i * n + j]).toBeCloseTo(s, 10);
      }
      const Bm = randomArray(m * n, 5);
      const E = new Float64Array(k * n);
      matmulAtB(A, Bm, E, m, n, k);
      for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) {
        let s = 0;
        for (let i = 0; i < m; i++) s += A[i * k + p] * Bm[i * n + j];
        expect(E[p * n + j]).toBeCloseTo(s, 10);
      }
      const w = randomArray(k, 6);
      const z = new Float64Array(m);
      matvec(A, w, z, m, k, 0.5);
      const g = new Float64Array(k);
      const r = randomArray(m, 7);
      matvecT(A, r, g, m, k);
      for (let i = 0; i < m; i++) {
        let s = 0.5;
        for (let p = 0; p < k; p++) s += A[i * k + p] * w[p];
        expect(z[i]).toBeCloseTo(s, 10);
      }
      for (let p = 0; p < k; p++) {
        let s = 0;
        for (let i = 0; i < m; i++) s += A[i * k + p] * r[i];
        expect(g[p]).toBeCloseTo(s, 10);
      }
    }
  });
});

/** The golden MLPs, with weights rebuilt from the same hash as test/tools/probe_goldens.py. */
function goldenMlp(g: (typeof goldens.mlp)[number]): Mlp {
  const sep = g.kind === 'sep-mlp';
  const mlp = mlpZeros({ inputs: g.d, hidden: g.hidden, activation: sep ? 'mish' : 'relu', layerNormEps: sep ? 1e-5 : null, dropout: g.hidden.map(() => (sep ? 0.2 : 0)), stride: sep ? 4 : 2 });
  let prev = g.d;
  mlp.blocks.forEach((b, i) => {
    const bound = 1 / Math.sqrt(prev);
    b.dense.weight.set(hashUniform(g.seed + 10 * i + 1, b.dense.weight.length).map((u) => u * bound));
    b.dense.bias.set(hashUniform(g.seed + 10 * i + 2, b.dense.bias.length).map((u) => u * bound));
    if (b.norm) {
      b.norm.weight.set(hashUniform(g.seed + 10 * i + 3, b.norm.size).map((u) => 1 + 0.1 * u));
      b.norm.bias.set(hashUniform(g.seed + 10 * i + 4, b.norm.size).map((u) => 0.1 * u));
    }
    prev = b.dense.outputs;
  });
  const bound = 1 / Math.sqrt(prev);
  mlp.head.weight.set(hashUniform(g.seed + 999, prev).map((u) => u * bound));
  mlp.head.bias.set(hashUniform(g.seed + 998, 1).map((u) => u * bound));
  return mlp;
}

describe('MLP forward', () => {
  it('forwardMlp matches the numpy ProbeModel (Linear → LayerNorm → Mish) and SAPLMA (Linear → ReLU) goldens', () => {
    for (const g of goldens.mlp) {
      const mlp = goldenMlp(g);
      const x = hashUniform(g.seed, 3 * g.d).map((v) => v * 2);
      const { z } = forwardMlp(mlp, x, 3);
      g.raw.forEach((v, i) => expect(Math.abs(z[i] - v), `${g.name}[${i}]`).toBeLessThan(1e-6 * Math.max(1, Math.abs(v))));
    }
  });

  it('mlpParameters names parameters as the PyTorch state dict (model.0, model.1 LayerNorm, model.4 … for ProbeModel)', () => {
    const sep = mlpZeros({ inputs: 10, hidden: [8, 6, 4], activation: 'mish', layerNormEps: 1e-5, dropout: [0.2, 0.22, 0.24] });
    expect(mlpParameters(sep).map((p) => `${p.name}:${p.shape.join('x')}`)).toEqual([
      'model.0.weight:8x10', 'model.0.bias:8', 'model.1.weight:8', 'model.1.bias:8',
      'model.4.weight:6x8', 'model.4.bias:6', 'model.5.weight:6', 'model.5.bias:6',
      'model.8.weight:4x6', 'model.8.bias:4', 'model.9.weight:4', 'model.9.bias:4',
      'model.12.weight:1x4', 'model.12.bias:1'
    ]);
    const saplma = mlpZeros({ inputs: 10, hidden: [256, 128, 64], activation: 'relu', layerNormEps: null, dropout: [0, 0, 0] });
    expect(mlpParameters(saplma).map((p) => p.name)).toEqual(['model.0.weight', 'model.0.bias', 'model.2.weight', 'model.2.bias', 'model.4.weight', 'model.4.bias', 'model.6.weight', 'model.6.bias']);
  });

  it('createMlp initialises as PyTorch: Linear uniform in ±1/√fan_in, LayerNorm weight 1 and bias 0', () => {
    const mlp = createMlp({ inputs: 100, hidden: [50], activation: 'mish', layerNormEps: 1e-5, dropout: [0.2] }, keyedRandom(1));
    const w = mlp.blocks[0].dense.weight;
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(0.1);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.099);
    expect(Array.from(mlp.blocks[0].norm!.weight).every((v) => v === 1)).toBe(true);
    expect(Array.from(mlp.blocks[0].norm!.bias).every((v) => v === 0)).toBe(true);
  });

  it('mish and mishGrad: mish(0) = 0, mish(x) → x for large x, and the derivative matches finite differences', () => {
    expect(mish(0)).toBe(0);
    expect(mish(30)).toBe(30);
    expect(mish(-30)).toBeCloseTo(0, 10);
    for (const x of [-5, -1, -0.3, 0, 0.4, 2, 7, 25]) {
      const h = 1e-6;
      expect(mishGrad(x)).toBeCloseTo((mish(x + h) - mish(x - h)) / (2 * h), 6);
    }
  });

  it('forwardMlp applies dropout only in training, scaling kept units by 1/(1 − p)', () => {
    const mlp = createMlp({ inputs: 4, hidden: [64], activation: 'relu', layerNormEps: null, dropout: [0.5] }, keyedRandom(2));
    const x = randomArray(4, 3);
    const evalZ = forwardMlp(mlp, x, 1).z[0];
    expect(forwardMlp(mlp, x, 1).z[0]).toBe(evalZ);
    const { cache } = forwardMlp(mlp, x, 1, { random: keyedRandom(4) });
    const mask = Array.from(cache.blocks[0].mask!);
    expect(new Set(mask)).toEqual(new Set([0, 2]));
  });
});

describe('losses', () => {
  it('batchLoss huber and bce match the numpy goldens (HuberLoss(delta=0.5), BCEWithLogits)', () => {
    const h = goldens.losses.huber;
    expect(batchLoss('huber', Float32Array.from(h.pred), h.target, h.pred.length, h.delta, null)).toBeCloseTo(h.value, 6);
    const b = goldens.losses.bce;
    expect(batchLoss('bce', Float32Array.from(b.logits), b.y, b.y.length, 0.5, null)).toBeCloseTo(b.value, 6);
  });

  it('batchLoss gradients match finite differences of the mean loss', () => {
    for (const kind of ['huber', 'bce'] as const) {
      const z = Float32Array.from([0.1, -0.8, 1.7, 0.45]);
      const y = kind === 'huber' ? [0.3, 0.2, 0.1, 0.5] : [1, 0, 1, 0];
      const dz = new Float32Array(4);
      batchLoss(kind, z, y, 4, 0.5, dz);
      for (let i = 0; i < 4; i++) {
        const zp = Float32Array.from(z);
        const zm = Float32Array.from(z);
        zp[i] += 1e-3;
        zm[i] -= 1e-3;
        const fd = (batchLoss(kind, zp, y, 4, 0.5, null) - batchLoss(kind, zm, y, 4, 0.5, null)) / (zp[i] - zm[i]);
        expect(dz[i]).toBeCloseTo(fd, 4);
      }
    }
  });
});

describe('backwardMlp gradient checks', () => {
  const cases: [string, MlpSpec, 'huber' | 'bce'][] = [
    ['sep-mlp (LayerNorm, Mish, dropout) with Huber', { inputs: 5, hidden: [7, 4], activation: 'mish', layerNormEps: 1e-5, dropout: [0.2, 0.22] }, 'huber'],
    ['saplma (ReLU) with BCE', { inputs: 6, hidden: [8, 5, 3], activation: 'relu', layerNormEps: null, dropout: [0, 0, 0] }, 'bce']
  ];
  for (const [name, spec, loss] of cases) {
    it(`backwardMlp matches central finite differences for ${name}, parameters and inputs`, () => {
      const mlp = createMlp(spec, keyedRandom(11, name));
      const B = 4;
      const X = randomArray(B * spec.inputs, 12);
      const y = loss === 'huber' ? [0.3, 1.2, -0.4, 2.0] : [1, 0, 0, 1];
      const dropKey = 'drop';
      const lossAt = (): number => {
        const { z } = forwardMlp(mlp, X, B, { random: keyedRandom(13, dropKey) });
        return batchLoss(loss, z, y, B, 0.5, null);
      };
      const { z, cache } = forwardMlp(mlp, X, B, { random: keyedRandom(13, dropKey) });
      const dz = new Float32Array(B);
      batchLoss(loss, z, y, B, 0.5, dz);
      const grads = mlpZeros(mlpSpecOf(mlp));
      const dX = backwardMlp(mlp, cache, dz, grads, true)!;
      const params = mlpParameters(mlp);
      const gparams = mlpParameters(grads);
      let worst = 0;
      let checked = 0;
      params.forEach((p, k) => {
        for (let i = 0; i < p.value.length; i++) {
          const old = p.value[i];
          const h = 1e-3 * Math.max(1, Math.abs(old));
          p.value[i] = old + h;
          const up = lossAt();
          const hUp = p.value[i] - old;
          p.value[i] = old - h;
          const down = lossAt();
          const hDown = old - p.value[i];
          p.value[i] = old;
          const fd = (up - down) / (hUp + hDown);
          const an = gparams[k].value[i];
          const err = Math.abs(fd - an) / (Math.abs(fd) + Math.abs(an) + 1e-3);
          worst = Math.max(worst, err);
          checked++;
        }
      });
      for (let i = 0; i < X.length; i++) {
        const old = X[i];
        X[i] = old + 1e-3;
        const up = lossAt();
        const hUp = X[i] - old;
        X[i] = old - 1e-3;
        const down = lossAt();
        const hDown = old - X[i];
        X[i] = old;
        const fd = (up - down) / (hUp + hDown);
        worst = Math.max(worst, Math.abs(fd - dX[i]) / (Math.abs(fd) + Math.abs(dX[i]) + 1e-3));
      }
      expect(checked).toBe(params.reduce((s, p) => s + p.value.length, 0));
      expect(worst, `worst relative error ${worst}`).toBeLessThan(2e-3);
    });
  }
});

describe('optimiser and schedule', () => {
  it('Adam with weight decay (AdamW) takes the hand-worked first step: p·(1 − lr·λ) − lr·sign(g)', () => {
    const p = Float32Array.of(1, -2);
    const opt = new Adam([p], { lr: 0.1, weightDecay: 0.01 });
    opt.step([Float32Array.of(0.5, -3)]);
    // m̂ = g, v̂ = g², so the step is lr·g/(|g| + ε) ≈ lr·sign(g).
    expect(p[0]).toBeCloseTo(1 * (1 - 0.001) - 0.1, 6);
    expect(p[1]).toBeCloseTo(-2 * (1 - 0.001) + 0.1, 6);
    opt.step([Float32Array.of(0.5, -3)]);
    expect(p[0]).toBeCloseTo((0.899 * 0.999) - 0.1, 6);
  });

  it('ReduceLROnPlateau halves the rate after more than `patience` epochs without a 1e-4 relative improvement', () => {
    const opt = { lr: 1 };
    const s = new ReduceLROnPlateau(opt, 2, 0.5);
    const lrs = [1, 0.9, 0.9, 0.89995, 0.9, 0.5, 0.6, 0.6, 0.6].map((v) => s.step(v));
    expect(lrs).toEqual([1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25]);
    expect(() => new ReduceLROnPlateau(opt, 2, 1.5)).toThrow('factor must be in (0, 1), got 1.5');
  });
});

describe('trainMlp', () => {
  const n = 120;
  const d = 6;
  const X = randomArray(n * d, 21);
  const y = Float64Array.from({ length: n }, (_, i) => 0.5 + X[i * d] - 0.5 * X[i * d + 1]);
  const spec: MlpSpec = { inputs: d, hidden: [16, 8], activation: 'mish', layerNormEps: 1e-5, dropout: [0.2, 0.22] };
  const options = { loss: 'huber' as const, lr: 3e-3, weightDecay: 1e-3, batchSize: 16, maxEpochs: 12, plateau: { patience: 5, factor: 0.5 }, seed: 9 };

  it('trainMlp(mlp, X, n, d, y) is reproducible from its seed and lowers the validation loss', async () => {
    const a = createMlp(spec, keyedRandom(9, 'init'));
    const b = createMlp(spec, keyedRandom(9, 'init'));
    const ra = await trainMlp(a, X, n, d, y, options);
    const rb = await trainMlp(b, X, n, d, y, options);
    expect(rb.history).toEqual(ra.history);
    expect(mlpParameters(b).map((p) => Array.from(p.value))).toEqual(mlpParameters(a).map((p) => Array.from(p.value)));
    expect(ra.history.length).toBe(12);
    expect(ra.bestValLoss).toBeLessThan(ra.history[0].val_loss);
    const c = createMlp(spec, keyedRandom(9, 'init'));
    const rc = await trainMlp(c, X, n, d, y, { ...options, seed: 10 });
    expect(rc.history[0].train_loss).not.toBe(ra.history[0].train_loss);
  });

  it('trainMlp keeps the best epoch by validation loss and reports every epoch through onEpoch', async () => {
    const mlp = createMlp(spec, keyedRandom(9, 'init'));
    const seen: [number, number, number][] = [];
    const r = await trainMlp(mlp, X, n, d, y, { ...options, onEpoch: (e, t, v) => seen.push([e, t, v]) });
    expect(seen).toEqual(r.history.map((h) => [h.epoch, h.train_loss, h.val_loss]));
    const best = r.history.reduce((m, h) => (h.val_loss < m.val_loss ? h : m));
    expect(r.bestEpoch).toBe(best.epoch);
    expect(evaluateLoss(mlp, X, d, y, r.valRows, 'huber', 0.5)).toBeCloseTo(best.val_loss, 6);
    expect(r.trainRows.length + r.valRows.length).toBe(n);
    expect(r.valRows.length).toBe(12);
  });

  it('trainMlp stops early `patience` epochs after its best epoch when validation loss stops improving', async () => {
    const noise = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 3);
    const mlp = createMlp({ ...spec, hidden: [64, 32], dropout: [0, 0] }, keyedRandom(3));
    const r = await trainMlp(mlp, X, n, d, noise, { ...options, lr: 3e-2, maxEpochs: 60, earlyStoppingPatience: 3, plateau: null });
    expect(r.stoppedEarly).toBe(true);
    expect(r.history.length).toBeLessThan(60);
    expect(r.history.length - r.bestEpoch).toBe(3);
  });

  it('trainMlp rejects with AbortError when its signal is aborted, and yields to the event loop between batches', async () => {
    const controller = new AbortController();
    const mlp = createMlp(spec, keyedRandom(1));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const run = trainMlp(mlp, X, n, d, y, { ...options, maxEpochs: 100, onEpoch: (e) => e === 2 && controller.abort(), signal: controller.signal });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
  });

  it('trainValSplit(n, 0.1, seed) holds out ⌊0.1·n⌋ rows (at least 1) and partitions the rows', () => {
    const { train, val } = trainValSplit(25, 0.1, 4);
    expect(val.length).toBe(2);
    expect([...train, ...val].sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(trainValSplit(5, 0.1, 4).val.length).toBe(1);
    expect(() => trainValSplit(1, 0.1, 4)).toThrow('a train/validation split needs at least 2 rows, got 1');
  });

  it('trainMlp names bad inputs', async () => {
    const mlp = createMlp(spec, keyedRandom(1));
    await expect(trainMlp(mlp, X, n, 5, y, options)).rejects.toThrow(`X must hold n × d = ${n} × 5 = ${n * 5} values, got ${n * d}`);
    await expect(trainMlp(mlp, X, n, d, [1, 2], options)).rejects.toThrow(`y must hold one target per row (${n}), got 2`);
    await expect(trainMlp(mlp, X, n, d, y, { ...options, lr: -1 })).rejects.toThrow('lr must be a positive number, got -1');
    await expect(trainMlp(mlp, X, n, d, y, { ...options, batchSize: 1.5 })).rejects.toThrow('batchSize must be a positive integer, got 1.5');
    const other = createMlp({ ...spec, inputs: 3 }, keyedRandom(1));
    await expect(trainMlp(other, X, n, d, y, options)).rejects.toThrow('the MLP takes 3 inputs but X has d = 6 columns');
  });
});
