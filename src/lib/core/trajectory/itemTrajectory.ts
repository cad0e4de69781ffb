/**
 * From an item result to the trajectory the aggregations take.
 *
 * Missing turns: a turn whose `metrics[scoreKey]` is absent, null or not a finite number (a timeout, a turn the
 * probe was not applied to) is SKIPPED, as the seed's `eval_probe.py` does, and counted in `missing`. The scores
 * of the remaining turns are then treated as consecutive, so Δ² across a gap joins turns k−1 and k+1. (The seed
 * also turns non-numeric values into 0.0; we skip them instead, because 0 is a real score.)
 */
import { turnScore, type ItemResult } from '../itemResult';

export interface ItemTrajectory {
  /** Scores of the scored turns, in chain order. */
  readonly scores: number[];
  /** The stored `step` of each scored turn (same length as `scores`). */
  readonly turns: number[];
  /** The stored `step` of every turn skipped for want of a numeric score. */
  readonly missing: number[];
}

export function itemTrajectory(item: Pick<ItemResult, 'reasoning_chain'>, scoreKey: string): ItemTrajectory {
  const scores: number[] = [];
  const turns: number[] = [];
  const missing: number[] = [];
  item.reasoning_chain.forEach((turn, k) => {
    const step = typeof turn.step === 'number' ? turn.step : k;
    const v = turnScore(turn, scoreKey);
    if (v === null) missing.push(step);
    else {
      scores.push(v);
      turns.push(step);
    }
  });
  return { scores, turns, missing };
}
