/**
 * Probe files (design.md "Probes"), pure bytes in and out.
 *
 * Ours: one `.safetensors` whose `__metadata__` holds `format_version` ("1") and `probe`, the JSON header
 * (`ProbeHeader`: kind `sep` | `sep-mlp` | `saplma`, model_id, hidden_size, token_position, layer_range [a, b),
 * input_dim, output, normalization, architecture, training summary, format_version). Tensors are F32: `coef` and
 * `intercept` for `sep`; the PyTorch state-dict names (`model.0.weight`, …) for the MLPs; `input_mean` and
 * `input_std` when the inputs are standardised.
 *
 * Also loads a logistic probe exported from scikit-learn as JSON: `{"coef": [...] | [[...]], "intercept": x | [x],
 * "classes": [0, 1]}`, with `coef_`, `intercept_`, `classes_` as aliases and optional `layer_range` ([a, b]),
 * `token_key` (a token position), `model_id` and `hidden_size`. Its score is P(class 1) = σ(coef·x + intercept).
 */
import { InputError, typeName, type Issue } from '../core/issues';
import {
  PROBE_FORMAT_VERSION,
  PROBE_KINDS,
  PROBE_OUTPUT,
  logisticProbe,
  probeFromParameters,
  type MlpArchitecture,
  type Probe,
  type ProbeHeader,
  type ProbeKind
} from '../core/probes/probe';
import { isTokenPosition, TOKEN_POSITIONS, type TokenPosition } from '../core/probes/tokenPosition';
import { decodeSafetensors, encodeSafetensors, tensorToFloat32, type TensorIn } from './safetensors';

export function encodeProbeFile(probe: Probe): Uint8Array {
  const tensors = new Map<string, TensorIn>();
  for (const p of probe.parameters()) tensors.set(p.name, { dtype: 'F32', shape: [...p.shape], data: p.value });
  return encodeSafetensors(tensors, { format_version: String(PROBE_FORMAT_VERSION), probe: JSON.stringify(probe.header) });
}

function isRange(v: unknown): v is [number, number] {
  return Array.isArray(v) && v.length === 2 && Number.isInteger(v[0]) && Number.isInteger(v[1]) && v[0] >= 0 && v[1] > v[0];
}

