/**
 * Loops-to-Oops generation on the engine: one completion with the reference's prompt tokenization and top-5
 * records, and the resumable loop over a run's samples.
 */
export { fallbackPromptIds, generateFallbackCompletion, type FallbackCompletion, type FallbackCompletionOptions } from './generateCompletion';
export { runFallbackSamples, type RunSamplesOptions, type SampleProgress, type SampleStore } from './runSamples';
