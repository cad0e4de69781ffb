import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { decodeF16 } from '../../src/lib/core/float16';
import { hallucinationLabel } from '../../src/lib/core/itemResult';
import { auroc } from '../../src/lib/core/metrics/auroc';
import { bootstrapCi } from '../../src/lib/core/metrics/bootstrapCi';
import { evaluateAggregations } from '../../src/lib/core/metrics/evaluateAggregations';
import { youdenThreshold } from '../../src/lib/core/metrics/youdenThreshold';
import { spikeScore } from '../../src/lib/core/trajectory/spikeScore';
import { itemTrajectory } from '../../src/lib/core/trajectory/itemTrajectory';
import { IdbRunStore } from '../../src/lib/store/idb/runStore';
import { loadProbe } from '../../src/lib/store/probeFile';
import { crossDomainRuns } from '../../workers/analysis/crossDomain';
import { evaluateRuns } from '../../workers/analysis/evaluate';
import { applyProbeToRun, importProbe, listProbes, saveProbe, trainProbeOnRuns } from '../../workers/analysis/probes';
import { collectTrajectories, runOverview, trainingRows } from '../../workers/analysis/runData';
import { encodeProbeFile } from '../../src/lib/store/probeFile';
import type { ProbeTrainEvent } from '../../workers/protocols/analysis';
import { storeSyntheticRun, syntheticRun, type SyntheticRun } from '../helpers/syntheticRun';

let dbCount = 0;
const freshStore = () => IdbRunStore.open({ name: `analysis-test-${++dbCount}-${Math.random().toString(36).slice(2)}`, estimate: null });

async function storeWith(...runs: SyntheticRun[]) {
  const store = await freshStore();
  for (const run of runs) await storeSyntheticRun(store, run);
  return store;
}

/** The evaluation input as a reader would build it by hand from the run's items (labelled only, in id order). */
function handTrajectories(run: SyntheticRun, scoreKey: string, prefix = '') {
  return run.items
    .filter((it) => it.nli_label !== null)
    .map((it) => {
      const t = itemTrajectory(it, scoreKey);
      return { id: prefix + it.id, label: hallucinationLabel(it)!, scores: t.scores, turns: t.turns };
    });
}

const runA = syntheticRun({ runId: 'run-a', nItems: 30, seed: 3, unlabelled: [2], short: [5], overridden: [7] });
const runB = syntheticRun({ runId: 'run-b', nItems: 24, seed: 4 });

