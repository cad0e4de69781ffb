/**
 * The dialogue correctness judge of SpikeScore (`utils.judge_answer`, method-spikescore.md §5.1), with the
 * argument-order bug B7 fixed: the gold answer goes in the "Reference answer" slot and the model's answer in the
 * "Model answer" slot (the released runner swapped them).
 *
 * Messages: the system message, four user/assistant example pairs, then the query, all verbatim from the seed.
 * Settings: temperature 0, max_tokens 1, 10 s timeout, no retry. The reply, stripped of surrounding whitespace, must
 * be exactly "1" (correct → nli_label 1) or "0" (incorrect, a hallucination → 0); anything else, and any failure,
 * gives null with a counted reason. There is no string-matching fallback.
 */
import { ChatClient, emptyFailureCounts, type ChatMessage, type FailureReason, type LlmOptions } from './chatClient';

export const DIALOGUE_JUDGE_SYSTEM =
  'You are an impartial evaluator. ' +
  'Given a question, a reference answer, and a model answer, judge if the model answer is semantically equivalent to the reference answer in the context of the question. ' +
  "Reply ONLY with '1' (correct) or '0' (incorrect). No explanation.";

function query(question: string, reference: string, modelAnswer: string): string {
  return `Question: ${question}\nReference answer: ${reference}\nModel answer: ${modelAnswer}\nYour reply:`;
}

export const DIALOGUE_JUDGE_SHOTS: readonly ChatMessage[] = [
  { role: 'user', content: query('What is the capital of France?', 'The capital of France is Paris.', 'Paris is the capital of France.') },
  { role: 'assistant', content: '1' },
  {
    role: 'user',
    content: query(
      'What is the chemical formula for water?',
      'The chemical formula for water is H2O.',
      'Water is composed of two hydrogen atoms and one oxygen atom.'
    )
  },
  { role: 'assistant', content: '1' },
  {
    role: 'user',
    content: query(
      'Which is the largest planet in the solar system?',
      'The largest planet in the solar system is Jupiter.',
      'Saturn is the biggest planet in our solar system.'
    )
  },
  { role: 'assistant', content: '0' },
  {
    role: 'user',
    content: query(
      'How do plants make food?',
      'The process by which plants make food is called photosynthesis.',
      'Plants produce food through respiration.'
    )
  },
  { role: 'assistant', content: '0' }
];

export const DIALOGUE_JUDGE_TEMPERATURE = 0;
export const DIALOGUE_JUDGE_MAX_TOKENS = 1;
export const DIALOGUE_JUDGE_TIMEOUT_MS = 10_000;

/** The full message list for one judgement: system, the 4-shot examples, the query. */
export function dialogueJudgeMessages(question: string, reference: string, modelAnswer: string): ChatMessage[] {
  return [{ role: 'system', content: DIALOGUE_JUDGE_SYSTEM }, ...DIALOGUE_JUDGE_SHOTS, { role: 'user', content: query(question, reference, modelAnswer) }];
}

export interface DialogueVerdict {
  readonly label: 1 | 0 | null;
  /** The raw reply (redacted, cut to 200 characters), or null when there was none. */
  readonly reply: string | null;
  readonly reason: FailureReason | null;
  /** HTTP status of a failed call, when there was one. */
  readonly status: number | null;
  readonly message: string | null;
}

export interface LlmJudgeStats {
  readonly calls: number;
  readonly requests: number;
  readonly ok: number;
  readonly failures: Readonly<Record<FailureReason, number>>;
}

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

export class DialogueJudge {
  #chat: ChatClient;
  #calls = 0;
  #ok = 0;
  #failures = emptyFailureCounts();

  constructor(options: LlmOptions) {
    this.#chat = new ChatClient(options, DIALOGUE_JUDGE_TIMEOUT_MS);
  }

  /**
   * judge(question, reference, modelAnswer): is the model's answer semantically equivalent to the reference
   * (gold) answer? 1 correct, 0 incorrect, null unknown.
   */
  async judge(question: string, reference: string, modelAnswer: string, signal?: AbortSignal): Promise<DialogueVerdict> {
    for (const [name, v] of [['question', question], ['reference', reference], ['modelAnswer', modelAnswer]] as const) {
      if (typeof v !== 'string') throw new TypeError(`${name} must be a string, got ${v === null ? 'null' : typeof v}`);
    }
    this.#calls++;
    const out = await this.#chat.complete(dialogueJudgeMessages(question, reference, modelAnswer), {
      temperature: DIALOGUE_JUDGE_TEMPERATURE,
      maxTokens: DIALOGUE_JUDGE_MAX_TOKENS,
      signal
    });
    if (!out.ok) {
      this.#failures[out.reason]++;
      return { label: null, reply: null, reason: out.reason, status: out.status, message: out.message };
    }
    const reply = out.text.trim();
    if (reply === '1' || reply === '0') {
      this.#ok++;
      return { label: reply === '1' ? 1 : 0, reply, reason: null, status: null, message: null };
    }
    this.#failures.unparseable++;
    return { label: null, reply: this.#chat.redact(out.text), reason: 'unparseable', status: null, message: 'the reply is neither "1" nor "0"' };
  }

  stats(): LlmJudgeStats {
    return { calls: this.#calls, requests: this.#chat.requests, ok: this.#ok, failures: { ...this.#failures } };
  }

  provenance() {
    return {
      kind: 'llm-dialogue-judge' as const,
      prompt: 'SpikeScore utils.judge_answer, 4-shot, reference = gold answer (B7 fixed)',
      ...this.#chat.toJSON(),
      temperature: DIALOGUE_JUDGE_TEMPERATURE,
      maxTokens: DIALOGUE_JUDGE_MAX_TOKENS
    };
  }

  toJSON() {
    return this.provenance();
  }

  [INSPECT](): string {
    return `DialogueJudge ${JSON.stringify(this.provenance())}`;
  }
}
