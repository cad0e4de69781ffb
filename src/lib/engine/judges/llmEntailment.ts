/**
 * The LLM entailment judge of the semantic-uncertainty pipeline (`EntailmentGPT4.equivalence_prompt` and
 * `EntailmentLLM.check_implication` in jlko/semantic_uncertainty, which SEP and SpikeScore use as
 * `llm_gpt-4o-mini`; method-spikescore.md §5.2), for clustering sampled answers.
 *
 * One user message holding the prompt below; temperature 0.02, max_tokens 200 (the reference's `oai.predict`).
 * The first 30 characters of the lower-cased reply decide, in this order: "entailment" → 2, "neutral" → 1,
 * "contradiction" → 0; anything else → 1 (the reference's "MANUAL NEUTRAL"), counted as `defaultedNeutral`
 * (option `unparseable: 'null'` gives null instead). A failed call (timeout, HTTP error…) gives null, counted;
 * the reference retried forever, we report instead.
 *
 * Replies are cached by the SHA-256 of the prompt (the reference used MD5): the same question and ordered pair of
 * answers is asked once. Only successful replies are cached.
 */
import type { Entailment, EntailsFn, EntailsManyFn } from '../../core/semantic';
import { ChatClient, emptyFailureCounts, type FailureReason, type LlmOptions } from './chatClient';

export const ENTAILMENT_TEMPERATURE = 0.02;
export const ENTAILMENT_MAX_TOKENS = 200;
export const ENTAILMENT_TIMEOUT_MS = 30_000;

export function entailmentPrompt(question: string, text1: string, text2: string): string {
  return (
    `We are evaluating answers to the question "${question}"\n` +
    'Here are two possible answers:\n' +
    `Possible Answer 1: ${text1}\nPossible Answer 2: ${text2}\n` +
    'Does Possible Answer 1 semantically entail Possible Answer 2? Respond with entailment, contradiction, or neutral.'
  );
}

/** The reference's parse: `'entailment' in reply.lower()[:30]` and so on; null when none is present. */
export function parseEntailmentReply(reply: string): Entailment | null {
  const head = Array.from(reply.toLowerCase()).slice(0, 30).join('');
  if (head.includes('entailment')) return 2;
  if (head.includes('neutral')) return 1;
  if (head.includes('contradiction')) return 0;
  return null;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

export interface LlmEntailmentOptions extends LlmOptions {
  /** What an unparseable reply gives: 'neutral' (1, the reference) or 'null'. */
  readonly unparseable?: 'neutral' | 'null';
  /** Replies already known, by prompt SHA-256 (e.g. restored from an earlier run); new ones are added. */
  readonly cache?: Map<string, string>;
}

export interface LlmEntailmentStats {
  readonly calls: number;
  readonly requests: number;
  readonly cacheHits: number;
  readonly ok: number;
  readonly defaultedNeutral: number;
  readonly failures: Readonly<Record<FailureReason, number>>;
}

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

export class LlmEntailment {
  #chat: ChatClient;
  #cache: Map<string, string>;
  #unparseable: 'neutral' | 'null';
  #calls = 0;
  #hits = 0;
  #ok = 0;
  #defaulted = 0;
  #failures = emptyFailureCounts();

  constructor(options: LlmEntailmentOptions) {
    this.#chat = new ChatClient(options, ENTAILMENT_TIMEOUT_MS);
    this.#cache = options.cache ?? new Map();
    this.#unparseable = options.unparseable ?? 'neutral';
  }

  /** check(question, text1, text2): does answer 1 entail answer 2, for this question? 0, 1, 2 or null. */
  async check(question: string, text1: string, text2: string): Promise<Entailment | null> {
    for (const [name, v] of [['question', question], ['text1', text1], ['text2', text2]] as const) {
      if (typeof v !== 'string') throw new TypeError(`${name} must be a string, got ${v === null ? 'null' : typeof v}`);
    }
    this.#calls++;
    const prompt = entailmentPrompt(question, text1, text2);
    const key = await sha256Hex(prompt);
    let reply = this.#cache.get(key);
    if (reply !== undefined) this.#hits++;
    else {
      const out = await this.#chat.complete([{ role: 'user', content: prompt }], {
        temperature: ENTAILMENT_TEMPERATURE,
        maxTokens: ENTAILMENT_MAX_TOKENS
      });
      if (!out.ok) {
        this.#failures[out.reason]++;
        return null;
      }
      reply = out.text;
      this.#cache.set(key, reply);
    }
    const verdict = parseEntailmentReply(reply);
    if (verdict !== null) {
      this.#ok++;
      return verdict;
    }
    if (this.#unparseable === 'null') {
      this.#failures.unparseable++;
      return null;
    }
    this.#defaulted++;
    return 1;
  }

  /** The judge for `semanticIds`, bound to one question. */
  entailsFor(question: string): EntailsFn {
    return (a, b) => this.check(question, a, b);
  }

  /** The batched form, for `semanticIds`' `entailsMany` (calls go out one after another). */
  entailsManyFor(question: string): EntailsManyFn {
    return async (pairs) => {
      const out: (Entailment | null)[] = [];
      for (const [a, b] of pairs) out.push(await this.check(question, a, b));
      return out;
    };
  }

  /** The reply cache (prompt SHA-256 → reply), e.g. to save with a run. */
  cacheEntries(): [string, string][] {
    return [...this.#cache];
  }

  stats(): LlmEntailmentStats {
    return {
      calls: this.#calls,
      requests: this.#chat.requests,
      cacheHits: this.#hits,
      ok: this.#ok,
      defaultedNeutral: this.#defaulted,
      failures: { ...this.#failures }
    };
  }

  provenance() {
    return {
      kind: 'llm-entailment' as const,
      prompt: 'semantic_uncertainty EntailmentGPT4.equivalence_prompt',
      ...this.#chat.toJSON(),
      temperature: ENTAILMENT_TEMPERATURE,
      maxTokens: ENTAILMENT_MAX_TOKENS,
      unparseable: this.#unparseable
    };
  }

  toJSON() {
    return this.provenance();
  }

  [INSPECT](): string {
    return `LlmEntailment ${JSON.stringify(this.provenance())}`;
  }
}
