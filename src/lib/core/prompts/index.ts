export { FOLLOWUPS, FOLLOWUP_FAMILIES, ALL_FOLLOWUPS, type FollowupFamily, type FollowupPrompt } from './followups';
export { selectFollowup, type FollowupChoice, type FollowupContext, type FollowupModeName } from './selectFollowup';
export { userMessage, initialMessages, dialogueMessages, CONTEXT_FIELDS, QUESTION_FIELDS, type ChatMessage, type PastTurn } from './messages';
export { probePrompt, BRIEF_PROMPTS, PROBE_STOP_STRINGS } from './probePrompt';
