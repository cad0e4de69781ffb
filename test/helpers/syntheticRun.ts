/**
 * A dialogue run built in code for the analysis tests (Probes, Evaluate, the analysis worker, the ui bench), with
 * everything controlled: labels of both classes, per-turn scores whose SpikeScore separates the classes (not
 * perfectly), hidden states per turn whose first turn carries the label along a fixed direction (so probes learn
 * it) and whose hallucinated items jump along that direction at one turn (so a probe's trajectory spikes), plus
 * chosen items that are unlabelled, too short for a SpikeScore, or overridden by hand.
 *
 * The same options give the same run (every draw from `keyedRandom(seed, …)`). It comes out as item results and
 * hidden states, as a run bundle (what the page opens), or written to an `IdbRunStore` through its sink.
 */
import { decodeF16, encodeF16 } from '../../src/lib/core/float16';
import { safeId, type ItemResult, type TurnRecord } from '../../src/lib/core/itemResult';
import type { TokenPosition } from '../../src/lib/core/probes/tokenPosition';
import { keyedRandom } from '../../src/lib/core/random';
import type { TurnHidden } from '../../src/lib/core/runner/types';
import { encodeBundle } from '../../src/lib/store/bundle';
import { encodeHiddenStates } from '../../src/lib/store/hiddenStates';
import type { IdbRunStore } from '../../src/lib/store/idb/runStore';

export interface SyntheticRunOptions {
  readonly runId: string;
  readonly modelId?: string;
  readonly nItems?: number;
  /** Turns per item (K = max_steps + 1). */
  readonly turns?: number;
  /** Stored hidden-state indices. */
  readonly layers?: readonly number[];
  readonly hiddenSize?: number;
  readonly seed?: number;
  /** Share of hallucinated items (nli_label 0). */
  readonly prevalence?: number;
  /** Store hidden states (default true). */
  readonly hidden?: boolean;
  /** Item indices left without a label. */
  readonly unlabelled?: readonly number[];
  /** Item indices with only 2 turns (no SpikeScore). */
  readonly short?: readonly number[];
  /** Item indices whose label was overridden by hand (flipped, the original kept). */
  readonly overridden?: readonly number[];
  /** How strongly the first turn's hidden state carries the label (default 1.5). */
  readonly signal?: number;
  /** Items also carry a semantic entropy (a SEP target). */
  readonly semanticEntropy?: boolean;
  readonly created?: string;
}

export interface SyntheticRun {
  readonly runId: string;
  readonly modelId: string;
  readonly created: string;
  readonly config: Record<string, unknown>;
  readonly provenance: Record<string, unknown>;
  readonly layers: readonly number[];
  readonly hiddenSize: number;
  /** Sorted by id, as the store lists them. */
  readonly items: ItemResult[];
  /** item id → step → position → `[layers × hidden]` values (exactly representable in F16). */
  readonly hidden: Map<string, Map<number, Partial<Record<TokenPosition, Float32Array>>>>;
}

const POSITIONS: readonly TokenPosition[] = ['last_token_embedding', 'sec_last_token_embedding', 'last_tok_bef_gen_embedding'];
const round6 = (v: number) => Math.round(v * 1e6) / 1e6;

