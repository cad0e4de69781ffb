/**
 * The analysis worker's API (`workers/analysis.worker.ts`), declared once: evaluation with bootstrap intervals,
 * probe training with a streamed loss curve, the cross-domain matrix, probes in and out of the store, and run
 * bundles. The worker reads items and hidden states from IndexedDB itself, so big arrays never cross threads
 * needlessly; the page sends run ids and gets results.
 *
 * Every long request carries a `requestId`: `cancel(requestId)` stops it (an `AbortError`), and the page ignores
 * the answer of a request it has replaced. Directions as everywhere: hallucination (nli_label 0) is the positive
 * class, and a higher score means more likely hallucinated.
 */
import type { Evaluation } from '../../src/lib/core/metrics/evaluateAggregations';
import type { CrossDomainResult } from '../../src/lib/core/probes/crossDomain';
import type { ProbePresetName } from '../../src/lib/core/probes/presets';
import type { ProbeHeader, ProbeKind } from '../../src/lib/core/probes/probe';
import type { TokenPosition } from '../../src/lib/core/probes/tokenPosition';
import type { AggregationName } from '../../src/lib/core/trajectory/aggregations';

/** The per-turn scores the pages offer (stored in `reasoning_chain[k].metrics`). */
export const SCORE_KEYS = ['entropy_mean', 'nll_mean', 'rs', 'probe_pred'] as const;
export type ScoreKey = (typeof SCORE_KEYS)[number];

/** What a page needs to list a run and offer what it holds. */
export interface RunOverview {
  readonly id: string;
  readonly created: string;
  readonly modelId: string;
  readonly status: string;
  /** The dataset's name or path when the run recorded one. */
  readonly dataset: string | null;
  readonly nItems: number;
  /** Items with nli_label 0 or 1. */
  readonly nLabelled: number;
  /** Items with nli_label 0 (the positive class). */
  readonly nHallucinated: number;
  /** Items whose label was overridden by hand. */
  readonly nOverridden: number;
  /** Items carrying a numeric `semantic_entropy` (a SEP target). */
  readonly nWithSemanticEntropy: number;
  /** Per score key, how many turns hold a numeric value. */
  readonly scoreTurns: Readonly<Record<string, number>>;
  readonly nTurns: number;
  /** What hidden states the run stored, or null when none. */
  readonly hidden: { readonly layers: readonly number[]; readonly hiddenSize: number; readonly positions: readonly TokenPosition[]; readonly nItems: number; readonly modelId: string } | null;
  /** Probes attached to the run (applied to it, or imported with its bundle). */
  readonly probes: readonly string[];
}

export interface EvaluateRequest {
  readonly requestId: string;
  /** Test domain: the items of these runs, pooled in this order (each run's items by id). */
  readonly runIds: readonly string[];
  /** Train domain for the verdict threshold; empty or equal to `runIds`: chosen on the test items (optimistic). */
  readonly trainRunIds?: readonly string[];
  readonly scoreKey: string;
  /** Default 1000. */
  readonly nResamples?: number;
  /** Default 42 (as `spikescore eval`). */
  readonly seed?: number;
}

export interface EvaluatedItem {
  /** The id the evaluation used: the item id, or `run/item` when several runs are pooled. */
  readonly id: string;
  readonly runId: string;
  readonly itemId: string;
  readonly overridden: boolean;
}

export interface ThresholdChoice {
  /** Flag hallucinated when SpikeScore ≥ value. */
  readonly value: number;
  readonly j: number;
  readonly tpr: number;
  readonly fpr: number;
  /** The runs whose items chose it. */
  readonly runIds: readonly string[];
  readonly n: number;
  /** Chosen on the very items it is quoted on. */
  readonly optimistic: boolean;
  readonly reason: string | null;
}

export interface EvaluateResponse {
  readonly requestId: string;
  readonly scoreKey: string;
  readonly runIds: readonly string[];
  readonly modelIds: readonly string[];
  readonly evaluation: Evaluation;
  /** One per evaluated item, in the evaluation's order. */
  readonly items: readonly EvaluatedItem[];
  /** Items without a 0/1 label (not evaluated). */
  readonly unlabelled: readonly string[];
  /** Labelled items with fewer than 3 turns scored by the key (= `evaluation.excluded`). */
  readonly excluded: readonly string[];
  /** Evaluated items whose label was overridden by hand. */
  readonly overridden: readonly string[];
  /** Turns skipped for want of a numeric score. */
  readonly turnsWithoutScore: number;
  /** ROC points per aggregation (sklearn's `roc_curve`, intermediate points dropped). */
  readonly roc: Readonly<Record<string, { readonly fpr: Float64Array; readonly tpr: Float64Array }>>;
  /** Youden's J threshold of SpikeScore on the train domain. */
  readonly threshold: ThresholdChoice;
}

/** Where a probe's training targets come from. */
export type ProbeTarget = 'label' | 'semantic_entropy';

