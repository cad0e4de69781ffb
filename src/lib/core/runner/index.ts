export { runDialogue, runItem, newItemResult, checkCapture, TIMED_OUT_RESPONSE, type DialogueRunOptions, type ItemContext } from './runDialogue';
export { runDialoguePool, type DialoguePoolOptions } from './runDialoguePool';
export { modelProvenance } from './modelProvenance';
export {
  runProbeData,
  PROBE_DATA_FORMAT_VERSION,
  type ProbeDataRecord,
  type ProbeDataSample,
  type ProbeDataHidden,
  type ProbeDataSink,
  type ProbeDataRunOptions,
  type ProbeDataSummary,
  type SemanticEntropyFunction
} from './runProbeData';
export { nllMean, entropyMean, meanOrNull, wordCount } from './turnMetrics';
export {
  abortError,
  type RunnerModel,
  type ItemPool,
  type RunnerModelInfo,
  type RunnerCodec,
  type RunnerGenerateOptions,
  type RunnerGeneration,
  type RunnerTokenEvent,
  type Labeller,
  type LabelOutcome,
  type TurnHidden,
  type ItemError,
  type ProgressRecord,
  type ProgressEvent,
  type RunSink,
  type RunSummary,
  type RsFunction
} from './types';
