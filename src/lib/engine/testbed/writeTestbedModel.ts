/**
 * Node only: writes the knowledge testbed model as a hub-like folder, from the committed weights, with the fixture
 * builder's GPT-2 graph:
 *
 *   config.json              GPT2LMHeadModel (untied head), plus `spikescore_testbed` (below)
 *   generation_config.json   bos <|bos|>, eos <|end|>, pad [PAD]
 *   tokenizer.json, tokenizer_config.json (with the chat template), special_tokens_map.json
 *   onnx/model.onnx          fp32
 *   onnx/model_fp16.onnx     fp16
 *
 * `config.json → spikescore_testbed` says what the model is and knows: the knowledge base's tiers and attributes,
 * the dataset and its label rule, the accuracy measured per tier, the context budget of a 21-turn dialogue and the
 * generation settings it was measured with, and the SHA-256 of the weights it was written from.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeModelFolder, type WrittenFixture } from '../fixtures/node/writeModelFolder';
import type { FixtureDtype, WeightMap } from '../fixtures';
import { TESTBED_DIR, readTestbedFiles, type TestbedFiles } from './files';
import { TESTBED_ATTRIBUTES, TESTBED_LABEL_RULE } from './label';

export const TESTBED_FORMAT_VERSION = 1;

export interface TestbedModelOptions {
  /** Where the committed files are (default: the repository's `testbed/`). */
  readonly sourceDir?: string;
  /** ONNX files to write (default fp32 and fp16). */
  readonly dtypes?: readonly FixtureDtype[];
}

export interface WrittenTestbed extends WrittenFixture {
  readonly testbed: TestbedFiles;
}

/** The `spikescore_testbed` block of config.json. */
export function testbedConfigBlock(files: TestbedFiles, weightsSha256: string): Record<string, unknown> {
  const kb = files.summary.kb as Record<string, unknown>;
  const epochs = Number(kb.epochs ?? 1);
  const ev = files.evaluation as {
    single_turn?: { accuracy?: Record<string, { accuracy: number }> };
    trajectories?: { max_dialogue_tokens?: number };
    context?: Record<string, number>;
  };
  const acc = ev.single_turn?.accuracy ?? {};
  const pick = (k: string) => acc[k]?.accuracy ?? null;
  return {
    format_version: TESTBED_FORMAT_VERSION,
    description:
      'A small GPT-2 trained with numpy on a synthetic knowledge base of fictional countries, so that whether an answer is a hallucination is known exactly. Not a real language model: results on it are about the method under controlled knowledge.',
    knowledge_base: {
      seed: kb.seed,
      attributes: TESTBED_ATTRIBUTES,
      tiers: {
        frequent: { countries: kb.n_frequent, exposures: Number(kb.n_freq) * epochs },
        rare: { countries: kb.n_rare, exposures: Array.isArray(kb.rare_counts) ? (kb.rare_counts as number[]).map((c) => c * epochs) : null },
        never: { countries: kb.n_never, exposures: 0 }
      },
      heldout_attributes_per_country: kb.heldout_per_entity,
      exposure_unit: 'training presentations of a document that states the fact (documents × epochs)'
    },
    dataset: { file: 'testbed/dataset.jsonl (repository)', label_rule: TESTBED_LABEL_RULE, label_function: 'testbedLabel(item, answer) in src/lib/engine/testbed' },
    heldout_accuracy: { frequent: pick('frequent/heldout'), rare: pick('rare/heldout'), never: pick('never/heldout') },
    dialogue: {
      context: files.summary.model.context,
      longest_measured_dialogue_tokens: ev.trajectories?.max_dialogue_tokens ?? null,
      ...(ev.context ?? {})
    },
    measured_with: { strategy: 'progressive', max_steps: 20, temperature: 0.2, top_p: 0.7, max_new_tokens: 24 },
    training: {
      steps: files.summary.training.steps,
      epochs,
      seconds: files.summary.training.train_seconds,
      command: 'python3 testbed/kb.py && OPENBLAS_NUM_THREADS=2 python3 testbed/train.py && OPENBLAS_NUM_THREADS=2 python3 testbed/evaluate.py'
    },
    weights_sha256: weightsSha256
  };
}

/** Writes the testbed model folder to `dir` (created if needed) and returns what the fixture builder returns. */
export async function writeTestbedModel(dir: string, options: TestbedModelOptions = {}): Promise<WrittenTestbed> {
  if (typeof dir !== 'string' || !dir) throw new TypeError(`dir must be a non-empty path; got ${JSON.stringify(dir)}`);
  const source = options.sourceDir ?? TESTBED_DIR;
  const files = await readTestbedFiles(source);
  const sha = createHash('sha256')
    .update(await readFile(join(source, 'weights.safetensors')))
    .digest('hex');
  const weights: WeightMap = Object.fromEntries(files.weights);
  const m = files.summary.model;
  const written = await writeModelFolder(
    dir,
    { arch: 'gpt2', layers: m.layers, hidden: m.d, heads: m.heads, intermediate: 4 * m.d, vocabSize: m.vocab, maxPositions: m.context, eps: 1e-5, tieWordEmbeddings: false },
    {
      weights,
      tokenizer: { json: files.tokenizer, config: files.tokenizerConfig },
      chatTemplate: files.chatTemplate,
      dtypes: options.dtypes ?? ['fp32', 'fp16'],
      note: 'knowledge testbed: trained weights (testbed/weights.safetensors)'
    }
  );
  const config = { ...written.config, spikescore_testbed: testbedConfigBlock(files, sha) };
  const target = join(dir, 'config.json');
  const tmp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, JSON.stringify(config, null, 2) + '\n');
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return { ...written, config, testbed: files };
}
