import { describe, expect, it } from 'vitest';
import { fitLogisticRegression, probeSettings, sigmoid, trainProbe, trainValSplit, type MlpSettings, type ProbeTrainInput } from '../../src/lib/core/probes/index';
import { keyedRandom } from '../../src/lib/core/random';

/** n items, 2 layers × hidden 3; the first feature carries the label. */
function dataset(n: number, seed: number) {
  const r = keyedRandom(seed, 'data');
  const d = 6;
  const X = new Float32Array(n * d);
  const truth = new Uint8Array(n);
  const se = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    truth[i] = i % 2;
    for (let j = 0; j < d; j++) X[i * d + j] = r.normal();
    X[i * d] += truth[i] ? -1.5 : 1.5; // correct answers sit at negative x₀
    se[i] = Math.max(0, 1 + 0.6 * X[i * d] + 0.1 * r.normal());
  }
  return { X, n, d, truth, se };
}

const base = (kind: ProbeTrainInput['kind'], y: ArrayLike<number>, data: ReturnType<typeof dataset>): ProbeTrainInput => ({
  kind,
  X: data.X,
  n: data.n,
  d: data.d,
  y,
  seed: 42,
  modelId: 'test/model',
  hiddenSize: 3,
  tokenPosition: 'last_token_embedding',
  layerRange: [13, 15],
  data: ['dirA']
});

