/**
 * The knowledge testbed's committed files (Node only): the trained weights, the tokenizer and its chat template,
 * and the measured evaluation, read from the repository's `testbed/` folder.
 *
 *   testbed/weights.safetensors   fp16, Hugging Face GPT-2 state-dict names; `__metadata__.spikescore_testbed` holds
 *                                 the model shape, the knowledge-base configuration and the training summary
 *   testbed/tokenizer.json        WordPiece behind the BERT pre-tokenizer (transformers.js loads it)
 *   testbed/tokenizer_config.json with the Jinja `chat_template`
 *   testbed/eval.json             what testbed/evaluate.py measured on these weights
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../../core/issues';
// The codec is pure (bytes in, tensors out); it lives in store because the store writes hidden states with it.
import { decodeSafetensors, tensorToFloat32 } from '../../store/safetensors';

/** The repository's `testbed/` folder. */
export const TESTBED_DIR = fileURLToPath(new URL('../../../../testbed/', import.meta.url));

export interface TestbedShape {
  readonly d: number;
  readonly layers: number;
  readonly heads: number;
  readonly vocab: number;
  readonly context: number;
  readonly params: number;
}

/** `__metadata__.spikescore_testbed` of the weights file, as train.py wrote it. */
export interface TestbedSummary {
  readonly model: TestbedShape;
  readonly kb: Readonly<Record<string, unknown>>;
  readonly corpus: Readonly<Record<string, number>>;
  readonly training: Readonly<Record<string, unknown>>;
}

export interface TestbedTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export interface TestbedFiles {
  /** Hugging Face GPT-2 state-dict names → float32 values (from the fp16 file, exactly). */
  readonly weights: ReadonlyMap<string, TestbedTensor>;
  readonly summary: TestbedSummary;
  /** Parsed `tokenizer.json` and `tokenizer_config.json`. */
  readonly tokenizer: Readonly<Record<string, unknown>>;
  readonly tokenizerConfig: Readonly<Record<string, unknown>>;
  readonly chatTemplate: string;
  /** Parsed `eval.json`. */
  readonly evaluation: Readonly<Record<string, unknown>>;
}

/** The GPT-2 parameter names and shapes of a model with this shape (untied LM head). */
export function testbedParameterShapes(s: Pick<TestbedShape, 'd' | 'layers' | 'vocab' | 'context'>): Map<string, number[]> {
  const { d, layers, vocab, context } = s;
  const m = new Map<string, number[]>([
    ['transformer.wte.weight', [vocab, d]],
    ['transformer.wpe.weight', [context, d]]
  ]);
  for (let i = 0; i < layers; i++) {
    const h = `transformer.h.${i}.`;
    m.set(h + 'ln_1.weight', [d]).set(h + 'ln_1.bias', [d]);
    m.set(h + 'attn.c_attn.weight', [d, 3 * d]).set(h + 'attn.c_attn.bias', [3 * d]);
    m.set(h + 'attn.c_proj.weight', [d, d]).set(h + 'attn.c_proj.bias', [d]);
    m.set(h + 'ln_2.weight', [d]).set(h + 'ln_2.bias', [d]);
    m.set(h + 'mlp.c_fc.weight', [d, 4 * d]).set(h + 'mlp.c_fc.bias', [4 * d]);
    m.set(h + 'mlp.c_proj.weight', [4 * d, d]).set(h + 'mlp.c_proj.bias', [d]);
  }
  m.set('transformer.ln_f.weight', [d]).set('transformer.ln_f.bias', [d]);
  m.set('lm_head.weight', [vocab, d]);
  return m;
}

async function readJson(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new InputError([{ code: 'not_found', path: [], message: `${path}: no such file (the testbed folder is incomplete)`, where: path }]);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputError([{ code: 'malformed', path: [], message: `${path} is not valid JSON (${(e as Error).message})`, where: path }]);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError([{ code: 'invalid_type', path: [], message: `${path} must hold a JSON object`, where: path }]);
  }
  return value as Record<string, unknown>;
}

