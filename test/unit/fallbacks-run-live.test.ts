/**
 * Live list labels for the Teach page: slots while the completion streams, and at the end exactly the labels of
 * `labelListCompletion` (checked on the golden cases fed character by character and GPT-2 token by token).
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { labelListCompletion, promptOfModelInput } from '../../src/lib/core/fallbacks/index';
import { LiveListLabeller, liveListLabels, type LiveListLabels } from '../../src/lib/core/fallbacks/liveList';
import { readFallbacksJson } from './fallbacks-shared';

interface GoldenCase {
  name: string;
  completion: string;
  gold: string[] | null;
  model_input: string;
  expected: { order: number[]; answers: string[]; status: string };
}
const golden = readFallbacksJson<{ cases: GoldenCase[] }>('derived/list_label_cases.json').cases;

const gpt2 = createRequire(import.meta.url)('gpt-3-encoder') as { encode(text: string): number[]; decode(ids: number[]): string };
/** The completion cut into GPT-2 token texts (every golden completion is ASCII, so each token decodes alone). */
const gpt2Pieces = (text: string): string[] => gpt2.encode(text).map((id) => gpt2.decode([id]));

const fingers = { modelInput: 'The following 25 fingers are part of the human hand\n1.', gold: ['Thumb', 'Index', 'Middle', 'Ring', 'Pinky'] };

function stream(list: { modelInput: string; gold: string[] | null }, pieces: readonly string[]): { steps: LiveListLabels[]; last: LiveListLabels } {
  const labeller = new LiveListLabeller(list);
  const steps = pieces.map((p) => labeller.push(p));
  return { steps, last: labeller.end() };
}

describe('liveListLabels while streaming', () => {
  it('liveListLabels labels answers whose line has ended and marks the next slot pending (hand-worked)', () => {
    const at = (text: string) => liveListLabels(fingers, text, false);
    expect(at('').slots.slice(0, 2)).toEqual(['pending', null]);
    expect(at(' Thu')).toMatchObject({ answers: [], pendingText: ' Thu', final: false, status: null, counts: null });
    expect(at(' Thumb\n2. Ind').slots.slice(0, 3)).toEqual([1, 'pending', null]);
    expect(at(' Thumb\n2. Index\n3. Moon\n4. Thumb\n5. ').slots.slice(0, 6)).toEqual([1, 1, 2, 3, 'pending', null]);
    expect(at(' Thumb\n2. Index\n3. Moon\n4. Thumb\n5. ').answers).toEqual(['Thumb', 'Index', 'Moon', 'Thumb']);
    expect(at(' Thumb\n2. Index\n3. Moon\n4. Thumb\n5. ').pendingText).toBe('5. ');
    expect(at(' Thumb\n2. Index\n').slots).toHaveLength(25);
  });

  it('liveListLabels keeps a line holding only an enumerator pending: "3.\\nRing" is one answer', () => {
    const s = liveListLabels(fingers, ' Thumb\n2. Index\n3.\n', false);
    expect(s.slots.slice(0, 3)).toEqual([1, 1, 'pending']);
    expect(s.pendingText).toBe('3.\n');
    expect(liveListLabels(fingers, ' Thumb\n2. Index\n3.\nRing\n', false).slots.slice(0, 4)).toEqual([1, 1, 1, 'pending']);
  });

  it('liveListLabels shows no ending code before the end, and the final slots pad with it', () => {
    const text = ' Thumb\n2. Index\n3. Middle\n\n';
    expect(liveListLabels(fingers, text, false).slots.slice(0, 5)).toEqual([1, 1, 1, 'pending', null]);
    const end = liveListLabels(fingers, text, true);
    expect(end).toMatchObject({ final: true, status: 'EOS', pendingText: null, counts: { correct: 3, eos: 22 } });
    expect(end.slots).toEqual([1, 1, 1, ...Array(22).fill(6)]);
  });

  it('liveListLabels fills all 25 slots and drops the pending slot once 25 answers are complete', () => {
    const text = ' Thumb' + Array.from({ length: 26 }, (_, i) => `\n${i + 2}. Thumb`).join('');
    const s = liveListLabels(fingers, text, false);
    expect(s.slots).toEqual([1, ...Array(24).fill(3)]);
    expect(s.pendingText).toBeNull();
  });

  it('liveListLabels can relabel an earlier slot when a better gold match arrives, as greedy matching does', () => {
    const list = { modelInput: 'The following 25 are X\n1.', gold: ['king penguin'] };
    expect(liveListLabels(list, ' king penguin species\n', false).slots[0]).toBe(1);
    // "king penguin" (fewer spaces) wins the gold answer at equal similarity: the first answer becomes H.
    expect(liveListLabels(list, ' king penguin species\n2. king penguin\n', false).slots.slice(0, 2)).toEqual([2, 1]);
  });

  it('LiveListLabeller.end(completion) labels the finished completion when the streamed pieces fell short of it', () => {
    const live = new LiveListLabeller(fingers);
    live.push(' Thumb\n2. Ind');
    const end = live.end(' Thumb\n2. Index\n3. Ring');
    expect(end.slots.slice(0, 4)).toEqual([1, 1, 1, 6]);
    expect(live.completion).toBe(' Thumb\n2. Index\n3. Ring');
    expect(() => live.end(4 as unknown as string)).toThrow('LiveListLabeller.end(completion): completion must be a string, got number');
  });

  it('liveListLabels and LiveListLabeller name bad input', () => {
    expect(() => liveListLabels({ modelInput: 'no suffix', gold: null }, '', false)).toThrow('promptOfModelInput: a list model input must end with "\\n1."');
    expect(() => liveListLabels(fingers, 3 as unknown as string, false)).toThrow('liveListLabels(list, text, done): text must be a string, got number');
    expect(() => liveListLabels(null as unknown as typeof fingers, '', false)).toThrow('liveListLabels(list, text, done): list must be {modelInput, gold}, got null');
    expect(() => new LiveListLabeller({ modelInput: 'P', gold: null })).toThrow('must end with "\\n1."');
    expect(() => new LiveListLabeller(fingers).push(undefined as unknown as string)).toThrow('LiveListLabeller.push(delta): delta must be a string, got undefined');
  });

  it('liveListLabels reads the colon variant with its suffix: an answer repeating the prompt counts as a repetition', () => {
    const list = { modelInput: 'The following 25 fingers are part of the human hand:\n1.', suffix: ':\n1.', gold: fingers.gold };
    const text = ' The following 25 fingers are part of the human hand\n2. Thumb\n3. Ring';
    // The order view labels it H; the counts move it to R (the reference's repeated_instruction).
    expect(liveListLabels(list, text, false).slots.slice(0, 3)).toEqual([2, 1, 'pending']);
    expect(liveListLabels(list, text, true).counts).toEqual({ correct: 2, hallucinated: 0, repeated: 1, bad_format: 0, topic_change: 0, eos: 22 });
  });
});

