/**
 * The cross-domain matrix over runs (each run one domain), as the paper's protocol (`crossDomain` in core/probes):
 * train the detector on a source run, score every other run, and report AUROC of SpikeScore per cell, on the pool
 * of the other runs, and the average over sources, each with a 95% stratified bootstrap interval.
 *
 * Detectors: a probe trained on the source (turn 0, see `trainingRows`), applied to every turn of the target's
 * items; or a stored per-turn score, which trains nothing (every row is then the same: the matrix shows how the
 * score transfers, not a probe).
 */
import { auroc } from '../../src/lib/core/metrics/auroc';
import { bootstrapCi } from '../../src/lib/core/metrics/bootstrapCi';
import { crossDomain, type Scored } from '../../src/lib/core/probes/crossDomain';
import type { Probe } from '../../src/lib/core/probes/probe';
import { hallucinationLabel } from '../../src/lib/core/itemResult';
import { InputError } from '../../src/lib/core/issues';
import { spikeScore } from '../../src/lib/core/trajectory/spikeScore';
import { checkProbeFits, resolveProbeSelection } from '../../src/lib/store/applyProbe';
import type { IdbRunStore } from '../../src/lib/store/idb/runStore';
import type { CrossDomainEvent, CrossDomainRequest, CrossDomainResponse } from '../protocols/analysis';
import { DEFAULT_RESAMPLES, DEFAULT_SEED } from './evaluate';
import { trainProbeOnRuns } from './probes';
import { collectTrajectories, hiddenFileOf, probeTurnScores, requireRun } from './runData';

/** SpikeScores of the labelled items of a run whose trajectory has 3 or more scores, under a trained probe. */
async function scoreWithProbe(store: IdbRunStore, probe: Probe, runId: string, signal?: AbortSignal): Promise<Scored> {
  const run = await requireRun(store, runId);
  const selection = resolveProbeSelection(probe, {}, 'the source probe');
  const scores: number[] = [];
  const labels: number[] = [];
  let checked = false;
  for (const item of await store.listItems(runId)) {
    if (signal?.aborted) throw signal.reason;
    const label = hallucinationLabel(item);
    if (label === null) continue;
    const hidden = await store.getHidden(runId, item.id);
    if (hidden.size === 0) continue;
    const file = hiddenFileOf(hidden, run.model_id, `run "${runId}" item "${item.id}"`);
    if (!checked) {
      checkProbeFits(probe, selection, file, 'the source probe');
      checked = true;
    }
    const trajectory = probeTurnScores(probe, selection, file, item.reasoning_chain, 'the source probe').filter((s): s is number => s !== null);
    const spike = spikeScore(trajectory);
    if (spike === null) continue;
    scores.push(spike.value);
    labels.push(label);
  }
  return { scores, labels };
}

async function scoreStored(store: IdbRunStore, runId: string, scoreKey: string): Promise<Scored> {
  const { items } = await collectTrajectories(store, [runId], scoreKey);
  const scores: number[] = [];
  const labels: number[] = [];
  for (const it of items) {
    const spike = spikeScore(it.scores);
    if (spike === null) continue;
    scores.push(spike.value);
    labels.push(it.label);
  }
  return { scores, labels };
}

export async function crossDomainRuns(store: IdbRunStore, request: Omit<CrossDomainRequest, 'requestId'>, onEvent?: (e: CrossDomainEvent) => void, signal?: AbortSignal): Promise<Omit<CrossDomainResponse, 'requestId'>> {
  const nResamples = request.nResamples ?? DEFAULT_RESAMPLES;
  const seed = request.seed ?? DEFAULT_SEED;
  if (request.runIds.length < 2) throw new InputError(`the cross-domain matrix needs at least 2 runs (one per domain), got ${request.runIds.length}`);
  for (const id of request.runIds) await requireRun(store, id);
  const detector = request.detector;
  const total = request.runIds.length;
  let index = 0;
  const result = await crossDomain<string, Probe | null>({
    domains: request.runIds.map((id) => ({ name: id, data: id })),
    signal,
    train: async (source) => {
      onEvent?.({ type: 'source', source: source.name, index, total, phase: 'start' });
      if (detector.type === 'score') return null;
      const { type: _type, ...settings } = detector;
      void _type;
      return trainProbeOnRuns(store, { ...settings, runIds: [source.data] }, undefined, signal);
    },
    evaluate: (probe, target) => (probe ? scoreWithProbe(store, probe, target.data, signal) : scoreStored(store, target.data, (detector as { scoreKey: string }).scoreKey)),
    // An empty target (no item with 3 scored turns) has no AUROC: NaN, as for one class.
    metric: (scores, labels) => (scores.length === 0 ? NaN : auroc(scores, labels)),
    // One seed for every cell: a resample depends only on (seed, b, the labels), so cells holding the same items
    // (with two domains, a cell and its pool) get the same interval.
    interval: (scores, labels) => {
      const ci = bootstrapCi({ spikescore: scores }, labels, { metric: 'auroc', nResamples, seed });
      return [ci.intervals.spikescore.lo, ci.intervals.spikescore.hi];
    },
    onSource: (source, i) => {
      index = i + 1;
      onEvent?.({ type: 'source', source, index: i, total, phase: 'done' });
    }
  });
  return { metric: 'auroc', aggregation: 'spikescore', result, nResamples, seed };
}
