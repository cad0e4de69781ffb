/**
 * The fixture model folder: files and their contents, loading with transformers.js from a local folder, the GPT-2
 * tokenizer against gpt-3-encoder, the full-vocabulary model against the reference, the `tiny-model` command, and
 * the messages for bad specs and bad weights.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoConfig, AutoTokenizer, env } from '@huggingface/transformers';
import { encode as gpt3Encode } from 'gpt-3-encoder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main';
import { InputError } from '../../src/lib/core/issues';
import { buildModelFiles, checkWeights, randomWeights, resolveSpec, type FixtureModel } from '../../src/lib/engine/fixtures/index';
import { writeModelFolder } from '../../src/lib/engine/fixtures/node/writeModelFolder';
import { encodeSafetensors } from '../../src/lib/store/safetensors';
import { referenceForward } from '../reference/forward';
import { maxDiff, modelInfo, ort, step } from '../reference/ort';

const SAMPLES = [
  'Hello World',
  'The capital of France is Paris.',
  "  weird   spacing\nnew line ü 日本 🤗 and tabs\t\there",
  "I'll say it's 2024: don't you think?  12345 3.14159",
  'Hallucination SpikeScore AUROC! <b>html</b> {"json": [1, 2]}'
];

/** Temporary folders (model files run to tens of MB), removed after the file's tests. */
const made: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

