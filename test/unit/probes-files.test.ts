import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeF16, encodeF16 } from '../../src/lib/core/float16';
import { trainProbe, type Probe, type ProbeTrainInput } from '../../src/lib/core/probes/index';
import { keyedRandom } from '../../src/lib/core/random';
import { checkProbeFits, probeTurnScore, resolveProbeSelection } from '../../src/lib/store/applyProbe';
import { decodeHiddenStates, encodeHiddenStates } from '../../src/lib/store/hiddenStates';
import { decodeProbeFile, encodeProbeFile, loadProbe, parseSklearnProbe } from '../../src/lib/store/probeFile';
import { encodeSafetensors } from '../../src/lib/store/safetensors';

const n = 60;
const d = 8; // layers [2, 4) × hidden 4
const r = keyedRandom(5, 'files');
const X = Float32Array.from({ length: n * d }, () => r.normal());
const labels = Float64Array.from({ length: n }, (_, i) => (X[i * d] > 0 ? 1 : 0));
const se = Float64Array.from({ length: n }, (_, i) => Math.abs(X[i * d]));

function input(kind: ProbeTrainInput['kind']): ProbeTrainInput {
  return {
    kind,
    X,
    n,
    d,
    y: kind === 'sep-mlp' ? se : labels,
    seed: 3,
    modelId: 'test/model',
    hiddenSize: 4,
    tokenPosition: 'sec_last_token_embedding',
    layerRange: [2, 4],
    normalize: kind === 'sep-mlp',
    overrides: { hidden: [6, 5], dropout: kind === 'sep-mlp' ? [0.2, 0.22] : [0, 0], maxEpochs: 2 }
  };
}

const writeTmp = (name: string, bytes: Uint8Array | string): string => {
  const dir = mkdtempSync(join(tmpdir(), 'probe-'));
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return file;
};

describe('probe files', () => {
  for (const kind of ['sep', 'sep-mlp', 'saplma'] as const) {
    it(`decodeProbeFile(encodeProbeFile(probe)) gives the same ${kind} probe: header and predictions`, async () => {
      const probe = await trainProbe(input(kind));
      const back = decodeProbeFile(encodeProbeFile(probe), 'p.safetensors');
      expect(back.header).toEqual(JSON.parse(JSON.stringify(probe.header)));
      for (let i = 0; i < 5; i++) {
        const x = Float32Array.from(X.subarray(i * d, i * d + d));
        expect(back.predict(x)).toBeCloseTo(probe.predict(x), kind === 'sep' ? 6 : 12);
      }
    });
  }

  it('encodeProbeFile output is read by the independent Python reader: metadata.probe JSON and F32 tensors', async () => {
    const probe = await trainProbe(input('sep-mlp'));
    const py = JSON.parse(execFileSync('python3', ['test/tools/read_safetensors.py', writeTmp('p.safetensors', encodeProbeFile(probe))], { encoding: 'utf8' }));
    expect(py.metadata.format_version).toBe('1');
    const header = JSON.parse(py.metadata.probe);
    expect(header).toMatchObject({ format_version: 1, kind: 'sep-mlp', model_id: 'test/model', hidden_size: 4, token_position: 'sec_last_token_embedding', layer_range: [2, 4], input_dim: 8 });
    expect(header.training.loss_curve).toHaveLength(2);
    expect(Object.keys(py.tensors)).toEqual(['model.0.weight', 'model.0.bias', 'model.1.weight', 'model.1.bias', 'model.4.weight', 'model.4.bias', 'model.5.weight', 'model.5.bias', 'model.8.weight', 'model.8.bias', 'input_mean', 'input_std']);
    const w = probe.parameters()[0];
    expect(py.tensors['model.0.weight'].shape).toEqual([6, 8]);
    expect(py.tensors['model.0.weight'].values).toEqual(Array.from(w.value));
  });

  it('decodeProbeFile names the file and field for a missing header, bad JSON, bad fields and missing tensors', async () => {
    const enc = (meta: Record<string, string>) => encodeSafetensors({ coef: { dtype: 'F32', shape: [2], data: new Float32Array(2) } }, meta);
    expect(() => decodeProbeFile(enc({}), 'x.safetensors')).toThrow('x.safetensors: __metadata__.probe is missing: not a SpikeScore Lab probe file');
    expect(() => decodeProbeFile(enc({ probe: '{' }), 'x.safetensors')).toThrow('x.safetensors: __metadata__.probe is not valid JSON');
    const header = { format_version: 1, kind: 'sep', model_id: 'm', hidden_size: 1, token_position: 'last_token_embedding', layer_range: [0, 2], input_dim: 2, normalization: null };
    expect(() => decodeProbeFile(enc({ probe: JSON.stringify({ ...header, kind: 'svm' }) }), 'x.safetensors')).toThrow('x.safetensors: __metadata__.probe.kind must be one of sep, sep-mlp, saplma, got "svm"');
    expect(() => decodeProbeFile(enc({ probe: JSON.stringify({ ...header, format_version: 9 }) }), 'x.safetensors')).toThrow('__metadata__.probe.format_version is 9, newer than this app reads (1)');
    expect(() => decodeProbeFile(enc({ probe: JSON.stringify({ ...header, layer_range: [2, 2] }) }), 'x.safetensors')).toThrow('__metadata__.probe.layer_range must be [a, b] with integers 0 ≤ a < b (half-open), got [2,2]');
    expect(() => decodeProbeFile(enc({ probe: JSON.stringify({ ...header, hidden_size: 3 }) }), 'x.safetensors')).toThrow('__metadata__.probe.input_dim is 2, but layer_range [0, 2) × hidden_size 3 gives 6');
    expect(() => decodeProbeFile(enc({ probe: JSON.stringify({ ...header, token_position: 'cls' }) }), 'x.safetensors')).toThrow('__metadata__.probe.token_position must be one of last_token_embedding');
    expect(() => decodeProbeFile(enc({ probe: JSON.stringify(header) }), 'x.safetensors')).toThrow('x.safetensors: a sep probe needs tensor "intercept" [1], which is missing');
    expect(() => decodeProbeFile(enc({ probe: JSON.stringify({ ...header, kind: 'saplma' }) }), 'x.safetensors')).toThrow('__metadata__.probe.architecture must describe the MLP');
    const noInput = { ...header } as Record<string, unknown>;
    delete noInput.input_dim;
    expect(() => decodeProbeFile(enc({ probe: JSON.stringify(noInput) }), 'x.safetensors')).toThrow('x.safetensors: __metadata__.probe.input_dim is missing');
    const probe = await trainProbe(input('saplma'));
    const bytes = encodeProbeFile(probe);
    const st = encodeSafetensors(
      { 'model.0.weight': { dtype: 'F32', shape: [6, 7], data: new Float32Array(42) } },
      { format_version: '1', probe: JSON.stringify(probe.header) }
    );
    expect(() => decodeProbeFile(st, 'y.safetensors')).toThrow('y.safetensors: tensor "model.0.weight" has shape [6, 7], expected [6, 8]');
    expect(loadProbe(bytes, 'z.safetensors').kind).toBe('saplma');
  });
});

