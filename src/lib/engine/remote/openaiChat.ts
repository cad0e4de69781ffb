/**
 * The OpenAI-compatible chat API of vLLM and SGLang (`POST /v1/chat/completions`), through the `openai` package.
 * The engine renders the chat template itself, so this protocol takes chat messages, not token ids.
 *
 * Request: `messages`, `temperature`, `top_p`, `max_tokens`, `seed`, `logprobs: true`, `top_logprobs: k` (at most
 * 20), `stop`; engine extensions passed as extra body fields: `stop_token_ids`, `ignore_eos`,
 * `chat_template_kwargs.enable_thinking`, and `return_tokens_as_token_ids: true` (vLLM), which makes each
 * logprob entry's `token` read `token_id:<id>`.
 *
 * Response: `choices[0].message.content`, `choices[0].finish_reason` (`stop` | `length`),
 * `choices[0].logprobs.content[i] = {token, logprob, top_logprobs: [{token, logprob}]}`, `usage.prompt_tokens`.
 * A token the engine names by its text only (no `token_id:` form) gets id −1: its logprob is real, its id is not
 * known. No hidden states and no entropy come back over this API (`ModelInfo.unavailable` says so).
 */
import OpenAI from 'openai';
import { RemoteError, statusKind } from './errors';
import { DEFAULT_REQUEST_TIMEOUT_MS, deadline, joinUrl, type NodeEndpoint } from './http';
import type { ChatMessage, ChatTemplateOptions, GenerateOptions, StopReason } from '../types';

/** OpenAI's own limit on `top_logprobs`; vLLM and SGLang follow it. */
export const MAX_TOP_LOGPROBS = 20;

export interface OpenAIChatBody {
  readonly model: string;
  readonly messages: { role: ChatMessage['role']; content: string }[];
  readonly temperature: number;
  readonly top_p: number;
  readonly max_tokens: number;
  readonly seed: number;
  readonly logprobs: true;
  readonly top_logprobs: number;
  readonly stop?: string[];
  readonly stop_token_ids?: number[];
  readonly ignore_eos?: boolean;
  readonly chat_template_kwargs?: { enable_thinking: boolean };
  readonly return_tokens_as_token_ids: true;
  readonly skip_special_tokens: true;
}

export function openaiChatBody(model: string, messages: readonly ChatMessage[], template: ChatTemplateOptions, options: GenerateOptions, seed: number): OpenAIChatBody {
  const k = Math.min(options.topK ?? 5, MAX_TOP_LOGPROBS);
  return {
    model,
    messages: messages.map((m) => ({ role: m.role, content: m.content })),
    temperature: options.temperature,
    top_p: options.topP ?? 1,
    max_tokens: options.maxNewTokens,
    seed,
    logprobs: true,
    top_logprobs: k,
    ...(options.stopStrings?.length ? { stop: [...options.stopStrings] } : {}),
    ...(options.stopTokenIds?.length && !options.ignoreEos ? { stop_token_ids: [...options.stopTokenIds] } : {}),
    ...(options.ignoreEos ? { ignore_eos: true } : {}),
    ...(template.enableThinking === undefined ? {} : { chat_template_kwargs: { enable_thinking: template.enableThinking } }),
    return_tokens_as_token_ids: true,
    skip_special_tokens: true
  };
}

export interface ParsedChat {
  readonly text: string;
  readonly tokens: readonly string[];
  readonly tokenIds: readonly number[];
  readonly logprobs: Float32Array;
  readonly topIds: readonly Int32Array[];
  readonly topLogprobs: readonly Float32Array[];
  readonly stopReason: StopReason;
  readonly promptTokens: number | null;
  /** True when every token came back as `token_id:<id>`. */
  readonly idsKnown: boolean;
}