/**
 * Reads and checks the committed testbed files: every parameter the shape calls for is present with its shape, and
 * nothing else; the tokenizer's vocabulary has the model's size.
 */
export async function readTestbedFiles(dir: string = TESTBED_DIR): Promise<TestbedFiles> {
  const path = join(dir, 'weights.safetensors');
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch {
    throw new InputError([{ code: 'not_found', path: [], message: `${path}: no such file (run python3 testbed/train.py)`, where: path }]);
  }
  const st = decodeSafetensors(bytes, path);
  const raw = st.metadata.spikescore_testbed;
  if (!raw) throw new InputError([{ code: 'missing_field', path: ['__metadata__', 'spikescore_testbed'], message: `${path} has no spikescore_testbed metadata`, where: path }]);
  let summary: TestbedSummary;
  try {
    summary = JSON.parse(raw) as TestbedSummary;
  } catch (e) {
    throw new InputError([{ code: 'malformed', path: ['__metadata__', 'spikescore_testbed'], message: `${path}: __metadata__.spikescore_testbed is not valid JSON (${(e as Error).message})`, where: path }]);
  }
  const m = summary?.model as Partial<TestbedShape> | undefined;
  const shapeFields = ['d', 'layers', 'heads', 'vocab', 'context'] as const;
  const badShape = shapeFields.filter((k) => !(Number.isInteger(m?.[k]) && (m![k] as number) > 0));
  if (badShape.length) {
    throw new InputError([{ code: 'missing_field', path: ['__metadata__', 'spikescore_testbed', 'model'], message: `${path}: spikescore_testbed.model needs positive integers ${badShape.join(', ')}`, where: path }]);
  }
  const expected = testbedParameterShapes(summary.model);
  const weights = new Map<string, TestbedTensor>();
  for (const [name, shape] of expected) {
    const t = st.tensors.get(name);
    if (!t) throw new InputError([{ code: 'missing_field', path: [name], message: `${path} has no tensor ${name}`, where: path }]);
    if (t.shape.join(',') !== shape.join(',')) {
      throw new InputError([{ code: 'mismatch', path: [name], message: `${path}: ${name} has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`, where: path }]);
    }
    weights.set(name, { shape, data: tensorToFloat32(t) });
  }
  const extra = [...st.tensors.keys()].filter((k) => !expected.has(k));
  if (extra.length) throw new InputError([{ code: 'unknown_field', path: [extra[0]], message: `${path} has unexpected tensors: ${extra.join(', ')}`, where: path }]);
  const tokenizer = await readJson(join(dir, 'tokenizer.json'));
  const tokenizerConfig = await readJson(join(dir, 'tokenizer_config.json'));
  const vocabMap = (tokenizer.model as { vocab?: unknown } | undefined)?.vocab;
  if (!vocabMap || typeof vocabMap !== 'object') {
    throw new InputError([{ code: 'missing_field', path: ['model', 'vocab'], message: `${join(dir, 'tokenizer.json')} has no model.vocab`, where: join(dir, 'tokenizer.json') }]);
  }
  const vocab = Object.keys(vocabMap).length;
  if (vocab !== summary.model.vocab) {
    throw new InputError([{ code: 'mismatch', path: ['model', 'vocab'], message: `tokenizer.json has ${vocab} tokens but the weights were trained for ${summary.model.vocab}`, where: dir }]);
  }
  const chatTemplate = tokenizerConfig.chat_template;
  if (typeof chatTemplate !== 'string') throw new InputError([{ code: 'missing_field', path: ['chat_template'], message: 'tokenizer_config.json has no chat_template', where: dir }]);
  const evaluation = await readJson(join(dir, 'eval.json'));
  return { weights, summary, tokenizer, tokenizerConfig, chatTemplate, evaluation };
}
