/**
 * Every trajectory aggregation by name, so the evaluation and the page can loop over SpikeScore and its baselines
 * with one code path. The order is the order reports list them: SpikeScore first, then the seed's variant, then
 * the baselines.
 */
import {
  firstTurn,
  lastMinusFirst,
  maxAbsD1,
  totalVariation,
  trajectoryMean,
  trajectoryRange,
  trajectorySlope,
  trajectoryVariance
} from './baselines';
import { spikeScore } from './spikeScore';
import { varPlusSumAbsD2 } from './varPlusSumAbsD2';

export type AggregationName =
  | 'spikescore'
  | 'varPlusSumAbsD2'
  | 'mean'
  | 'variance'
  | 'range'
  | 'maxAbsD1'
  | 'totalVariation'
  | 'lastMinusFirst'
  | 'slope'
  | 'firstTurn';

export interface Aggregation {
  /** Scores of the scored turns in order → one number, or null when the trajectory is too short. */
  readonly fn: (scores: ArrayLike<number>) => number | null;
  /** One line for tables and tooltips. */
  readonly description: string;
  /** Whether a higher value means more likely hallucinated (fixed a priori, never flipped after seeing data). */
  readonly higherIsMoreHallucinated: boolean;
  /** The fewest scored turns for which `fn` returns a number. */
  readonly minTurns: number;
}

export const AGGREGATIONS: Readonly<Record<AggregationName, Aggregation>> = Object.freeze({
  spikescore: {
    fn: (s: ArrayLike<number>) => spikeScore(s)?.value ?? null,
    description: 'SpikeScore: max |S(k+1) − 2S(k) + S(k−1)| (the paper)',
    higherIsMoreHallucinated: true,
    minTurns: 3
  },
  varPlusSumAbsD2: {
    fn: varPlusSumAbsD2,
    description: 'Var(S) + Σ|Δ²S| (what the released eval_probe.py computes)',
    higherIsMoreHallucinated: true,
    minTurns: 1
  },
  mean: { fn: trajectoryMean, description: 'mean of the per-turn scores', higherIsMoreHallucinated: true, minTurns: 1 },
  variance: { fn: trajectoryVariance, description: 'population variance of the per-turn scores', higherIsMoreHallucinated: true, minTurns: 1 },
  range: { fn: trajectoryRange, description: 'max − min of the per-turn scores', higherIsMoreHallucinated: true, minTurns: 1 },
  maxAbsD1: { fn: maxAbsD1, description: 'largest jump max |S(k+1) − S(k)|', higherIsMoreHallucinated: true, minTurns: 2 },
  totalVariation: { fn: totalVariation, description: 'total variation Σ|S(k+1) − S(k)|', higherIsMoreHallucinated: true, minTurns: 2 },
  lastMinusFirst: { fn: lastMinusFirst, description: 'last − first score (signed: rising is suspicious)', higherIsMoreHallucinated: true, minTurns: 2 },
  slope: { fn: trajectorySlope, description: 'least-squares slope on the turn index (signed: rising is suspicious)', higherIsMoreHallucinated: true, minTurns: 2 },
  firstTurn: { fn: firstTurn, description: 'score of the first answer alone (single-turn probe)', higherIsMoreHallucinated: true, minTurns: 1 }
});

export const AGGREGATION_NAMES = Object.keys(AGGREGATIONS) as AggregationName[];
