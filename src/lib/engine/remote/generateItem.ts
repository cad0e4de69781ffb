/**
 * The built-in per-item function of the `generate` mode: one assistant turn per item, from its `messages` (or
 * its `question` as one user message), with the run's sampling settings. The dialogue runner's function (all
 * turns of an item, `src/lib/core/runner/`) plugs into the same seam, `ItemFn<RunItem, R>`, as mode `dialogue`.
 *
 * Seeds: the request key is `[seed, item id, 0, 0]` (run seed, item, turn 0, sample 0), as `design.md` keys draws.
 *
 * Result: the rendered prompt, the response, per-token ids, logprobs and top-k, `nll_mean` = −mean(logprob)
 * over the generated tokens (null for an empty answer), `entropy_mean` null when the engine cannot supply entropy
 * (its reason in `unavailable`), and the last layer's hidden states at the positions asked for.
 */
import { InputError, typeName, type Issue } from '../../core/issues';
import { POSITION_NAMES, type ChatMessage, type GenerationResult, type LanguageModel, type PositionName } from '../types';
import type { ItemFn } from './pool';
import type { RunItem } from './protocol';

export interface GenerateConfig {
  readonly seed: number | string;
  readonly temperature: number;
  readonly top_p: number;
  readonly max_new_tokens: number;
  readonly top_logprobs: number;
  readonly capture_positions: readonly PositionName[];
  readonly enable_thinking?: boolean;
  readonly system_prompt?: string;
}

export interface GenerateItemResult {
  readonly id: string;
  readonly full_input: string;
  readonly response: string;
  readonly stop_reason: GenerationResult['stopReason'];
  readonly token_ids: readonly number[];
  readonly logprobs: Float32Array;
  readonly top_ids: readonly Int32Array[];
  readonly top_logprobs: readonly Float32Array[];
  readonly nll_mean: number | null;
  readonly entropy_mean: number | null;
  readonly hidden: Partial<Record<PositionName, Float32Array>>;
  readonly layers: readonly number[];
  readonly unavailable: Readonly<Record<string, string>>;
}

const FIELDS = ['seed', 'temperature', 'top_p', 'max_new_tokens', 'top_logprobs', 'capture_positions', 'enable_thinking', 'system_prompt'];

/** Checks a `generate` config: every issue, each naming the field, the value and what is allowed. */
export function checkGenerateConfig(config: Readonly<Record<string, unknown>>): Issue[] {
  const issues: Issue[] = [];
  const bad = (field: string, message: string) => issues.push({ code: 'invalid_value', path: ['config', field], message });
  for (const k of Object.keys(config)) if (!FIELDS.includes(k)) issues.push({ code: 'unknown_field', path: ['config', k], message: `config.${k} is not a setting of mode "generate" (allowed: ${FIELDS.join(', ')})` });
  const c = config;
  if (typeof c.seed !== 'number' && typeof c.seed !== 'string') bad('seed', `config.seed must be a number or a string, got ${typeName(c.seed)}`);
  if (typeof c.temperature !== 'number' || !(c.temperature >= 0 && c.temperature <= 10)) bad('temperature', `config.temperature must be a number in [0, 10], got ${JSON.stringify(c.temperature)}`);
  if (c.top_p !== undefined && (typeof c.top_p !== 'number' || !(c.top_p > 0 && c.top_p <= 1))) bad('top_p', `config.top_p must be in (0, 1], got ${JSON.stringify(c.top_p)}`);
  if (!Number.isInteger(c.max_new_tokens) || (c.max_new_tokens as number) < 1 || (c.max_new_tokens as number) > 32768) bad('max_new_tokens', `config.max_new_tokens must be an integer in [1, 32768], got ${JSON.stringify(c.max_new_tokens)}`);
  if (c.top_logprobs !== undefined && (!Number.isInteger(c.top_logprobs) || (c.top_logprobs as number) < 0 || (c.top_logprobs as number) > 20)) bad('top_logprobs', `config.top_logprobs must be an integer in [0, 20], got ${JSON.stringify(c.top_logprobs)}`);
  if (c.capture_positions !== undefined && (!Array.isArray(c.capture_positions) || c.capture_positions.some((p) => !POSITION_NAMES.includes(p as PositionName)))) {
    bad('capture_positions', `config.capture_positions must be a list of ${POSITION_NAMES.join(', ')}, got ${JSON.stringify(c.capture_positions)}`);
  }
  if (c.enable_thinking !== undefined && typeof c.enable_thinking !== 'boolean') bad('enable_thinking', `config.enable_thinking must be true or false, got ${typeName(c.enable_thinking)}`);
  if (c.system_prompt !== undefined && typeof c.system_prompt !== 'string') bad('system_prompt', `config.system_prompt must be a string, got ${typeName(c.system_prompt)}`);
  return issues;
}

