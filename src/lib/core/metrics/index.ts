export { auroc, aurocRanked } from './auroc';
export { averagePrecision, averagePrecisionRanked } from './averagePrecision';
export { prr, prrRanked, rejectionCurve } from './prr';
export { fprAtTpr, fprAtTprRanked } from './fprAtTpr';
export { rocCurve, type RocCurve } from './rocCurve';
export { youdenThreshold, type YoudenThreshold } from './youdenThreshold';
export { binaryMetrics, type BinaryMetrics } from './binaryMetrics';
export {
  bootstrapCi,
  pairedDifferenceCi,
  stratifiedResample,
  splitByClass,
  RANKED_METRICS,
  type BootstrapMetric,
  type BootstrapOptions,
  type BootstrapResult,
  type Interval
} from './bootstrapCi';
export { rankScores, classTotals, type RankedScores, type Weights } from './rankScores';
export { quantileSorted } from './quantileSorted';
export { checkBinary, checkLabels, checkScoreArray, undefinedReason, type CheckedBinary } from './checkBinary';
export { evaluateAggregations, EVALUATION_METRICS, type Evaluation, type EvaluationOptions, type LabelledTrajectory } from './evaluateAggregations';