describe('trainProbe', () => {
  const data = dataset(200, 1);
  const high = Uint8Array.from(data.se, (v) => (v > 1 ? 1 : 0));

  it("trainProbe({kind: 'sep'}) fits sklearn's logistic objective on the seeded 90 % split and scores P(high SE)", async () => {
    const epochs: number[] = [];
    const probe = await trainProbe({ ...base('sep', high, data), onEpoch: (e) => epochs.push(e) });
    const { train, val } = trainValSplit(200, 0.1, 42);
    const Xtr = new Float32Array(train.length * 6);
    train.forEach((r, i) => Xtr.set(data.X.subarray(r * 6, r * 6 + 6), i * 6));
    const direct = await fitLogisticRegression(Xtr, train.length, 6, Array.from(train, (r) => high[r]));
    const x = data.X.subarray(0, 6);
    let z = direct.intercept;
    for (let j = 0; j < 6; j++) z += direct.coef[j] * x[j];
    expect(probe.predict(Float32Array.from(x))).toBeCloseTo(sigmoid(z), 12);
    const h = probe.header;
    expect(h).toMatchObject({ kind: 'sep', output: 'p_high_se', model_id: 'test/model', hidden_size: 3, token_position: 'last_token_embedding', layer_range: [13, 15], input_dim: 6, source: 'spikescore' });
    expect(h.training).toMatchObject({ n: 200, n_train: 180, n_val: 20, seed: 42, converged: true, data: ['dirA'] });
    expect(h.training!.loss_curve.length).toBe(h.training!.n_iter);
    expect(epochs.length).toBe(h.training!.n_iter);
    expect(h.training!.validation.accuracy).toBeGreaterThan(0.8);
    expect(val.length).toBe(20);
  });

  it("trainProbe({kind: 'sep-mlp'}) regresses raw SE with the preset's network and records the epochs, reproducibly", async () => {
    const input = { ...base('sep-mlp', data.se, data), overrides: { hidden: [16, 8], dropout: [0.2, 0.22], maxEpochs: 6, lr: 3e-3 } };
    const a = await trainProbe(input);
    const b = await trainProbe(input);
    const x = Float32Array.from(data.X.subarray(6, 12));
    expect(a.predict(x)).toBe(b.predict(x));
    expect(a.header.architecture).toEqual({ hidden: [16, 8], activation: 'mish', layer_norm_eps: 1e-5, dropout: [0.2, 0.22], stride: 4 });
    const t = a.header.training!;
    expect(t.loss_curve.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(t.loss).toBe('huber (delta 0.5)');
    expect(t.best_epoch).toBe(t.loss_curve.reduce((m, e) => (e.val_loss < m.val_loss ? e : m)).epoch);
    expect(Object.keys(t.validation).sort()).toEqual(['huber', 'mae', 'mse', 'pearson', 'spearman', 'val_loss']);
    expect(t.validation.pearson).toBeGreaterThan(0.5);
    expect(a.header.output).toBe('se');
  });

  it("trainProbe({kind: 'saplma'}) learns truth and scores 1 − P(true): higher for wrong answers", async () => {
    const probe = await trainProbe({ ...base('saplma', data.truth, data), overrides: { maxEpochs: 8 } });
    let wrong = 0;
    let right = 0;
    for (let i = 0; i < data.n; i++) {
      const s = probe.predict(Float32Array.from(data.X.subarray(i * 6, i * 6 + 6)));
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(1);
      if (data.truth[i]) right += s;
      else wrong += s;
    }
    expect(wrong / 100).toBeGreaterThan(right / 100 + 0.3);
    expect(probe.header).toMatchObject({ kind: 'saplma', output: 'p_false', architecture: { hidden: [256, 128, 64], activation: 'relu', layer_norm_eps: null, stride: 2 } });
    expect(probe.header.training!.validation.accuracy).toBeGreaterThan(0.8);
  });

  it('trainProbe with normalize standardises with training-row statistics and the probe applies them', async () => {
    const scaled = { ...data, X: data.X.map((v, i) => (i % 6 === 2 ? v * 1000 + 50 : v)) };
    const probe = await trainProbe({ ...base('sep', high, scaled), normalize: true });
    expect(probe.header.normalization).toEqual({ mean: 'input_mean', std: 'input_std' });
    const names = probe.parameters().map((p) => p.name);
    expect(names).toEqual(['coef', 'intercept', 'input_mean', 'input_std']);
    const [coef, intercept, mean, std] = probe.parameters().map((p) => p.value);
    expect(std[2]).toBeGreaterThan(500);
    const x = Float32Array.from(scaled.X.subarray(0, 6));
    let z = intercept[0];
    for (let j = 0; j < 6; j++) z += coef[j] * ((x[j] - mean[j]) / std[j]);
    expect(probe.predict(x)).toBeCloseTo(sigmoid(z), 6);
  });

  it('trainProbe names bad input: layer sizes, presets, one-class training rows', async () => {
    await expect(trainProbe({ ...base('sep', high, data), hiddenSize: 4 })).rejects.toThrow('d must be (b − a) · hiddenSize = 2 · 4 = 8, got 6');
    await expect(trainProbe({ ...base('sep', high, data), preset: 'seed-slow' })).rejects.toThrow('preset seed-slow is defined for sep-mlp only; sep has just the default');
    await expect(trainProbe({ ...base('sep', new Uint8Array(200), data) })).rejects.toThrow('the training rows hold only class 0 (180 rows); a sep probe needs high- and low-SE samples');
    await expect(trainProbe({ ...base('saplma', data.se, data) })).rejects.toThrow('y[0] must be 0 or 1');
    await expect(trainProbe({ ...base('sep', high, data), layerRange: [15, 13] })).rejects.toThrow('layerRange must be [a, b) with integers 0 ≤ a < b, got [15, 13)');
  });

  it("probeSettings gives the seed's SEP-MLP settings and the seed-slow preset, marked slow", () => {
    expect(probeSettings('sep-mlp')).toMatchObject({ hidden: [256, 128], lr: 1e-4, weightDecay: 1e-3, batchSize: 16, maxEpochs: 50, huberDelta: 0.5, plateau: { patience: 5, factor: 0.5 }, slow: false });
    expect(probeSettings('sep-mlp', 'seed-slow')).toMatchObject({ hidden: [1024, 512, 128], maxEpochs: 200, earlyStoppingPatience: null, slow: true });
    const dropout = (probeSettings('sep-mlp', 'seed-slow') as MlpSettings).dropout;
    expect(dropout.map((p) => Math.round(p * 1e6) / 1e6)).toEqual([0.2, 0.22, 0.24]);
  });
});
