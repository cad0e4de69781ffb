import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ALL_FOLLOWUPS,
  FOLLOWUPS,
  PROBE_STOP_STRINGS,
  dialogueMessages,
  initialMessages,
  probePrompt,
  selectFollowup,
  userMessage
} from '../../src/lib/core/prompts/index';
import { keyedRandom } from '../../src/lib/core/random';

function sharedDir(): string {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  const sibling = resolve(root, '../shared');
  return existsSync(sibling) ? sibling : '/work/shared';
}

/** The progressive schedule of method-spikescore.md §2.3, transcribed from its table. */
const PROGRESSIVE: readonly string[] = [
  'Great! Continue.',
  'Excellent! Please continue with more details.',
  'Perfect! Keep going with your analysis.',
  "Now let's analyze this systematically. Break it down further.",
  "Interesting perspective. Let's examine each component more carefully. What are the underlying principles at work here?",
  "Let's dissect this problem methodically. Identify the key variables, their interactions, and the governing principles.",
  'Interesting! What other angles should we consider?',
  "That opens up new possibilities! Let's explore alternative perspectives or unconventional approaches to this problem.",
  "Let's think beyond the obvious. What hidden connections or non-intuitive insights might we discover?",
  'Now provide the technical specifications.',
  "Excellent! Now let's get into the technical details. Include specific parameters, formulas, or implementation details.",
  'Provide precise technical measurements, calculations, and specifications. Be as quantitative as possible.',
  'What are the potential flaws in this reasoning?',
  "Play devil's advocate. What would a skeptic say about this analysis?",
  "Let's apply critical thinking here. What assumptions are we making? What could go wrong? What are the counterarguments?"
];
const REFLECTIVE_LAST =
  'Step back and reflect deeply. What meta-insights emerge from your analysis? How has your understanding evolved? What would you reconsider or emphasize differently?';

