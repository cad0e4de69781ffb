/**
 * Where the residual stream is in each exporter's graph: a data-driven rule table. For every supported layout we
 * know the scope of a decoder layer's nodes and how its output is computed; from the graph's own node names we
 * derive, for every hidden-state index, the tensor that holds it:
 *
 *   index 0      the embedding output (input of the first decoder layer)
 *   index i ≥ 1  the residual stream after decoder layer i − 1 (before the final norm for the last), as Hugging
 *                Face's `hidden_states[i]` except the last, which HF takes after the final norm
 *
 * Two kinds of rule:
 * - `last-add` (torch/optimum exports): a layer's output is the last `Add` node directly in its scope
 *   (`/model/layers.{i}/Add_1` for Llama/Qwen2/SmolLM, `/transformer/h.{i}/Add_1` for GPT-2, the parallel-residual
 *   sum for GPT-NeoX). Sub-blocks (norms, rotary, attention) also contain `Add` nodes, but deeper in the path, so
 *   anchoring on the full scope keeps them out.
 * - `fused-skip-norm` (onnxruntime-genai builder and ORT-optimised exports): a `SkipSimplifiedLayerNormalization` /
 *   `SkipLayerNormalization` whose output 3 is `input + skip`, i.e. the residual stream. The one opening layer i
 *   (or the final norm) carries the output of layer i − 1. When that optional output is empty, the patch appends an
 *   `Add(input, skip)`: cheap, and still append-only.
 */
import { InputError } from '../../core/issues';
import type { OnnxGraphInfo, OnnxNode } from './scan';

export type HiddenSource =
  | { readonly index: number; readonly kind: 'tensor'; readonly tensor: string }
  | { readonly index: number; readonly kind: 'add'; readonly a: string; readonly b: string };

export interface CapturePlan {
  readonly layout: string;
  readonly numLayers: number;
  /** One source per hidden-state index 0..numLayers. */
  readonly sources: readonly HiddenSource[];
  /** The tensor type (ONNX elem type) of the residual stream. */
  readonly elemType: number;
}

interface ScopeRule {
  readonly kind: 'last-add';
  readonly name: string;
  readonly exporter: string;
  /** Matches a node directly in layer i's scope; group 1 is i, group 2 the node's own name. */
  readonly layerNode: RegExp;
  readonly embedding: readonly RegExp[];
}

interface FusedRule {
  readonly kind: 'fused-skip-norm';
  readonly name: string;
  readonly exporter: string;
  /** The fused norm that opens layer i (group 1 = i). */
  readonly opening: RegExp;
  /** The fused final norm after the last layer. */
  readonly final: RegExp;
  readonly embedding: readonly RegExp[];
}

export type LayoutRule = ScopeRule | FusedRule;

const FUSED_OPS = new Set(['SkipSimplifiedLayerNormalization', 'SkipLayerNormalization']);

export const LAYOUT_RULES: readonly LayoutRule[] = [
  {
    kind: 'fused-skip-norm',
    name: 'genai',
    exporter: 'onnxruntime-genai builder (fused SkipSimplifiedLayerNormalization, output 3 = residual)',
    opening: /^\/model\/layers\.(\d+)\/input_layernorm\//,
    final: /^\/model\/layers\.\d+\/final_norm_layernorm\//,
    embedding: [/^\/model\/embed_tokens\/Gather$/]
  },
  {
    kind: 'last-add',
    name: 'llama',
    exporter: 'optimum (Llama, Qwen2, SmolLM, Mistral, Phi-3, Gemma): /model/layers.{i}/Add_1',
    layerNode: /^\/model\/layers\.(\d+)\/([^/]+)$/,
    embedding: [/^\/model\/embed_tokens\/Gather$/]
  },
  {
    kind: 'last-add',
    name: 'gpt2',
    exporter: 'optimum (GPT-2): /transformer/h.{i}/Add_1',
    layerNode: /^\/transformer\/h\.(\d+)\/([^/]+)$/,
    embedding: [/^\/transformer\/Add$/, /^\/transformer\/wte\/Gather$/]
  },
  {
    kind: 'last-add',
    name: 'neox',
    exporter: 'optimum (GPT-NeoX, Pythia): the last Add under /gpt_neox/layers.{i}/',
    layerNode: /^\/gpt_neox\/layers\.(\d+)\/([^/]+)$/,
    embedding: [/^\/gpt_neox\/embed_in\/Gather$/]
  }
];

function addOrder(name: string): number {
  const m = /^Add(?:_(\d+))?$/.exec(name);
  return m ? (m[1] ? Number(m[1]) : 0) : -1;
}

function findEmbedding(graph: OnnxGraphInfo, patterns: readonly RegExp[]): OnnxNode | undefined {
  for (const p of patterns) {
    const node = graph.nodes.find((n) => p.test(n.name));
    if (node) return node;
  }
  return undefined;
}

