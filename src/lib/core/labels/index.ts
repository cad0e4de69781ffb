export { normalizeAnswer, answerTokens } from './normalizeAnswer';
export { exactMatch } from './exactMatch';
export { tokenF1 } from './tokenF1';
export {
  matchLabel,
  containsTokens,
  DEFAULT_F1_THRESHOLD,
  type MatchLabel,
  type MatchLabelOptions,
  type MatchMethod,
  type MatchMode
} from './matchLabel';
export { matchEntailment } from './matchEntailment';