describe('follow-up library', () => {
  it('selectFollowup("progressive") gives the exact §2.3 texts for steps 1–20 and tags progressive_step{k}', () => {
    for (let k = 1; k <= 20; k++) {
      const c = selectFollowup('progressive', k);
      expect(c.text).toBe(k <= 15 ? PROGRESSIVE[k - 1] : REFLECTIVE_LAST);
      expect(c.promptType).toBe(`progressive_step${k}`);
    }
    expect(selectFollowup('progressive', 40).text).toBe(REFLECTIVE_LAST);
  });

  it('FOLLOWUPS holds 8 families and 35 prompts, every one verbatim in method-spikescore.md §2.3', () => {
    const doc = readFileSync(join(sharedDir(), 'docs/method-spikescore.md'), 'utf8');
    const section = doc.slice(doc.indexOf('### 2.3'), doc.indexOf('### 2.4'));
    const quoted = new Set([...section.matchAll(/`([^`]+)`/g)].map((m) => m[1]));
    expect(Object.keys(FOLLOWUPS)).toEqual(['encouragement', 'analytical', 'step_by_step', 'exploratory', 'technical', 'critical', 'creative', 'reflective']);
    expect(ALL_FOLLOWUPS.length).toBe(35);
    expect(ALL_FOLLOWUPS.filter((p) => !quoted.has(p.text)).map((p) => p.text)).toEqual([]);
    expect(Object.fromEntries(Object.entries(FOLLOWUPS).map(([f, l]) => [f, l.length]))).toEqual({
      encouragement: 7, analytical: 4, step_by_step: 4, exploratory: 4, technical: 4, critical: 4, creative: 4, reflective: 4
    });
  });

  it('selectFollowup("fixed") is always analytical[0]; "deep_analysis" follows the intensity rule', () => {
    for (const k of [1, 7, 20]) expect(selectFollowup('fixed', k).text).toBe(FOLLOWUPS.analytical[0].text);
    // step 1: analytical, target min(5, 2 + 0) = 2 → analytical[0]; step 2: technical, target 2 → technical[0];
    // step 3: critical, target 3 → critical[1]; step 4: analytical, target 3 → analytical[1];
    // step 9: critical, target 5 → critical[3]; step 12: critical, target 5 → critical[3].
    expect([1, 2, 3, 4, 9, 12].map((k) => selectFollowup('deep_analysis', k).text)).toEqual([
      FOLLOWUPS.analytical[0].text, FOLLOWUPS.technical[0].text, FOLLOWUPS.critical[1].text, FOLLOWUPS.analytical[1].text,
      FOLLOWUPS.critical[3].text, FOLLOWUPS.critical[3].text
    ]);
  });

  it('selectFollowup draws the random modes from their pools, reproducibly for the same key', () => {
    const r = (k: number) => keyedRandom(42, 'item-1', k, 'followup');
    for (let k = 1; k <= 20; k++) {
      const mixed = selectFollowup('mixed', k, { random: r(k) });
      const pool = k <= 3 ? ['encouragement', 'analytical'] : k <= 10 ? ['analytical', 'exploratory', 'creative'] : ['technical', 'critical', 'reflective'];
      expect(pool).toContain(mixed.family);
      expect(mixed.promptType).toBe(`mixed_step${k}`);
      expect(selectFollowup('mixed', k, { random: r(k) }).text).toBe(mixed.text);
      const creative = selectFollowup('creative_thinking', k, { random: r(k) });
      expect(creative.family).toBe(['reflective', 'creative', 'exploratory'][k % 3]);
      const random = selectFollowup('random', k, { random: r(k) });
      if (k <= 2) expect(random.text).toBe('Great! Continue.');
    }
    // Over many keys, the random mode reaches every one of the 35 prompts.
    const seen = new Set(Array.from({ length: 2000 }, (_, i) => selectFollowup('random', 3, { random: keyedRandom(i) }).text));
    expect(seen.size).toBe(35);
  });

  it('selectFollowup("adaptive") switches on the previous response length (<50 words, >500 words)', () => {
    const short = selectFollowup('adaptive', 5, { random: keyedRandom(1), lastResponseWords: 10 });
    expect(short.family).toBe('analytical');
    expect(short.intensity).toBeGreaterThanOrEqual(3);
    expect(selectFollowup('adaptive', 5, { random: keyedRandom(1), lastResponseWords: 501 }).text).toBe(FOLLOWUPS.reflective[2].text);
    expect(selectFollowup('adaptive', 5, { random: keyedRandom(1), lastResponseWords: 120 }).text).toBe(PROGRESSIVE[4]);
  });

  it('selectFollowup names a missing random source, a bad step and an unknown mode', () => {
    expect(() => selectFollowup('mixed', 4)).toThrow('selectFollowup: mode "mixed" draws at random and needs context.random (a keyedRandom), got none');
    expect(() => selectFollowup('progressive', 0)).toThrow('selectFollowup: step must be an integer ≥ 1 (turn 0 is the question), got 0');
    expect(() => selectFollowup('wild' as never, 1)).toThrow('strategy must be one of progressive, mixed, random, adaptive, deep_analysis, creative_thinking, fixed; got "wild"');
  });
});

describe('turn-0 prompt and follow-up conversation', () => {
  it('userMessage uses the context and question only, with the seed prefixes, never the answer, id or other fields', () => {
    const record = { id: 'abc123', question: 'Who wrote Hamlet?', answer: 'William Shakespeare', context: 'A play.', turn_id: 3, note: 'secret' };
    const msg = userMessage(record);
    expect(msg).toBe('Passage: A play.\n\nQuestion: Who wrote Hamlet?');
    expect(msg).not.toContain('Shakespeare');
    expect(msg).not.toContain('abc123');
    expect(userMessage({ story: 'S.', query: 'Q?' })).toBe('Story: S.\n\nQuery: Q?');
    expect(userMessage({ question: 'Only?' })).toBe('Question: Only?');
    expect(() => userMessage({ answer: 'x' })).toThrow('an item needs a non-empty question (one of question, query, prompt, instruction, problem); got fields answer');
  });

  it('initialMessages puts the system prompt first and leaves it out when it is ""', () => {
    expect(initialMessages({ question: 'Q?' }, 'Be brief.')).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Question: Q?' }
    ]);
    expect(initialMessages({ question: 'Q?' }, '')).toEqual([{ role: 'user', content: 'Question: Q?' }]);
  });

  it('dialogueMessages continues the whole turn-0 conversation: system, context, question, answers, follow-ups', () => {
    const initial = initialMessages({ question: 'Q?', context: 'C.' }, 'Sys.');
    const past = [
      { followup_prompt: '', response: 'A0' },
      { followup_prompt: 'Great! Continue.', response: 'A1' }
    ];
    expect(dialogueMessages(initial, past, 'Excellent! Please continue with more details.')).toEqual([
      { role: 'system', content: 'Sys.' },
      { role: 'user', content: 'Passage: C.\n\nQuestion: Q?' },
      { role: 'assistant', content: 'A0' },
      { role: 'user', content: 'Great! Continue.' },
      { role: 'assistant', content: 'A1' },
      { role: 'user', content: 'Excellent! Please continue with more details.' }
    ]);
    expect(() => dialogueMessages(initial, [], 'x')).toThrow('dialogueMessages: a follow-up needs the turn-0 answer; past is empty');
  });

  it('probePrompt is the SE pipeline raw prompt, with the context line only when asked and present', () => {
    expect(probePrompt('What is 2+2', '')).toBe('Answer the following question in a single brief but complete sentence.\nQuestion: What is 2+2\nAnswer:');
    expect(probePrompt('Q', 'Body.', { brief: 'default', useContext: true })).toBe('Answer the following question as briefly as possible.\nContext: Body.\nQuestion: Q\nAnswer:');
    expect(probePrompt('Q', 'Body.')).not.toContain('Body.');
    expect(PROBE_STOP_STRINGS).toEqual(['\n\n\n\n', '\n\n\n', '\n\n', '\n', 'Question:', 'Context:']);
  });
});
