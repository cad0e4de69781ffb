/**
 * Probe-training data, what the `probe_data` mode writes into its output folder (design.md "Probe training data"):
 *
 * - `probe_data.jsonl`: one JSON object per line and question, `{id, question, gold_answer, most_likely_answer,
 *   accuracy (1 correct / 0 wrong / null unknown), semantic_entropy (nats, ≥ 0, or null), samples[]}` (other
 *   fields are kept);
 * - `probe_data.safetensors`: tensors `{safe_id}.last_tok_bef_gen_embedding` (TBG) and
 *   `{safe_id}.last_token_embedding` (SLT), each `[n_stored_layers, hidden]` F16, with the hidden-state files'
 *   metadata (`format_version`, `model_id`, `layers`, `hidden_size`).
 *
 * Encoders and decoders validate: every problem names the line (`probe_data.jsonl:4`) or the tensor.
 */
import { encodeF16 } from '../core/float16';
import { InputError, typeName, type Issue, type Result } from '../core/issues';
import { safeId } from '../core/itemResult';
import { isTokenPosition, type TokenPosition } from '../core/probes/tokenPosition';
import { checkedTensorSize, checkLayerTensor, readLayerMetadata, rowsOfRange } from './hiddenStates';
import { decodeSafetensors, encodeSafetensors, tensorToFloat32, type TensorIn, type TensorOut } from './safetensors';

export const PROBE_DATA_FORMAT_VERSION = 1;
export const PROBE_DATA_JSONL = 'probe_data.jsonl';
export const PROBE_DATA_SAFETENSORS = 'probe_data.safetensors';

/** The positions probe data keeps: the last prompt token (TBG) and the last token fed (SLT). */
export const PROBE_DATA_POSITIONS: readonly TokenPosition[] = ['last_tok_bef_gen_embedding', 'last_token_embedding'];

export interface ProbeDataRecord {
  id: string;
  question: string;
  gold_answer: string | string[] | null;
  most_likely_answer: string;
  /** 1 correct, 0 wrong, null unknown. */
  accuracy: 0 | 1 | null;
  /** Cluster-assignment entropy of the samples (nats), or null when not computed. */
  semantic_entropy: number | null;
  samples: string[];
  [key: string]: unknown;
}

export function encodeProbeDataJsonl(records: readonly ProbeDataRecord[]): string {
  return records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : '');
}