const wordLevel = {
  version: '1.0',
  added_tokens: [
    { id: 0, content: '[UNK]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
    { id: 1, content: '<eos>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }
  ],
  normalizer: null,
  pre_tokenizer: { type: 'WhitespaceSplit' },
  post_processor: null,
  decoder: null,
  model: { type: 'WordLevel', vocab: { '[UNK]': 0, '<eos>': 1, the: 2, cat: 3, sat: 4, on: 5, mat: 6, a: 7 }, unk_token: '[UNK]' }
};

function captureIO(cwd: string) {
  let out = '';
  let err = '';
  return {
    io: { stdout: (t: string) => (out += t), stderr: (t: string) => (err += t), cwd, env: {} },
    get out() {
      return out;
    },
    get err() {
      return err;
    }
  };
}

describe('writeModelFolder (llama, GPT-2 tokenizer)', () => {
  let root: string;
  let model: FixtureModel;

  beforeAll(async () => {
    root = tempDir('fixtures-');
    model = await writeModelFolder(join(root, 'tiny-llama'), { arch: 'llama', seed: 1 }, { dtypes: ['fp32', 'fp16', 'q4'] });
    env.allowRemoteModels = false;
    env.localModelPath = root + '/';
  });

  it('writeModelFolder(dir) writes the hub layout', () => {
    expect(readdirSync(join(root, 'tiny-llama')).sort()).toEqual(['config.json', 'generation_config.json', 'onnx', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json']);
    expect(readdirSync(join(root, 'tiny-llama', 'onnx')).sort()).toEqual(['model.onnx', 'model_fp16.onnx', 'model_q4.onnx']);
  });

  it('config.json carries the HF fields, the special ids and the fixture block', () => {
    const c = JSON.parse(readFileSync(join(root, 'tiny-llama', 'config.json'), 'utf8'));
    expect(c).toMatchObject({
      model_type: 'llama',
      architectures: ['LlamaForCausalLM'],
      hidden_size: 64,
      num_hidden_layers: 4,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      intermediate_size: 128,
      vocab_size: 50259,
      max_position_embeddings: 2048,
      rope_theta: 10000,
      rms_norm_eps: 1e-5,
      bos_token_id: 50256,
      eos_token_id: 50258,
      tie_word_embeddings: true,
      torch_dtype: 'float32',
      spikescore_fixture: { arch: 'llama', seed: 1, note: 'random weights', dtypes: ['fp32', 'fp16', 'q4'] }
    });
    const g = JSON.parse(readFileSync(join(root, 'tiny-llama', 'generation_config.json'), 'utf8'));
    expect(g).toMatchObject({ bos_token_id: 50256, eos_token_id: [50258, 50256], pad_token_id: 50256 });
  });

  it('model.onnx has IR 8, opset 17 (+ com.microsoft), the optimum I/O names and the real node names', () => {
    const info = modelInfo(model.files.get('onnx/model.onnx')!);
    expect(info.irVersion).toBe(8);
    expect(info.opsets).toContainEqual({ domain: '', version: 17 });
    expect(info.inputs.slice(0, 5)).toEqual(['input_ids', 'attention_mask', 'position_ids', 'past_key_values.0.key', 'past_key_values.0.value']);
    expect(info.outputs.slice(0, 3)).toEqual(['logits', 'present.0.key', 'present.0.value']);
    expect(info.initializers.get('model.layers.0.self_attn.q_proj.weight')).toEqual({ dims: [64, 64], dataType: 1 });
    expect(info.initializers.get('model.layers.0.self_attn.k_proj.weight')).toEqual({ dims: [64, 32], dataType: 1 });
    expect(info.initializers.get('lm_head.weight')).toEqual({ dims: [64, 50259], dataType: 1 });
    const q4 = modelInfo(model.files.get('onnx/model_q4.onnx')!);
    expect(q4.initializers.get('model.layers.0.self_attn.q_proj.weight_Q4')).toEqual({ dims: [64, 2, 16], dataType: 2 });
    expect(q4.initializers.get('model.layers.0.self_attn.q_proj.weight_scales')).toEqual({ dims: [128], dataType: 1 });
    expect(modelInfo(model.files.get('onnx/model_fp16.onnx')!).initializers.get('model.embed_tokens.weight')).toEqual({ dims: [50259, 64], dataType: 10 });
  });

  it('AutoConfig and AutoTokenizer (transformers.js) load the folder, and apply_chat_template renders ChatML', async () => {
    const config = (await AutoConfig.from_pretrained('tiny-llama')) as unknown as Record<string, unknown>;
    expect(config.model_type).toBe('llama');
    expect(config.num_key_value_heads).toBe(2);
    const tok = await AutoTokenizer.from_pretrained('tiny-llama');
    const messages = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'What is the capital of France?' }
    ];
    const text = tok.apply_chat_template(messages, { tokenize: false, add_generation_prompt: true });
    expect(text).toBe('<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n');
    const ids = tok.encode(text as string, { add_special_tokens: false } as never);
    expect(ids[0]).toBe(50257);
    expect(ids.filter((i) => i === 50258)).toHaveLength(2);
    expect(tok.eos_token_id).toBe(50258);
    expect(tok.decode(ids, { skip_special_tokens: true })).toBe('system\nBe brief.\nuser\nWhat is the capital of France?\nassistant\n');
  });

  it('AutoTokenizer encodes exactly as gpt-3-encoder and decodes back to the text', async () => {
    const tok = await AutoTokenizer.from_pretrained('tiny-llama');
    for (const s of SAMPLES) {
      const ids = tok.encode(s, { add_special_tokens: false } as never);
      expect(ids, s).toEqual(gpt3Encode(s));
      expect(tok.decode(ids)).toBe(s);
    }
  });

  it('the 50259-token model.onnx gives the reference logits for a chat prompt', async () => {
    const session = await ort.InferenceSession.create(model.files.get('onnx/model.onnx')!);
    const ids = [50257, 7220, 198, 17250, 612, 50258, 198, 50257, 562, 10167, 198];
    const out = await step(session, { layers: 4, kvHeads: 2, headDim: 16, fp16: false }, { ids: [ids] });
    const ref = referenceForward(model.config, model.weights, ids);
    const d = maxDiff(out.logits, ref.logits);
    expect(d.diff / Math.max(1, d.scale)).toBeLessThanOrEqual(1e-5);
  });
});

describe('writeModelFolder (gpt2, neox, genai)', () => {
  it('AutoConfig (transformers.js) reads each architecture\'s config.json with its own field names', async () => {
    const root = tempDir('fixtures-archs-');
    env.allowRemoteModels = false;
    env.localModelPath = root + '/';
    const expected = { gpt2: { model_type: 'gpt2', n_embd: 64, n_layer: 4, n_head: 4, n_positions: 2048 }, neox: { model_type: 'gpt_neox', rotary_pct: 0.25, use_parallel_residual: true, tie_word_embeddings: false }, genai: { model_type: 'llama', num_key_value_heads: 2 } } as const;
    for (const arch of ['gpt2', 'neox', 'genai'] as const) {
      await writeModelFolder(join(root, arch), { arch }, { dtypes: [] });
      const config = (await AutoConfig.from_pretrained(arch)) as unknown as Record<string, unknown>;
      expect(config, arch).toMatchObject({ ...expected[arch], vocab_size: 50259, spikescore_fixture: { arch } });
    }
    const genai = JSON.parse(readFileSync(join(root, 'genai', 'genai_config.json'), 'utf8'));
    expect(genai.model.decoder).toMatchObject({ num_hidden_layers: 4, num_key_value_heads: 2, head_size: 16, inputs: { past_key_names: 'past_key_values.%d.key' } });
    expect(readdirSync(join(root, 'gpt2'))).not.toContain('genai_config.json');
  });
});

describe('buildModelFiles with caller-given weights and tokenizer', () => {

  it('buildModelFiles(gpt2 spec, {weights, tokenizer}) reads the sizes from the weights and keeps them exactly', async () => {
    const spec = resolveSpec({ arch: 'gpt2', layers: 2, hidden: 32, heads: 2, vocabSize: 8, maxPositions: 64, seed: 'trained' });
    const weights = randomWeights(spec);
    const model = await buildModelFiles({ arch: 'gpt2', heads: 2 }, { weights, tokenizer: { json: wordLevel, config: { eos_token: '<eos>', tokenizer_class: 'PreTrainedTokenizerFast' } }, chatTemplate: null, dtypes: ['fp32'] });
    expect(model.spec).toMatchObject({ layers: 2, hidden: 32, heads: 2, vocabSize: 8, maxPositions: 64, intermediate: 128, tieWordEmbeddings: true });
    expect(model.config).toMatchObject({ model_type: 'gpt2', n_embd: 32, n_layer: 2, n_head: 2, n_positions: 64, vocab_size: 8, eos_token_id: 1 });
    expect(model.config.spikescore_fixture).toMatchObject({ note: 'given weights' });
    const session = await ort.InferenceSession.create(model.files.get('onnx/model.onnx')!);
    const ids = [2, 3, 4, 5, 2, 6];
    const out = await step(session, { layers: 2, kvHeads: 2, headDim: 16, fp16: false }, { ids: [ids] });
    const ref = referenceForward(model.config, weights, ids);
    const d = maxDiff(out.logits, ref.logits);
    expect(d.diff / Math.max(1, d.scale)).toBeLessThanOrEqual(1e-5);
    const tokConfig = JSON.parse(new TextDecoder().decode(model.files.get('tokenizer_config.json')!));
    expect(tokConfig.chat_template).toBeUndefined();
  });

  it('a word-level tokenizer with a chat template loads with AutoTokenizer and encodes word by word', async () => {
    const root = tempDir('fixtures-words-');
    const spec = resolveSpec({ arch: 'gpt2', layers: 1, hidden: 16, heads: 2, vocabSize: 8, maxPositions: 32 });
    const template = "{% for m in messages %}{{ m['content'] }} {% endfor %}";
    await writeModelFolder(join(root, 'words'), { arch: 'gpt2', heads: 2 }, { weights: randomWeights(spec), tokenizer: { json: JSON.stringify(wordLevel), config: { eos_token: '<eos>', unk_token: '[UNK]', tokenizer_class: 'PreTrainedTokenizerFast' } }, chatTemplate: template, dtypes: [] });
    env.allowRemoteModels = false;
    env.localModelPath = root + '/';
    const tok = await AutoTokenizer.from_pretrained('words');
    expect(tok.encode('the cat sat on a mat', { add_special_tokens: false } as never)).toEqual([2, 3, 4, 5, 7, 6]);
    expect(tok.encode('the dog', { add_special_tokens: false } as never)).toEqual([2, 0]);
    expect(tok.apply_chat_template([{ role: 'user', content: 'the cat' }], { tokenize: false })).toBe('the cat ');
  });

  it('checkWeights(spec, weights) lists every missing, misshapen and unexpected tensor', () => {
    const spec = resolveSpec({ arch: 'llama', layers: 1, hidden: 16, heads: 2, kvHeads: 1, vocabSize: 10 });
    const w = { ...randomWeights(spec) };
    delete (w as Record<string, unknown>)['model.norm.weight'];
    w['model.layers.0.mlp.up_proj.weight'] = { shape: [16, 32], data: new Float32Array(512) };
    w['model.layers.0.self_attn.q_proj.bias'] = { shape: [16], data: new Float32Array(16) };
    try {
      checkWeights(spec, w);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).message).toContain('weights lack model.norm.weight (shape [16])');
      expect((e as InputError).message).toContain('weights["model.layers.0.mlp.up_proj.weight"] has shape [16, 32], expected [32, 16]');
      expect((e as InputError).message).toContain('weights["model.layers.0.self_attn.q_proj.bias"] is not a tensor of a llama model with 1 layers');
    }
  });

  it('buildModelFiles rejects a tokenizer larger than the vocabulary, naming both sizes', async () => {
    const spec = resolveSpec({ arch: 'gpt2', layers: 1, hidden: 16, heads: 2, vocabSize: 4, maxPositions: 8 });
    await expect(buildModelFiles({ arch: 'gpt2', heads: 2 }, { weights: randomWeights(spec), tokenizer: { json: wordLevel }, dtypes: [] })).rejects.toThrow(
      "the tokenizer has ids up to 7 but the model's vocabulary has 4 rows"
    );
  });

  it('resolveSpec(input) names each bad size', () => {
    expect(() => resolveSpec({ hidden: 60, heads: 8 })).toThrow('hidden (60) must be divisible by heads (8)');
    expect(() => resolveSpec({ arch: 'gpt2', kvHeads: 2 })).toThrow('gpt2 has no grouped-query attention: kvHeads must equal heads (4), got 2');
    expect(() => resolveSpec({ layers: 0 })).toThrow('layers must be a positive integer, got 0');
    expect(() => resolveSpec({ heads: 4, kvHeads: 3 })).toThrow('heads (4) must be a multiple of kvHeads (3)');
    expect(() => resolveSpec({ arch: 'neox', rotaryPct: 0.05 })).toThrow('rotaryPct must rotate an even number ≥ 2 of the 16 head dims, got 0.05 (0 dims)');
    expect(() => resolveSpec({ arch: 'bert' as never })).toThrow('arch must be one of llama, gpt2, neox, genai, got "bert"');
  });
});

