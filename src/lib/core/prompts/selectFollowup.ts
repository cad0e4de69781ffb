/**
 * The follow-up message for step k ≥ 1 under each mode of the seed's `StrategySelector` (method-spikescore.md §2.3):
 *
 * - `progressive` (the paper's default, no randomness): steps 1–3 encouragement[k−1], 4–6 analytical[k−4],
 *   7–9 exploratory[k−7], 10–12 technical[k−10], 13–15 critical[k−13], later the last reflective prompt.
 * - `mixed`: pool {encouragement, analytical} for k ≤ 3, {analytical, exploratory, creative} for k ≤ 10, else
 *   {technical, critical, reflective}; a random family of the pool, then a random prompt of it.
 * - `random`: encouragement[0] for k ≤ 2, else a uniform draw over all 35 prompts.
 * - `adaptive`: a previous response under 50 words draws an analytical prompt of intensity ≥ 3; over 500 words
 *   gives reflective[2]; otherwise the progressive prompt. (The seed's `reasoning_lite` never passed the length,
 *   so there every step drew analytical; we pass the word count of the previous response, as the mode intends.)
 * - `deep_analysis`: family analytical → technical → critical by (k−1) mod 3; the first prompt with intensity
 *   ≥ min(5, 2 + ⌊k/3⌋), else the family's last.
 * - `creative_thinking`: by k mod 3, 1 → creative, 2 → exploratory, 0 → reflective; a random prompt of it.
 * - `fixed`: always analytical[0].
 *
 * Random draws come from the `random` passed in, which the runner keys by (run seed, item id, turn), so a resumed
 * run draws the same prompts. The tag is the seed's `{mode}_step{k}` (e.g. `progressive_step3`).
 */
import { InputError } from '../issues';
import type { Random } from '../random';
import { ALL_FOLLOWUPS, FOLLOWUPS, type FollowupFamily, type FollowupPrompt } from './followups';

export type FollowupModeName = 'progressive' | 'mixed' | 'random' | 'adaptive' | 'deep_analysis' | 'creative_thinking' | 'fixed';

export interface FollowupChoice extends FollowupPrompt {
  /** Index of the prompt in its family. */
  readonly index: number;
  /** `{mode}_step{k}`, the seed's `prompt_type`. */
  readonly promptType: string;
}

export interface FollowupContext {
  /** Needed by the random modes (mixed, random, adaptive, creative_thinking). */
  readonly random?: Random;
  /** Whitespace word count of the previous assistant response (adaptive). */
  readonly lastResponseWords?: number;
}

function pick(family: FollowupFamily, index: number): FollowupPrompt & { index: number } {
  const list = FOLLOWUPS[family];
  const i = Math.min(index, list.length - 1);
  return { ...list[i], index: i };
}

function progressive(step: number): FollowupPrompt & { index: number } {
  if (step <= 3) return pick('encouragement', step - 1);
  if (step <= 6) return pick('analytical', step - 4);
  if (step <= 9) return pick('exploratory', step - 7);
  if (step <= 12) return pick('technical', step - 10);
  if (step <= 15) return pick('critical', step - 13);
  return pick('reflective', FOLLOWUPS.reflective.length - 1);
}

function needRandom(mode: string, ctx: FollowupContext): Random {
  if (!ctx.random) throw new TypeError(`selectFollowup: mode "${mode}" draws at random and needs context.random (a keyedRandom), got none`);
  return ctx.random;
}

function choose<T>(list: readonly T[], random: Random): T {
  return list[random.int(list.length)];
}

function withIndex(prompt: FollowupPrompt): FollowupPrompt & { index: number } {
  return { ...prompt, index: FOLLOWUPS[prompt.family].indexOf(prompt) };
}

export function selectFollowup(mode: FollowupModeName, step: number, ctx: FollowupContext = {}): FollowupChoice {
  if (!Number.isInteger(step) || step < 1) throw new TypeError(`selectFollowup: step must be an integer ≥ 1 (turn 0 is the question), got ${step}`);
  let chosen: FollowupPrompt & { index: number };
  switch (mode) {
    case 'progressive':
      chosen = progressive(step);
      break;
    case 'mixed': {
      const r = needRandom(mode, ctx);
      const pool: FollowupFamily[] = step <= 3 ? ['encouragement', 'analytical'] : step <= 10 ? ['analytical', 'exploratory', 'creative'] : ['technical', 'critical', 'reflective'];
      const family = choose(pool, r);
      chosen = withIndex(choose(FOLLOWUPS[family], r));
      break;
    }
    case 'random': {
      chosen = step <= 2 ? pick('encouragement', 0) : withIndex(choose(ALL_FOLLOWUPS, needRandom(mode, ctx)));
      break;
    }
    case 'adaptive': {
      const words = ctx.lastResponseWords ?? 0;
      if (words < 50) {
        const strong = FOLLOWUPS.analytical.filter((s) => s.intensity >= 3);
        chosen = withIndex(choose(strong, needRandom(mode, ctx)));
      } else if (words > 500) chosen = pick('reflective', 2);
      else chosen = progressive(step);
      break;
    }
    case 'deep_analysis': {
      const family = (['analytical', 'technical', 'critical'] as const)[(step - 1) % 3];
      const target = Math.min(5, 2 + Math.floor(step / 3));
      const list = FOLLOWUPS[family];
      const i = list.findIndex((s) => s.intensity >= target);
      chosen = pick(family, i >= 0 ? i : list.length - 1);
      break;
    }
    case 'creative_thinking': {
      const family: FollowupFamily = step % 3 === 1 ? 'creative' : step % 3 === 2 ? 'exploratory' : 'reflective';
      chosen = withIndex(choose(FOLLOWUPS[family], needRandom(mode, ctx)));
      break;
    }
    case 'fixed':
      chosen = pick('analytical', 0);
      break;
    default:
      throw new InputError(`strategy must be one of progressive, mixed, random, adaptive, deep_analysis, creative_thinking, fixed; got ${JSON.stringify(mode)}`);
  }
  return { ...chosen, promptType: `${mode}_step${step}` };
}