describe('evaluateRuns', () => {
  it('evaluateRuns gives exactly evaluateAggregations on the labelled items in id order, and flags excluded, unlabelled and overridden items', async () => {
    const store = await storeWith(runA);
    const r = await evaluateRuns(store, { requestId: 'x', runIds: ['run-a'], scoreKey: 'entropy_mean', nResamples: 200, seed: 42 });
    const expected = evaluateAggregations(handTrajectories(runA, 'entropy_mean'), { nResamples: 200, seed: 42 });
    expect(r.evaluation).toEqual(expected);
    expect(r.unlabelled).toEqual(['q:002']);
    expect(r.excluded).toEqual(['q:005']);
    expect(r.overridden).toEqual(['q:007']);
    expect(r.items.map((i) => i.id)).toEqual(expected.ids);
    expect(r.threshold).toMatchObject({ value: expected.youden.threshold, optimistic: true, runIds: ['run-a'], n: expected.n });
    expect(Object.keys(r.roc)).toEqual(expected.aggregations);
    store.close();
  });

  it('evaluateRuns pools several runs under run/item ids and chooses the threshold on the train runs alone', async () => {
    const store = await storeWith(runA, runB);
    const r = await evaluateRuns(store, { requestId: 'x', runIds: ['run-a', 'run-b'], trainRunIds: ['run-b'], scoreKey: 'nll_mean', nResamples: 50 });
    const expected = evaluateAggregations([...handTrajectories(runA, 'nll_mean', 'run-a/'), ...handTrajectories(runB, 'nll_mean', 'run-b/')], { nResamples: 50, seed: 42 });
    expect(r.evaluation).toEqual(expected);
    const train = handTrajectories(runB, 'nll_mean');
    const y = youdenThreshold(train.map((t) => spikeScore(t.scores)!.value), train.map((t) => t.label));
    expect(r.threshold).toEqual({ value: y.threshold, j: y.j, tpr: y.tpr, fpr: y.fpr, runIds: ['run-b'], n: train.length, optimistic: true, reason: null });
    const apart = await evaluateRuns(store, { requestId: 'y', runIds: ['run-a'], trainRunIds: ['run-b'], scoreKey: 'nll_mean', nResamples: 10 });
    expect(apart.threshold.optimistic).toBe(false);
    store.close();
  });

  it('evaluateRuns names a missing run, an empty choice and a bad resample count', async () => {
    const store = await storeWith(runB);
    await expect(evaluateRuns(store, { requestId: 'x', runIds: ['nope'], scoreKey: 'entropy_mean' })).rejects.toThrow('no run "nope" in this browser');
    await expect(evaluateRuns(store, { requestId: 'x', runIds: [], scoreKey: 'entropy_mean' })).rejects.toThrow('choose at least one run to evaluate');
    await expect(evaluateRuns(store, { requestId: 'x', runIds: ['run-b', 'run-b'], scoreKey: 'entropy_mean' })).rejects.toThrow('a run is listed twice');
    await expect(evaluateRuns(store, { requestId: 'x', runIds: ['run-b'], scoreKey: 'entropy_mean', nResamples: 0 })).rejects.toThrow('bootstrap resamples must be a positive integer, got 0');
    store.close();
  });

  it('evaluateRuns on a score no turn holds gives NaN metrics with the reason, never 0', async () => {
    const store = await storeWith(runB);
    const r = await evaluateRuns(store, { requestId: 'x', runIds: ['run-b'], scoreKey: 'probe_pred', nResamples: 10 });
    expect(r.evaluation.reason).toBe('no item has 3 or more scored turns');
    expect(r.evaluation.metrics.spikescore.auroc).toBeNaN();
    expect(r.excluded).toHaveLength(24);
    expect(r.turnsWithoutScore).toBe(24 * 6);
    store.close();
  });
});

