/**
 * One chat-completions call to an OpenAI-compatible server (`openai` v6), reduced to a text or a named failure.
 * Shared by the three LLM judges (`dialogueJudge.ts`, `llmEntailment.ts`, `seCorrectness.ts`).
 *
 * - No retry (`maxRetries: 0`) and a per-call timeout: a failure is reported once, never hidden by a retry loop.
 * - Failures are data: 'timeout', 'http_error' (with the status), 'connection', 'bad_response' (no JSON, no
 *   choices), 'empty_reply' (no text), 'aborted'. Parsing the text is the caller's job ('unparseable').
 * - The API key lives only in a private field of this object and in the request header. It is never in
 *   `toJSON`, `provenance`, an inspected view or a message we return: server messages pass through
 *   `redact`, which replaces the key, and are cut to 200 characters.
 * - Without a key no Authorization header is sent (local servers such as llama.cpp or vLLM need none); the
 *   `OPENAI_API_KEY` and `OPENAI_BASE_URL` environment variables are never read implicitly.
 */
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { InputError } from '../../core/issues';

export interface LlmOptions {
  /** Base URL of the OpenAI-compatible API, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:8080/v1`. */
  readonly baseURL: string;
  readonly model: string;
  /** Secret; from an environment variable in the CLI or typed in the page. Never stored, logged or returned. */
  readonly apiKey?: string | null;
  /** Per-call timeout in milliseconds. */
  readonly timeoutMs?: number;
  /** A fetch to use instead of the global one (a proxy, a test). */
  readonly fetch?: typeof fetch;
}

export type FailureReason = 'timeout' | 'http_error' | 'connection' | 'bad_response' | 'empty_reply' | 'unparseable' | 'aborted';
export const FAILURE_REASONS: readonly FailureReason[] = ['timeout', 'http_error', 'connection', 'bad_response', 'empty_reply', 'unparseable', 'aborted'];

export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

export type ChatOutcome =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly reason: FailureReason; readonly status: number | null; readonly message: string };

export interface ChatCallOptions {
  readonly temperature: number;
  readonly maxTokens: number;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * The API key for a judge: `deps.apiKey` (typed in the page) if given, else the environment variable that
 * `judge.api_key_env` names (the CLI passes `process.env`), else none. Errors name the variable, never its value.
 */
export function resolveApiKey(
  apiKeyEnv: unknown,
  deps: { readonly apiKey?: string | null; readonly env?: Readonly<Record<string, string | undefined>> }
): string | null {
  if (deps.apiKey !== undefined && deps.apiKey !== null) return deps.apiKey;
  if (apiKeyEnv === undefined || apiKeyEnv === null || apiKeyEnv === '') return null;
  if (typeof apiKeyEnv !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(apiKeyEnv)) {
    throw new InputError(`judge.api_key_env must name an environment variable, got ${JSON.stringify(apiKeyEnv)}`);
  }
  const value = deps.env?.[apiKeyEnv];
  if (value === undefined || value === '') throw new InputError(`judge.api_key_env names ${apiKeyEnv}, which is not set in the environment`);
  return value;
}

export function emptyFailureCounts(): Record<FailureReason, number> {
  return { timeout: 0, http_error: 0, connection: 0, bad_response: 0, empty_reply: 0, unparseable: 0, aborted: 0 };
}

export class ChatClient {
  readonly baseURL: string;
  readonly model: string;
  readonly timeoutMs: number;
  readonly hasKey: boolean;
  #client: OpenAI;
  #secret: string | null;
  #requests = 0;

  constructor(options: LlmOptions, defaultTimeoutMs: number) {
    const { baseURL, model } = options ?? ({} as LlmOptions);
    if (typeof baseURL !== 'string' || !/^https?:\/\/\S+$/.test(baseURL)) {
      throw new InputError(`judge.base_url must be an http(s) URL, got ${JSON.stringify(baseURL)}`);
    }
    if (typeof model !== 'string' || model.trim() === '') throw new InputError(`judge.model must be a model name, got ${JSON.stringify(model)}`);
    const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
    if (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
      throw new InputError(`judge.timeout_ms must be a positive number of milliseconds, got ${JSON.stringify(options.timeoutMs)}`);
    }
    const key = options.apiKey ?? null;
    if (key !== null && typeof key !== 'string') throw new InputError(`the judge API key must be a string, got ${typeof key}`);
    this.baseURL = baseURL;
    this.model = model;
    this.timeoutMs = timeoutMs;
    this.#secret = key && key.length > 0 ? key : null;
    this.hasKey = this.#secret !== null;
    this.#client = new OpenAI({
      baseURL,
      apiKey: this.#secret ?? '',
      // null removes the header openai would otherwise send as "Bearer " with no key.
      defaultHeaders: this.#secret ? undefined : { Authorization: null },
      organization: null,
      project: null,
      maxRetries: 0,
      timeout: timeoutMs,
      dangerouslyAllowBrowser: true,
      ...(options.fetch ? { fetch: options.fetch } : {})
    });
  }

  /** HTTP requests sent so far. */
  get requests(): number {
    return this.#requests;
  }

  /** `text` with every occurrence of the API key replaced, cut to `max` characters. */
  redact(text: string, max = 200): string {
    let out = String(text);
    if (this.#secret) out = out.split(this.#secret).join('[redacted]');
    return out.length > max ? `${out.slice(0, max)}…` : out;
  }

  async complete(messages: readonly ChatMessage[], call: ChatCallOptions): Promise<ChatOutcome> {
    this.#requests++;
    try {
      const res = await this.#client.chat.completions.create(
        {
          model: this.model,
          messages: messages.map((m) => ({ role: m.role, content: m.content })),
          temperature: call.temperature,
          max_tokens: call.maxTokens
        },
        { timeout: call.timeoutMs ?? this.timeoutMs, maxRetries: 0, signal: call.signal }
      );
      const choices = (res as { choices?: unknown }).choices;
      if (!Array.isArray(choices) || choices.length === 0) {
        return { ok: false, reason: 'bad_response', status: null, message: 'the reply has no choices' };
      }
      const content = (choices[0] as { message?: { content?: unknown } })?.message?.content;
      if (typeof content !== 'string' || content.length === 0) {
        return { ok: false, reason: 'empty_reply', status: null, message: 'the reply has no text content' };
      }
      return { ok: true, text: content };
    } catch (e) {
      // Order matters: the timeout error is a connection error, and both are API errors.
      if (e instanceof APIUserAbortError) return { ok: false, reason: 'aborted', status: null, message: 'aborted' };
      if (e instanceof APIConnectionTimeoutError) return { ok: false, reason: 'timeout', status: null, message: 'request timed out' };
      if (e instanceof APIConnectionError) return { ok: false, reason: 'connection', status: null, message: this.redact(e.message) };
      if (e instanceof APIError) {
        return { ok: false, reason: 'http_error', status: typeof e.status === 'number' ? e.status : null, message: this.redact(e.message) };
      }
      return { ok: false, reason: 'bad_response', status: null, message: this.redact(e instanceof Error ? e.message : String(e)) };
    }
  }

  toJSON(): { baseURL: string; model: string; timeoutMs: number; hasKey: boolean } {
    return { baseURL: this.baseURL, model: this.model, timeoutMs: this.timeoutMs, hasKey: this.hasKey };
  }

  [INSPECT](): string {
    return `ChatClient ${JSON.stringify(this.toJSON())}`;
  }
}