/** Validates a parsed probe header; every issue names `where` and the field (`__metadata__.probe.layer_range`). */
export function parseProbeHeader(raw: unknown, where: string): ProbeHeader {
  const issues: Issue[] = [];
  const bad = (field: string, message: string, code = 'invalid_value') =>
    issues.push({ code, path: ['__metadata__', 'probe', field], message: `${where}: __metadata__.probe.${field} ${message}`, where });
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InputError([{ code: 'invalid_type', path: ['__metadata__', 'probe'], message: `${where}: __metadata__.probe must be a JSON object, got ${typeName(raw)}`, where }]);
  }
  const h = raw as Record<string, unknown>;
  const missing = (field: string) => h[field] === undefined && (bad(field, 'is missing', 'missing_field'), true);
  if (!missing('format_version')) {
    if (!Number.isInteger(h.format_version) || (h.format_version as number) < 1) bad('format_version', `must be a positive integer, got ${JSON.stringify(h.format_version)}`);
    else if ((h.format_version as number) > PROBE_FORMAT_VERSION) bad('format_version', `is ${h.format_version}, newer than this app reads (${PROBE_FORMAT_VERSION}); update SpikeScore Lab`, 'newer_format');
  }
  if (!missing('kind') && !PROBE_KINDS.includes(h.kind as ProbeKind)) bad('kind', `must be one of ${PROBE_KINDS.join(', ')}, got ${JSON.stringify(h.kind)}`);
  if (h.model_id !== undefined && h.model_id !== null && typeof h.model_id !== 'string') bad('model_id', `must be a string or null, got ${typeName(h.model_id)}`);
  if (!missing('input_dim') && !(Number.isInteger(h.input_dim) && (h.input_dim as number) > 0)) bad('input_dim', `must be a positive integer, got ${JSON.stringify(h.input_dim)}`);
  const hs = h.hidden_size;
  if (hs !== undefined && hs !== null && !(Number.isInteger(hs) && (hs as number) > 0)) bad('hidden_size', `must be a positive integer or null, got ${JSON.stringify(hs)}`);
  const pos = h.token_position;
  if (pos !== undefined && pos !== null && !isTokenPosition(pos)) bad('token_position', `must be one of ${TOKEN_POSITIONS.join(', ')}, got ${JSON.stringify(pos)}`);
  const range = h.layer_range;
  if (range !== undefined && range !== null && !isRange(range)) bad('layer_range', `must be [a, b] with integers 0 ≤ a < b (half-open), got ${JSON.stringify(range)}`);
  if (isRange(range) && Number.isInteger(hs) && Number.isInteger(h.input_dim) && (range[1] - range[0]) * (hs as number) !== h.input_dim) {
    bad('input_dim', `is ${h.input_dim}, but layer_range [${range[0]}, ${range[1]}) × hidden_size ${hs} gives ${(range[1] - range[0]) * (hs as number)}`, 'mismatch');
  }
  const norm = h.normalization;
  if (norm !== undefined && norm !== null) {
    const n = norm as Record<string, unknown>;
    if (typeof norm !== 'object' || typeof n.mean !== 'string' || typeof n.std !== 'string') bad('normalization', `must be null or {"mean": tensor, "std": tensor}, got ${JSON.stringify(norm)}`);
  }
  if (h.kind === 'sep-mlp' || h.kind === 'saplma') {
    const a = h.architecture as Partial<MlpArchitecture> | undefined;
    const okArch =
      a &&
      typeof a === 'object' &&
      Array.isArray(a.hidden) &&
      a.hidden.every((v) => Number.isInteger(v) && v > 0) &&
      (a.activation === 'mish' || a.activation === 'relu') &&
      (a.layer_norm_eps === null || (typeof a.layer_norm_eps === 'number' && a.layer_norm_eps > 0)) &&
      Array.isArray(a.dropout) &&
      a.dropout.length === a.hidden.length &&
      Number.isInteger(a.stride) &&
      (a.stride as number) >= 2;
    if (!okArch) bad('architecture', `must describe the MLP ({hidden: [...], activation: "mish" | "relu", layer_norm_eps, dropout: [...], stride}), got ${JSON.stringify(a)}`);
  }
  if (issues.length) throw new InputError(issues);
  const kind = h.kind as ProbeKind;
  return {
    format_version: h.format_version as number,
    kind,
    model_id: (h.model_id as string | null | undefined) ?? null,
    hidden_size: (hs as number | null | undefined) ?? null,
    token_position: (pos as TokenPosition | null | undefined) ?? null,
    layer_range: isRange(range) ? [range[0], range[1]] : null,
    input_dim: h.input_dim as number,
    output: PROBE_OUTPUT[kind],
    normalization: (norm as ProbeHeader['normalization']) ?? null,
    architecture: (h.architecture as MlpArchitecture | undefined) ?? null,
    training: (h.training as ProbeHeader['training']) ?? null,
    source: 'spikescore'
  };
}

