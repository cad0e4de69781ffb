/**
 * The `probe_data` mode's sink in the page's IndexedDB. A probe-data run keeps two files attached to the run in the
 * probes store (so a run bundle carries them under `probes/`):
 *
 * - `probe_data.json`: a JSON array of the records (`probe_data.jsonl`'s lines; `samples` as their texts, as the
 *   store's reader wants, with the runner's per-sample details in `sample_details`);
 * - `probe_data.safetensors`: `{safe_id}.last_tok_bef_gen_embedding` and `{safe_id}.last_token_embedding`, F16.
 *
 * Both are rewritten in ONE transaction after every question, so a stop leaves the state after the previous one.
 * (Rewriting is quadratic in the number of questions: fine for the page's sizes; the CLI writes files.)
 */
import type { ItemError } from '../../src/lib/core/runner/types';
import type { ProbeDataHidden, ProbeDataRecord, ProbeDataSink } from '../../src/lib/core/runner/runProbeData';
import { decodeProbeDataTensors, encodeProbeDataTensors } from '../../src/lib/store/probeData';
import { writeAtomically, type IdbRunStore } from '../../src/lib/store/idb/runStore';
import type { ProbeRow } from '../../src/lib/store/idb/schema';

export const PROBE_DATA_RECORDS = 'probe_data.json';
export const PROBE_DATA_TENSORS = 'probe_data.safetensors';

type StoredRecord = Omit<ProbeDataRecord, 'samples'> & { samples: string[]; sample_details: ProbeDataRecord['samples'] };

export class IdbProbeDataSink implements ProbeDataSink {
  private constructor(
    private readonly store: IdbRunStore,
    private readonly runId: string,
    private readonly modelId: string,
    private readonly records: StoredRecord[],
    private readonly hidden: Map<string, { tbg: Float32Array; slt: Float32Array }>,
    private layers: readonly number[] | null,
    private hiddenSize: number | null
  ) {}

  /** Opens the sink of a run, reading what an earlier session stored (resume). */
  static async open(store: IdbRunStore, runId: string, modelId: string): Promise<IdbProbeDataSink> {
    const recordsRow = await store.getProbe(`${runId}/${PROBE_DATA_RECORDS}`);
    const tensorsRow = await store.getProbe(`${runId}/${PROBE_DATA_TENSORS}`);
    const records = recordsRow ? (JSON.parse(new TextDecoder().decode(recordsRow.bytes)) as StoredRecord[]) : [];
    const hidden = new Map<string, { tbg: Float32Array; slt: Float32Array }>();
    let layers: readonly number[] | null = null;
    let hiddenSize: number | null = null;
    if (tensorsRow) {
      const t = decodeProbeDataTensors(tensorsRow.bytes, `run ${runId}: ${PROBE_DATA_TENSORS}`);
      layers = t.layers;
      hiddenSize = t.hiddenSize;
      for (const r of records) {
        const tbg = t.tensor(r.id, 'last_tok_bef_gen_embedding');
        const slt = t.tensor(r.id, 'last_token_embedding');
        if (tbg && slt) hidden.set(r.id, { tbg: Float32Array.from(tbg), slt: Float32Array.from(slt) });
      }
    }
    // A record whose tensors are missing is dropped, so that question runs again.
    const kept = records.filter((r) => hidden.has(r.id));
    return new IdbProbeDataSink(store, runId, modelId, kept, hidden, layers, hiddenSize);
  }

  async has(id: string): Promise<boolean> {
    return this.hidden.has(id);
  }

  async put(record: ProbeDataRecord, h: ProbeDataHidden): Promise<void> {
    if (this.layers && JSON.stringify(this.layers) !== JSON.stringify(h.layers)) {
      throw new Error(`probe data of run ${this.runId} holds layers [${this.layers.join(', ')}], this question brought [${h.layers.join(', ')}]`);
    }
    const stored: StoredRecord = { ...record, samples: record.samples.map((s) => s.text), sample_details: record.samples };
    const records = [...this.records, stored];
    const hidden = new Map(this.hidden).set(record.id, { tbg: h.last_tok_bef_gen_embedding, slt: h.last_token_embedding });
    const tensors = encodeProbeDataTensors({
      modelId: this.modelId,
      layers: h.layers,
      hiddenSize: h.hiddenSize,
      items: records.map((r) => ({ id: r.id, hidden: { last_tok_bef_gen_embedding: hidden.get(r.id)!.tbg, last_token_embedding: hidden.get(r.id)!.slt } }))
    });
    const json = new TextEncoder().encode(JSON.stringify(records));
    await this.store.room(tensors.byteLength + json.byteLength);
    const now = new Date().toISOString();
    const row = (name: string, bytes: Uint8Array): ProbeRow => ({ id: `${this.runId}/${name}`, name, run_id: this.runId, created: now, bytes, meta: { kind: 'probe_data', records: records.length } });
    await writeAtomically(this.store.db.transaction('probes', 'readwrite'), (tx, track) => {
      track(tx.store.put(row(PROBE_DATA_RECORDS, json)));
      track(tx.store.put(row(PROBE_DATA_TENSORS, tensors)));
    });
    // Only after the commit: the in-memory state follows the store.
    this.records.push(stored);
    this.hidden.set(record.id, hidden.get(record.id)!);
    this.layers = [...h.layers];
    this.hiddenSize = h.hiddenSize;
  }

  async saveError(error: ItemError): Promise<void> {
    await this.store.sink(this.runId, this.modelId).saveError(error);
  }
}
