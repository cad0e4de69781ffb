/**
 * Loops-to-Oops fallback analysis (Ivgi et al., 2024; method-fallbacks.md): list labelling, bio scoring,
 * token-level degeneration, the within-generation ordering test, prompts and the reference's file formats.
 */
export * from './labels';
export { PY_DIGIT, PY_WORD, PY_WS, maskDigits, pyFloatRepr, pyJsonDumps, pySplit, pyStrip } from './pyText';
export { extractAnswers, type ExtractOptions, type ExtractedAnswers } from './extractAnswers';
export { ASCII_PUNCTUATION, normalizeAnswer } from './normalizeAnswer';
export { answerSimilarity, matchAnswers, wordLcs, type AnswerMatch, type MatchResult } from './matchAnswers';
export { labelListCompletion, promptOfModelInput, type ListCase, type ListCounts, type ListLabel } from './labelListCompletion';
export { averageReps, type AveragedRow, type RepSample } from './averageReps';
export {
  analyzeSequence,
  degenerationThreshold,
  detectLoop,
  type AnalyzeOptions,
  type DegenerateSpan,
  type DegenerationThreshold,
  type Loop,
  type SequenceAnalysis,
  type Token
} from './analyzeSequence';
export { argmaxTokens, diversityCurve, diversityScore, type DiversityCurve } from './diversityCurve';
export { ABBREVIATIONS, detectInitials, fixSentenceSplits, rawSentences, splitSentences } from './splitSentences';
export { CONTINUATION_PREFIXES, MAX_HEADING_LENGTH, detectBioEnding, type BioEnding } from './detectBioEnding';
export { factScorePrompt, isSupportedAnswer, type FactJudge, type FactJudgeRequest, type FactVerdict, type Passage } from './factJudge';
export { bm25Scores, topPassages, type Bm25Options } from './bm25';
export { findRepeatedSentences, scoreBio, type BioFact, type BioScore, type BioSentence, type ScoreBioOptions } from './scoreBio';
export { erfc, normalSf } from './normalTail';
export { mannWhitneyU, type MannWhitneyResult } from './mannWhitneyU';
export {
  answerLabels,
  expectedShuffledScore,
  orderingTest,
  permutedShiftScore,
  shiftScore,
  type OrderingTestOptions,
  type OrderingTestResult
} from './orderingTest';
export { heatmapRowKey, sortOrderRows } from './sortOrderRows';
export {
  BIO_TEMPLATE,
  ICL_INSTRUCTION,
  IDK_INSTRUCTION,
  LIST_SUFFIX,
  buildBioPrompt,
  buildListPrompt,
  type BuiltPrompt,
  type PromptVariant
} from './prompts';
export {
  TASK_PREFIX,
  logprobsJsonlName,
  reportCsvPath,
  resultsCsvName,
  resultsJsonlName,
  temperatureSuffix,
  variantFolder,
  type FallbackTask,
  type RunNaming
} from './outputNames';
export {
  RESULTS_CSV_COLUMNS,
  csvField,
  logprobsJsonLine,
  reportCsvHeader,
  reportCsvRow,
  resultsCsvHeader,
  resultsCsvRow,
  resultsJsonLine,
  type ResultsRow,
  type TopK
} from './resultLines';
export {
  FALLBACKS_DATA_FILES,
  GOLD_MEAN_LINE,
  TRIVIA_FACTS_DROPPED_ROWS,
  parseBioTopics,
  parseListDataset,
  type BioTopic,
  type ListQuestion
} from './datasets';
export { meanCounts, countMeans } from './meanCounts';
export { liveListLabels, LiveListLabeller, type LiveList, type LiveListLabels, type LiveSlot } from './liveList';
export * from './generation/index';
