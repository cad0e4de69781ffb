/**
 * The correctness metric of the semantic-uncertainty pipeline, `llm_gpt-4o-mini` style (`model_based_metric` in
 * jlko/semantic_uncertainty; method-spikescore.md §5.2): the `accuracy` of each question in `probe_data` mode.
 *
 * One user message:
 *   We are assessing the quality of answers to the following question: {q}\n
 *   The expected answer is: {a}.\n                                  (one gold answer)
 *   The following are expected answers to this question: {list}.\n  (several; {list} is Python's str(list))
 *   The proposed answer is: {pred}\n
 *   Within the context of the question, does the proposed answer mean the same as the expected answer?
 *     (several: "… as any of the expected answers?")
 *    Respond only with yes or no.\nResponse:
 *
 * Temperature 0.01, max_tokens 200. 1 if "yes" occurs in the lower-cased reply, else 0 if "no" occurs (substring
 * tests, as the reference: "not sure" counts as no); otherwise one retry at temperature 1 with the same rule.
 * Where the reference then defaulted to 0 ("Defaulting to no!"), we give null with reason 'unparseable'; a failed
 * call gives null with its reason. Nothing is guessed; every null is counted.
 */
import { ChatClient, emptyFailureCounts, type FailureReason, type LlmOptions } from './chatClient';

export const CORRECTNESS_TEMPERATURE = 0.01;
export const CORRECTNESS_RETRY_TEMPERATURE = 1;
export const CORRECTNESS_MAX_TOKENS = 200;
export const CORRECTNESS_TIMEOUT_MS = 30_000;

/** Python's repr of a str, as `str(list)` prints each element. */
export function pythonStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp < 0x20 || cp === 0x7f || (ch !== ' ' && /[\p{C}\p{Z}]/u.test(ch))) {
      // Not printable for Python (str.isprintable): control, format, unassigned, separators other than space.
      if (cp <= 0xff) out += `\\x${cp.toString(16).padStart(2, '0')}`;
      else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, '0')}`;
      else out += `\\U${cp.toString(16).padStart(8, '0')}`;
    } else out += ch;
  }
  return out + quote;
}

/** Python's `str(list_of_str)`: `['a', "b's"]`. */
export function pythonListRepr(items: readonly string[]): string {
  return `[${items.map(pythonStrRepr).join(', ')}]`;
}

export function correctnessPrompt(question: string, goldAnswers: readonly string[], predicted: string): string {
  let prompt = `We are assessing the quality of answers to the following question: ${question}\n`;
  if (goldAnswers.length === 1) prompt += `The expected answer is: ${goldAnswers[0]}.\n`;
  else prompt += `The following are expected answers to this question: ${pythonListRepr(goldAnswers)}.\n`;
  prompt += `The proposed answer is: ${predicted}\n`;
  if (goldAnswers.length === 1) prompt += 'Within the context of the question, does the proposed answer mean the same as the expected answer?';
  else prompt += 'Within the context of the question, does the proposed answer mean the same as any of the expected answers?';
  prompt += ' Respond only with yes or no.\nResponse:';
  return prompt;
}

/** 1 if "yes" is in the lower-cased reply, else 0 if "no" is, else null. */
export function parseYesNo(reply: string): 1 | 0 | null {
  const lower = reply.toLowerCase();
  if (lower.includes('yes')) return 1;
  if (lower.includes('no')) return 0;
  return null;
}

export interface CorrectnessVerdict {
  readonly label: 1 | 0 | null;
  readonly reply: string | null;
  readonly retried: boolean;
  readonly reason: FailureReason | null;
  readonly status: number | null;
}

export interface CorrectnessStats {
  readonly calls: number;
  readonly requests: number;
  readonly ok: number;
  readonly retries: number;
  readonly failures: Readonly<Record<FailureReason, number>>;
}

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

export class SeCorrectnessJudge {
  #chat: ChatClient;
  #calls = 0;
  #ok = 0;
  #retries = 0;
  #failures = emptyFailureCounts();

  constructor(options: LlmOptions) {
    this.#chat = new ChatClient(options, CORRECTNESS_TIMEOUT_MS);
  }

  /** judge(question, goldAnswers, predicted): does the predicted answer mean the same as a gold answer? */
  async judge(question: string, goldAnswers: readonly string[], predicted: string): Promise<CorrectnessVerdict> {
    if (!Array.isArray(goldAnswers) || goldAnswers.length === 0 || goldAnswers.some((g) => typeof g !== 'string')) {
      throw new TypeError(`goldAnswers must be a non-empty array of strings, got ${JSON.stringify(goldAnswers)}`);
    }
    this.#calls++;
    const prompt = correctnessPrompt(question, goldAnswers, predicted);
    let retried = false;
    let lastReply: string | null = null;
    for (const temperature of [CORRECTNESS_TEMPERATURE, CORRECTNESS_RETRY_TEMPERATURE]) {
      if (temperature === CORRECTNESS_RETRY_TEMPERATURE) {
        retried = true;
        this.#retries++;
      }
      const out = await this.#chat.complete([{ role: 'user', content: prompt }], { temperature, maxTokens: CORRECTNESS_MAX_TOKENS });
      if (!out.ok) {
        this.#failures[out.reason]++;
        return { label: null, reply: null, retried, reason: out.reason, status: out.status };
      }
      lastReply = this.#chat.redact(out.text);
      const label = parseYesNo(out.text);
      if (label !== null) {
        this.#ok++;
        return { label, reply: lastReply, retried, reason: null, status: null };
      }
    }
    this.#failures.unparseable++;
    return { label: null, reply: lastReply, retried, reason: 'unparseable', status: null };
  }

  stats(): CorrectnessStats {
    return { calls: this.#calls, requests: this.#chat.requests, ok: this.#ok, retries: this.#retries, failures: { ...this.#failures } };
  }

  provenance() {
    return {
      kind: 'llm-se-correctness' as const,
      prompt: 'semantic_uncertainty model_based_metric (llm_gpt-4o-mini); unparseable after retry → null',
      ...this.#chat.toJSON(),
      temperature: CORRECTNESS_TEMPERATURE,
      retryTemperature: CORRECTNESS_RETRY_TEMPERATURE,
      maxTokens: CORRECTNESS_MAX_TOKENS
    };
  }

  toJSON() {
    return this.provenance();
  }

  [INSPECT](): string {
    return `SeCorrectnessJudge ${JSON.stringify(this.provenance())}`;
  }
}