describe('runOverview and trainingRows', () => {
  it('runOverview counts labels, overrides, scored turns and the stored hidden states', async () => {
    const store = await storeWith(runA);
    const o = await runOverview(store, (await store.getRun('run-a'))!);
    const labelled = runA.items.filter((i) => i.nli_label !== null);
    expect(o).toMatchObject({ id: 'run-a', nItems: 30, nLabelled: labelled.length, nHallucinated: labelled.filter((i) => i.nli_label === 0).length, nOverridden: 1, dataset: 'synthetic-run-a' });
    expect(o.scoreTurns).toEqual({ entropy_mean: 29 * 6 + 2, nll_mean: 29 * 6 + 2, rs: 29 * 6 + 2, probe_pred: 0 });
    expect(o.hidden).toEqual({ layers: [0, 1, 2, 3], hiddenSize: 8, positions: ['last_token_embedding', 'sec_last_token_embedding', 'last_tok_bef_gen_embedding'], nItems: 30, modelId: 'synthetic/model' });
    store.close();
  });

  it('trainingRows takes the first turn of every labelled item over the layer range, with the label as the target', async () => {
    const store = await storeWith(runA);
    const rows = await trainingRows(store, ['run-a'], { kind: 'sep', tokenPosition: 'last_tok_bef_gen_embedding', layerRange: [1, 3], target: 'label' });
    const labelled = runA.items.filter((i) => i.nli_label !== null);
    expect(rows.n).toBe(labelled.length);
    expect(rows.d).toBe(2 * 8);
    expect(rows.skipped).toEqual({ unlabelled: 1, without_semantic_entropy: 0, without_hidden_state: 0, at_threshold: 0 });
    expect(rows.y).toEqual(labelled.map((i) => hallucinationLabel(i)));
    const first = runA.hidden.get(labelled[0].id)!.get(0)!.last_tok_bef_gen_embedding!;
    expect(Array.from(rows.X.subarray(0, 16))).toEqual(Array.from(first.subarray(8, 24)));
    const saplma = await trainingRows(store, ['run-a'], { kind: 'saplma', tokenPosition: 'last_token_embedding', layerRange: [0, 4], target: 'label' });
    expect(saplma.y).toEqual(labelled.map((i) => i.nli_label));
    store.close();
  });

  it('trainingRows refuses layers that were not stored, runs of two models, and SE targets the items lack, naming each', async () => {
    const other = syntheticRun({ runId: 'run-c', modelId: 'other/model', nItems: 6 });
    const store = await storeWith(runB, other);
    const o = { kind: 'sep' as const, tokenPosition: 'last_token_embedding' as const, target: 'label' as const };
    await expect(trainingRows(store, ['run-b'], { ...o, layerRange: [2, 6] })).rejects.toThrow('layer range [2, 6) needs hidden-state indices 4, 5, which were not stored; stored: [0, 1, 2, 3]');
    await expect(trainingRows(store, ['run-b', 'run-c'], { ...o, layerRange: [0, 2] })).rejects.toThrow('the runs come from different models (synthetic/model and other/model');
    await expect(trainingRows(store, ['run-b'], { ...o, layerRange: [0, 2], target: 'semantic_entropy' })).rejects.toThrow('no item to train on in "run-b": 24 without semantic entropy');
    await expect(trainingRows(store, ['run-b'], { ...o, kind: 'saplma', layerRange: [0, 2], target: 'semantic_entropy' })).rejects.toThrow('a SAPLMA probe learns truth labels');
    store.close();
  });

  it('trainingRows binarises semantic entropy at the best split for sep and keeps it raw for sep-mlp', async () => {
    const se = syntheticRun({ runId: 'run-se', nItems: 20, semanticEntropy: true });
    const store = await storeWith(se);
    const o = { tokenPosition: 'last_token_embedding' as const, layerRange: [0, 1] as const, target: 'semantic_entropy' as const };
    const raw = await trainingRows(store, ['run-se'], { ...o, kind: 'sep-mlp' });
    expect(raw.y).toEqual(se.items.map((i) => i.semantic_entropy));
    const bin = await trainingRows(store, ['run-se'], { ...o, kind: 'sep' });
    const thr = bin.labels.threshold as number;
    expect(bin.y).toEqual(se.items.map((i) => i.semantic_entropy as number).filter((v) => v !== thr).map((v) => (v > thr ? 1 : 0)));
    store.close();
  });
});

