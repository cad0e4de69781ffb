/**
 * `spikescore testbed-model`: writes the knowledge testbed model (a small GPT-2 trained here on a synthetic
 * knowledge base, testbed/MODEL_CARD.md) as a hub-like folder, from the committed weights.
 */
import { resolve } from 'node:path';
import type { Command } from '../command';
import { writeTestbedModel } from '../../lib/engine/testbed/writeTestbedModel';

export const testbedModel: Command = {
  name: 'testbed-model',
  summary: 'write the knowledge testbed model folder (trained on a synthetic knowledge base, exact labels)',
  options: [{ name: 'out', type: 'string', help: 'folder to write (created if needed)', required: true, metavar: 'DIR' }],
  details: [
    'Writes config.json (with a spikescore_testbed block: tiers, accuracy, context budget), generation_config.json,',
    'tokenizer.json, tokenizer_config.json (chat template), onnx/model.onnx and onnx/model_fp16.onnx.',
    'Its questions with exact labels: testbed/dataset.jsonl (label rule testbed-value/v1).',
    '',
    'example:',
    '  spikescore testbed-model --out models/testbed'
  ].join('\n'),
  async run(args, io) {
    const dir = resolve(io.cwd, args.options.out as string);
    const t0 = performance.now();
    const model = await writeTestbedModel(dir);
    const s = model.spec;
    io.stderr(`testbed: gpt2, ${s.layers} layers, hidden ${s.hidden}, ${s.heads} heads, vocabulary ${s.vocabSize}, context ${s.maxPositions}\n`);
    for (const [path, bytes] of model.files) io.stdout(`${path}\t${bytes.length}\n`);
    io.stderr(`wrote ${model.files.size} files to ${dir} in ${Math.round(performance.now() - t0)} ms\n`);
  }
};
