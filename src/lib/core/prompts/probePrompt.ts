/**
 * The raw prompt of the probe-training data (the semantic-entropy pipeline's `generate_answers.py` with zero
 * few-shot examples, method-spikescore.md §9): no chat template, the model's BOS token, then
 *
 *   "{brief}[Context: {context}\n]Question: {question}\nAnswer:"
 *
 * with brief "Answer the following question in a single brief but complete sentence.\n" (`chat`, the README's
 * choice) or "Answer the following question as briefly as possible.\n" (`default`). The context line appears only
 * with `useContext` and a non-empty context. The gold answer never appears.
 */

export const BRIEF_PROMPTS = {
  default: 'Answer the following question as briefly as possible.\n',
  chat: 'Answer the following question in a single brief but complete sentence.\n'
} as const;

/** Generation stops at any of these (the stop string is not part of the answer), or at EOS. */
export const PROBE_STOP_STRINGS: readonly string[] = ['\n\n\n\n', '\n\n\n', '\n\n', '\n', 'Question:', 'Context:'];

export function probePrompt(question: string, context: string, options: { brief?: keyof typeof BRIEF_PROMPTS; useContext?: boolean } = {}): string {
  const brief = BRIEF_PROMPTS[options.brief ?? 'chat'];
  const ctx = options.useContext && context.trim() !== '' ? `Context: ${context}\n` : '';
  return `${brief}${ctx}Question: ${question}\nAnswer:`;
}