describe('probes in the analysis worker', () => {
  it('trainProbeOnRuns streams the loss curve and records where the probe reads; applyProbeToRun writes exactly its scores into every turn', async () => {
    const store = await storeWith(runB);
    const events: ProbeTrainEvent[] = [];
    const probe = await trainProbeOnRuns(store, { runIds: ['run-b'], kind: 'sep', tokenPosition: 'last_token_embedding', layerRange: [1, 3], preset: 'default', target: 'label', seed: 7 }, (e) => events.push(e));
    expect(events[0]).toMatchObject({ type: 'data', n: 24, d: 16, unit: 'iteration' });
    const epochs = events.filter((e) => e.type === 'epoch');
    expect(epochs.length).toBe(probe.header.training!.loss_curve.length);
    expect(probe.header).toMatchObject({ kind: 'sep', model_id: 'synthetic/model', hidden_size: 8, token_position: 'last_token_embedding', layer_range: [1, 3], input_dim: 16 });
    expect(probe.header.training!.data).toEqual(['run:run-b']);

    const saved = await saveProbe(store, 'my probe', encodeProbeFile(probe));
    expect(saved.name).toBe('my probe.safetensors');
    const progress: number[] = [];
    const r = await applyProbeToRun(store, { probeId: saved.id, runId: 'run-b' }, (done) => progress.push(done));
    expect(r).toEqual({ itemsWritten: 24, turnsScored: 24 * 6, turnsNull: 0, itemsSkipped: 0 });
    expect(progress.at(-1)).toBe(24);
    const applied = loadProbe((await store.getProbe(saved.id))!.bytes, 'stored'); // the stored file (F32 weights) is what is applied
    const item = (await store.getItem('run-b', 'q:004'))!;
    const stored = await store.getHidden('run-b', 'q:004');
    for (const turn of item.reasoning_chain) {
      const x = decodeF16(stored.get(turn.step)!.positions.last_token_embedding!).slice(8, 24);
      expect(turn.metrics.probe_pred).toBe(applied.predict(x));
    }
    expect((await store.listProbes('run-b')).map((p) => p.name)).toEqual(['my probe.safetensors']);
    store.close();
  });

  it('applyProbeToRun refuses a probe of another model or another hidden size before writing anything', async () => {
    const store = await storeWith(runB);
    const coef = Array.from({ length: 2 * 5 }, (_, i) => i / 10);
    const json = (extra: Record<string, unknown>) => new TextEncoder().encode(JSON.stringify({ coef, intercept: 0, classes: [0, 1], token_key: 'last_token_embedding', layer_range: [0, 2], ...extra }));
    const otherModel = await importProbe(store, { name: 'other.json', bytes: json({ model_id: 'someone/else' }) });
    await expect(applyProbeToRun(store, { probeId: otherModel.id, runId: 'run-b' })).rejects.toThrow('other.safetensors was trained on someone/else, but run "run-b" comes from synthetic/model');
    const wrongSize = await importProbe(store, { name: 'small.json', bytes: json({}) });
    await expect(applyProbeToRun(store, { probeId: wrongSize.id, runId: 'run-b' })).rejects.toThrow('holds hidden states of size 8, but the probe small.safetensors was trained on size 5');
    expect((await store.listItems('run-b')).every((i) => i.reasoning_chain.every((t) => t.metrics.probe_pred === undefined))).toBe(true);
    store.close();
  });

  it('importProbe converts a scikit-learn JSON probe, taking the position and layers it lacks from the request, and refuses without them', async () => {
    const store = await freshStore();
    const bytes = new TextEncoder().encode(JSON.stringify({ coef_: [[0.5, -0.25, 1, 2]], intercept_: [0.1], classes_: [0, 1] }));
    await expect(importProbe(store, { name: 'sk.json', bytes })).rejects.toThrow('sk.json does not say its token position or layer range: give them to import the probe');
    const p = await importProbe(store, { name: 'sk.json', bytes, tokenPosition: 'last_tok_bef_gen_embedding', layerRange: [2, 4] });
    expect(p.header).toMatchObject({ kind: 'sep', training: null, token_position: 'last_tok_bef_gen_embedding', layer_range: [2, 4], hidden_size: 2, input_dim: 4 });
    const back = loadProbe((await store.getProbe(p.id))!.bytes, 'back');
    expect(back.predict(Float32Array.of(1, 2, 3, 4))).toBeCloseTo(1 / (1 + Math.exp(-(0.1 + 0.5 - 0.5 + 3 + 8))), 12);
    expect((await listProbes(store)).map((x) => x.name)).toEqual(['sk.safetensors']);
    await expect(saveProbe(store, '  ', bytes)).rejects.toThrow('a probe needs a name');
    store.close();
  });

  it('trainProbeOnRuns stops with an AbortError when cancelled', async () => {
    const store = await storeWith(runB);
    const controller = new AbortController();
    const err = new Error('cancelled');
    err.name = 'AbortError';
    const training = trainProbeOnRuns(store, { runIds: ['run-b'], kind: 'saplma', tokenPosition: 'last_token_embedding', layerRange: [0, 4], preset: 'default', target: 'label', seed: 1, overrides: { maxEpochs: 500, hidden: [4] } }, (e) => {
      if (e.type === 'epoch' && e.epoch === 2) controller.abort(err);
    }, controller.signal);
    await expect(training).rejects.toMatchObject({ name: 'AbortError' });
    store.close();
  });
});