describe.each([
  ['character by character', (t: string) => [...t]],
  ['GPT-2 token by token', gpt2Pieces]
] as const)('LiveListLabeller on the golden cases, fed %s', (_how, split) => {
  it.each(golden.map((c) => [c.name, c] as const))('%s: the final slots equal labelListCompletion, and every step is consistent', (_name, c) => {
    const pieces = split(c.completion);
    expect(pieces.join('')).toBe(c.completion);
    const { steps, last } = stream({ modelInput: c.model_input, gold: c.gold }, pieces);
    const full = labelListCompletion({ completion: c.completion, gold: c.gold, prompt: promptOfModelInput(c.model_input) });
    expect(last.slots).toEqual(full.order);
    expect(last.slots).toEqual(c.expected.order);
    expect(last.answers).toEqual(c.expected.answers);
    expect(last.status).toBe(c.expected.status);
    let text = '';
    steps.forEach((s, i) => {
      text += pieces[i];
      // The labeller's shortcut equals recomputing from scratch.
      expect(s).toEqual(liveListLabels({ modelInput: c.model_input, gold: c.gold }, text, false));
      expect(s.slots).toHaveLength(25);
      const labelled = s.slots.filter((x) => typeof x === 'number');
      expect(labelled).toHaveLength(s.answers.length);
      expect(labelled.every((x) => x === 1 || x === 2 || x === 3)).toBe(true);
    });
  });
});

describe('LiveListLabeller on the golden cases, interim labels', () => {
  it('every completed answer of a one-answer-per-line golden case keeps its final label from the moment its line ends', () => {
    // Cases whose answers are one per line and never relabelled (the inline, comma and prose cases end in one line).
    // Most answers seen complete while streaming: the last answer counts only when its line ends, so a list that
    // stops without a line end shows it pending until the end (eos_short_list, fake_qampari_no_gold).
    const mostComplete: Record<string, number> = {
      loop_full: 25,
      eos_short_list: 8,
      topic_change_following: 4,
      topic_change_blank_line: 4,
      eos_blank_tail: 3,
      fake_qampari_no_gold: 3
    };
    for (const [name, most] of Object.entries(mostComplete)) {
      const c = golden.find((g) => g.name === name)!;
      const { steps } = stream({ modelInput: c.model_input, gold: c.gold }, [...c.completion]);
      for (const s of steps) {
        const n = s.answers.length;
        expect(s.slots.slice(0, n), name).toEqual(c.expected.order.slice(0, n));
      }
      expect(Math.max(...steps.map((s) => s.answers.length)), name).toBe(most);
    }
  });
});
