/**
 * A dataset run in the inference worker (the Experiment page): the same `runDialogue` / `runProbeData` as
 * `spikescore run`, with the page's IndexedDB (`IdbRunStore`) as the sink. The run record holds the config and the
 * sampled items, so starting and resuming are the same call: finished items are skipped and a partial item
 * continues at its next turn (the runner keys every draw by seed, item and turn, so the result equals an
 * uninterrupted run).
 *
 * The judge's key arrives with the request and goes only into the judge (createJudge's `deps.apiKey`); it is never
 * written to the store, the run record or an event.
 */
import { parseRunConfig, type RunConfig } from '../../src/lib/core/config/runConfig';
import type { DatasetItem } from '../../src/lib/core/datasets/parseDataset';
import { InputError, unwrap } from '../../src/lib/core/issues';
import type { Provenance } from '../../src/lib/core/itemResult';
import { modelProvenance } from '../../src/lib/core/runner/modelProvenance';
import { runDialogue } from '../../src/lib/core/runner/runDialogue';
import { runProbeData, type SemanticEntropyFunction } from '../../src/lib/core/runner/runProbeData';
import type { Labeller } from '../../src/lib/core/runner/types';
import { APP_VERSION } from '../../src/lib/core/version';
import { BUILTIN_TEMPLATE } from '../../src/lib/engine/catalog';
import { IdbRunStore } from '../../src/lib/store/idb/runStore';
import type { RunRecord } from '../../src/lib/store/idb/schema';
import type { ExperimentApi, ExperimentError, ExperimentEvent, ExperimentModel, ExperimentOutcome, ExperimentRunRequest, ModelSource } from '../protocols/experiment';
import { IdbProbeDataSink } from './probeDataIdbSink';
import { cancellable, requireModel, state } from './state';

const stores = new Map<string, Promise<IdbRunStore>>();

function openStore(name: string | undefined): Promise<IdbRunStore> {
  const key = name ?? '';
  let s = stores.get(key);
  if (!s) {
    s = IdbRunStore.open(name ? { name } : {});
    stores.set(key, s);
    s.catch(() => stores.delete(key));
  }
  return s;
}

function modelSource(): ModelSource | null {
  const r = state.lastRequest;
  const info = state.model?.info;
  if (!r || !info) return null;
  if (r.kind === 'files') return { kind: 'files', label: r.label, dtype: info.dtype, backend: info.backend };
  return { kind: 'hub', model: r.model, builtin: r.template === BUILTIN_TEMPLATE, dtype: info.dtype, backend: info.backend };
}

function asError(e: unknown): ExperimentError {
  const err = e as { name?: string; message?: string; hint?: string } | null;
  return { name: err?.name ?? 'Error', message: err?.message ?? String(e), hint: typeof err?.hint === 'string' ? err.hint : null };
}

/** The run's sampled items, as the page stored them (`run.dataset.items`). */
function runItems(run: RunRecord): DatasetItem[] {
  const items = (run.dataset as { items?: unknown } | null | undefined)?.items;
  if (!Array.isArray(items) || items.length === 0) throw new InputError(`run "${run.id}" holds no dataset items (dataset.items), so it cannot run`);
  return items as DatasetItem[];
}

/** A run continues only on the model that started it: same id, and the same weights when both hashes are known. */
function checkModel(run: RunRecord): void {
  const info = requireModel().info;
  const want = run.provenance as { model_id?: unknown; model_sha256?: unknown };
  const sameId = want.model_id === info.id || run.model_id === info.id;
  const sameWeights = !want.model_sha256 || !info.modelSha256 || want.model_sha256 === info.modelSha256;
  if (!sameId || !sameWeights) {
    const e = new Error(
      `run ${run.id} was made with ${String(want.model_id ?? run.model_id)}${want.model_sha256 ? ` (weights sha256 ${String(want.model_sha256).slice(0, 12)}…)` : ''}, ` +
        `but the loaded model is ${info.id}${info.modelSha256 ? ` (${info.modelSha256.slice(0, 12)}…)` : ''}; load the run's model to continue it`
    );
    e.name = 'ModelMismatch';
    throw e;
  }
}

function judgeConfig(config: RunConfig) {
  return config.judge ? { base_url: config.judge.base_url, model: config.judge.model, api_key_env: config.judge.api_key_env ?? undefined, timeout_ms: config.judge.timeout_ms ?? undefined } : undefined;
}

async function makeLabeller(config: RunConfig, apiKey: string | null): Promise<Labeller> {
  const { createJudge } = await import('../../src/lib/engine/judges/judge');
  return createJudge(
    { mode: config.mode, label_method: config.label_method, f1_threshold: config.f1_threshold, match_mode: config.match_mode, judge: judgeConfig(config), nli: config.nli ?? undefined },
    { apiKey }
  );
}

