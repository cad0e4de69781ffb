/**
 * What the label judges (`createJudge`) and the entailment judges (`createEntailmentJudge`) share in their setup:
 * a config's `judge` block (an OpenAI-compatible chat API) and `nli` block (a local NLI model), snake_case as in
 * `config.json`; what a caller may inject (`JudgeDeps`); and how each block becomes a client.
 */
import { InputError } from '../../core/issues';
import { resolveApiKey, type LlmOptions } from './chatClient';
import { DEFAULT_NLI_DTYPE, DEFAULT_NLI_MODEL } from './nliDefaults';
// Types only: transformers.js is loaded (dynamically) when an NLI model is first loaded.
import type { NliDevice, NliDtype, NliModel } from './nliModel';

/** The `judge` block: the chat API that judges, and the environment variable holding its key. */
export interface JudgeApiConfig {
  readonly base_url?: string;
  readonly model?: string;
  readonly api_key_env?: string;
  readonly timeout_ms?: number;
}

/** The `nli` block: which NLI model, and where and how it runs. */
export interface NliConfig {
  readonly model?: string;
  readonly revision?: string;
  readonly dtype?: NliDtype;
  readonly device?: NliDevice;
  readonly batch_size?: number;
  readonly local_model_path?: string;
  readonly remote_host?: string;
}

export interface JudgeDeps {
  /** The API key for `judge` (typed in the page). Wins over `env`. */
  readonly apiKey?: string | null;
  /** Where `judge.api_key_env` is looked up (the CLI passes `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** An NLI model already loaded (the page's worker keeps one); otherwise `nli` loads one from `config.nli`. */
  readonly nliModel?: NliModel;
  readonly fetch?: typeof fetch;
}

/** The NLI model a config asks for by default: the quantised ONNX export of cross-encoder/nli-deberta-v3-xsmall. */
export const DEFAULT_NLI_CONFIG = { model: DEFAULT_NLI_MODEL, dtype: DEFAULT_NLI_DTYPE as NliDtype };

/**
 * The chat-API options of the `judge` block, with its key resolved (`resolveApiKey`: `deps.apiKey`, else the
 * variable `api_key_env` names), and the provenance to record (the variable's name, never the key). No block throws
 * an `InputError` at `judge` that starts with `need`, what asked for one (e.g. `label_method "judge"`).
 */
export function judgeApiOptions(judge: JudgeApiConfig | undefined, need: string, deps: JudgeDeps): { readonly llm: LlmOptions; readonly provenance: { readonly apiKeyEnv: string | null } } {
  if (!judge) throw new InputError([{ code: 'missing_field', path: ['judge'], message: `${need} needs judge: {base_url, model, api_key_env}` }]);
  const apiKey = resolveApiKey(judge.api_key_env, deps);
  return {
    llm: { baseURL: judge.base_url as string, model: judge.model as string, apiKey, timeoutMs: judge.timeout_ms, fetch: deps.fetch },
    provenance: { apiKeyEnv: judge.api_key_env ?? null }
  };
}

/** `deps.nliModel` when given; else the model the `nli` block names (by default `DEFAULT_NLI_CONFIG`), loaded. */
export async function nliModelFor(nli: NliConfig | undefined, deps: JudgeDeps): Promise<NliModel> {
  if (deps.nliModel) return deps.nliModel;
  const { loadNliModel } = await import('./nliModel');
  return loadNliModel({
    model: nli?.model ?? DEFAULT_NLI_CONFIG.model,
    dtype: nli?.dtype ?? DEFAULT_NLI_CONFIG.dtype,
    revision: nli?.revision,
    device: nli?.device,
    batchSize: nli?.batch_size,
    localModelPath: nli?.local_model_path,
    remoteHost: nli?.remote_host
  });
}
