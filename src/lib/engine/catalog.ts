/**
 * The models users pick in the page: real ONNX exports on the Hugging Face hub (sizes as listed there, rounded;
 * the exact size shows while downloading), plus the app's built-in offline model. Chat models serve SpikeScore;
 * base models serve the Loops-to-Oops list and bio tasks, which use raw completion prompts.
 */
import type { ModelDtype } from './types';

export interface CatalogEntry {
  readonly id: string;
  readonly label: string;
  readonly kind: 'chat' | 'base';
  /** Approximate download size per available dtype, in MB. */
  readonly sizesMb: Partial<Record<ModelDtype, number>>;
  readonly note: string;
  /** Served by this app from `static/models/` (offline), not downloaded from the hub. */
  readonly builtin?: boolean;
  /** Random weights: it shows the pipeline, not the method (the pages warn). */
  readonly randomWeights?: boolean;
}

export const BUILTIN_TEMPLATE = '/models/{model}/';

export const CATALOG: readonly CatalogEntry[] = [
  {
    id: 'HuggingFaceTB/SmolLM2-135M-Instruct',
    label: 'SmolLM2 135M Instruct',
    kind: 'chat',
    sizesMb: { fp16: 327, q4f16: 134, q4: 200, fp32: 654 },
    note: 'The smallest real chat model; 30 layers, hidden 576.'
  },
  {
    id: 'HuggingFaceTB/SmolLM2-360M-Instruct',
    label: 'SmolLM2 360M Instruct',
    kind: 'chat',
    sizesMb: { fp16: 725, q4f16: 270, q4: 370 },
    note: '32 layers, hidden 960.'
  },
  {
    id: 'onnx-community/Qwen2.5-0.5B-Instruct',
    label: 'Qwen2.5 0.5B Instruct',
    kind: 'chat',
    sizesMb: { fp16: 990, q4f16: 480, q4: 790 },
    note: '24 layers, hidden 896; knows more facts than SmolLM2.'
  },
  {
    id: 'onnx-community/Llama-3.2-1B-Instruct',
    label: 'Llama 3.2 1B Instruct',
    kind: 'chat',
    sizesMb: { fp16: 2470, q4f16: 1010, q4: 1640 },
    note: 'fp16 is large for a browser: q4f16 (WebGPU with shader-f16) or q4 where it does not fit.'
  },
  {
    id: 'Xenova/pythia-70m-deduped',
    label: 'Pythia 70M (base)',
    kind: 'base',
    sizesMb: { fp32: 280, fp16: 140 },
    note: 'Base model for the Loops-to-Oops tasks (raw prompts, no chat template).'
  },
  {
    id: 'Xenova/pythia-160m',
    label: 'Pythia 160M (base)',
    kind: 'base',
    sizesMb: { fp32: 650, fp16: 325 },
    note: 'Base model for the Loops-to-Oops tasks.'
  },
  {
    id: 'Xenova/pythia-410m',
    label: 'Pythia 410M (base)',
    kind: 'base',
    sizesMb: { fp32: 1620, fp16: 810 },
    note: 'Base model for the Loops-to-Oops tasks.'
  }
];
