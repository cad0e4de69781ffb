/**
 * Tokenizers and chat templates through `@huggingface/transformers` (constructed from the tokenizer files we
 * downloaded ourselves, with the tokenizer class `AutoTokenizer` would pick). Without a chat template, chat
 * prompts use the seed's plain format (`System: …\n\nUser: …\n\nAssistant: `) and `hasChatTemplate` says so.
 */
import { InputError } from '../core/issues';
import { sha256Hex } from './hash';
import { getOrt } from './ort';
import type { ChatMessage, ChatTemplateOptions, TextCodec } from './types';

/** The part of a transformers.js tokenizer we use. */
interface HfTokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): number[];
  decode(ids: number[], options?: { skip_special_tokens?: boolean }): string;
  apply_chat_template(messages: { role: string; content: string }[], options: Record<string, unknown>): string;
  chat_template: unknown;
  eos_token_id?: number | null;
  bos_token_id?: number | null;
  all_special_ids: number[];
}

type HfTokenizerClass = new (json: unknown, config: unknown) => HfTokenizer;

let transformers: Promise<Record<string, unknown>> | null = null;

/**
 * Imports transformers.js once. In browsers it points onnxruntime-web's `wasmPaths` at a CDN when imported;
 * offline that breaks every session ("no available backend found"), so the paths are reset to the bundled
 * wasm right after (stack.md).
 */
export function importTransformers(): Promise<Record<string, unknown>> {
  transformers ??= import('@huggingface/transformers').then((m) => {
    const tf = m as unknown as Record<string, unknown> & { env: { allowRemoteModels: boolean; backends?: { onnx?: { wasm?: { wasmPaths?: unknown } } } } };
    tf.env.allowRemoteModels = false; // we fetch model files ourselves; transformers.js never reaches the network
    try {
      const ort = getOrt();
      if (typeof window !== 'undefined' || typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== 'undefined') {
        ort.env.wasm.wasmPaths = undefined;
      }
    } catch {
      // no ORT injected yet (a tokenizer-only use): nothing to reset
    }
    return tf;
  });
  return transformers;
}

/** The seed's plain chat format for tokenizers without a template, extended to whole conversations. */
export function plainChatFormat(messages: readonly ChatMessage[], addGenerationPrompt: boolean): string {
  const role = { system: 'System', user: 'User', assistant: 'Assistant' } as const;
  const parts = messages.map((m) => `${role[m.role]}: ${m.content}`);
  return parts.join('\n\n') + (addGenerationPrompt ? '\n\nAssistant: ' : '');
}

export interface LoadedTokenizer {
  readonly codec: TextCodec;
  readonly hasChatTemplate: boolean;
  readonly eosTokenIds: readonly number[];
  readonly bosTokenId: number | null;
  readonly tokenizerHash: string;
  readonly chatTemplateHash: string | null;
}

export async function loadTokenizer(tokenizerJsonText: string, tokenizerConfigText: string | null, where: string, generationEos: readonly number[] = []): Promise<LoadedTokenizer> {
  let json: unknown;
  let config: Record<string, unknown> = {};
  try {
    json = JSON.parse(tokenizerJsonText);
  } catch (e) {
    throw new InputError(`${where}/tokenizer.json is not valid JSON (${(e as Error).message})`);
  }
  if (tokenizerConfigText) {
    try {
      config = JSON.parse(tokenizerConfigText) as Record<string, unknown>;
    } catch (e) {
      throw new InputError(`${where}/tokenizer_config.json is not valid JSON (${(e as Error).message})`);
    }
  }
  const tf = await importTransformers();
  const className = typeof config.tokenizer_class === 'string' ? config.tokenizer_class.replace(/Fast$/, '') : 'PreTrainedTokenizer';
  const cls = ((tf[className] as HfTokenizerClass | undefined) ?? (tf.PreTrainedTokenizer as HfTokenizerClass)) as HfTokenizerClass;
  let tok: HfTokenizer;
  try {
    tok = new cls(json, config);
  } catch (e) {
    throw new InputError(`${where}: the tokenizer could not be built (${(e as Error).message})`);
  }
  const template = typeof tok.chat_template === 'string' ? tok.chat_template : tok.chat_template && typeof tok.chat_template === 'object' ? (tok.chat_template as Record<string, string>).default ?? null : null;
  const hasChatTemplate = typeof template === 'string' && template.length > 0;
  const codec: TextCodec = {
    encode: (text, o) => tok.encode(text, { add_special_tokens: o?.addSpecialTokens ?? true }),
    decode: (ids, o) => tok.decode([...ids], { skip_special_tokens: o?.skipSpecialTokens ?? true }),
    applyChatTemplate(messages: readonly ChatMessage[], o: ChatTemplateOptions = {}) {
      const add = o.addGenerationPrompt ?? true;
      if (!hasChatTemplate) return plainChatFormat(messages, add);
      return tok.apply_chat_template(
        messages.map((m) => ({ role: m.role, content: m.content })),
        { tokenize: false, add_generation_prompt: add, ...(o.enableThinking === undefined ? {} : { enable_thinking: o.enableThinking }) }
      ) as string;
    }
  };
  const eos = new Set<number>(generationEos);
  if (typeof tok.eos_token_id === 'number') eos.add(tok.eos_token_id);
  return {
    codec,
    hasChatTemplate,
    eosTokenIds: [...eos],
    bosTokenId: typeof tok.bos_token_id === 'number' ? tok.bos_token_id : null,
    tokenizerHash: await sha256Hex(tokenizerJsonText),
    chatTemplateHash: hasChatTemplate ? await sha256Hex(template as string) : null
  };
}
