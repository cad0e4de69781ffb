/**
 * What a config's `model_path` names. The paper's configs name a local PyTorch folder (`./models/xxx`) or a hub
 * model; the app runs ONNX exports, so a hub id is mapped to its known ONNX export, a local folder is taken as is
 * (it must hold an ONNX export laid out like a hub repository: config.json, tokenizer.json, onnx/*.onnx), and no
 * `model_path` at all means the app's built-in testbed model.
 *
 * Resolution is by syntax, since core code has no file system: the caller says whether the path exists on disk
 * (`localExists`); `./x`, `../x`, `/x`, `~/x` and Windows drive paths are always local.
 */
import type { Issue } from '../issues';

export type ModelRef =
  | { readonly kind: 'local'; readonly path: string; readonly id: string }
  | { readonly kind: 'hub'; readonly id: string; readonly requested: string }
  | { readonly kind: 'builtin'; readonly id: string };

/** The built-in offline model (the knowledge testbed), used when a config names no model. */
export const BUILTIN_MODEL_ID = 'builtin:testbed';

/**
 * PyTorch hub ids → ONNX exports known to load in this app. An id that is itself an ONNX export maps to itself.
 * Kept small on purpose: only exports whose files and layout the engine was checked against.
 */
export const ONNX_EXPORTS: Readonly<Record<string, string>> = {
  'HuggingFaceTB/SmolLM2-135M-Instruct': 'HuggingFaceTB/SmolLM2-135M-Instruct',
  'HuggingFaceTB/SmolLM2-360M-Instruct': 'HuggingFaceTB/SmolLM2-360M-Instruct',
  'Qwen/Qwen2.5-0.5B-Instruct': 'onnx-community/Qwen2.5-0.5B-Instruct',
  'meta-llama/Llama-3.2-1B-Instruct': 'onnx-community/Llama-3.2-1B-Instruct',
  'EleutherAI/pythia-70m-deduped': 'Xenova/pythia-70m-deduped',
  'EleutherAI/pythia-160m': 'Xenova/pythia-160m',
  'EleutherAI/pythia-410m': 'Xenova/pythia-410m'
};

/** Hub owners whose repositories are ONNX exports already (accepted as is). */
const ONNX_OWNERS = ['onnx-community', 'Xenova'];

function isPathLike(p: string): boolean {
  return /^(\.{1,2}[\\/]|[\\/]|~[\\/]|[A-Za-z]:[\\/])/.test(p) || p === '.' || p === '..';
}

function folderName(p: string): string {
  return p.replace(/[\\/]+$/, '').split(/[\\/]/).pop() || p;
}

/**
 * Resolves `model_path`. `localExists(path)` tells whether the path is a folder on disk (the CLI checks; the page
 * passes nothing). Returns the reference, or an issue naming the field, the value and what is known.
 */
export function resolveModelRef(
  modelPath: string | undefined | null,
  options: { readonly localExists?: (path: string) => boolean; readonly where?: string } = {}
): { ref: ModelRef } | { issue: Issue } {
  const where = options.where ?? 'config';
  if (modelPath === undefined || modelPath === null || modelPath === '') return { ref: { kind: 'builtin', id: BUILTIN_MODEL_ID } };
  const p = modelPath.trim();
  if (isPathLike(p) || options.localExists?.(p)) return { ref: { kind: 'local', path: p, id: folderName(p) } };
  const exact = ONNX_EXPORTS[p];
  if (exact) return { ref: { kind: 'hub', id: exact, requested: p } };
  const caseInsensitive = Object.keys(ONNX_EXPORTS).find((k) => k.toLowerCase() === p.toLowerCase());
  if (caseInsensitive) return { ref: { kind: 'hub', id: ONNX_EXPORTS[caseInsensitive], requested: p } };
  if (Object.values(ONNX_EXPORTS).includes(p) || ONNX_OWNERS.some((o) => p.startsWith(`${o}/`))) return { ref: { kind: 'hub', id: p, requested: p } };
  const known = Object.keys(ONNX_EXPORTS).join(', ');
  return {
    issue: {
      code: 'unsupported',
      path: ['model_path'],
      where,
      message: `${where}: model_path ${JSON.stringify(modelPath)} is neither a folder on disk nor a hub model with a known ONNX export; known: ${known} (or any onnx-community/* or Xenova/* repository, or a local folder holding an ONNX export)`
    }
  };
}
