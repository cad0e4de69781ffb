/**
 * The graphs' structure: node names, op types and I/O as the exporters write them (the engine's layout rules
 * anchor on these), the GenAI fused norms and their output 3, and 4-bit quantisation worked by hand.
 */
import { describe, expect, it } from 'vitest';
import { buildOnnxModel } from '../../src/lib/engine/fixtures/buildOnnxModel';
import { quantizeQ4 } from '../../src/lib/engine/fixtures/quantizeQ4';
import { residualTensors } from '../../src/lib/engine/fixtures/residualTensors';
import { resolveSpec, type FixtureArch, type FixtureDtype, type FixtureSpecInput } from '../../src/lib/engine/fixtures/spec';
import { randomWeights } from '../../src/lib/engine/fixtures/weights';
import { listNodes, modelInfo } from '../reference/ort';

function graph(arch: FixtureArch, dtype: FixtureDtype = 'fp32', extra: FixtureSpecInput = {}) {
  const spec = resolveSpec({ arch, layers: 2, vocabSize: 64, ...extra });
  const bytes = buildOnnxModel(spec, randomWeights(spec), dtype).bytes;
  const nodes = listNodes(bytes);
  return { spec, bytes, nodes, byName: new Map(nodes.map((n) => [n.name, n])), info: modelInfo(bytes) };
}

/** Add nodes directly in a layer's scope (not in a sub-block), in graph order. */
function layerAdds(nodes: ReturnType<typeof listNodes>, scope: string): string[] {
  return nodes.filter((n) => n.opType === 'Add' && n.name.startsWith(scope + '/') && !n.name.slice(scope.length + 1).includes('/')).map((n) => n.name);
}