function tryScopeRule(graph: OnnxGraphInfo, rule: ScopeRule): Omit<CapturePlan, 'elemType'> | null {
  const lastAdd = new Map<number, { order: number; node: OnnxNode }>();
  for (const node of graph.nodes) {
    const m = rule.layerNode.exec(node.name);
    if (!m || node.opType !== 'Add') continue;
    const order = addOrder(m[2]);
    if (order < 0) continue;
    const i = Number(m[1]);
    const cur = lastAdd.get(i);
    if (!cur || order > cur.order) lastAdd.set(i, { order, node });
  }
  if (lastAdd.size === 0) return null;
  const numLayers = Math.max(...lastAdd.keys()) + 1;
  const emb = findEmbedding(graph, rule.embedding);
  if (!emb) return null;
  const sources: HiddenSource[] = [{ index: 0, kind: 'tensor', tensor: emb.outputs[0] }];
  for (let i = 0; i < numLayers; i++) {
    const found = lastAdd.get(i);
    if (!found) return null;
    sources.push({ index: i + 1, kind: 'tensor', tensor: found.node.outputs[0] });
  }
  return { layout: rule.name, numLayers, sources };
}

function tryFusedRule(graph: OnnxGraphInfo, rule: FusedRule): Omit<CapturePlan, 'elemType'> | null {
  const opening = new Map<number, OnnxNode>();
  let final: OnnxNode | undefined;
  for (const node of graph.nodes) {
    if (!FUSED_OPS.has(node.opType)) continue;
    const m = rule.opening.exec(node.name);
    if (m) opening.set(Number(m[1]), node);
    else if (rule.final.test(node.name)) final = node;
  }
  if (!final) return null;
  const numLayers = opening.size + 1; // layer 0 opens with a plain (non-skip) norm
  const emb = findEmbedding(graph, rule.embedding);
  if (!emb) return null;
  const sources: HiddenSource[] = [{ index: 0, kind: 'tensor', tensor: emb.outputs[0] }];
  for (let i = 1; i <= numLayers; i++) {
    const node = i < numLayers ? opening.get(i) : final;
    if (!node) return null;
    const out3 = node.outputs[3];
    sources.push(out3 ? { index: i, kind: 'tensor', tensor: out3 } : { index: i, kind: 'add', a: node.inputs[0], b: node.inputs[1] });
  }
  return { layout: rule.name, numLayers, sources };
}

function describeGraph(graph: OnnxGraphInfo): string {
  const scopes = new Map<string, number>();
  for (const n of graph.nodes) {
    const scope = n.name.split('/').slice(0, 3).join('/').replace(/\d+/g, '{i}');
    scopes.set(scope, (scopes.get(scope) ?? 0) + 1);
  }
  const topScopes = [...scopes.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([s, c]) => `${s || '(unnamed)'} ×${c}`);
  const ops = new Map<string, number>();
  for (const n of graph.nodes) ops.set(n.opType, (ops.get(n.opType) ?? 0) + 1);
  const topOps = [...ops.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([o, c]) => `${o} ×${c}`);
  return `found ${graph.nodes.length} nodes; most common scopes: ${topScopes.join(', ')}; ops: ${topOps.join(', ')}`;
}

/**
 * The capture plan of a graph, or an `InputError` (an unknown layout) that lists what was found and the layouts
 * we support.
 */
export function planCapture(graph: OnnxGraphInfo, modelId = 'the model'): CapturePlan {
  for (const rule of LAYOUT_RULES) {
    const plan = rule.kind === 'last-add' ? tryScopeRule(graph, rule) : tryFusedRule(graph, rule);
    if (plan) return { ...plan, elemType: residualElemType(graph, plan.sources[0]) };
  }
  const supported = LAYOUT_RULES.map((r) => `${r.name}: ${r.exporter}`).join('; ');
  throw new InputError([
    {
      code: 'unsupported',
      path: [],
      message: `cannot find the residual stream of ${modelId}: no layout we know matches its graph (${describeGraph(graph)}). Supported layouts: ${supported}`,
      where: modelId
    }
  ]);
}

/** The residual stream's element type: that of the embedding table (the model's activation type). */
function residualElemType(graph: OnnxGraphInfo, embedding: HiddenSource): number {
  if (embedding.kind === 'tensor') {
    const producer = graph.nodes.find((n) => n.outputs.includes(embedding.tensor));
    for (const input of producer?.inputs ?? []) {
      const init = graph.initializers.get(input);
      if (init && (init.dataType === 1 || init.dataType === 10 || init.dataType === 16)) return init.dataType;
    }
    // The GPT-2 embedding sum: look one level up.
    for (const input of producer?.inputs ?? []) {
      const up = graph.nodes.find((n) => n.outputs.includes(input));
      for (const i of up?.inputs ?? []) {
        const init = graph.initializers.get(i);
        if (init && (init.dataType === 1 || init.dataType === 10)) return init.dataType;
      }
    }
  }
  return graph.outputs.find((o) => o.name === 'logits')?.elemType ?? 1;
}