async function makeSemanticEntropy(config: RunConfig, apiKey: string | null): Promise<SemanticEntropyFunction> {
  const [{ createEntailmentJudge }, { semanticEntropy }] = await Promise.all([import('../../src/lib/engine/judges/entailmentJudge'), import('../../src/lib/core/semantic/semanticEntropy')]);
  const judge = await createEntailmentJudge({ entailment_model: config.entailment_model, judge: judgeConfig(config), nli: config.nli ?? undefined }, { apiKey });
  return async (question, answers) => {
    const { entails, entailsMany } = judge.forQuestion(question);
    const r = await semanticEntropy(answers, entails, { entailsMany, strict: config.strict_entailment });
    return { se: r.se, ids: r.ids, reason: r.reason };
  };
}

async function markStopped(store: IdbRunStore, runId: string, status: 'cancelled', summary: Record<string, unknown> | null): Promise<void> {
  try {
    await store.updateRun(runId, { status, summary });
  } catch {
    // The store itself may be full; the run's record keeps status "running", which the page shows as interrupted.
  }
}

export const experimentApi: ExperimentApi = {
  async experimentModel(): Promise<ExperimentModel | null> {
    const m = state.model;
    if (!m) return null;
    return {
      id: m.info.id,
      numLayers: m.info.numLayers,
      hiddenSize: m.info.hiddenSize,
      capturableLayers: [...m.info.capturableLayers],
      provenance: modelProvenance(m.info, {}) as unknown as Record<string, unknown>,
      source: modelSource()
    };
  },

  async experimentRun(req: ExperimentRunRequest, onEvent?: (e: ExperimentEvent) => void): Promise<ExperimentOutcome> {
    let store: IdbRunStore | null = null;
    // Set once the run is marked running: from then on a stop is written to its record.
    let started = false;
    try {
      store = await openStore(req.dbName);
      const run = await store.getRun(req.runId);
      if (!run) throw new InputError(`no run "${req.runId}" in this browser`);
      if (run.status === 'finished' || run.status === 'imported') throw new InputError(`run "${req.runId}" is ${run.status}; there is nothing to resume`);
      const config = unwrap(parseRunConfig(run.config, { context: 'page', where: `run ${run.id} config` }));
      const items = runItems(run);
      checkModel(run);
      const model = requireModel();
      const apiKey = req.judgeApiKey ? req.judgeApiKey : null;
      const labeller = await makeLabeller(config, apiKey);
      if (run.status !== 'running') await store.updateRun(run.id, { status: 'running' });
      started = true;
      const provenance = { ...(run.provenance as unknown as Provenance), app_version: APP_VERSION };
      const s = store;

      if (config.mode === 'probe_data') {
        const sink = await IdbProbeDataSink.open(s, run.id, model.info.id);
        const semanticEntropy = await makeSemanticEntropy(config, apiKey);
        const summary = await cancellable(req.requestId, (signal) =>
          runProbeData({ model, config, items, sink, semanticEntropy, labeller, signal, onProgress: (e) => onEvent?.({ type: 'probe-item', kind: e.type, index: e.index, total: e.total, itemId: e.itemId, error: e.error }) })
        );
        const full = { ...summary, label_stats: (labeller as { stats?: () => unknown }).stats?.() ?? null };
        await s.updateRun(run.id, { status: 'finished', summary: full });
        return { status: 'finished', summary, error: null };
      }

      const summary = await cancellable(req.requestId, (signal) =>
        runDialogue({
          model,
          config,
          items,
          sink: s.sink(run.id, model.info.id),
          labeller,
          provenance,
          datasetKind: (run.dataset as { kind?: string } | null)?.kind,
          signal,
          onProgress: (event) => onEvent?.({ type: 'progress', event }),
          onToken: onEvent ? (itemId, turn, e) => onEvent({ type: 'token', itemId, turn, text: e.text }) : undefined
        })
      );
      const full = { ...summary, label_stats: (labeller as { stats?: () => unknown }).stats?.() ?? null };
      await s.updateRun(run.id, { status: 'finished', summary: full });
      return { status: 'finished', summary, error: null };
    } catch (e) {
      const err = asError(e);
      if (err.name === 'AbortError') {
        if (store && started) await markStopped(store, req.runId, 'cancelled', null);
        return { status: 'paused', summary: null, error: null };
      }
      // The run stops; what was stored stays (each turn is one transaction), and the record says so.
      if (store && started) await markStopped(store, req.runId, 'cancelled', { stopped_by: err.name, error: err.message });
      return { status: 'stopped', summary: null, error: err };
    }
  }
};