/** Parses `probe_data.jsonl`; every issue names its line (`where:line`) and field. Blank lines are skipped. */
export function parseProbeDataJsonl(text: string, where = PROBE_DATA_JSONL): Result<ProbeDataRecord[]> {
  const issues: Issue[] = [];
  const records: ProbeDataRecord[] = [];
  const seen = new Map<string, number>();
  const safeSeen = new Map<string, number>();
  text.split(/\r?\n/).forEach((line, i) => {
    const lineNo = i + 1;
    if (line.trim() === '') return;
    const at = `${where}:${lineNo}`;
    const add = (code: string, path: string[], message: string) => issues.push({ code, path, message: `${at}: ${message}`, where: at });
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (e) {
      add('malformed', [], `not valid JSON (${(e as Error).message})`);
      return;
    }
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      add('invalid_type', [], `a line must hold a JSON object, got ${typeName(raw)}`);
      return;
    }
    const o = raw as Record<string, unknown>;
    const before = issues.length;
    if (typeof o.id === 'number') o.id = String(o.id);
    if (typeof o.id !== 'string' || o.id === '') add(o.id === undefined ? 'missing_field' : 'invalid_type', ['id'], `id must be a non-empty string, got ${typeName(o.id)}`);
    for (const key of ['question', 'most_likely_answer'] as const) {
      if (typeof o[key] !== 'string') add(o[key] === undefined ? 'missing_field' : 'invalid_type', [key], `${key} must be a string, got ${typeName(o[key])}`);
    }
    const gold = o.gold_answer;
    if (gold === undefined) add('missing_field', ['gold_answer'], 'gold_answer is missing (a string, a list of strings or null)');
    else if (!(gold === null || typeof gold === 'string' || (Array.isArray(gold) && gold.every((g) => typeof g === 'string')))) {
      add('invalid_type', ['gold_answer'], `gold_answer must be a string, a list of strings or null, got ${typeName(gold)}`);
    }
    if (o.accuracy === undefined) add('missing_field', ['accuracy'], 'accuracy is missing (1 correct, 0 wrong or null)');
    else if (!(o.accuracy === null || o.accuracy === 0 || o.accuracy === 1)) add('invalid_value', ['accuracy'], `accuracy must be 1 (correct), 0 (wrong) or null, got ${JSON.stringify(o.accuracy)}`);
    const se = o.semantic_entropy;
    if (se === undefined) add('missing_field', ['semantic_entropy'], 'semantic_entropy is missing (nats ≥ 0, or null)');
    else if (!(se === null || (typeof se === 'number' && Number.isFinite(se) && se >= 0))) add('invalid_value', ['semantic_entropy'], `semantic_entropy must be a finite number ≥ 0 or null, got ${JSON.stringify(se)}`);
    if (!Array.isArray(o.samples)) add(o.samples === undefined ? 'missing_field' : 'invalid_type', ['samples'], `samples must be a list of answer strings, got ${typeName(o.samples)}`);
    else o.samples.forEach((s, k) => typeof s !== 'string' && add('invalid_type', ['samples', String(k)], `samples[${k}] must be a string, got ${typeName(s)}`));
    if (typeof o.id === 'string' && o.id !== '') {
      const first = seen.get(o.id);
      if (first !== undefined) add('invalid_value', ['id'], `id ${JSON.stringify(o.id)} repeats line ${first}`);
      else seen.set(o.id, lineNo);
      const sid = safeId(o.id);
      const firstSafe = safeSeen.get(sid);
      if (first === undefined && firstSafe !== undefined) add('invalid_value', ['id'], `id ${JSON.stringify(o.id)} has the same file-safe id "${sid}" as line ${firstSafe}`);
      else if (firstSafe === undefined) safeSeen.set(sid, lineNo);
    }
    if (issues.length === before) records.push(o as ProbeDataRecord);
  });
  if (issues.length) return { ok: false, issues };
  if (records.length === 0) return { ok: false, issues: [{ code: 'empty', path: [], message: `${where}: no records`, where }] };
  return { ok: true, value: records, warnings: [] };
}

export interface ProbeDataTensorsInput {
  readonly modelId: string;
  readonly layers: readonly number[];
  readonly hiddenSize: number;
  /** Per item id, its TBG and SLT hidden states `[layers.length × hiddenSize]`. */
  readonly items: readonly { readonly id: string; readonly hidden: Partial<Record<TokenPosition, Float32Array>> }[];
}

export function probeDataTensorName(id: string, position: TokenPosition): string {
  return `${safeId(id)}.${position}`;
}

export function encodeProbeDataTensors(input: ProbeDataTensorsInput): Uint8Array {
  const H = input.hiddenSize;
  const size = checkedTensorSize(input);
  const tensors = new Map<string, TensorIn>();
  for (const item of input.items) {
    for (const key of Object.keys(item.hidden)) {
      if (!isTokenPosition(key) || !PROBE_DATA_POSITIONS.includes(key)) throw new TypeError(`item ${item.id}: probe data keeps ${PROBE_DATA_POSITIONS.join(' and ')}, got "${key}"`);
    }
    for (const position of PROBE_DATA_POSITIONS) {
      const v = item.hidden[position];
      if (!v) continue;
      if (!(v instanceof Float32Array) || v.length !== size) throw new TypeError(`item ${item.id} ${position} must be a Float32Array of ${input.layers.length} × ${H} = ${size} values`);
      const name = probeDataTensorName(item.id, position);
      if (tensors.has(name)) throw new TypeError(`item ${item.id}: tensor "${name}" is written twice (ids with the same file-safe id)`);
      tensors.set(name, { dtype: 'F16', shape: [input.layers.length, H], data: encodeF16(v) });
    }
  }
  return encodeSafetensors(tensors, {
    format_version: String(PROBE_DATA_FORMAT_VERSION),
    model_id: input.modelId,
    layers: JSON.stringify(input.layers),
    hidden_size: String(H)
  });
}