describe('scikit-learn JSON probes', () => {
  it('parseSklearnProbe reads coef/intercept/classes and their trailing-underscore aliases; the score is P(class 1)', () => {
    const a = parseSklearnProbe({ coef: [[1, -2]], intercept: [0.5], classes: [0, 1] }, 'a.json');
    const b = parseSklearnProbe({ coef_: [1, -2], intercept_: 0.5, classes_: [0, 1], layer_range: [3, 5], token_key: 'last_token_embedding' }, 'b.json');
    const x = Float32Array.of(0.25, 1);
    expect(a.predict(x)).toBeCloseTo(1 / (1 + Math.exp(-(0.25 - 2 + 0.5))), 15);
    expect(b.predict(x)).toBe(a.predict(x));
    expect(a.header).toMatchObject({ kind: 'sep', source: 'sklearn-json', token_position: null, layer_range: null, hidden_size: null, input_dim: 2 });
    expect(b.header).toMatchObject({ token_position: 'last_token_embedding', layer_range: [3, 5], hidden_size: 1 });
  });

  it('loadProbe(bytes) reads JSON text as a scikit-learn probe', () => {
    const p = loadProbe(new TextEncoder().encode(' {"coef": [0.5], "intercept": 0, "classes": [0, 1]}'), 'c.json');
    expect(p.predict(Float32Array.of(0))).toBe(0.5);
    expect(() => loadProbe(new TextEncoder().encode('{"coef": '), 'c.json')).toThrow('c.json: neither a safetensors probe nor valid JSON');
  });

  it('parseSklearnProbe names every missing or bad field', () => {
    expect(() => parseSklearnProbe({}, 'p.json')).toThrow(/p\.json: coef is missing[\s\S]*p\.json: intercept is missing[\s\S]*p\.json: classes is missing/);
    expect(() => parseSklearnProbe({ coef: [[1], [2]], intercept: 0, classes: [0, 1] }, 'p.json')).toThrow('p.json: coef must have one row (a binary classifier), got 2 rows');
    expect(() => parseSklearnProbe({ coef: [1, 'x'], intercept: 0, classes: [0, 1] }, 'p.json')).toThrow('p.json: coef must be a non-empty list of finite numbers');
    expect(() => parseSklearnProbe({ coef_: [1], intercept_: 'a', classes_: [0, 1] }, 'p.json')).toThrow('p.json: intercept_ must be a finite number or [number], got "a"');
    expect(() => parseSklearnProbe({ coef: [1], intercept: 0, classes: [1, 2] }, 'p.json')).toThrow('p.json: classes must be [0, 1] (the score is P(class 1)), got [1,2]');
    expect(() => parseSklearnProbe({ coef: [1, 2, 3], intercept: 0, classes: [0, 1], layer_range: [0, 2] }, 'p.json')).toThrow('p.json: layer_range [0, 2) spans 2 layers, but coef has 3 values, not a multiple of 2');
    expect(() => parseSklearnProbe({ coef: [1], intercept: 0, classes: [0, 1], token_key: 'cls' }, 'p.json')).toThrow('p.json: token_key must be one of last_token_embedding');
    expect(() => parseSklearnProbe([1], 'p.json')).toThrow('p.json: a scikit-learn probe must be a JSON object with coef, intercept and classes, got array');
  });
});