describe('fixture graph structure', () => {
  it('llama: optimum node names; only Add and Add_1 sit directly in a layer scope, deeper Adds in its sub-blocks', () => {
    const { nodes, byName, info } = graph('llama');
    for (const name of [
      '/model/embed_tokens/Gather',
      '/model/layers.0/input_layernorm/Pow',
      '/model/layers.0/input_layernorm/ReduceMean',
      '/model/layers.0/input_layernorm/Add',
      '/model/layers.0/input_layernorm/Sqrt',
      '/model/layers.0/input_layernorm/Div',
      '/model/layers.0/input_layernorm/Mul_1',
      '/model/layers.0/self_attn/q_proj/MatMul',
      '/model/layers.0/self_attn/Softmax',
      '/model/layers.0/self_attn/o_proj/MatMul',
      '/model/layers.0/mlp/act_fn/Sigmoid',
      '/model/layers.0/mlp/down_proj/MatMul',
      '/model/norm/Mul_1',
      '/lm_head/MatMul'
    ]) {
      expect(byName.has(name), name).toBe(true);
    }
    for (const i of [0, 1]) expect(layerAdds(nodes, `/model/layers.${i}`)).toEqual([`/model/layers.${i}/Add`, `/model/layers.${i}/Add_1`]);
    expect(nodes.filter((n) => n.opType === 'Add' && n.name.startsWith('/model/layers.0/')).length).toBeGreaterThan(2);
    expect(byName.get('/model/layers.1/Add_1')!.outputs).toEqual(['/model/layers.1/Add_1_output_0']);
    expect(byName.get('/lm_head/MatMul')!.outputs).toEqual(['logits']);
    expect(info.inputs).toEqual(['input_ids', 'attention_mask', 'position_ids', 'past_key_values.0.key', 'past_key_values.0.value', 'past_key_values.1.key', 'past_key_values.1.value']);
    expect(info.outputs).toEqual(['logits', 'present.0.key', 'present.0.value', 'present.1.key', 'present.1.value']);
  });

  it('gpt2: wte + wpe summed by /transformer/Add, Conv1D as Gemm, layer output /transformer/h.{i}/Add_1', () => {
    const { nodes, byName } = graph('gpt2');
    for (const name of ['/transformer/wte/Gather', '/transformer/wpe/Gather', '/transformer/Add', '/transformer/h.0/ln_1/LayerNormalization', '/transformer/h.0/attn/c_attn/Gemm', '/transformer/h.0/attn/Split', '/transformer/h.0/mlp/act/Tanh', '/transformer/ln_f/LayerNormalization', '/lm_head/MatMul']) {
      expect(byName.has(name), name).toBe(true);
    }
    expect(byName.get('/transformer/Add')!.inputs).toEqual(['/transformer/wte/Gather_output_0', '/transformer/wpe/Gather_output_0']);
    expect(layerAdds(nodes, '/transformer/h.1')).toEqual(['/transformer/h.1/Add', '/transformer/h.1/Add_1']);
  });

  it('neox: /gpt_neox/layers.{i}/Add sums mlp and attention, Add_1 adds the layer input (the output); head /embed_out/MatMul', () => {
    const { nodes, byName } = graph('neox');
    expect(layerAdds(nodes, '/gpt_neox/layers.1')).toEqual(['/gpt_neox/layers.1/Add', '/gpt_neox/layers.1/Add_1']);
    expect(byName.get('/gpt_neox/layers.1/Add')!.inputs).toEqual(['/gpt_neox/layers.1/mlp/dense_4h_to_h/Add_output_0', '/gpt_neox/layers.1/attention/dense/Add_output_0']);
    expect(byName.get('/gpt_neox/layers.1/Add_1')!.inputs).toEqual(['/gpt_neox/layers.1/Add_output_0', '/gpt_neox/layers.0/Add_1_output_0']);
    // both norms read the layer input (parallel residual)
    expect(byName.get('/gpt_neox/layers.1/post_attention_layernorm/LayerNormalization')!.inputs[0]).toBe('/gpt_neox/layers.0/Add_1_output_0');
    for (const name of ['/gpt_neox/embed_in/Gather', '/gpt_neox/layers.0/mlp/act/Erf', '/gpt_neox/final_layer_norm/LayerNormalization', '/embed_out/MatMul']) expect(byName.has(name), name).toBe(true);
    expect(byName.get('/embed_out/MatMul')!.outputs).toEqual(['logits']);
  });

  it('genai: no position_ids; fused norms in com.microsoft; the final norm leaves output 3 empty unless asked', () => {
    const { nodes, byName, info, spec } = graph('genai');
    expect(info.inputs).toEqual(['input_ids', 'attention_mask', 'past_key_values.0.key', 'past_key_values.0.value', 'past_key_values.1.key', 'past_key_values.1.value']);
    expect(info.opsets).toContainEqual({ domain: 'com.microsoft', version: 1 });
    const first = byName.get('/model/layers.0/input_layernorm/LayerNorm')!;
    expect([first.opType, first.domain, first.outputs]).toEqual(['SimplifiedLayerNormalization', '', ['/model/layers.0/input_layernorm/output_0']]);
    const opening = byName.get('/model/layers.1/input_layernorm/SkipLayerNorm')!;
    expect([opening.opType, opening.domain]).toEqual(['SkipSimplifiedLayerNormalization', 'com.microsoft']);
    expect(opening.inputs.slice(0, 2)).toEqual(['/model/layers.0/post_attention_layernorm/output_3', '/model/layers.0/mlp/down_proj/MatMul/output_0']);
    expect(opening.outputs).toEqual(['/model/layers.1/input_layernorm/output_0', '', '', '/model/layers.1/input_layernorm/output_3']);
    expect(byName.get('/model/layers.2/final_norm_layernorm/SkipLayerNorm')!.outputs).toEqual(['/model/layers.2/final_norm_layernorm/output_0']);
    const gqa = byName.get('/model/layers.0/attn/GroupQueryAttention')!;
    expect(gqa.inputs).toEqual([
      '/model/layers.0/attn/q_proj/MatMul/output_0',
      '/model/layers.0/attn/k_proj/MatMul/output_0',
      '/model/layers.0/attn/v_proj/MatMul/output_0',
      'past_key_values.0.key',
      'past_key_values.0.value',
      '/model/attn_mask_reformat/attn_mask_subgraph/Sub/Cast/output_0',
      '/model/attn_mask_reformat/attn_mask_subgraph/Gather/Cast/output_0',
      'cos_cache',
      'sin_cache'
    ]);
    expect(gqa.outputs).toEqual(['/model/layers.0/attn/GroupQueryAttention/output_0', 'present.0.key', 'present.0.value']);
    expect(info.initializers.get('model.layers.0.attn.q_proj.MatMul.weight')).toEqual({ dims: [64, 64], dataType: 1 });
    expect(info.initializers.get('model.layers.2.final_norm_layernorm.weight')).toEqual({ dims: [64], dataType: 1 });
    expect(nodes.some((n) => n.opType === 'Add' && /^\/model\/layers\.\d+\/[^/]+$/.test(n.name))).toBe(false);
    expect(residualTensors(spec).at(-1)).toEqual({ add: ['/model/layers.1/post_attention_layernorm/output_3', '/model/layers.1/mlp/down_proj/MatMul/output_0'] });

    const full = graph('genai', 'fp32', { genaiEmptySkipOutputs: 'none' });
    expect(full.byName.get('/model/layers.2/final_norm_layernorm/SkipLayerNorm')!.outputs).toEqual(['/model/layers.2/final_norm_layernorm/output_0', '', '', '/model/layers.2/final_norm_layernorm/output_3']);
    expect(residualTensors(full.spec).at(-1)).toEqual({ tensor: '/model/layers.2/final_norm_layernorm/output_3' });
  });

  it('q4: every linear weight is a com.microsoft MatMulNBits (bits 4, block_size 32); plain MatMuls remain only inside attention', () => {
    for (const arch of ['llama', 'gpt2', 'neox', 'genai'] as const) {
      const { nodes, info } = graph(arch, 'q4');
      const q4 = nodes.filter((n) => n.opType === 'MatMulNBits');
      const linearPerLayer = arch === 'llama' || arch === 'genai' ? 7 : 4;
      expect(q4.length, arch).toBe(2 * linearPerLayer + 1);
      expect(q4.every((n) => n.domain === 'com.microsoft'), arch).toBe(true);
      for (const n of nodes.filter((m) => m.opType === 'MatMul' || m.opType === 'Gemm')) expect(info.initializers.has(n.inputs[1]), `${arch} ${n.name}`).toBe(false);
      const head = q4.at(-1)!;
      expect(head.outputs, arch).toEqual(['logits']);
      expect(head.name, arch).toBe(arch === 'genai' ? '/lm_head/MatMulNBits' : arch === 'neox' ? '/embed_out/MatMul_Q4' : '/lm_head/MatMul_Q4');
    }
    const genai = graph('genai', 'q4');
    expect(genai.info.initializers.get('model.layers.0.attn.q_proj.MatMulNBits.qweight')).toEqual({ dims: [64, 2, 16], dataType: 2 });
    expect(genai.info.initializers.get('model.layers.0.attn.q_proj.MatMulNBits.qzeros')).toEqual({ dims: [64], dataType: 2 });
    const llama = graph('llama', 'q4');
    expect(llama.info.initializers.has('model.layers.0.self_attn.q_proj.weight_zero_points')).toBe(false);
  });

  it('fp16: activations, weights and I/O are float16; the norm statistics run in float32', () => {
    const { info, byName } = graph('llama', 'fp16');
    expect(info.initializers.get('model.layers.0.self_attn.q_proj.weight')?.dataType).toBe(10);
    expect(byName.get('/model/layers.0/input_layernorm/Cast')).toBeDefined();
    expect(byName.get('/model/layers.0/self_attn/Softmax')).toBeDefined();
  });
});

