/**
 * A local NLI model (no API key) through transformers.js: `AutoTokenizer` plus
 * `AutoModelForSequenceClassification`, loaded from a local folder or a hub (`transformersSettings.ts`), in Node
 * and in a browser worker alike. Any model type transformers.js maps to sequence classification works (bert,
 * deberta, deberta-v2, roberta, distilbert, xlm-roberta, …); the user default is the ONNX export
 * `Xenova/nli-deberta-v3-xsmall` (model_type deberta-v2; `onnx/model.onnx` 284 MB, `onnx/model_quantized.onnx`
 * 87 MB with dtype 'q8').
 *
 * A verdict is the argmax of the logits for the pair (premise, hypothesis) encoded as the model's tokenizer encodes
 * a text pair (`[CLS] premise [SEP] hypothesis [SEP]` for BERT); ties go to the lowest class index, as
 * `torch.argmax`. The class index is mapped to a verdict code through `config.json` `id2label` (`nliLabels.ts`).
 */
import { AutoModelForSequenceClassification, AutoTokenizer, env } from '@huggingface/transformers';
import { InputError } from '../../core/issues';
import type { Entailment } from '../../core/semantic';
import { nliLabelCodes } from './nliLabels';
import { applyTransformersSettings, type TransformersEnvLike, type TransformersSettings } from './transformersSettings';

export { DEFAULT_NLI_MODEL } from './nliDefaults';

export type NliDtype = 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4' | 'bnb4' | 'q4f16';
export type NliDevice = 'cpu' | 'wasm' | 'webgpu';

export interface NliLoadOptions extends TransformersSettings {
  /** Hub id, or a folder name under `localModelPath`. */
  readonly model: string;
  readonly revision?: string;
  /** Which weights file: fp32 is `onnx/model.onnx`, q8 `onnx/model_quantized.onnx`, fp16 `onnx/model_fp16.onnx`. */
  readonly dtype?: NliDtype;
  /** Default: transformers.js's choice (cpu in Node, wasm in a browser). */
  readonly device?: NliDevice;
  /** Pairs per forward pass (default 16). */
  readonly batchSize?: number;
  /** transformers.js progress events, passed through unchanged (`status`: initiate, download, progress, done, ready). */
  readonly progress?: (event: unknown) => void;
}

export interface NliStats {
  readonly pairs: number;
  readonly batches: number;
}

export interface NliModel {
  readonly id: string;
  readonly dtype: NliDtype;
  /** Verdict code of each class index, from `id2label`. */
  readonly labelCodes: readonly Entailment[];
  /** The raw `id2label` names by class index. */
  readonly labelNames: readonly string[];
  /** Verdicts for many (premise, hypothesis) pairs, in order, `batchSize` pairs per forward pass. */
  classify(pairs: readonly (readonly [string, string])[]): Promise<Entailment[]>;
  stats(): NliStats;
  provenance(): { kind: 'nli-model'; model: string; revision: string; dtype: NliDtype; labels: string[] };
  dispose(): Promise<void>;
}

/** Index of the largest of `n` values starting at `offset`; the first on ties; −1 if any is not finite. */
function argmax(data: ArrayLike<number>, offset: number, n: number): number {
  let best = 0;
  for (let c = 0; c < n; c++) {
    const v = data[offset + c];
    if (!Number.isFinite(v)) return -1;
    if (v > data[offset + best]) best = c;
  }
  return best;
}

/**
 * loadNliModel(options) loads the tokenizer and the classifier. Errors from transformers.js (missing file, no
 * network, unsupported model type) propagate with its own message; a config whose `id2label` is not an NLI head is
 * refused with an `InputError`.
 */
export async function loadNliModel(options: NliLoadOptions): Promise<NliModel> {
  if (typeof options?.model !== 'string' || options.model.length === 0) {
    throw new InputError(`nli.model must be a hub id or a folder name, got ${JSON.stringify(options?.model)}`);
  }
  const batchSize = options.batchSize ?? 16;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new InputError(`nli.batch_size must be a positive integer, got ${JSON.stringify(options.batchSize)}`);
  }
  const dtype: NliDtype = options.dtype ?? 'fp32';
  const revision = options.revision ?? 'main';
  // The structural type covers what we set; transformers.js's own typedef has more fields.
  applyTransformersSettings(env as unknown as TransformersEnvLike, options);
  const common = { revision, progress_callback: options.progress };
  const tokenizer = await AutoTokenizer.from_pretrained(options.model, common);
  const model = await AutoModelForSequenceClassification.from_pretrained(options.model, {
    ...common,
    dtype,
    ...(options.device ? { device: options.device } : {})
  });
  const config = model.config as unknown as { id2label?: Record<string, string> };
  let labelCodes: Entailment[];
  try {
    labelCodes = nliLabelCodes(config.id2label, `${options.model}/config.json`);
  } catch (e) {
    await model.dispose();
    throw e;
  }
  const labelNames = [0, 1, 2].map((i) => String(config.id2label![String(i)]));

  let pairs = 0;
  let batches = 0;
  // One forward pass at a time: onnxruntime-web refuses concurrent runs of one session.
  let queue: Promise<unknown> = Promise.resolve();

  async function runBatch(chunk: readonly (readonly [string, string])[]): Promise<Entailment[]> {
    const encoded = tokenizer(
      chunk.map((p) => p[0]),
      { text_pair: chunk.map((p) => p[1]), padding: true, truncation: true }
    );
    const { logits } = (await model(encoded)) as { logits: { dims: number[]; data: ArrayLike<number>; dispose?: () => void } };
    const [rows, classes] = logits.dims; // [batch, 3]
    if (rows !== chunk.length || classes !== 3) {
      throw new Error(`NLI model ${options.model} returned logits of shape [${logits.dims.join(', ')}], expected [${chunk.length}, 3]`);
    }
    const out: Entailment[] = [];
    for (let r = 0; r < rows; r++) {
      const c = argmax(logits.data, r * classes, classes);
      if (c < 0) throw new Error(`NLI model ${options.model} returned a non-finite logit for pair ${r} of the batch`);
      out.push(labelCodes[c]);
    }
    logits.dispose?.();
    pairs += chunk.length;
    batches++;
    return out;
  }

  async function classify(list: readonly (readonly [string, string])[]): Promise<Entailment[]> {
    if (!Array.isArray(list)) throw new TypeError(`pairs must be an array of [premise, hypothesis], got ${list === null ? 'null' : typeof list}`);
    list.forEach((p, i) => {
      if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'string' || typeof p[1] !== 'string') {
        throw new TypeError(`pairs[${i}] must be [premise, hypothesis] strings, got ${JSON.stringify(p)}`);
      }
    });
    const run = queue.then(async () => {
      const out: Entailment[] = [];
      for (let s = 0; s < list.length; s += batchSize) out.push(...(await runBatch(list.slice(s, s + batchSize))));
      return out;
    });
    queue = run.catch(() => undefined);
    return run;
  }

  return {
    id: options.model,
    dtype,
    labelCodes,
    labelNames,
    classify,
    stats: () => ({ pairs, batches }),
    provenance: () => ({ kind: 'nli-model', model: options.model, revision, dtype, labels: [...labelNames] }),
    dispose: async () => {
      await model.dispose();
    }
  };
}
