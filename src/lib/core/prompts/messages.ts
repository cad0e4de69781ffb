/**
 * The chat messages of a dialogue.
 *
 * Turn 0 (the seed's `PromptBuilder`, with its gold-answer leak fixed, B1): a system message (the config's
 * `system_prompt`, omitted when it is "") and one user message made of
 *   1. the first non-empty context field, with the seed's prefix (`context` → "Passage: ", `story` → "Story: ", …),
 *   2. the first non-empty question field, with its prefix (`question` → "Question: ", `query` → "Query: ", …),
 * joined by a blank line. NOTHING else of the record enters the prompt: not the gold answer, not the id, not any
 * other field (the seed appended every other string field, "Id: …" and "Answer: <gold>" among them).
 *
 * Follow-up k (B2 fixed): the whole turn-0 conversation (system, context and question), the turn-0 answer as
 * generated, then every follow-up and reply so far, then follow-up k. The seed restarted the history from the bare
 * question, dropping the system prompt and the passage.
 */
import { InputError } from '../issues';

export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/** The seed's context fields in its search order, with the prefix each gets. */
export const CONTEXT_FIELDS: readonly (readonly [string, string])[] = [
  ['context', 'Passage'], ['passage', 'Passage'], ['story', 'Story'], ['background', 'Background'], ['document', 'Document'],
  ['text', 'Text'], ['paragraph', 'Paragraph'], ['article', 'Article'], ['content', 'Content'], ['source', 'Source'], ['reference', 'Reference']
];

/** The seed's question fields in its search order, with the prefix each gets. */
export const QUESTION_FIELDS: readonly (readonly [string, string])[] = [
  ['question', 'Question'], ['query', 'Query'], ['prompt', 'Prompt'], ['instruction', 'Instruction'], ['problem', 'Problem']
];

function firstField(record: Readonly<Record<string, unknown>>, fields: readonly (readonly [string, string])[]): string | null {
  for (const [field, prefix] of fields) {
    const v = record[field];
    if (typeof v === 'string' ? v.trim() !== '' : v !== undefined && v !== null && v !== '') return `${prefix}: ${String(v)}`;
  }
  return null;
}

/** The turn-0 user message: "[Passage: …\n\n]Question: …". Throws when the record has no question. */
export function userMessage(record: Readonly<Record<string, unknown>>): string {
  const question = firstField(record, QUESTION_FIELDS);
  if (question === null) {
    throw new InputError(`an item needs a non-empty question (one of ${QUESTION_FIELDS.map(([f]) => f).join(', ')}); got fields ${Object.keys(record).join(', ') || '(none)'}`);
  }
  const context = firstField(record, CONTEXT_FIELDS);
  return context === null ? question : `${context}\n\n${question}`;
}

/** [system, user] for turn 0 (no system message when `systemPrompt` is ""). */
export function initialMessages(record: Readonly<Record<string, unknown>>, systemPrompt: string): ChatMessage[] {
  const user: ChatMessage = { role: 'user', content: userMessage(record) };
  return systemPrompt === '' ? [user] : [{ role: 'system', content: systemPrompt }, user];
}

export interface PastTurn {
  /** "" for turn 0. */
  readonly followup_prompt: string;
  readonly response: string;
}

/**
 * The conversation for the next follow-up: the turn-0 messages, then for each past turn its follow-up (none for
 * turn 0) and its response, then `nextFollowup` as the last user message.
 */
export function dialogueMessages(initial: readonly ChatMessage[], past: readonly PastTurn[], nextFollowup: string): ChatMessage[] {
  if (past.length === 0) throw new TypeError('dialogueMessages: a follow-up needs the turn-0 answer; past is empty');
  const out: ChatMessage[] = [...initial];
  past.forEach((t, k) => {
    if (k > 0) out.push({ role: 'user', content: t.followup_prompt });
    out.push({ role: 'assistant', content: t.response });
  });
  out.push({ role: 'user', content: nextFollowup });
  return out;
}
