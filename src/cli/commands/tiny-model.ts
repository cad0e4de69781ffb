/**
 * `spikescore tiny-model`: writes a small random-weight model folder laid out like a hub repository (config,
 * tokenizer with a ChatML template, onnx/model.onnx and onnx/model_fp16.onnx, with --dtype q4 also
 * onnx/model_q4.onnx), for tests and for trying the app without downloading a model.
 */
import { resolve } from 'node:path';
import type { Command } from '../command';
import { FIXTURE_ARCHS, type FixtureArch, type FixtureDtype } from '../../lib/engine/fixtures/index';
import { writeModelFolder } from '../../lib/engine/fixtures/node/writeModelFolder';

export const tinyModel: Command = {
  name: 'tiny-model',
  summary: 'write a small random-weight ONNX model folder (hub layout) for tests',
  options: [
    { name: 'out', type: 'string', help: 'folder to write (created if needed)', required: true, metavar: 'DIR' },
    { name: 'arch', type: 'string', help: 'export layout to imitate', choices: FIXTURE_ARCHS, default: 'llama' },
    { name: 'dtype', type: 'string', help: "config's torch_dtype; q4 also writes onnx/model_q4.onnx", choices: ['fp32', 'fp16', 'q4'], default: 'fp32' },
    { name: 'layers', type: 'integer', help: 'decoder layers', default: 4 },
    { name: 'hidden', type: 'integer', help: 'hidden size', default: 64 },
    { name: 'heads', type: 'integer', help: 'attention heads', default: 4 },
    { name: 'seed', type: 'string', help: 'seed of the random weights', default: '0' },
    {
      name: 'genai-final-output3',
      type: 'boolean',
      help: 'genai: also write output 3 of the final SkipSimplifiedLayerNormalization (the GenAI builder leaves it empty)'
    }
  ],
  details: [
    'Layouts: llama (optimum LlamaForCausalLM), gpt2 (optimum GPT2LMHeadModel), neox (optimum GPTNeoXForCausalLM,',
    'Pythia), genai (onnxruntime-genai builder: no position_ids, fused SkipSimplifiedLayerNormalization).',
    'The tokenizer is GPT-2 BPE plus <|im_start|> and <|im_end|> (vocabulary 50259); weights are seeded random.',
    '',
    'example: spikescore tiny-model --out /tmp/tiny-llama --arch llama --dtype q4'
  ].join('\n'),
  async run(args, io) {
    const o = args.options;
    const dir = resolve(io.cwd, o.out as string);
    const dtype = o.dtype as FixtureDtype;
    const seedText = o.seed as string;
    const seed = /^-?\d+$/.test(seedText) ? Number(seedText) : seedText;
    const t0 = performance.now();
    const model = await writeModelFolder(
      dir,
      {
        arch: o.arch as FixtureArch,
        layers: o.layers as number,
        hidden: o.hidden as number,
        heads: o.heads as number,
        seed,
        genaiEmptySkipOutputs: o['genai-final-output3'] ? 'none' : 'final'
      },
      { dtypes: dtype === 'q4' ? ['fp32', 'fp16', 'q4'] : ['fp32', 'fp16'], torchDtype: dtype === 'fp16' ? 'float16' : 'float32' }
    );
    const ms = performance.now() - t0;
    const s = model.spec;
    io.stderr(`${s.arch}: ${s.layers} layers, hidden ${s.hidden}, ${s.heads} heads (${s.kvHeads} KV), vocabulary ${s.vocabSize}, seed ${String(s.seed)}\n`);
    for (const [path, bytes] of model.files) io.stdout(`${path}\t${bytes.length}\n`);
    io.stderr(`wrote ${model.files.size} files to ${dir} in ${Math.round(ms)} ms\n`);
  }
};
