/**
 * Messages between the page and the inference worker, declared once. The page never runs a model: it talks to
 * this worker through comlink. Every long request carries an id so it can be cancelled and so a stale answer never
 * overwrites a newer one.
 */
import type { GpuFacts } from '../src/lib/engine/backend';
import type { VerifyReport } from '../src/lib/engine/verify';
import type { DialogueApi } from './protocols/dialogue';
import type { FallbacksApi } from './protocols/fallbacks';
import type { ExperimentApi } from './protocols/experiment';
import type { GenerateOptions, GenerationResult, LoadProgress, ModelDtype, ModelInfo, TokenEvent } from '../src/lib/engine/types';

export interface Capabilities {
  readonly crossOriginIsolated: boolean;
  readonly gpu: GpuFacts | null;
  readonly hardwareConcurrency: number;
  readonly ortVersion: string | null;
}

export type LoadRequest =
  | {
      readonly kind: 'hub';
      /** Hub id, e.g. `HuggingFaceTB/SmolLM2-135M-Instruct`, or a model folder name under the template. */
      readonly model: string;
      /** URL template with `{model}` (design: "a base URL laid out like the hub"). */
      readonly template: string;
      readonly dtype: ModelDtype | 'auto';
      readonly backend: 'auto' | 'webgpu' | 'wasm';
      /** Use Cache Storage (default true); false for the app's own built-in models. */
      readonly cache?: boolean;
      /** WASM threads (default: as many as useful); 1 makes results identical to the CLI's. Fixed per worker. */
      readonly threads?: number;
    }
  | { readonly kind: 'files'; readonly files: readonly File[]; readonly label: string; readonly dtype: ModelDtype | 'auto'; readonly backend: 'auto' | 'webgpu' | 'wasm'; readonly threads?: number };

/** The engine self-check on this device: the KV-cache loop against a full forward pass, and what it captured. */
export interface DiagnosticsReport extends VerifyReport {
  readonly modelId: string;
  readonly backendReason: string;
  readonly threads: number;
  readonly prompt: string;
  /** The L2 norm of the captured residual stream at the last token fed, per hidden-state index. */
  readonly hiddenNorms: readonly number[];
  readonly text: string;
}

/** Generation options that cross the worker boundary (no functions, no AbortSignal: cancel by request id). */
export type WireGenerateOptions = Omit<GenerateOptions, 'signal' | 'onToken'> & { readonly requestId: string };

export interface EngineApi {
  capabilities(): Promise<Capabilities>;
  load(request: LoadRequest, onProgress?: (p: LoadProgress) => void): Promise<ModelInfo>;
  unload(): Promise<void>;
  info(): Promise<ModelInfo | null>;
  encode(text: string, addSpecialTokens?: boolean): Promise<number[]>;
  applyChatTemplate(messages: { role: 'system' | 'user' | 'assistant'; content: string }[], enableThinking?: boolean): Promise<string>;
  generate(promptIds: number[], options: WireGenerateOptions, onToken?: (e: TokenEvent) => void): Promise<GenerationResult>;
  cancel(requestId: string): void;
  /** Reloads the current model with full-sequence capture and checks it (see DiagnosticsReport). */
  diagnose(): Promise<DiagnosticsReport>;
  /** Whether an ORT session exists in this context (tests check the page thread has none). */
  hasSession(): Promise<boolean>;
}

/** Everything the inference worker offers: each feature's API is declared in `protocols/` and composed here. */
export type InferenceApi = EngineApi & DialogueApi & FallbacksApi & ExperimentApi;
