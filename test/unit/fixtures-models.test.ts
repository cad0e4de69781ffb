/**
 * Every fixture architecture × dtype against the plain-TypeScript reference forward pass (test/reference), run
 * through onnxruntime-web's WASM backend in Node: logits and every layer's residual stream on a full sequence, a
 * KV-cache continuation (one token, then several) against the full pass, and a left-padded batch. The graphs are
 * built with a 512-token vocabulary (their structure does not depend on it) to keep the suite fast; the
 * 50259-token models of `tiny-model` are covered in fixtures-files.test.ts.
 *
 * Tolerances (design.md, "Numerical agreement"): fp32 and q4 (against the dequantised weights) within
 * 1e-5·max(1, max|ref|); fp16 within 5e-3·max(1, max|ref|) against the fp16-rounded weights (half precision
 * has an 11-bit significand and activations are rounded at every op; the worst seen is 1.3e-3). The max
 * differences are printed at the end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOnnxModel } from '../../src/lib/engine/fixtures/buildOnnxModel';
import { configJson } from '../../src/lib/engine/fixtures/configFiles';
import { residualTensors } from '../../src/lib/engine/fixtures/residualTensors';
import { headDim, resolveSpec, type FixtureArch, type FixtureDtype, type FixtureSpec } from '../../src/lib/engine/fixtures/spec';
import { randomWeights, type WeightMap } from '../../src/lib/engine/fixtures/weights';
import { referenceForward, type RefOutput } from '../reference/forward';
import { exposeResiduals, maxDiff, ort, step, type DecoderShape } from '../reference/ort';

const ARCHS: readonly FixtureArch[] = ['llama', 'gpt2', 'neox', 'genai'];
const DTYPES: readonly FixtureDtype[] = ['fp32', 'fp16', 'q4'];
const TOLERANCE: Record<FixtureDtype, number> = { fp32: 1e-5, q4: 1e-5, fp16: 5e-3 };

const IDS = [17, 3, 400, 99, 5, 250, 42, 7, 311];
const OTHER = [8, 1, 77, 77, 300, 2, 19];

interface Row {
  arch: FixtureArch;
  dtype: FixtureDtype;
  check: string;
  diff: number;
  scale: number;
  rel: number;
}
const report: Row[] = [];

function within(arch: FixtureArch, dtype: FixtureDtype, check: string, d: { diff: number; scale: number }, tol = TOLERANCE[dtype]) {
  const rel = d.diff / Math.max(1, d.scale);
  report.push({ arch, dtype, check, diff: d.diff, scale: d.scale, rel });
  expect(rel, `${arch} ${dtype} ${check}: max |onnx − ref| = ${d.diff} at scale ${d.scale}`).toBeLessThanOrEqual(tol);
}

afterAll(() => {
  const lines = report.map((r) => `${r.arch.padEnd(6)} ${r.dtype.padEnd(5)} ${r.check.padEnd(28)} max|Δ| ${r.diff.toExponential(2)}  max|ref| ${r.scale.toFixed(2)}  rel ${r.rel.toExponential(2)}`);
  console.log(['fixture models vs reference (onnxruntime-web WASM, 1 thread):', ...lines].join('\n'));
});

for (const arch of ARCHS) {
  for (const dtype of DTYPES) {
    describe(`${arch} ${dtype}`, () => {
      let spec: FixtureSpec;
      let weights: WeightMap;
      let session: ort.InferenceSession;
      let shape: DecoderShape;
      let config: Record<string, unknown>;
      let ref: RefOutput;

      beforeAll(async () => {
        spec = resolveSpec({ arch, vocabSize: 512, seed: 'models-test' });
        const built = buildOnnxModel(spec, randomWeights(spec), dtype);
        weights = built.effectiveWeights;
        const exposed = exposeResiduals(built.bytes, residualTensors(spec, dtype), dtype === 'fp16' ? 10 : 1);
        session = await ort.InferenceSession.create(exposed);
        shape = { layers: spec.layers, kvHeads: spec.kvHeads, headDim: headDim(spec), fp16: dtype === 'fp16' };
        // The reference reads the same config.json the folder gets: a wrong size there shows up as a difference.
        config = configJson(spec, { bos: null, eos: null, pad: null }, 'float32', { dtypes: [dtype], note: 'random weights' });
        ref = referenceForward(config, weights, IDS);
      });

      it('run(full sequence) gives the reference logits and every residual stream', async () => {
        const out = await step(session, shape, { ids: [IDS] });
        expect(out.dims).toEqual([1, IDS.length, spec.vocabSize]);
        within(arch, dtype, 'logits (full pass)', maxDiff(out.logits, ref.logits));
        for (let i = 0; i <= spec.layers; i++) within(arch, dtype, `hidden state ${i}`, maxDiff(out.extra[`hidden.${i}`], ref.hidden[i]));
      });

      it('run(prefix) then run(1 token) and run(3 tokens) with past_key_values equals the full pass', async () => {
        const full = await step(session, shape, { ids: [IDS] });
        const V = spec.vocabSize;
        const a = await step(session, shape, { ids: [IDS.slice(0, 5)] });
        const b = await step(session, shape, { ids: [IDS.slice(5, 6)], past: a.cache });
        const c = await step(session, shape, { ids: [IDS.slice(6)], past: b.cache });
        expect(c.cache['past_key_values.0.key'].dims).toEqual([1, spec.kvHeads, IDS.length, headDim(spec)]);
        const cached = new Float32Array(IDS.length * V);
        cached.set(a.logits, 0);
        cached.set(b.logits, 5 * V);
        cached.set(c.logits, 6 * V);
        within(arch, dtype, 'logits (cache vs full)', maxDiff(cached, full.logits));
        within(arch, dtype, 'hidden L (cache vs full)', maxDiff(c.extra[`hidden.${spec.layers}`], full.extra[`hidden.${spec.layers}`].subarray(6 * spec.hidden)));
      });

      // GroupQueryAttention (genai) derives positions from seqlens_k, which assumes no left padding.
      it.skipIf(arch === 'genai')('run(left-padded batch) gives each row the logits of its unpadded sequence', async () => {
        const pad = IDS.length - OTHER.length;
        const rowIds = [...Array.from({ length: pad }, () => 0), ...OTHER];
        const mask = rowIds.map((_, s) => (s < pad ? 0 : 1));
        // HF: position_ids = cumsum(mask) − 1, with 1 where masked
        const positions = mask.map((m, s) => (m ? s - pad : 1));
        const out = await step(session, shape, { ids: [IDS, rowIds], mask: [IDS.map(() => 1), mask], positions: [IDS.map((_, s) => s), positions] });
        const V = spec.vocabSize;
        within(arch, dtype, 'logits (batch row 0)', maxDiff(out.logits.subarray(0, IDS.length * V), ref.logits));
        const refOther = referenceForward(config, weights, OTHER);
        within(arch, dtype, 'logits (left-padded row)', maxDiff(out.logits.subarray((IDS.length + pad) * V, 2 * IDS.length * V), refOther.logits));
      });
    });
  }
}
