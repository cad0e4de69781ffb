export { secondDifferences } from './secondDifferences';
export { firstDifferences } from './firstDifferences';
export { spikeScore, type Spike } from './spikeScore';
export { varPlusSumAbsD2 } from './varPlusSumAbsD2';
export {
  trajectoryMean,
  trajectoryVariance,
  trajectoryRange,
  maxAbsD1,
  totalVariation,
  lastMinusFirst,
  trajectorySlope,
  firstTurn
} from './baselines';
export { AGGREGATIONS, AGGREGATION_NAMES, type Aggregation, type AggregationName } from './aggregations';
export { itemTrajectory, type ItemTrajectory } from './itemTrajectory';
