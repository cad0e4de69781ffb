/** The fields of a Hugging Face `config.json` (and `generation_config.json`) the engine needs, across naming schemes. */
import { InputError } from '../core/issues';

export interface ModelConfig {
  readonly modelType: string;
  readonly numLayers: number;
  readonly hiddenSize: number;
  readonly numHeads: number;
  readonly numKeyValueHeads: number;
  readonly headDim: number;
  readonly vocabSize: number;
  readonly maxContext: number;
  readonly eosTokenIds: readonly number[];
  readonly bosTokenId: number | null;
}

const ids = (v: unknown): number[] => (typeof v === 'number' ? [v] : Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : []);

export function parseModelConfig(configText: string, generationText: string | null, where: string): ModelConfig {
  let c: Record<string, unknown>;
  try {
    c = JSON.parse(configText) as Record<string, unknown>;
  } catch (e) {
    throw new InputError(`${where}/config.json is not valid JSON (${(e as Error).message})`);
  }
  let g: Record<string, unknown> = {};
  if (generationText) {
    try {
      g = JSON.parse(generationText) as Record<string, unknown>;
    } catch (e) {
      throw new InputError(`${where}/generation_config.json is not valid JSON (${(e as Error).message})`);
    }
  }
  // Some configs (multimodal, Gemma 3) nest the language model's settings.
  const t = (c.text_config as Record<string, unknown> | undefined) ?? c;
  const num = (...keys: string[]): number | undefined => {
    for (const k of keys) if (typeof t[k] === 'number') return t[k] as number;
    return undefined;
  };
  const numLayers = num('num_hidden_layers', 'n_layer', 'num_layers');
  const hiddenSize = num('hidden_size', 'n_embd', 'd_model');
  const numHeads = num('num_attention_heads', 'n_head');
  const vocabSize = num('vocab_size');
  const missing = [
    ['num_hidden_layers', numLayers],
    ['hidden_size', hiddenSize],
    ['num_attention_heads', numHeads],
    ['vocab_size', vocabSize]
  ].filter(([, v]) => v === undefined).map(([k]) => k);
  if (missing.length) throw new InputError(`${where}/config.json lacks ${missing.join(', ')}`);
  return {
    modelType: String(t.model_type ?? c.model_type ?? 'unknown'),
    numLayers: numLayers!,
    hiddenSize: hiddenSize!,
    numHeads: numHeads!,
    numKeyValueHeads: num('num_key_value_heads') ?? numHeads!,
    headDim: num('head_dim') ?? hiddenSize! / numHeads!,
    vocabSize: vocabSize!,
    maxContext: num('max_position_embeddings', 'n_positions', 'n_ctx', 'seq_length') ?? 2048,
    eosTokenIds: [...new Set([...ids(g.eos_token_id), ...ids(t.eos_token_id), ...ids(c.eos_token_id)])],
    bosTokenId: ids(g.bos_token_id ?? t.bos_token_id)[0] ?? null
  };
}