/** Checks one item of a `generate` run: `messages` (roles system/user/assistant, string contents) or `question`. */
export function checkGenerateItem(item: RunItem, index: number): Issue[] {
  const at = ['items', index];
  const m = item.messages;
  if (m === undefined) {
    if (typeof item.question !== 'string' || item.question === '') return [{ code: 'missing_field', path: [...at, 'question'], message: `items[${index}] needs messages (a chat) or question (a string)` }];
    return [];
  }
  if (!Array.isArray(m) || m.length === 0) return [{ code: 'invalid_type', path: [...at, 'messages'], message: `items[${index}].messages must be a non-empty list, got ${typeName(m)}` }];
  const issues: Issue[] = [];
  m.forEach((msg, j) => {
    const r = msg as { role?: unknown; content?: unknown };
    if (!msg || typeof msg !== 'object' || !['system', 'user', 'assistant'].includes(r.role as string) || typeof r.content !== 'string') {
      issues.push({ code: 'invalid_value', path: [...at, 'messages', j], message: `items[${index}].messages[${j}] must be {role: system|user|assistant, content: string}` });
    }
  });
  return issues;
}

function messagesOf(item: RunItem, config: GenerateConfig): ChatMessage[] {
  const base: ChatMessage[] = Array.isArray(item.messages) ? (item.messages as ChatMessage[]) : [{ role: 'user', content: String(item.question) }];
  return config.system_prompt && base[0]?.role !== 'system' ? [{ role: 'system', content: config.system_prompt }, ...base] : base;
}

export function generateItem(config: GenerateConfig): ItemFn<RunItem, GenerateItemResult> {
  return async (item: RunItem, model: LanguageModel, signal: AbortSignal): Promise<GenerateItemResult> => {
    const messages = messagesOf(item, config);
    const options = {
      maxNewTokens: config.max_new_tokens,
      temperature: config.temperature,
      topP: config.top_p,
      topK: config.top_logprobs,
      seed: [config.seed, item.id, 0, 0],
      signal,
      ...(config.capture_positions.length ? { capture: { positions: config.capture_positions, layers: model.info.capturableLayers.slice(-1) } } : {})
    };
    const template = config.enable_thinking === undefined ? {} : { enableThinking: config.enable_thinking };
    let r: GenerationResult & { fullInput: string };
    if (model.generateChat) {
      r = await model.generateChat(messages, template, options);
    } else {
      const fullInput = model.tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true, ...template });
      r = { ...(await model.generate(model.tokenizer.encode(fullInput, { addSpecialTokens: !model.info.hasChatTemplate }), options)), fullInput };
    }
    const n = r.logprobs.length;
    let nll = 0;
    for (let i = 0; i < n; i++) nll -= r.logprobs[i];
    let ent = 0;
    for (let i = 0; i < n; i++) ent += r.entropies[i];
    return {
      id: item.id,
      full_input: r.fullInput,
      response: r.text,
      stop_reason: r.stopReason,
      token_ids: [...r.tokenIds],
      logprobs: r.logprobs,
      top_ids: r.topIds,
      top_logprobs: r.topLogprobs,
      nll_mean: n ? nll / n : null,
      entropy_mean: n && Number.isFinite(ent) ? ent / n : null,
      hidden: r.hidden,
      layers: r.layers,
      unavailable: { ...(model.info.unavailable ?? {}) }
    };
  };
}

/** Fills a checked `generate` config's defaults. */
export function generateConfig(config: Readonly<Record<string, unknown>>): GenerateConfig {
  const issues = checkGenerateConfig(config);
  if (issues.length) throw new InputError(issues);
  return {
    seed: config.seed as number | string,
    temperature: config.temperature as number,
    top_p: (config.top_p as number | undefined) ?? 1,
    max_new_tokens: config.max_new_tokens as number,
    top_logprobs: (config.top_logprobs as number | undefined) ?? 5,
    capture_positions: (config.capture_positions as PositionName[] | undefined) ?? [],
    ...(config.enable_thinking === undefined ? {} : { enable_thinking: config.enable_thinking as boolean }),
    ...(config.system_prompt === undefined ? {} : { system_prompt: config.system_prompt as string })
  };
}