describe('applying a probe', () => {
  const hidden = decodeF16(encodeF16(Float32Array.from({ length: 5 * 4 }, (_, i) => Math.sin(i))));
  const file = decodeHiddenStates(encodeHiddenStates({ modelId: 'test/model', layers: [0, 1, 2, 3, 4], hiddenSize: 4, turns: [{ sec_last_token_embedding: hidden }, null] }), 'item.safetensors');
  let probe: Probe;

  it('resolveProbeSelection uses the probe’s own position and layers; a request for others is an error', async () => {
    probe = await trainProbe(input('sep'));
    expect(resolveProbeSelection(probe, {}, 'p.safetensors')).toEqual({ tokenPosition: 'sec_last_token_embedding', layerRange: [2, 4] });
    expect(resolveProbeSelection(probe, { tokenPosition: 'sec_last_token_embedding', layerRange: [2, 4] }, 'p.safetensors').layerRange).toEqual([2, 4]);
    expect(() => resolveProbeSelection(probe, { tokenPosition: 'last_token_embedding' }, 'p.safetensors')).toThrow(
      'p.safetensors was trained on sec_last_token_embedding; --token-key last_token_embedding asks for another position'
    );
    expect(() => resolveProbeSelection(probe, { layerRange: [1, 3] }, 'p.safetensors')).toThrow('p.safetensors was trained on layers [2, 4); --layer-range 1,3 asks for others');
  });

  it('resolveProbeSelection takes position and layers from the request for a scikit-learn probe, and requires them', () => {
    const sk = parseSklearnProbe({ coef: new Array(8).fill(0.1), intercept: 0, classes: [0, 1] }, 'sk.json');
    expect(resolveProbeSelection(sk, { tokenPosition: 'last_token_embedding', layerRange: [1, 3] }, 'sk.json')).toEqual({ tokenPosition: 'last_token_embedding', layerRange: [1, 3] });
    expect(() => resolveProbeSelection(sk, {}, 'sk.json')).toThrow(/sk\.json does not say which token position it was trained on; give it with --token-key[\s\S]*sk\.json does not say which layers it was trained on; give them with --layer-range a,b/);
    expect(() => resolveProbeSelection(sk, { tokenPosition: 'last_token_embedding', layerRange: [0, 3] }, 'sk.json')).toThrow('sk.json takes 8 values, which do not split into 3 layers of [0, 3)');
  });

  it('probeTurnScore slices the probe’s layers at its position; a turn without hidden states scores null', () => {
    const sel = resolveProbeSelection(probe, {}, 'p.safetensors');
    expect(probeTurnScore(probe, sel, file, 0, 'p.safetensors')).toBe(probe.predict(hidden.slice(8, 16)));
    expect(probeTurnScore(probe, sel, file, 1, 'p.safetensors')).toBeNull();
  });

  it('checkProbeFits names both files and both sizes when the hidden size differs', () => {
    const other = decodeHiddenStates(encodeHiddenStates({ modelId: 'm', layers: [2, 3], hiddenSize: 5, turns: [{ sec_last_token_embedding: new Float32Array(10) }] }), 'big.safetensors');
    const sel = resolveProbeSelection(probe, {}, 'p.safetensors');
    expect(() => checkProbeFits(probe, sel, other, 'p.safetensors')).toThrow('big.safetensors holds hidden states of size 5, but the probe p.safetensors was trained on size 4');
    const sk = parseSklearnProbe({ coef: new Array(8).fill(0.1), intercept: 0, classes: [0, 1] }, 'sk.json');
    const skSel = resolveProbeSelection(sk, { tokenPosition: 'sec_last_token_embedding', layerRange: [2, 4] }, 'sk.json');
    expect(() => checkProbeFits(sk, skSel, other, 'sk.json')).toThrow('big.safetensors gives 2 layers × hidden size 5 = 10 values, but the probe sk.json takes 8');
    expect(() => checkProbeFits(probe, { tokenPosition: 'sec_last_token_embedding', layerRange: [0, 2] }, other, 'p.safetensors')).toThrow('big.safetensors: layer range [0, 2) needs hidden-state indices 0, 1, which were not stored');
  });
});