export interface ProbeTrainRequest {
  readonly requestId: string;
  readonly runIds: readonly string[];
  readonly kind: ProbeKind;
  readonly tokenPosition: TokenPosition;
  /** Half-open [a, b) over hidden-state indices. */
  readonly layerRange: readonly [number, number];
  readonly preset: ProbePresetName;
  /** `label`: the item's label (sep, sep-mlp: 1 = hallucinated; saplma: 1 = correct). `semantic_entropy`: the item's SE (sep: binarised at the best split; sep-mlp: raw). */
  readonly target: ProbeTarget;
  readonly seed: number;
  readonly normalize?: boolean;
  /** Replaces preset values (tests use tiny networks and few epochs). */
  readonly overrides?: { readonly hidden?: readonly number[]; readonly maxEpochs?: number; readonly batchSize?: number; readonly lr?: number };
}

export interface ProbeTrainData {
  readonly type: 'data';
  readonly n: number;
  readonly d: number;
  readonly positives: number;
  readonly skipped: Readonly<Record<string, number>>;
  readonly maxEpochs: number;
  readonly unit: 'epoch' | 'iteration';
}

/**
 * Streamed while training. Events travel on their own channel, so the last ones may arrive after the answer:
 * the answer carries the data summary and the whole loss curve (`header.training.loss_curve`), which win.
 */
export type ProbeTrainEvent = ProbeTrainData | { readonly type: 'epoch'; readonly epoch: number; readonly trainLoss: number; readonly valLoss: number };

export interface ProbeTrainResponse {
  readonly requestId: string;
  /** What was trained on (as the first event said). */
  readonly data: ProbeTrainData;
  readonly header: ProbeHeader;
  /** The probe file (`.safetensors` with the header), ready to save or download. */
  readonly bytes: Uint8Array;
}

export interface StoredProbe {
  readonly id: string;
  readonly name: string;
  readonly runId: string | null;
  readonly created: string;
  readonly size: number;
  readonly header: ProbeHeader;
}

export interface ProbeImportRequest {
  readonly name: string;
  readonly bytes: Uint8Array;
  /** For a scikit-learn JSON probe without them: the position and layers it was trained on. */
  readonly tokenPosition?: TokenPosition | null;
  readonly layerRange?: readonly [number, number] | null;
  readonly modelId?: string | null;
}

export interface ApplyProbeRequest {
  readonly requestId: string;
  readonly probeId: string;
  readonly runId: string;
}

export interface ApplyProbeResponse {
  readonly requestId: string;
  readonly itemsWritten: number;
  readonly turnsScored: number;
  /** Turns without a hidden state at the probe's position (set to null). */
  readonly turnsNull: number;
  /** Items without any hidden state (left unchanged). */
  readonly itemsSkipped: number;
}

export type Detector =
  /** The stored per-turn score: nothing is trained, so every source row is the same. */
  | { readonly type: 'score'; readonly scoreKey: string }
  /** A probe trained on each source run (turn 0, as `trainProbe`), applied to every turn of the targets. */
  | { readonly type: 'probe'; readonly kind: ProbeKind; readonly tokenPosition: TokenPosition; readonly layerRange: readonly [number, number]; readonly preset: ProbePresetName; readonly target: ProbeTarget; readonly seed: number; readonly overrides?: ProbeTrainRequest['overrides'] };

export interface CrossDomainRequest {
  readonly requestId: string;
  /** The domains, at least 2 runs. */
  readonly runIds: readonly string[];
  readonly detector: Detector;
  /** Default 1000. */
  readonly nResamples?: number;
  /** Default 42. */
  readonly seed?: number;
}

export type CrossDomainEvent = { readonly type: 'source'; readonly source: string; readonly index: number; readonly total: number; readonly phase: 'start' | 'done' };

export interface CrossDomainResponse {
  readonly requestId: string;
  readonly metric: 'auroc';
  readonly aggregation: AggregationName;
  readonly result: CrossDomainResult;
  readonly nResamples: number;
  readonly seed: number;
}

export interface AnalysisApi {
  /** Every run in the store, newest first, with what it holds. */
  listRuns(): Promise<RunOverview[]>;
  evaluate(request: EvaluateRequest): Promise<EvaluateResponse>;
  trainProbe(request: ProbeTrainRequest, onEvent?: (e: ProbeTrainEvent) => void): Promise<ProbeTrainResponse>;
  crossDomain(request: CrossDomainRequest, onEvent?: (e: CrossDomainEvent) => void): Promise<CrossDomainResponse>;
  /** Saves a probe file in the store (validated first); returns the stored probe. */
  saveProbe(name: string, bytes: Uint8Array): Promise<StoredProbe>;
  /** Reads a `.safetensors` probe or a scikit-learn JSON probe, and saves it as our `.safetensors`. */
  importProbe(request: ProbeImportRequest): Promise<StoredProbe>;
  listProbes(): Promise<StoredProbe[]>;
  probeBytes(id: string): Promise<Uint8Array>;
  deleteProbe(id: string): Promise<void>;
  /** Writes `probe_pred` into every turn of the run's items (the probe's own position and layers). */
  applyProbe(request: ApplyProbeRequest, onProgress?: (done: number, total: number) => void): Promise<ApplyProbeResponse>;
  /** A run as a bundle (zip bytes). */
  exportBundle(runId: string): Promise<Uint8Array>;
  /** Imports a bundle; a corrupt or newer bundle changes nothing. */
  importBundle(bytes: Uint8Array, name: string): Promise<RunOverview>;
  cancel(requestId: string): void;
}
