/**
 * The `probe_data` mode's output folder (design.md "Probe training data"), as the runner's `ProbeDataSink`:
 *
 *   <dir>/probe_data.jsonl            one line per question, appended as each one finishes: the runner's record
 *                                     with `samples` as their texts and the sample objects as `sample_details`
 *                                     (the page's probe-data store keeps the same shape)
 *   <dir>/probe_data.safetensors      `{safe_id}.last_tok_bef_gen_embedding` and `{safe_id}.last_token_embedding`,
 *                                     `[n_stored_layers, hidden]` F16, in the order of the JSONL lines
 *   <dir>/.probe_parts/<safe_id>.safetensors   one question's two tensors, until the run's end assembles them
 *   <dir>/<safe_id>_error.json        a question that failed
 *
 * Per question the part file is written first (atomically), then the JSONL line is appended and synced: the line
 * is the record of what is finished. Rewriting one safetensors file after every question would cost O(n²) bytes,
 * so `finish()` (after the last question) assembles `probe_data.safetensors` from the parts and the previous
 * assembled file, atomically, then removes the parts.
 *
 * Opening a folder after a crash: a last line without its newline (an append cut short) is dropped, and so is a
 * line whose tensors are in neither a part nor the assembled file; the JSONL is rewritten without them, so those
 * questions run again. A resumed run therefore ends with the same two files as an uninterrupted one.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { safeId } from '../../core/itemResult';
import type { ProbeDataHidden, ProbeDataRecord, ProbeDataSink } from '../../core/runner/runProbeData';
import type { ItemError } from '../../core/runner/types';
import { decodeProbeDataTensors, encodeProbeDataTensors, PROBE_DATA_JSONL, PROBE_DATA_POSITIONS, PROBE_DATA_SAFETENSORS, type ProbeDataTensors } from '../probeData';
import { atomicWrite, atomicWriteJson, exists } from './files';

export const PROBE_PARTS_DIR = '.probe_parts';

interface Layout {
  readonly layers: readonly number[];
  readonly hiddenSize: number;
}

async function readIfExists(path: string): Promise<Uint8Array | null> {
  try {
    return new Uint8Array(await fs.readFile(path));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

export class ProbeDataDirSink implements ProbeDataSink {
  private constructor(
    readonly dir: string,
    readonly modelId: string,
    /** The finished lines, in file order, by id. */
    private readonly lines: Map<string, string>,
    private readonly parts: Set<string>,
    private assembled: ProbeDataTensors | null,
    private layout: Layout | null
  ) {}

  get jsonlPath(): string {
    return join(this.dir, PROBE_DATA_JSONL);
  }

  get tensorsPath(): string {
    return join(this.dir, PROBE_DATA_SAFETENSORS);
  }

  partPath(id: string): string {
    return join(this.dir, PROBE_PARTS_DIR, `${safeId(id)}.safetensors`);
  }

  /** Opens (or starts) the folder, repairing what a crash may have left: see the module comment. */
  static async open(dir: string, modelId: string): Promise<ProbeDataDirSink> {
    await fs.mkdir(join(dir, PROBE_PARTS_DIR), { recursive: true });
    const assembledBytes = await readIfExists(join(dir, PROBE_DATA_SAFETENSORS));
    const assembled = assembledBytes ? decodeProbeDataTensors(assembledBytes, join(dir, PROBE_DATA_SAFETENSORS)) : null;
    const parts = new Set((await fs.readdir(join(dir, PROBE_PARTS_DIR))).filter((n) => n.endsWith('.safetensors') && !n.startsWith('.')).map((n) => n.slice(0, -'.safetensors'.length)));
    const text = (await readIfExists(join(dir, PROBE_DATA_JSONL))) ?? new Uint8Array();
    const raw = new TextDecoder().decode(text);
    const pieces = raw.split('\n');
    const complete = pieces.slice(0, -1); // the piece after the last newline is empty, or an append cut short
    let repaired = pieces[pieces.length - 1] !== '';
    const lines = new Map<string, string>();
    let layout: Layout | null = assembled && assembled.hiddenSize !== null ? { layers: assembled.layers, hiddenSize: assembled.hiddenSize } : null;
    for (const line of complete) {
      if (line.trim() === '') continue;
      let id: unknown;
      try {
        id = (JSON.parse(line) as { id?: unknown }).id;
      } catch {
        repaired = true; // a line that is not JSON is not finished work
        continue;
      }
      if (typeof id !== 'string' || lines.has(id)) {
        repaired = true;
        continue;
      }
      const sid = safeId(id);
      const inAssembled = assembled !== null && PROBE_DATA_POSITIONS.every((p) => assembled.tensor(id as string, p) !== null);
      if (!parts.has(sid) && !inAssembled) {
        repaired = true;
        continue;
      }
      if (!layout && parts.has(sid)) {
        const part = decodeProbeDataTensors(new Uint8Array(await fs.readFile(join(dir, PROBE_PARTS_DIR, `${sid}.safetensors`))), sid);
        if (part.hiddenSize !== null) layout = { layers: part.layers, hiddenSize: part.hiddenSize };
      }
      lines.set(id, line);
    }
    const sink = new ProbeDataDirSink(dir, modelId, lines, parts, assembled, layout);
    if (repaired) await atomicWrite(sink.jsonlPath, sink.jsonlText());
    return sink;
  }

  private jsonlText(): string {
    return [...this.lines.values()].map((l) => l + '\n').join('');
  }

  async has(id: string): Promise<boolean> {
    return this.lines.has(id);
  }

  async put(record: ProbeDataRecord, hidden: ProbeDataHidden): Promise<void> {
    if (this.lines.has(record.id)) throw new Error(`${this.jsonlPath} already holds question "${record.id}"`);
    const layout: Layout = { layers: [...hidden.layers], hiddenSize: hidden.hiddenSize };
    if (this.layout && (JSON.stringify(this.layout.layers) !== JSON.stringify(layout.layers) || this.layout.hiddenSize !== layout.hiddenSize)) {
      throw new TypeError(
        `${this.dir}: question ${record.id} has layers [${layout.layers.join(',')}] × ${layout.hiddenSize}, but the folder holds [${this.layout.layers.join(',')}] × ${this.layout.hiddenSize}; one folder holds one layer set`
      );
    }
    const part = encodeProbeDataTensors({
      modelId: this.modelId,
      layers: layout.layers,
      hiddenSize: layout.hiddenSize,
      items: [{ id: record.id, hidden: { last_tok_bef_gen_embedding: hidden.last_tok_bef_gen_embedding, last_token_embedding: hidden.last_token_embedding } }]
    });
    await atomicWrite(this.partPath(record.id), part);
    this.parts.add(safeId(record.id));
    this.layout ??= layout;
    const line = JSON.stringify({ ...record, samples: record.samples.map((x) => x.text), sample_details: record.samples });
    const handle = await fs.open(this.jsonlPath, 'a');
    try {
      await handle.appendFile(line + '\n');
      await handle.sync();
    } finally {
      await handle.close();
    }
    this.lines.set(record.id, line);
    await fs.rm(join(this.dir, `${safeId(record.id)}_error.json`), { force: true });
  }

  async saveError(error: ItemError): Promise<void> {
    await atomicWriteJson(join(this.dir, `${safeId(error.id)}_error.json`), error);
  }

  /** Assembles `probe_data.safetensors` from every finished question, in line order, then removes the parts. */
  async finish(): Promise<void> {
    if (!this.layout || this.lines.size === 0) return;
    const items: { id: string; hidden: { last_tok_bef_gen_embedding: Float32Array; last_token_embedding: Float32Array } }[] = [];
    for (const id of this.lines.keys()) {
      const sid = safeId(id);
      let source: ProbeDataTensors | null = this.assembled;
      if (this.parts.has(sid)) source = decodeProbeDataTensors(new Uint8Array(await fs.readFile(this.partPath(id))), this.partPath(id));
      const tbg = source?.tensor(id, 'last_tok_bef_gen_embedding');
      const slt = source?.tensor(id, 'last_token_embedding');
      if (!tbg || !slt) throw new Error(`${this.dir}: the hidden states of question "${id}" are missing from ${PROBE_PARTS_DIR}/ and ${PROBE_DATA_SAFETENSORS}`);
      items.push({ id, hidden: { last_tok_bef_gen_embedding: tbg, last_token_embedding: slt } });
    }
    const bytes = encodeProbeDataTensors({ modelId: this.assembled?.modelId ?? this.modelId, layers: this.layout.layers, hiddenSize: this.layout.hiddenSize, items });
    await atomicWrite(this.tensorsPath, bytes);
    this.assembled = decodeProbeDataTensors(bytes, this.tensorsPath);
    for (const sid of this.parts) await fs.rm(join(this.dir, PROBE_PARTS_DIR, `${sid}.safetensors`), { force: true });
    this.parts.clear();
    await fs.rm(join(this.dir, PROBE_PARTS_DIR), { recursive: true, force: true });
  }

  /** Whether the folder holds probe data already (for messages). */
  static async exists(dir: string): Promise<boolean> {
    return exists(join(dir, PROBE_DATA_JSONL));
  }
}
