/**
 * Generation runs of the Loops-to-Oops tasks, the pure parts: the plan (prompts, order, keys, file names), the
 * stored sample, and the assembly of the reference's files, labels and summary from finished samples.
 */
export {
  RUN_TASKS,
  planFallbacksRun,
  type ItemTask,
  type PlannedSample,
  type ResolvedRunConfig,
  type ResultPart,
  type RunConfig,
  type RunData,
  type RunFiles,
  type RunPlan,
  type RunTask
} from './planRun';
export { SAMPLE_FORMAT_VERSION, parseSampleRecord, type SampleRecord } from './sampleRecord';
export {
  assembleFallbacksRun,
  type AssembleInput,
  type AssembledRun,
  type DiversitySummary,
  type PartSummary,
  type RunSummaryCore,
  type SampleLabel
} from './assembleRun';
