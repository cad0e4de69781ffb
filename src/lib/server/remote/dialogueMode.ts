/**
 * The server's `dialogue` mode: each item is one SpikeScore dialogue (K = max_steps + 1 turns) run by the same
 * `runDialogue` as the CLI and the page, on the ONE node the pool hands the item to (its prefix cache keeps the
 * conversation). The result is the item file (`ItemResult`, as `<safe_id>.json`) plus the per-turn hidden states
 * (F16 bits as bytes), which the client stores exactly as a local run would.
 *
 * Config: the paper's `config.json` fields (and ours) as `parseRunConfig` checks them; `model_path`,
 * `dataset_path`, `output_dir` and `remote_engines` are the server's business and are ignored (the pool is server
 * configuration only). Items: `{id, question, context?, answer?, label?, label_rule?, attribute?}`; with
 * `label_method: "dataset"` the item's `label` (1 correct, 0 hallucinated) is used, or, without one, its label rule
 * (`label_rule: "testbed-value/v1"` with `attribute`: the dataset judge applies it to the answer, as locally);
 * `answer` (a string or aliases) serves `match`/`f1` and the rule's gold value.
 */
import { parseRunConfig, type RunConfig } from '../../core/config/runConfig';
import type { DatasetItem } from '../../core/datasets/parseDataset';
import { typeName, unwrap, type Issue } from '../../core/issues';
import type { ItemResult } from '../../core/itemResult';
import { matchLabel } from '../../core/labels/matchLabel';
import { LABEL_RULES } from '../../core/datasets/exactLabels';
import { datasetJudge } from '../../engine/judges/judge';
import { runDialogue } from '../../core/runner/runDialogue';
import type { Labeller, RunSink, TurnHidden } from '../../core/runner/types';
import type { RunItem } from '../../engine/remote/protocol';
import type { ItemFn } from '../../engine/remote/pool';
import type { RunnerMode } from './modes';

export interface DialogueItemOutput {
  readonly item: ItemResult;
  /** Per turn that captured hidden states: the turn, its layers, and F16 little-endian bytes per position. */
  readonly hidden: readonly { readonly step: number; readonly layers: readonly number[]; readonly hiddenSize: number; readonly positions: Readonly<Record<string, Uint8Array>> }[];
}

const IGNORED = ['model_path', 'dataset_path', 'output_dir', 'remote_engines', 'remote_tokenizer'];

function parse(config: Readonly<Record<string, unknown>>) {
  const rest = Object.fromEntries(Object.entries(config).filter(([k]) => !IGNORED.includes(k)));
  return parseRunConfig(rest, { context: 'page', where: 'config' });
}

function toDatasetItem(item: RunItem): DatasetItem {
  const answer = item.answer;
  return {
    id: item.id,
    question: String(item.question),
    context: typeof item.context === 'string' ? item.context : '',
    answer: Array.isArray(answer) ? answer.map(String) : typeof answer === 'string' ? answer : '',
    label: item.label === 0 || item.label === 1 ? item.label : null,
    ...(typeof item.label_rule === 'string' ? { meta: { label_rule: item.label_rule, attribute: item.attribute } } : {})
  };
}

export const dialogueMode: RunnerMode = {
  check(config) {
    const r = parse(config);
    const issues: Issue[] = r.ok ? [] : r.issues.filter((i) => i.severity !== 'warning').map((i) => ({ ...i, path: ['config', ...i.path] }));
    if (r.ok && r.value.mode !== 'dialogue') issues.push({ code: 'unsupported', path: ['config', 'mode'], message: `config.mode "${r.value.mode}" is not served remotely: only "dialogue"` });
    return issues;
  },
  checkItem(item, index) {
    const issues: Issue[] = [];
    if (typeof item.question !== 'string' || !item.question.trim()) issues.push({ code: 'invalid_type', path: ['items', index, 'question'], message: `items[${index}].question must be a non-empty string, got ${typeName(item.question)}` });
    if (item.context !== undefined && typeof item.context !== 'string') issues.push({ code: 'invalid_type', path: ['items', index, 'context'], message: `items[${index}].context must be a string, got ${typeName(item.context)}` });
    if (item.label !== undefined && item.label !== null && item.label !== 0 && item.label !== 1) issues.push({ code: 'invalid_value', path: ['items', index, 'label'], message: `items[${index}].label must be 1 (correct), 0 (hallucinated) or null, got ${JSON.stringify(item.label)}` });
    if (item.label_rule !== undefined && !(typeof item.label_rule === 'string' && LABEL_RULES.includes(item.label_rule))) {
      issues.push({ code: 'unsupported', path: ['items', index, 'label_rule'], message: `items[${index}].label_rule must be one of ${LABEL_RULES.join(', ')}, got ${JSON.stringify(item.label_rule)}` });
    }
    if (item.label_rule !== undefined && typeof item.attribute !== 'string') issues.push({ code: 'missing_field', path: ['items', index, 'attribute'], message: `items[${index}].attribute must name the attribute its label_rule checks, got ${typeName(item.attribute)}` });
    return issues;
  },
  create(config): ItemFn<RunItem, unknown> {
    const rc: RunConfig = unwrap(parse(config));
    const byDataset = datasetJudge();
    const labeller: Labeller = {
      async label(q, golds, answer, item) {
        if (rc.label_method === 'dataset') {
          const out = await byDataset.label(q, golds, answer, item);
          return { label: out.label, source: 'dataset', reason: out.label === null ? (item?.meta ? 'the label rule could not be applied' : 'the item carries no label') : null };
        }
        if (rc.label_method === 'match' || rc.label_method === 'f1') {
          if (!golds.length) return { label: null, source: rc.label_method, reason: 'no gold answer' };
          const m = matchLabel(answer, golds, { method: rc.label_method, f1Threshold: rc.f1_threshold });
          return { label: m.label, source: rc.label_method, reason: m.label === null ? (m.reason ?? null) : null };
        }
        return { label: null, source: rc.label_method, reason: `label_method "${rc.label_method}" is not available on the server` };
      }
    };
    return async (item, model, signal): Promise<DialogueItemOutput> => {
      let last: ItemResult | null = null;
      const hidden: { step: number; layers: number[]; hiddenSize: number; positions: Record<string, Uint8Array> }[] = [];
      const sink: RunSink = {
        loadItem: async () => null,
        async save(result, turn) {
          last = structuredClone(result);
          const h: TurnHidden | null = turn?.hidden ?? null;
          if (turn && h) {
            const positions: Record<string, Uint8Array> = {};
            for (const [name, bits] of Object.entries(h.positions)) if (bits) positions[name] = new Uint8Array(bits.buffer.slice(bits.byteOffset, bits.byteOffset + bits.byteLength));
            hidden.push({ step: turn.step, layers: [...h.layers], hiddenSize: h.hiddenSize, positions });
          }
        },
        async saveError(e) {
          throw new Error(e.error);
        },
        clearError: async () => undefined,
        saveProgress: async () => undefined
      };
      const summary = await runDialogue({ model, config: rc, items: [toDatasetItem(item)], sink, labeller, signal });
      if (summary.failed || !last) throw new Error(`item ${item.id}: the dialogue failed on this node`);
      return { item: last, hidden };
    };
  }
};
