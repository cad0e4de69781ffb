/**
 * `spikescore tiny-model`: writes a small model folder laid out like a hub repository (config, tokenizer with a
 * ChatML template, onnx/model.onnx and onnx/model_fp16.onnx, with --dtype q4 also onnx/model_q4.onnx), with seeded
 * random weights for tests, or with trained weights from a safetensors file (HF state-dict names) and a tokenizer
 * of one's own.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from '../command';
import { InputError } from '../../lib/core/issues';
import { FIXTURE_ARCHS, type FixtureArch, type FixtureDtype, type FixtureOptions, type FixtureSpecInput, type WeightTensor } from '../../lib/engine/fixtures/index';
import { writeModelFolder } from '../../lib/engine/fixtures/node/writeModelFolder';
import { decodeSafetensors, tensorToFloat32 } from '../../lib/store/safetensors';

async function readInput(cwd: string, path: string, what: string): Promise<Uint8Array> {
  try {
    return await readFile(resolve(cwd, path));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new InputError(`${what} ${path}: no such file`);
    throw err;
  }
}

function parseJsonFile(bytes: Uint8Array, path: string): Record<string, unknown> {
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch (e) {
    throw new InputError(`${path}: not valid JSON (${(e as Error).message})`);
  }
}

export const tinyModel: Command = {
  name: 'tiny-model',
  summary: 'write a small ONNX model folder (hub layout): random weights for tests, or given ones',
  options: [
    { name: 'out', type: 'string', help: 'folder to write (created if needed)', required: true, metavar: 'DIR' },
    { name: 'arch', type: 'string', help: 'export layout to imitate', choices: FIXTURE_ARCHS, default: 'llama' },
    { name: 'dtype', type: 'string', help: "config's torch_dtype; q4 also writes onnx/model_q4.onnx", choices: ['fp32', 'fp16', 'q4'], default: 'fp32' },
    { name: 'layers', type: 'integer', help: 'decoder layers (default 4, or read from --weights)' },
    { name: 'hidden', type: 'integer', help: 'hidden size (default 64, or read from --weights)' },
    { name: 'heads', type: 'integer', help: 'attention heads (default 4)' },
    { name: 'kv-heads', type: 'integer', help: 'key/value heads (llama, genai; default heads / 2)' },
    { name: 'seed', type: 'string', help: 'seed of the random weights', default: '0' },
    { name: 'weights', type: 'string', help: 'safetensors file of HF state-dict tensors (any float dtype) instead of random weights', metavar: 'FILE' },
    { name: 'tokenizer', type: 'string', help: "a tokenizer.json of one's own instead of GPT-2's", metavar: 'FILE' },
    { name: 'tokenizer-config', type: 'string', help: 'its tokenizer_config.json (special tokens)', metavar: 'FILE' },
    { name: 'chat-template', type: 'string', help: 'a Jinja chat template file, or "none"', metavar: 'FILE' },
    {
      name: 'genai-final-output3',
      type: 'boolean',
      help: 'genai: also write output 3 of the final SkipSimplifiedLayerNormalization (the GenAI builder leaves it empty)'
    }
  ],
  details: [
    'Layouts: llama (optimum LlamaForCausalLM), gpt2 (optimum GPT2LMHeadModel), neox (optimum GPTNeoXForCausalLM,',
    'Pythia), genai (onnxruntime-genai builder: no position_ids, fused SkipSimplifiedLayerNormalization).',
    'Default tokenizer: GPT-2 BPE plus <|im_start|> and <|im_end|> (vocabulary 50259), ChatML template.',
    'Weight names for --weights: HF state dicts (transformer.h.{i}.attn.c_attn.weight [d, 3d] for gpt2, …;',
    'see src/lib/engine/fixtures/weights.ts). Sizes are read from the tensors; give --heads.',
    '',
    'examples:',
    '  spikescore tiny-model --out /tmp/tiny-llama --arch llama --dtype q4',
    '  spikescore tiny-model --out my-gpt --arch gpt2 --heads 4 --weights w.safetensors --tokenizer tok.json --chat-template none'
  ].join('\n'),
  async run(args, io) {
    const o = args.options;
    const dir = resolve(io.cwd, o.out as string);
    const dtype = o.dtype as FixtureDtype;
    const seedText = o.seed as string;
    const spec: { -readonly [K in keyof FixtureSpecInput]: FixtureSpecInput[K] } = {
      arch: o.arch as FixtureArch,
      seed: /^-?\d+$/.test(seedText) ? Number(seedText) : seedText,
      genaiEmptySkipOutputs: o['genai-final-output3'] ? 'none' : 'final'
    };
    if (o.layers !== undefined) spec.layers = o.layers as number;
    if (o.hidden !== undefined) spec.hidden = o.hidden as number;
    if (o.heads !== undefined) spec.heads = o.heads as number;
    if (o['kv-heads'] !== undefined) spec.kvHeads = o['kv-heads'] as number;

    const options: { -readonly [K in keyof FixtureOptions]: FixtureOptions[K] } = {
      dtypes: dtype === 'q4' ? ['fp32', 'fp16', 'q4'] : ['fp32', 'fp16'],
      torchDtype: dtype === 'fp16' ? 'float16' : 'float32'
    };
    if (o.weights) {
      const path = o.weights as string;
      const st = decodeSafetensors(await readInput(io.cwd, path, '--weights'), path);
      const weights: Record<string, WeightTensor> = {};
      for (const [name, t] of st.tensors) weights[name] = { shape: t.shape, data: Float32Array.from(tensorToFloat32(t)) };
      options.weights = weights;
    }
    if (o.tokenizer) {
      const path = o.tokenizer as string;
      const json = parseJsonFile(await readInput(io.cwd, path, '--tokenizer'), path);
      const cfgPath = o['tokenizer-config'] as string | undefined;
      const config = cfgPath ? parseJsonFile(await readInput(io.cwd, cfgPath, '--tokenizer-config'), cfgPath) : undefined;
      options.tokenizer = { json, config };
    } else if (o['tokenizer-config']) {
      throw new InputError('--tokenizer-config needs --tokenizer (the GPT-2 tokenizer has its own config)');
    }
    const template = o['chat-template'] as string | undefined;
    if (template !== undefined) options.chatTemplate = template === 'none' ? null : new TextDecoder().decode(await readInput(io.cwd, template, '--chat-template'));

    const t0 = performance.now();
    const model = await writeModelFolder(dir, spec, options);
    const ms = performance.now() - t0;
    const s = model.spec;
    io.stderr(`${s.arch}: ${s.layers} layers, hidden ${s.hidden}, ${s.heads} heads (${s.kvHeads} KV), vocabulary ${s.vocabSize}, ${o.weights ? `weights from ${o.weights as string}` : `random weights, seed ${String(s.seed)}`}\n`);
    for (const [path, bytes] of model.files) io.stdout(`${path}\t${bytes.length}\n`);
    io.stderr(`wrote ${model.files.size} files to ${dir} in ${Math.round(ms)} ms\n`);
  }
};