export interface ProbeDataTensors {
  readonly where: string;
  readonly modelId: string;
  readonly layers: readonly number[];
  readonly hiddenSize: number | null;
  /** `[layers × hidden]` float32, or null when the item or position is absent. */
  tensor(id: string, position: TokenPosition): Float32Array | null;
}

export function decodeProbeDataTensors(bytes: Uint8Array, where = PROBE_DATA_SAFETENSORS): ProbeDataTensors {
  const st = decodeSafetensors(bytes, where);
  const meta = readLayerMetadata(st.metadata, where, 'probe-data', PROBE_DATA_FORMAT_VERSION);
  let hiddenSize = meta.hiddenSize;
  const byName = new Map<string, TensorOut>();
  for (const [name, t] of st.tensors) {
    const dot = name.lastIndexOf('.');
    const position = name.slice(dot + 1);
    if (dot <= 0 || !isTokenPosition(position) || !PROBE_DATA_POSITIONS.includes(position)) {
      throw new InputError([
        { code: 'unknown_field', path: [name], message: `${where}: unexpected tensor "${name}"; probe-data tensors are named {safe_id}.${PROBE_DATA_POSITIONS.join(' or {safe_id}.')}`, where }
      ]);
    }
    hiddenSize = checkLayerTensor(name, t, meta.layers.length, hiddenSize, where);
    byName.set(name, t);
  }
  return {
    where,
    modelId: meta.modelId,
    layers: meta.layers,
    hiddenSize,
    tensor(id: string, position: TokenPosition): Float32Array | null {
      const t = byName.get(probeDataTensorName(id, position));
      return t ? tensorToFloat32(t) : null;
    }
  };
}

export interface ProbeFeatures {
  /** `[n × d]` rows of the selected layers, layer-major. */
  readonly X: Float32Array;
  readonly n: number;
  readonly d: number;
  readonly hiddenSize: number;
  /** The records of the rows, in order. */
  readonly records: readonly ProbeDataRecord[];
  /** Ids whose tensor for the position is missing (skipped). */
  readonly missing: readonly string[];
}

/**
 * The feature matrix of `records` at `position`, over hidden-state indices [a, b). Records without that tensor
 * are skipped and listed in `missing`; a layer range not stored is an `InputError` naming the file.
 */
export function probeFeatures(records: readonly ProbeDataRecord[], tensors: ProbeDataTensors, position: TokenPosition, range: readonly [number, number], keep: (r: ProbeDataRecord) => boolean = () => true): ProbeFeatures {
  if (!PROBE_DATA_POSITIONS.includes(position)) {
    throw new InputError([{ code: 'invalid_value', path: ['token_key'], message: `probe data keeps ${PROBE_DATA_POSITIONS.join(' and ')}; ${position} is not stored there`, where: tensors.where }]);
  }
  const { start, count } = rowsOfRange(tensors.layers, range, tensors.where);
  const rows: Float32Array[] = [];
  const used: ProbeDataRecord[] = [];
  const missing: string[] = [];
  let H = tensors.hiddenSize ?? 0;
  for (const r of records) {
    if (!keep(r)) continue;
    const t = tensors.tensor(r.id, position);
    if (!t) {
      missing.push(r.id);
      continue;
    }
    H = t.length / tensors.layers.length;
    rows.push(t.subarray(start * H, (start + count) * H));
    used.push(r);
  }
  const d = count * H;
  const X = new Float32Array(rows.length * d);
  rows.forEach((row, i) => X.set(row, i * d));
  return { X, n: rows.length, d, hiddenSize: H, records: used, missing };
}