describe('spikescore tiny-model', () => {
  it('tiny-model --out DIR writes the folder and lists its files', async () => {
    const dir = tempDir('tiny-cli-');
    const cap = captureIO(dir);
    const status = await runCli(['tiny-model', '--out', 'm', '--layers', '2', '--seed', '7'], cap.io);
    expect(status).toBe(0);
    expect(cap.out).toContain('onnx/model.onnx\t');
    expect(cap.out).toContain('onnx/model_fp16.onnx\t');
    expect(cap.out).not.toContain('model_q4');
    const config = JSON.parse(readFileSync(join(dir, 'm', 'config.json'), 'utf8'));
    expect(config).toMatchObject({ num_hidden_layers: 2, spikescore_fixture: { arch: 'llama', seed: 7 } });
  });

  it('tiny-model --weights FILE.safetensors --tokenizer FILE writes a model that computes with those weights', async () => {
    const dir = tempDir('tiny-cli-weights-');
    const spec = resolveSpec({ arch: 'gpt2', layers: 2, hidden: 32, heads: 2, vocabSize: 8, maxPositions: 16, seed: 'numpy' });
    const weights = randomWeights(spec);
    const tensors = Object.fromEntries(Object.entries(weights).map(([k, t]) => [k, { dtype: 'F32' as const, shape: t.shape, data: t.data }]));
    writeFileSync(join(dir, 'w.safetensors'), encodeSafetensors(tensors));
    writeFileSync(join(dir, 'tok.json'), JSON.stringify(wordLevel));
    const cap = captureIO(dir);
    const status = await runCli(['tiny-model', '--out', 'm', '--arch', 'gpt2', '--heads', '2', '--weights', 'w.safetensors', '--tokenizer', 'tok.json', '--chat-template', 'none'], cap.io);
    expect(cap.err).toContain('gpt2: 2 layers, hidden 32, 2 heads (2 KV), vocabulary 8, weights from w.safetensors');
    expect(status).toBe(0);
    const config = JSON.parse(readFileSync(join(dir, 'm', 'config.json'), 'utf8'));
    const session = await ort.InferenceSession.create(readFileSync(join(dir, 'm', 'onnx', 'model.onnx')));
    const ids = [2, 3, 4, 5, 7, 6];
    const out = await step(session, { layers: 2, kvHeads: 2, headDim: 16, fp16: false }, { ids: [ids] });
    const d = maxDiff(out.logits, referenceForward(config, weights, ids).logits);
    expect(d.diff / Math.max(1, d.scale)).toBeLessThanOrEqual(1e-5);
  });

  it('tiny-model names a missing --weights file and exits 2', async () => {
    const cap = captureIO(tmpdir());
    expect(await runCli(['tiny-model', '--out', 'x', '--weights', 'nope.safetensors'], cap.io)).toBe(2);
    expect(cap.err).toContain('--weights nope.safetensors: no such file');
  });

  it('tiny-model rejects an unknown arch, listing the choices', async () => {
    const cap = captureIO(tmpdir());
    expect(await runCli(['tiny-model', '--out', 'x', '--arch', 'bert'], cap.io)).toBe(2);
    expect(cap.err).toContain('--arch must be one of llama, gpt2, neox, genai, got "bert"');
  });

  it('buildModelFiles(spec) with the same seed gives identical bytes, with another seed different ones', async () => {
    const build = (seed: number) => buildModelFiles({ arch: 'llama', layers: 1, seed }, { tokenizer: { json: wordLevel }, dtypes: ['fp16'] });
    const [a, b, c] = await Promise.all([build(5), build(5), build(6)]);
    expect(Buffer.compare(a.files.get('onnx/model_fp16.onnx')!, b.files.get('onnx/model_fp16.onnx')!)).toBe(0);
    expect(Buffer.compare(a.files.get('onnx/model_fp16.onnx')!, c.files.get('onnx/model_fp16.onnx')!)).not.toBe(0);
  });
});
