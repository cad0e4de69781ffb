/**
 * The testbed model folder written from the committed weights, run through onnxruntime-web (WASM, Node), against
 * the numpy forward pass that trained and measured it (testbed/reference.*: logits and residual streams of three
 * sequences, up to a whole 21-turn dialogue, at a few positions, computed in float32 from the fp16 weights).
 *
 * Tolerances (design.md, "Numerical agreement"): fp32 within 1e-5·max(1, max|ref|) (two float32 implementations with
 * different summation orders; the worst seen is 7e-7); fp16 within 5e-3·max(1, max|ref|), as the fixture tests
 * (activations are rounded to half precision at every op; the worst seen is 5e-4), and the same greedy token at every
 * checked position for both. The max differences are printed at the end.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main';
import { residualTensors } from '../../src/lib/engine/fixtures/residualTensors';
import { TESTBED_DIR, readTestbedFiles, writeTestbedModel, type WrittenTestbed } from '../../src/lib/engine/testbed';
import { decodeSafetensors, tensorToFloat32 } from '../../src/lib/store/safetensors';
import { exposeResiduals, maxDiff, ort, step, type DecoderShape } from '../reference/ort';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const ref = JSON.parse(readFileSync(join(root, 'testbed/reference.json'), 'utf8')) as { sequences: { ids: number[]; positions: number[] }[] };
const refTensors = decodeSafetensors(new Uint8Array(readFileSync(join(root, 'testbed/reference.safetensors'))), 'reference.safetensors').tensors;
const refOf = (name: string) => tensorToFloat32(refTensors.get(name)!);

let dir: string;
let model: WrittenTestbed;
const report: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'testbed-model-'));
  model = await writeTestbedModel(dir);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  console.log(['testbed ONNX vs numpy reference (onnxruntime-web WASM, 1 thread):', ...report].join('\n'));
});

describe('writeTestbedModel', () => {
  it('writeTestbedModel(dir) writes a GPT-2 config with the spikescore_testbed block, and the tokenizer files', () => {
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    const s = model.testbed.summary.model;
    expect(config).toMatchObject({
      model_type: 'gpt2',
      architectures: ['GPT2LMHeadModel'],
      n_layer: s.layers,
      n_embd: s.d,
      n_head: s.heads,
      n_positions: 1024,
      vocab_size: s.vocab,
      tie_word_embeddings: false,
      activation_function: 'gelu_new',
      bos_token_id: 2,
      eos_token_id: 6,
      pad_token_id: 0
    });
    const block = config.spikescore_testbed as Record<string, unknown>;
    expect(block.format_version).toBe(1);
    expect(block.dataset).toMatchObject({ label_rule: 'testbed-value/v1' });
    expect(block.weights_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((block.heldout_accuracy as Record<string, number>).frequent).toBeGreaterThanOrEqual(0.95);
    const gen = JSON.parse(readFileSync(join(dir, 'generation_config.json'), 'utf8'));
    expect(gen).toMatchObject({ bos_token_id: 2, eos_token_id: 6, pad_token_id: 0 });
    expect(readFileSync(join(dir, 'tokenizer.json'), 'utf8')).toBe(JSON.stringify(model.testbed.tokenizer));
  });

  it('the written folder loads with AutoTokenizer and renders the reference sequences to the same ids', async () => {
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = dirname(dir) + '/';
    const tok = await AutoTokenizer.from_pretrained(dir.slice(dirname(dir).length + 1));
    for (const s of (JSON.parse(readFileSync(join(root, 'testbed/reference.json'), 'utf8')) as { sequences: { text: string; ids: number[] }[] }).sequences) {
      expect(tok.encode(s.text, { add_special_tokens: false })).toEqual(s.ids);
    }
  });

  it('spikescore testbed-model --out DIR writes the same folder and lists its files', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'testbed-cli-'));
    let out = '';
    const io = { stdout: (t: string) => void (out += t), stderr: () => undefined, cwd, env: {} };
    try {
      expect(await runCli(['testbed-model', '--out', 'm'], io)).toBe(0);
      expect(out).toContain('onnx/model.onnx\t');
      expect(out).toContain('onnx/model_fp16.onnx\t');
      for (const f of ['config.json', 'onnx/model.onnx', 'onnx/model_fp16.onnx', 'tokenizer.json']) {
        expect(readFileSync(join(cwd, 'm', f)).equals(readFileSync(join(dir, f))), f).toBe(true);
      }
      expect(await runCli(['testbed-model'], { ...io, stderr: (t: string) => void (out += t) })).toBe(2);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('readTestbedFiles(dir) names what is missing or wrong', async () => {
    await expect(readTestbedFiles(join(dir, 'nope'))).rejects.toThrow(/weights\.safetensors: no such file \(run python3 testbed\/train\.py\)/);
    await expect(writeTestbedModel('')).rejects.toThrow('dir must be a non-empty path; got ""');
    expect(TESTBED_DIR).toBe(join(root, 'testbed') + '/');
  });

  for (const dtype of ['fp32', 'fp16'] as const) {
    it(`onnx ${dtype}: logits and residual streams match the numpy forward pass on the reference sequences`, async () => {
      const spec = model.spec;
      const bytes = readFileSync(join(dir, dtype === 'fp32' ? 'onnx/model.onnx' : 'onnx/model_fp16.onnx'));
      const exposed = exposeResiduals(bytes, residualTensors(spec, dtype), dtype === 'fp32' ? 1 : 10);
      const session = await ort.InferenceSession.create(exposed);
      const shape: DecoderShape = { layers: spec.layers, kvHeads: spec.heads, headDim: spec.hidden / spec.heads, fp16: dtype === 'fp16' };
      const V = spec.vocabSize;
      const d = spec.hidden;
      const tol = dtype === 'fp32' ? 1e-5 : 5e-3;
      for (const [i, s] of ref.sequences.entries()) {
        const out = await step(session, shape, { ids: [s.ids] });
        const logits = refOf(`seq${i}.logits`);
        const hidden = refOf(`seq${i}.hidden`); // [L+1, positions, d]
        const got = new Float32Array(s.positions.length * V);
        s.positions.forEach((p, r) => got.set(out.logits.subarray(p * V, (p + 1) * V), r * V));
        const dl = maxDiff(got, logits);
        report.push(`${dtype} seq${i} (${s.ids.length} tokens) logits max|Δ| ${dl.diff.toExponential(2)} max|ref| ${dl.scale.toFixed(2)}`);
        expect(dl.diff / Math.max(1, dl.scale), `${dtype} seq${i} logits`).toBeLessThanOrEqual(tol);
        for (let r = 0; r < s.positions.length; r++) {
          const a = got.subarray(r * V, (r + 1) * V);
          const b = logits.subarray(r * V, (r + 1) * V);
          expect(a.indexOf(Math.max(...a)), `${dtype} seq${i} greedy token at position ${s.positions[r]}`).toBe(b.indexOf(Math.max(...b)));
        }
        let worst = 0;
        for (let l = 0; l <= spec.layers; l++) {
          const h = out.extra[`hidden.${l}`];
          const mine = new Float32Array(s.positions.length * d);
          s.positions.forEach((p, r) => mine.set(h.subarray(p * d, (p + 1) * d), r * d));
          const want = hidden.subarray(l * s.positions.length * d, (l + 1) * s.positions.length * d);
          const dh = maxDiff(mine, want);
          worst = Math.max(worst, dh.diff / Math.max(1, dh.scale));
          expect(dh.diff / Math.max(1, dh.scale), `${dtype} seq${i} hidden state ${l}`).toBeLessThanOrEqual(tol);
        }
        report.push(`${dtype} seq${i} hidden states worst relative max|Δ| ${worst.toExponential(2)}`);
      }
      await session.release();
    });
  }
});
