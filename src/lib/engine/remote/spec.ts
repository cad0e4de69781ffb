/**
 * What a remote model is, read from its hub-like folder or URL: `config.json` (layers, hidden size, vocabulary,
 * context), `generation_config.json` (EOS ids) and the tokenizer files. The weights stay on the engine; only
 * these small files are read, with the engine's own loaders (`parseModelConfig`, `loadTokenizer`).
 */
import { InputError } from '../../core/issues';
import { parseModelConfig } from '../modelConfig';
import type { FileSource } from '../sources';
import { loadTokenizer } from '../tokenizer';
import type { TextCodec } from '../types';

export interface RemoteModelSpec {
  /** The hub id the engine serves, e.g. `meta-llama/Llama-3.1-70B-Instruct`. */
  readonly id: string;
  readonly numLayers: number;
  readonly hiddenSize: number;
  readonly vocabSize: number;
  readonly maxContext: number;
  /** `torch_dtype` of config.json (`bfloat16`, …), for provenance. */
  readonly torchDtype: string | null;
  readonly eosTokenIds: readonly number[];
  readonly bosTokenId: number | null;
  readonly codec: TextCodec;
  readonly hasChatTemplate: boolean;
  readonly tokenizerHash: string;
  readonly chatTemplateHash: string | null;
}

export async function loadRemoteSpec(source: FileSource, modelId: string, signal?: AbortSignal): Promise<RemoteModelSpec> {
  const text = async (path: string, required: boolean): Promise<string | null> => {
    const bytes = await source.read(path, { signal });
    if (!bytes && required) throw new InputError([{ code: 'not_found', path: [], message: `${source.label}: ${path} is missing (a remote model needs its config.json and tokenizer.json; the weights stay on the engine)`, where: source.label }]);
    return bytes ? new TextDecoder().decode(bytes) : null;
  };
  const configText = (await text('config.json', true))!;
  const config = parseModelConfig(configText, await text('generation_config.json', false), modelId);
  const tok = await loadTokenizer((await text('tokenizer.json', true))!, await text('tokenizer_config.json', false), modelId, config.eosTokenIds);
  const raw = JSON.parse(configText) as Record<string, unknown>;
  return {
    id: modelId,
    numLayers: config.numLayers,
    hiddenSize: config.hiddenSize,
    vocabSize: config.vocabSize,
    maxContext: config.maxContext,
    torchDtype: typeof raw.torch_dtype === 'string' ? raw.torch_dtype : typeof raw.dtype === 'string' ? raw.dtype : null,
    eosTokenIds: tok.eosTokenIds,
    bosTokenId: tok.bosTokenId ?? config.bosTokenId,
    codec: tok.codec,
    hasChatTemplate: tok.hasChatTemplate,
    tokenizerHash: tok.tokenizerHash,
    chatTemplateHash: tok.chatTemplateHash
  };
}