/** MatMulNBits dequantisation straight from the operator's definition, independent of quantizeQ4's own copy. */
function dequantizeFromBytes(q: ReturnType<typeof quantizeQ4>): Float32Array {
  const blocks = Math.ceil(q.k / q.blockSize);
  const out = new Float32Array(q.n * q.k);
  for (let n = 0; n < q.n; n++) {
    for (let k = 0; k < q.k; k++) {
      const b = Math.floor(k / q.blockSize);
      const j = k % q.blockSize;
      const byte = q.packed[(n * blocks + b) * (q.blockSize / 2) + (j >> 1)];
      const v = j % 2 === 0 ? byte & 0x0f : byte >> 4;
      const zpRow = Math.ceil(blocks / 2);
      const zp = q.zeroPoints ? (q.zeroPoints[n * zpRow + (b >> 1)] >> ((b % 2) * 4)) & 0x0f : 8;
      out[n * q.k + k] = (v - zp) * q.scales[n * blocks + b];
    }
  }
  return out;
}

describe('quantizeQ4', () => {
  it('quantizeQ4(w, symmetric) maps the largest magnitude to q = 0 and packs element 2j in the low nibble', () => {
    // w = (j − 8)/2 for j < 16, then 16 zeros: scale = −4 / −8 = 0.5, q[j] = j for j < 16, q = 8 after
    const w = Float32Array.from({ length: 32 }, (_, j) => (j < 16 ? (j - 8) / 2 : 0));
    const q = quantizeQ4(w, 1, 32, { symmetric: true });
    expect(Array.from(q.scales)).toEqual([0.5]);
    expect(q.zeroPoints).toBeNull();
    expect(Array.from(q.packed)).toEqual([0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88]);
    expect(Array.from(q.dequantized)).toEqual(Array.from(w));
  });

  it('quantizeQ4(w, asymmetric) spans [min(0, lo), max(0, hi)] in 15 steps with zero point round(−lo / s)', () => {
    // lo = −1, hi = 2: s = 0.2, z = 5; −1 → 0, 2 → 15, 0.55 → round(2.75) + 5 = 8 → (8 − 5)·0.2 = 0.6
    const w = Float32Array.from({ length: 32 }, (_, j) => (j === 0 ? -1 : j === 1 ? 2 : 0.55));
    const q = quantizeQ4(w, 1, 32, { symmetric: false });
    expect(q.scales[0]).toBeCloseTo(0.2, 7);
    expect(Array.from(q.zeroPoints!)).toEqual([5]);
    expect(q.packed[0]).toBe(0xf0);
    expect(q.dequantized[0]).toBeCloseTo(-1, 6);
    expect(q.dequantized[1]).toBeCloseTo(2, 6);
    expect(q.dequantized[2]).toBeCloseTo(0.6, 6);
  });

  it('quantizeQ4 pads K to whole blocks, and its dequantised copy equals what the packed bytes mean', () => {
    const n = 3;
    const k = 40;
    const w = Float32Array.from({ length: n * k }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 5)));
    for (const symmetric of [true, false]) {
      const q = quantizeQ4(w, n, k, { symmetric });
      expect(q.packed.length).toBe(n * 2 * 16);
      expect(q.scales.length).toBe(n * 2);
      expect(Array.from(dequantizeFromBytes(q))).toEqual(Array.from(q.dequantized));
      for (let i = 0; i < w.length; i++) expect(Math.abs(q.dequantized[i] - w[i])).toBeLessThanOrEqual(Math.abs(q.scales[Math.floor(i / k) * 2 + Math.floor((i % k) / 32)]) * 0.5 + 1e-6);
    }
  });

  it('quantizeQ4 rejects a length that is not N·K, naming both', () => {
    expect(() => quantizeQ4(new Float32Array(10), 2, 4, { symmetric: true })).toThrow('quantizeQ4: w has 10 values, expected N·K = 2·4');
  });
});
