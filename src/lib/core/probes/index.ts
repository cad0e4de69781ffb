export { TOKEN_POSITIONS, isTokenPosition, type TokenPosition } from './tokenPosition';
export { dot, matmulAB, matmulABt, matmulAtB, matvec, matvecT } from './linalg';
export { fitLogisticRegression, sigmoid, log1pExp, choleskySolve, type LogisticFit, type LogisticOptions, type LogisticSolver } from './logisticRegression';
export { createMlp, mlpZeros, mlpSpecOf, mlpParameters, forwardMlp, backwardMlp, mish, mishGrad, type Mlp, type MlpSpec, type MlpBlock, type Dense, type Norm, type NamedParameter, type Activation, type ForwardCache } from './mlp';
export { Adam, ReduceLROnPlateau, type AdamOptions } from './optim';
export { batchLoss, type LossKind } from './losses';
export { trainMlp, trainValSplit, evaluateLoss, type EpochRecord, type MlpTrainOptions, type MlpTrainResult } from './trainMlp';
export { probeSettings, sepMlpDropout, PROBE_PRESETS, type ProbePresetName, type ProbeSettings, type MlpSettings, type LogisticSettings } from './presets';
export {
  logisticProbe,
  mlpProbe,
  probeFromParameters,
  PROBE_KINDS,
  PROBE_OUTPUT,
  PROBE_FORMAT_VERSION,
  NORMALIZATION_TENSORS,
  type Probe,
  type ProbeHeader,
  type ProbeKind,
  type TrainingSummary,
  type MlpArchitecture,
  type Normalization
} from './probe';
export { trainProbe, columnStats, type ProbeTrainInput } from './trainProbe';
export { pearson, spearman, averageRanks, regressionMetrics, classificationMetrics } from './validationMetrics';
export { yieldToEventLoop, throwIfAborted } from './yieldToEventLoop';
export { crossDomain, POOL, type CrossDomainCell, type CrossDomainOptions, type CrossDomainResult, type Domain, type Interval, type Metric, type Scored } from './crossDomain';