const TOKEN_ID = /^token_id:(-?\d+)$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseOpenAIChat(json: unknown, node: string): ParsedChat {
  const choice = isRecord(json) && Array.isArray(json.choices) ? json.choices[0] : undefined;
  if (!isRecord(choice) || !isRecord(choice.message)) throw new RemoteError('protocol', node, 'chat completion answered without choices[0].message');
  const content = choice.message.content;
  const lp = isRecord(choice.logprobs) ? choice.logprobs.content : undefined;
  if (!Array.isArray(lp)) throw new RemoteError('protocol', node, 'chat completion answered without choices[0].logprobs.content (does this engine support logprobs on chat?)');
  const tokens: string[] = [];
  const tokenIds: number[] = [];
  const logprobs: number[] = [];
  const topIds: Int32Array[] = [];
  const topLogprobs: Float32Array[] = [];
  let idsKnown = true;
  lp.forEach((entry, i) => {
    if (!isRecord(entry) || typeof entry.token !== 'string' || typeof entry.logprob !== 'number') {
      throw new RemoteError('protocol', node, `choices[0].logprobs.content[${i}] is not {token, logprob}`);
    }
    const m = TOKEN_ID.exec(entry.token);
    if (!m) idsKnown = false;
    tokens.push(entry.token);
    tokenIds.push(m ? Number(m[1]) : -1);
    logprobs.push(entry.logprob);
    const top = Array.isArray(entry.top_logprobs) ? entry.top_logprobs : [];
    topIds.push(Int32Array.from(top, (t) => (isRecord(t) && typeof t.token === 'string' && TOKEN_ID.test(t.token) ? Number(TOKEN_ID.exec(t.token)![1]) : -1)));
    topLogprobs.push(Float32Array.from(top, (t) => (isRecord(t) && typeof t.logprob === 'number' ? t.logprob : NaN)));
  });
  const finish = choice.finish_reason;
  const stopReason: StopReason = finish === 'length' ? 'length' : finish === 'stop' ? 'eos' : 'eos';
  const usage = isRecord(json) && isRecord(json.usage) ? json.usage : null;
  return {
    text: typeof content === 'string' ? content.trim() : '',
    tokens,
    tokenIds,
    logprobs: Float32Array.from(logprobs),
    topIds,
    topLogprobs,
    stopReason,
    promptTokens: usage && typeof usage.prompt_tokens === 'number' ? usage.prompt_tokens : null,
    idsKnown
  };
}

/** One chat completion through the `openai` client (no retries of its own: the pool retries on another node). */
export async function callOpenAIChat(node: NodeEndpoint, body: OpenAIChatBody, signal?: AbortSignal): Promise<unknown> {
  const ms = node.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const client = new OpenAI({
    baseURL: joinUrl(node.url, '/v1'),
    apiKey: node.token ?? 'EMPTY', // engines started without --api-key ignore it
    maxRetries: 0,
    timeout: ms,
    dangerouslyAllowBrowser: true, // runs in Node or on the server; the key is a node token, never a user's
    ...(node.fetch ? { fetch: node.fetch } : {})
  });
  const d = deadline(ms, signal);
  try {
    // Engine extensions (stop_token_ids, return_tokens_as_token_ids, …) are not in the OpenAI types.
    return await client.chat.completions.create(body as unknown as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming, { signal: d.signal });
  } catch (e) {
    if (d.timedOut() || e instanceof OpenAI.APIConnectionTimeoutError) throw new RemoteError('timeout', node.name, `POST /v1/chat/completions got no answer within ${ms} ms`);
    if (signal?.aborted || e instanceof OpenAI.APIUserAbortError) throw new RemoteError('cancelled', node.name, 'POST /v1/chat/completions was cancelled');
    if (e instanceof OpenAI.APIError && typeof e.status === 'number') {
      throw new RemoteError(statusKind(e.status), node.name, `POST /v1/chat/completions answered HTTP ${e.status} (${String(e.message).slice(0, 300)})`, e.status);
    }
    if (e instanceof OpenAI.APIConnectionError) throw new RemoteError('network', node.name, `POST /v1/chat/completions failed (${(e.cause as { cause?: { code?: string } } | undefined)?.cause?.code ?? e.message})`);
    throw new RemoteError('protocol', node.name, `POST /v1/chat/completions failed (${(e as Error).message})`);
  } finally {
    d.clear();
  }
}