describe('crossDomainRuns', () => {
  it('crossDomainRuns with a stored score gives each cell the AUROC of SpikeScore on the target, and averages the pooled cells', async () => {
    const store = await storeWith(runA, runB);
    const r = await crossDomainRuns(store, { runIds: ['run-a', 'run-b'], detector: { type: 'score', scoreKey: 'entropy_mean' }, nResamples: 50, seed: 1 });
    const spikes = (run: SyntheticRun) => {
      const t = (run === runA ? handTrajectories(runA, 'entropy_mean') : handTrajectories(runB, 'entropy_mean')).filter((x) => x.scores.length >= 3);
      return { s: t.map((x) => spikeScore(x.scores)!.value), y: t.map((x) => x.label) };
    };
    const a = spikes(runA);
    const b = spikes(runB);
    expect(r.result.matrix[0][1]).toBe(auroc(b.s, b.y));
    expect(r.result.matrix[1][0]).toBe(auroc(a.s, a.y));
    expect(r.result.matrix[0][0]).toBeNaN();
    expect(r.result.average).toBe((auroc(b.s, b.y) + auroc(a.s, a.y)) / 2);
    const c = r.result.cells[0];
    const ci = bootstrapCi({ spikescore: b.s }, b.y, { metric: 'auroc', nResamples: 50, seed: 1 }).intervals.spikescore;
    expect([c.lo, c.hi]).toEqual([ci.lo, ci.hi]);
    // With two domains the pool of the others is the other run: the same items, the same interval.
    expect([r.result.pooled[0].lo, r.result.pooled[0].hi]).toEqual([ci.lo, ci.hi]);
    store.close();
  });

  it('crossDomainRuns trains a probe per source run and scores the other runs with it', async () => {
    const store = await storeWith(runA, runB);
    const events: string[] = [];
    const r = await crossDomainRuns(
      store,
      { runIds: ['run-a', 'run-b'], detector: { type: 'probe', kind: 'sep', tokenPosition: 'last_token_embedding', layerRange: [0, 4], preset: 'default', target: 'label', seed: 2 }, nResamples: 20 },
      (e) => events.push(`${e.phase}:${e.source}`)
    );
    expect(events).toEqual(['start:run-a', 'done:run-a', 'start:run-b', 'done:run-b']);
    expect(r.result.cells.map((c) => [c.source, c.target, c.n])).toEqual([
      ['run-a', 'run-b', 24],
      ['run-b', 'run-a', 28]
    ]);
    expect(r.result.cells.every((c) => c.value >= 0 && c.value <= 1)).toBe(true);
    await expect(crossDomainRuns(store, { runIds: ['run-a'], detector: { type: 'score', scoreKey: 'rs' } })).rejects.toThrow('the cross-domain matrix needs at least 2 runs (one per domain), got 1');
    store.close();
  });
});

describe('collectTrajectories', () => {
  it('collectTrajectories skips turns without the score and keeps their count', async () => {
    const store = await storeWith(runB);
    const item = (await store.getItem('run-b', 'q:001'))!;
    item.reasoning_chain[2].metrics.rs = null;
    await store.sink('run-b', 'synthetic/model').save(item, { step: 2, hidden: null });
    const c = await collectTrajectories(store, ['run-b'], 'rs');
    expect(c.turnsWithoutScore).toBe(1);
    expect(c.items.find((i) => i.id === 'q:001')!.turns).toEqual([0, 1, 3, 4, 5]);
    store.close();
  });
});