/** Reads one of our probe files; problems name `where` (the file) and the field or tensor. */
export function decodeProbeFile(bytes: Uint8Array, where = 'probe.safetensors'): Probe {
  const st = decodeSafetensors(bytes, where);
  const text = st.metadata.probe;
  if (text === undefined) {
    throw new InputError([
      { code: 'missing_field', path: ['__metadata__', 'probe'], message: `${where}: __metadata__.probe is missing: not a SpikeScore Lab probe file (train one with \`spikescore probe train\`)`, where }
    ]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InputError([{ code: 'malformed', path: ['__metadata__', 'probe'], message: `${where}: __metadata__.probe is not valid JSON (${(e as Error).message})`, where }]);
  }
  const header = parseProbeHeader(raw, where);
  const tensors = new Map<string, { shape: readonly number[]; value: Float32Array }>();
  for (const [name, t] of st.tensors) tensors.set(name, { shape: t.shape, value: Float32Array.from(tensorToFloat32(t)) });
  return probeFromParameters(header, tensors, where);
}

function pick(o: Record<string, unknown>, key: string): { key: string; value: unknown } {
  if (o[key] !== undefined) return { key, value: o[key] };
  return { key: `${key}_`, value: o[`${key}_`] };
}

/** Reads a logistic probe exported from scikit-learn as JSON (see the header of this file). */
export function parseSklearnProbe(raw: unknown, where = 'probe.json'): Probe {
  const issues: Issue[] = [];
  const bad = (field: string, message: string, code = 'invalid_value') => issues.push({ code, path: [field], message: `${where}: ${field} ${message}`, where });
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InputError([{ code: 'invalid_type', path: [], message: `${where}: a scikit-learn probe must be a JSON object with coef, intercept and classes, got ${typeName(raw)}`, where }]);
  }
  const o = raw as Record<string, unknown>;
  const coefField = pick(o, 'coef');
  let coef: number[] | null = null;
  if (coefField.value === undefined) bad('coef', 'is missing (coef or coef_: a list of numbers, or a list holding one such list)', 'missing_field');
  else {
    let c = coefField.value;
    if (Array.isArray(c) && c.length === 1 && Array.isArray(c[0])) c = c[0];
    if (Array.isArray(c) && Array.isArray(c[0])) bad(coefField.key, `must have one row (a binary classifier), got ${(coefField.value as unknown[]).length} rows`);
    else if (!Array.isArray(c) || c.length === 0 || !c.every((v) => typeof v === 'number' && Number.isFinite(v))) bad(coefField.key, `must be a non-empty list of finite numbers, got ${typeName(c)}`);
    else coef = c as number[];
  }
  const interceptField = pick(o, 'intercept');
  let intercept: number | null = null;
  {
    let v = interceptField.value;
    if (Array.isArray(v) && v.length === 1) v = v[0];
    if (interceptField.value === undefined) bad('intercept', 'is missing (intercept or intercept_: a number or [number])', 'missing_field');
    else if (typeof v !== 'number' || !Number.isFinite(v)) bad(interceptField.key, `must be a finite number or [number], got ${JSON.stringify(interceptField.value)}`);
    else intercept = v;
  }
  const classesField = pick(o, 'classes');
  const cls = classesField.value;
  if (cls === undefined) bad('classes', 'is missing (classes or classes_: [0, 1]; the score is P(class 1))', 'missing_field');
  else if (!(Array.isArray(cls) && cls.length === 2 && ((cls[0] === 0 && cls[1] === 1) || (cls[0] === false && cls[1] === true)))) {
    bad(classesField.key, `must be [0, 1] (the score is P(class 1)), got ${JSON.stringify(cls)}`);
  }
  const range = o.layer_range;
  if (range !== undefined && range !== null && !isRange(range)) bad('layer_range', `must be [a, b] with integers 0 ≤ a < b (half-open), got ${JSON.stringify(range)}`);
  const pos = o.token_key;
  if (pos !== undefined && pos !== null && !isTokenPosition(pos)) bad('token_key', `must be one of ${TOKEN_POSITIONS.join(', ')}, got ${JSON.stringify(pos)}`);
  if (o.model_id !== undefined && o.model_id !== null && typeof o.model_id !== 'string') bad('model_id', `must be a string, got ${typeName(o.model_id)}`);
  let hiddenSize: number | null = null;
  if (coef && isRange(range)) {
    const width = range[1] - range[0];
    if (coef.length % width !== 0) bad('layer_range', `[${range[0]}, ${range[1]}) spans ${width} layers, but coef has ${coef.length} values, not a multiple of ${width}`, 'mismatch');
    else hiddenSize = coef.length / width;
  }
  if (o.hidden_size !== undefined && o.hidden_size !== null) {
    if (!Number.isInteger(o.hidden_size) || (o.hidden_size as number) < 1) bad('hidden_size', `must be a positive integer, got ${JSON.stringify(o.hidden_size)}`);
    else if (hiddenSize !== null && hiddenSize !== o.hidden_size) bad('hidden_size', `is ${o.hidden_size}, but coef (${coef?.length} values) over layer_range gives ${hiddenSize}`, 'mismatch');
    else hiddenSize = o.hidden_size as number;
  }
  if (issues.length || !coef || intercept === null) throw new InputError(issues);
  const header: ProbeHeader = {
    format_version: PROBE_FORMAT_VERSION,
    kind: 'sep',
    model_id: (o.model_id as string | undefined) ?? null,
    hidden_size: hiddenSize,
    token_position: (pos as TokenPosition | undefined) ?? null,
    layer_range: isRange(range) ? [range[0], range[1]] : null,
    input_dim: coef.length,
    output: PROBE_OUTPUT.sep,
    normalization: null,
    architecture: null,
    training: null,
    source: 'sklearn-json'
  };
  return logisticProbe(header, Float64Array.from(coef), intercept);
}

/** True when the bytes start like a safetensors file: a u64 header length that fits, then `{`. */
function looksLikeSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 10) return false;
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  return n >= 2n && n <= BigInt(bytes.length - 8) && bytes[8] === 0x7b;
}

/**
 * loadProbe(bytes, where): our safetensors probe when the bytes start like safetensors, otherwise a scikit-learn
 * JSON probe (a malformed one is an `InputError` naming `where`).
 */
export function loadProbe(bytes: Uint8Array, where: string): Probe {
  if (looksLikeSafetensors(bytes)) return decodeProbeFile(bytes, where);
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new InputError([{ code: 'malformed', path: [], message: `${where}: neither a safetensors probe nor valid JSON (${(e as Error).message})`, where }]);
  }
  return parseSklearnProbe(raw, where);
}