export function syntheticRun(o: SyntheticRunOptions): SyntheticRun {
  const modelId = o.modelId ?? 'synthetic/model';
  const n = o.nItems ?? 40;
  const K = o.turns ?? 6;
  const layers = o.layers ?? [0, 1, 2, 3];
  const H = o.hiddenSize ?? 8;
  const seed = o.seed ?? 1;
  const prevalence = o.prevalence ?? 0.5;
  const signal = o.signal ?? 1.5;
  const created = o.created ?? '2026-03-01T12:00:00.000Z';
  const L = layers.length;
  const dirRandom = keyedRandom(seed, o.runId, 'direction');
  const direction = Float32Array.from({ length: L * H }, () => dirRandom.normal());
  const norm = Math.hypot(...direction);
  for (let j = 0; j < direction.length; j++) direction[j] /= norm;
  const items: ItemResult[] = [];
  const hidden = new Map<string, Map<number, Partial<Record<TokenPosition, Float32Array>>>>();
  for (let i = 0; i < n; i++) {
    const id = `q:${String(i).padStart(3, '0')}`;
    const r = keyedRandom(seed, o.runId, id);
    const halluc = r() < prevalence ? 1 : 0;
    const turns = o.short?.includes(i) ? 2 : K;
    const spikeAt = 1 + Math.floor(r() * Math.max(1, turns - 2));
    const spikeSize = halluc ? 0.3 + 0.9 * r() : 0.25 * r();
    const chain: TurnRecord[] = [];
    const perTurn = new Map<number, Partial<Record<TokenPosition, Float32Array>>>();
    for (let k = 0; k < turns; k++) {
      const bump = k === spikeAt ? spikeSize : 0;
      chain.push({
        step: k,
        prompt_type: k === 0 ? 'initial' : 'followup',
        followup_prompt: k === 0 ? '' : `Follow-up ${k}`,
        full_input: '',
        response: `answer ${i}.${k}`,
        token_count: 3,
        metrics: {
          entropy_mean: round6(1 + 0.05 * r.normal() + bump),
          nll_mean: round6(0.8 + 0.08 * r.normal() + 0.6 * bump),
          rs: round6(0.1 + 0.02 * r.normal() + 0.1 * r())
        }
      });
      const h: Partial<Record<TokenPosition, Float32Array>> = {};
      for (const p of POSITIONS) {
        const v = new Float32Array(L * H);
        const along = (k === 0 ? (halluc ? signal : -signal) : 0) + (halluc && k === spikeAt ? 3 : 0);
        for (let j = 0; j < v.length; j++) v[j] = 0.7 * r.normal() + along * direction[j] * Math.sqrt(L * H) * 0.5;
        h[p] = decodeF16(encodeF16(v)); // rounded to F16, as the store keeps it
      }
      perTurn.set(k, h);
    }
    const label: 0 | 1 = halluc ? 0 : 1;
    const item: ItemResult = {
      format_version: 1,
      id,
      question: `Synthetic question ${i}?`,
      gold_answer: `gold ${i}`,
      nli_label: o.unlabelled?.includes(i) ? null : label,
      label_source: o.unlabelled?.includes(i) ? null : 'dataset',
      reasoning_chain: chain,
      provenance: { model_id: modelId, app_version: 'test', seeds: { run: seed } }
    };
    if (o.semanticEntropy) item.semantic_entropy = round6(Math.max(0, (halluc ? 1.4 : 0.5) + 0.4 * r.normal()));
    if (o.overridden?.includes(i) && item.nli_label !== null) {
      item.label_before_override = item.nli_label;
      item.label_source_before_override = 'dataset';
      item.nli_label = item.nli_label === 1 ? 0 : 1;
      item.label_source = 'override';
    }
    items.push(item);
    if (o.hidden !== false) hidden.set(id, perTurn);
  }
  items.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    runId: o.runId,
    modelId,
    created,
    config: { max_steps: K - 1, seed, capture: { positions: [...POSITIONS], layers: [layers[0], layers[L - 1] + 1] } },
    provenance: { model_id: modelId, app_version: 'test', seeds: { run: seed } },
    layers,
    hiddenSize: H,
    items,
    hidden
  };
}

/** The run as a bundle: what a user opens on the Evaluate page (zip bytes). */
export function syntheticBundle(run: SyntheticRun): Uint8Array {
  const hidden = new Map<string, Uint8Array>();
  for (const [id, turns] of run.hidden) {
    hidden.set(safeId(id), encodeHiddenStates({ modelId: run.modelId, layers: run.layers, hiddenSize: run.hiddenSize, turns }));
  }
  return encodeBundle({
    run_id: run.runId,
    created: run.created,
    config: run.config,
    provenance: run.provenance,
    items: run.items,
    hidden,
    probes: new Map(),
    extra: { model_id: run.modelId, dataset: { name: `synthetic-${run.runId}` } }
  });
}

/** Writes the run into a store through the runner's sink (one transaction per turn), overrides included. */
export async function storeSyntheticRun(store: IdbRunStore, run: SyntheticRun): Promise<void> {
  await store.createRun({ id: run.runId, config: run.config, provenance: run.provenance, modelId: run.modelId, created: run.created, dataset: { name: `synthetic-${run.runId}` } });
  const sink = store.sink(run.runId, run.modelId);
  for (const item of run.items) {
    const turns = run.hidden.get(item.id);
    for (let k = 0; k < item.reasoning_chain.length; k++) {
      const partial: ItemResult = { ...item, reasoning_chain: item.reasoning_chain.slice(0, k + 1) };
      const h = turns?.get(item.reasoning_chain[k].step);
      const th: TurnHidden | null = h
        ? { layers: run.layers, hiddenSize: run.hiddenSize, positions: Object.fromEntries(Object.entries(h).map(([p, v]) => [p, encodeF16(v as Float32Array)])) }
        : null;
      await sink.save(partial, { step: item.reasoning_chain[k].step, hidden: th });
    }
  }
  await store.updateRun(run.runId, { status: 'finished' });
}
