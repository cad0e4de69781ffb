export {
  createJudge,
  matchJudge,
  llmJudge,
  seCorrectnessLabelJudge,
  nliJudge,
  datasetJudge,
  LABEL_METHODS,
  type Judge,
  type JudgeConfig,
  type JudgeStats,
  type Label,
  type LabelDetail,
  type LabelItem,
  type LabelMethod,
  type MatchJudgeOptions
} from './judge';
export { DEFAULT_NLI_CONFIG, judgeApiOptions, nliModelFor, type JudgeApiConfig, type JudgeDeps, type NliConfig } from './judgeSetup';
export { ChatClient, FAILURE_REASONS, type ChatMessage, type ChatOutcome, type FailureReason, type LlmOptions } from './chatClient';
export {
  DialogueJudge,
  dialogueJudgeMessages,
  DIALOGUE_JUDGE_SYSTEM,
  DIALOGUE_JUDGE_SHOTS,
  DIALOGUE_JUDGE_TIMEOUT_MS,
  type DialogueVerdict,
  type LlmJudgeStats
} from './dialogueJudge';
export { LlmEntailment, entailmentPrompt, parseEntailmentReply, type LlmEntailmentOptions, type LlmEntailmentStats } from './llmEntailment';
export {
  SeCorrectnessJudge,
  correctnessPrompt,
  parseYesNo,
  pythonListRepr,
  pythonStrRepr,
  type CorrectnessVerdict,
  type CorrectnessStats
} from './seCorrectness';
export { loadNliModel, DEFAULT_NLI_MODEL, type NliModel, type NliLoadOptions, type NliDtype, type NliDevice, type NliStats } from './nliModel';
export { nliEntailment, conditionOnQuestion, type NliEntailment } from './nliEntailment';
export { nliLabelCodes } from './nliLabels';
export { applyTransformersSettings, type TransformersSettings, type TransformersEnvLike } from './transformersSettings';
export { buildFixtureNli, fixtureFetch, fixtureVocabulary, fixtureWords, FIXTURE_DEFAULT_WORDS, FIXTURE_NEGATIONS, type FixtureNli, type FixtureNliOptions } from './fixtureNli';
export {
  matchEntailmentJudge,
  nliEntailmentJudge,
  llmEntailmentJudge,
  createEntailmentJudge,
  type EntailmentJudge,
  type EntailmentKind,
  type EntailmentConfig
} from './entailmentJudge';
