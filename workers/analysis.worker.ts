/**
 * The analysis worker: every heavy computation of the Probes and Evaluate pages (bootstrap intervals, probe
 * training, the cross-domain matrix, applying probes), off the page thread. It opens the page's IndexedDB itself,
 * so items and hidden states never cross threads; the page sends run ids and gets results. Its API is declared in
 * `protocols/analysis.ts`; the maths lives in `src/lib/core`, the wiring in `analysis/`.
 */
import * as Comlink from 'comlink';
import type { AnalysisApi, ProbeTrainData } from './protocols/analysis';
import { cancel, cancellable, openStore } from './analysis/context';
import { crossDomainRuns } from './analysis/crossDomain';
import { evaluateRuns } from './analysis/evaluate';
import { applyProbeToRun, importProbe, listProbes, probeBytes, saveProbe, trainProbeOnRuns } from './analysis/probes';
import { runOverview } from './analysis/runData';
import { exportRunBundle, importRunBundle } from '../src/lib/store/idb/bundle';
import { encodeProbeFile } from '../src/lib/store/probeFile';

const api: AnalysisApi = {
  async listRuns() {
    const store = await openStore();
    const runs = await store.listRuns();
    return Promise.all(runs.map((r) => runOverview(store, r)));
  },
  async evaluate(request) {
    return cancellable(request.requestId, async () => evaluateRuns(await openStore(), request));
  },
  async trainProbe(request, onEvent) {
    return cancellable(request.requestId, async (signal) => {
      const seen: { data: ProbeTrainData | null } = { data: null };
      const probe = await trainProbeOnRuns(
        await openStore(),
        request,
        (e) => {
          if (e.type === 'data') seen.data = e;
          void onEvent?.(e);
        },
        signal
      );
      if (!seen.data) throw new Error('trainProbeOnRuns finished without describing its data');
      const bytes = encodeProbeFile(probe);
      return Comlink.transfer({ requestId: request.requestId, data: seen.data, header: probe.header, bytes }, [bytes.buffer as ArrayBuffer]);
    });
  },
  async crossDomain(request, onEvent) {
    return cancellable(request.requestId, async (signal) => ({ requestId: request.requestId, ...(await crossDomainRuns(await openStore(), request, onEvent, signal)) }));
  },
  async saveProbe(name, bytes) {
    return saveProbe(await openStore(), name, bytes);
  },
  async importProbe(request) {
    return importProbe(await openStore(), request);
  },
  async listProbes() {
    return listProbes(await openStore());
  },
  async probeBytes(id) {
    const bytes = Uint8Array.from(await probeBytes(await openStore(), id));
    return Comlink.transfer(bytes, [bytes.buffer]);
  },
  async deleteProbe(id) {
    await (await openStore()).deleteProbe(id);
  },
  async applyProbe(request, onProgress) {
    return cancellable(request.requestId, async (signal) => ({ requestId: request.requestId, ...(await applyProbeToRun(await openStore(), request, onProgress, signal)) }));
  },
  async exportBundle(runId) {
    const bytes = await exportRunBundle(await openStore(), runId);
    return Comlink.transfer(bytes, [bytes.buffer as ArrayBuffer]);
  },
  async importBundle(bytes, name) {
    const store = await openStore();
    return runOverview(store, await importRunBundle(store, bytes, name));
  },
  cancel(requestId) {
    cancel(requestId);
  }
};

Comlink.expose(api);
