/**
 * A BioGeneration fact judge over any OpenAI-compatible chat API (OpenAI, vLLM, SGLang, llama.cpp, Ollama), with
 * FActScore's verification prompt and answer parsing (method-fallbacks.md §5). It plugs into `scoreBio`.
 *
 * What it does per sentence: retrieve the k = 5 passages of the topic's reference text that best match
 * `topic + " " + sentence` (BM25, as the fallbacks repository configured FActScore), ask the model
 * "… Input: {sentence} True or False?\nOutput:", and read the answer the FActScore way.
 *
 * What it does NOT do (say so next to its results): FActScore first splits each sentence into atomic facts with
 * a ChatGPT prompt built on its demonstration file, which is not available here; this judge checks the whole
 * sentence as ONE fact, so counts are sentences, not atoms. It defaults to temperature 0 (FActScore used 0.7)
 * so reruns agree. An empty answer is an error, where FActScore would call it supported.
 */
import OpenAI from 'openai';
import { topPassages } from '../../core/fallbacks/bm25';
import { factScorePrompt, isSupportedAnswer, type FactJudge, type FactVerdict, type Passage } from '../../core/fallbacks/factJudge';

export interface OpenAIFactJudgeOptions {
  /** e.g. `https://api.openai.com/v1` or `http://127.0.0.1:8000/v1`. */
  readonly baseURL: string;
  readonly model: string;
  /** Local servers usually need none. */
  readonly apiKey?: string;
  /** The topic's reference passages (e.g. its Wikipedia article cut into passages of ~200 words). */
  readonly knowledge: (topic: string) => Promise<readonly Passage[]> | readonly Passage[];
  /** Passages per question (default 5, as FActScore). */
  readonly k?: number;
  /** Default 0 for reproducible verdicts (FActScore: 0.7). */
  readonly temperature?: number;
  /** Default 256 (FActScore asked for up to 2048; the answer is one word). */
  readonly maxTokens?: number;
  readonly seed?: number;
  /** Requests are retried this many times on connection errors and 429/5xx (the SDK's backoff; default 2). */
  readonly maxRetries?: number;
  /** Per request, in ms (default 60 000). */
  readonly timeout?: number;
  /** A fetch implementation (tests, proxies). */
  readonly fetch?: typeof fetch;
  /** Allow use from a page: the key is then visible to that page (only for local servers or the user's own key). */
  readonly browser?: boolean;
}

/** One verification call: the exact prompt sent and the raw answer, for logs and reports. */
export interface FactCheckTrace {
  readonly topic: string;
  readonly atom: string;
  readonly prompt: string;
  readonly answer: string;
  readonly supported: boolean;
}

/**
 * Creates the judge. Each `judge()` call sends one chat request (a single user message holding the prompt) and
 * returns one verdict for the sentence. A topic without passages, an HTTP error after retries, or an empty answer
 * throws (naming the topic and sentence): the bio is then not scored rather than guessed.
 */
export function createOpenAIFactJudge(options: OpenAIFactJudgeOptions, onTrace?: (trace: FactCheckTrace) => void): FactJudge {
  if (typeof options.baseURL !== 'string' || !/^https?:\/\//.test(options.baseURL)) {
    throw new TypeError(`createOpenAIFactJudge: baseURL must be an http(s) URL, got ${JSON.stringify(options.baseURL)}`);
  }
  if (typeof options.model !== 'string' || options.model.length === 0) throw new TypeError(`createOpenAIFactJudge: model must be a non-empty string, got ${JSON.stringify(options.model)}`);
  if (typeof options.knowledge !== 'function') throw new TypeError('createOpenAIFactJudge: knowledge must be a function from topic to passages');
  const client = new OpenAI({
    baseURL: options.baseURL,
    apiKey: options.apiKey ?? 'none',
    maxRetries: options.maxRetries ?? 2,
    timeout: options.timeout ?? 60_000,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    dangerouslyAllowBrowser: options.browser === true
  });
  const k = options.k ?? 5;
  const cache = new Map<string, Promise<readonly Passage[]>>();

  return {
    name: `factscore-verify:${options.model} (one fact per sentence)`,
    async judge({ topic, sentence }, signal): Promise<FactVerdict[]> {
      let passages = cache.get(topic);
      if (!passages) {
        passages = Promise.resolve(options.knowledge(topic));
        cache.set(topic, passages);
      }
      const all = await passages;
      if (!all || all.length === 0) throw new Error(`fact check: no reference passages for topic ${JSON.stringify(topic)}; cannot check ${JSON.stringify(sentence)}`);
      const prompt = factScorePrompt(topic, sentence, topPassages(all, topic, sentence, k));
      const res = await client.chat.completions.create(
        {
          model: options.model,
          messages: [{ role: 'user', content: prompt }],
          temperature: options.temperature ?? 0,
          max_tokens: options.maxTokens ?? 256,
          ...(options.seed === undefined ? {} : { seed: options.seed })
        },
        signal ? { signal } : undefined
      );
      const answer = res.choices?.[0]?.message?.content ?? '';
      if (answer.trim().length === 0) {
        throw new Error(`fact check: ${options.model} returned an empty answer for ${JSON.stringify(sentence)} (topic ${JSON.stringify(topic)})`);
      }
      const supported = isSupportedAnswer(answer);
      onTrace?.({ topic, atom: sentence, prompt, answer, supported });
      return [{ atom: sentence, supported }];
    }
  };
}
