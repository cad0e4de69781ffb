/**
 * Hidden-state files (`<safe_id>.safetensors`, design.md "Hidden states"), pure bytes in and out.
 *
 * - One F16 tensor per turn and token position, named `turn{k}.<position>`, shape `[n_stored_layers, hidden]`,
 *   rows in the order of `layers`.
 * - `__metadata__` (string values): `format_version` ("1"), `model_id`, `layers` (a JSON array in a string, e.g.
 *   "[13,14,15]": the hidden-state indices stored, strictly increasing; 0 = embedding output, i = residual stream
 *   after decoder layer i, the last taken before the final norm) and `hidden_size` (ours, a convenience).
 *
 * A layer range [a, b) is half-open over hidden-state indices (not over rows); asking for an index that was not
 * stored is an error naming the file. A newer `format_version` is refused; a file without one is not ours (the
 * seed kept pickles) and is refused with a hint.
 *
 * This is the one module for these files: the CLI's run directory and the bundles write them with
 * `encodeHiddenStates` (values as float32, or as F16 bits kept as they are), and every reader (bundle import,
 * `spikescore metrics`, probes) decodes them with `decodeHiddenStates`.
 */
import { encodeF16 } from '../core/float16';
import { InputError, type Issue } from '../core/issues';
import { isTokenPosition, TOKEN_POSITIONS, type TokenPosition } from '../core/probes/tokenPosition';
import { decodeSafetensors, encodeSafetensors, tensorF16Bits, tensorToFloat32, type TensorIn, type TensorOut } from './safetensors';

export const HIDDEN_STATES_FORMAT_VERSION = 1;

/**
 * One turn's hidden states per position, `[layers.length × hiddenSize]` layer-major: float32 values (encoded to F16),
 * or a `Uint16Array` of F16 bit patterns, stored as they are (the runner and the page's store keep F16 bits, so a
 * file is rewritten without a round trip).
 */
export type TurnHidden = Partial<Record<TokenPosition, Float32Array | Uint16Array>>;

export interface HiddenStatesInput {
  readonly modelId: string;
  /** Hidden-state indices stored, strictly increasing. */
  readonly layers: readonly number[];
  readonly hiddenSize: number;
  /** Per turn k, the captured positions, each `[layers.length × hiddenSize]` layer-major. A missing turn (e.g. a timeout) is skipped. */
  readonly turns: ReadonlyMap<number, TurnHidden> | readonly (TurnHidden | null | undefined)[];
}

export interface HiddenStatesFile {
  /** The file name, for messages. */
  readonly where: string;
  readonly formatVersion: number;
  readonly modelId: string;
  readonly layers: readonly number[];
  /** Null only for a file without tensors and without `hidden_size`. */
  readonly hiddenSize: number | null;
  /** Turns with at least one tensor, ascending. */
  readonly turns: readonly number[];
  /** `[layers.length × hiddenSize]` float32 values, or null when that turn or position was not stored. */
  tensor(turn: number, position: TokenPosition): Float32Array | null;
  /** The same values as F16 bit patterns (exact for an F16 file; F32 and BF16 files are rounded to F16). */
  f16Bits(turn: number, position: TokenPosition): Uint16Array | null;
}

export function hiddenTensorName(turn: number, position: TokenPosition): string {
  return `turn${turn}.${position}`;
}

/** Checks a `layers` list: non-negative integers, strictly increasing, not empty. Returns a message or null. */
export function layersProblem(layers: unknown): string | null {
  if (!Array.isArray(layers) || layers.length === 0) return `must be a non-empty array of hidden-state indices, got ${JSON.stringify(layers)}`;
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i];
    if (!Number.isInteger(l) || l < 0) return `must hold non-negative integers, got ${JSON.stringify(l)} at ${i}`;
    if (i > 0 && l <= layers[i - 1]) return `must be strictly increasing, got ${JSON.stringify(layers)}`;
  }
  return null;
}

/**
 * Checks what every hidden-state file is written from (`layers` as `layersProblem` wants them, a non-empty
 * `modelId`, a positive integer `hiddenSize`) and returns the values per tensor, layers × hiddenSize. Misuse throws
 * a TypeError naming the field.
 */
export function checkedTensorSize(input: { readonly modelId: string; readonly layers: readonly number[]; readonly hiddenSize: number }): number {
  const problem = layersProblem(input.layers);
  if (problem) throw new TypeError(`layers ${problem}`);
  if (typeof input.modelId !== 'string' || input.modelId === '') throw new TypeError(`modelId must be a non-empty string, got ${JSON.stringify(input.modelId)}`);
  const H = input.hiddenSize;
  if (!Number.isInteger(H) || H < 1) throw new TypeError(`hiddenSize must be a positive integer, got ${String(H)}`);
  return input.layers.length * H;
}

export function encodeHiddenStates(input: HiddenStatesInput): Uint8Array {
  const H = input.hiddenSize;
  const size = checkedTensorSize(input);
  const entries: [number, TurnHidden][] = input.turns instanceof Map ? [...input.turns.entries()] : [...(input.turns as readonly (TurnHidden | null | undefined)[]).entries()].filter((e): e is [number, TurnHidden] => !!e[1]);
  entries.sort((a, b) => a[0] - b[0]);
  const tensors = new Map<string, TensorIn>();
  for (const [turn, hidden] of entries) {
    if (!Number.isInteger(turn) || turn < 0) throw new TypeError(`turn indices must be non-negative integers, got ${String(turn)}`);
    for (const key of Object.keys(hidden)) {
      if (!isTokenPosition(key)) throw new TypeError(`turn ${turn}: unknown position "${key}"; positions: ${TOKEN_POSITIONS.join(', ')}`);
    }
    // Canonical order (turns ascending, positions as TOKEN_POSITIONS): the same content gives the same bytes.
    for (const position of TOKEN_POSITIONS) {
      const v = hidden[position];
      if (!v) continue;
      const typed = v instanceof Float32Array || v instanceof Uint16Array;
      if (!typed || v.length !== size) {
        throw new TypeError(
          `turn ${turn} ${position} must be a Float32Array (or a Uint16Array of F16 bits) of layers × hidden = ${input.layers.length} × ${H} = ${size} values, got ${typed ? v.length : typeof v}`
        );
      }
      tensors.set(hiddenTensorName(turn, position), { dtype: 'F16', shape: [input.layers.length, H], data: v instanceof Uint16Array ? v : encodeF16(v) });
    }
  }
  return encodeSafetensors(tensors, {
    format_version: String(HIDDEN_STATES_FORMAT_VERSION),
    model_id: input.modelId,
    layers: JSON.stringify(input.layers),
    hidden_size: String(H)
  });
}

/** Reads and checks the shared metadata of hidden-state and probe-data files. */
export function readLayerMetadata(metadata: Readonly<Record<string, string>>, where: string, kind: string, maxVersion = HIDDEN_STATES_FORMAT_VERSION): { formatVersion: number; modelId: string; layers: number[]; hiddenSize: number | null } {
  const issues: Issue[] = [];
  const bad = (field: string, message: string, code = 'invalid_value') => issues.push({ code, path: ['__metadata__', field], message: `${where}: ${message}`, where });
  const fv = metadata.format_version;
  let formatVersion = NaN;
  if (fv === undefined) {
    bad('format_version', `__metadata__.format_version is missing: not a SpikeScore Lab ${kind} file (the seed code kept pickles; convert them with their layer list)`, 'missing_field');
  } else {
    formatVersion = Number(fv);
    if (!/^\d+$/.test(fv)) bad('format_version', `__metadata__.format_version must be a non-negative integer, got ${JSON.stringify(fv)}`);
    else if (formatVersion > maxVersion) bad('format_version', `format_version ${formatVersion} is newer than this app reads (${maxVersion}); update SpikeScore Lab`, 'newer_format');
  }
  const modelId = metadata.model_id;
  if (modelId === undefined || modelId === '') bad('model_id', '__metadata__.model_id is missing', 'missing_field');
  let layers: number[] = [];
  if (metadata.layers === undefined) bad('layers', '__metadata__.layers is missing (the hidden-state indices stored, e.g. "[13,14,15]")', 'missing_field');
  else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(metadata.layers);
    } catch {
      parsed = undefined;
    }
    const problem = layersProblem(parsed);
    if (problem) bad('layers', `__metadata__.layers ${problem} (from ${JSON.stringify(metadata.layers)})`);
    else layers = parsed as number[];
  }
  let hiddenSize: number | null = null;
  if (metadata.hidden_size !== undefined) {
    hiddenSize = Number(metadata.hidden_size);
    if (!/^\d+$/.test(metadata.hidden_size) || hiddenSize < 1) bad('hidden_size', `__metadata__.hidden_size must be a positive integer, got ${JSON.stringify(metadata.hidden_size)}`);
  }
  if (issues.length) throw new InputError(issues);
  return { formatVersion, modelId, layers, hiddenSize };
}

/** Checks that a tensor is `[layers × hidden]` and returns its hidden size. */
export function checkLayerTensor(name: string, t: TensorOut, nLayers: number, hiddenSize: number | null, where: string): number {
  if (!['F16', 'BF16', 'F32'].includes(t.dtype)) {
    throw new InputError([{ code: 'invalid_value', path: [name], message: `${where}: tensor "${name}" is ${t.dtype}; hidden states are F16 (F32 and BF16 are read too)`, where }]);
  }
  if (t.shape.length !== 2 || t.shape[0] !== nLayers || (hiddenSize !== null && t.shape[1] !== hiddenSize)) {
    throw new InputError([
      { code: 'mismatch', path: [name], message: `${where}: tensor "${name}" has shape [${t.shape.join(', ')}], expected [${nLayers}, ${hiddenSize ?? 'hidden'}] (${nLayers} stored layers)`, where }
    ]);
  }
  return t.shape[1];
}

export function decodeHiddenStates(bytes: Uint8Array, where = 'hidden states'): HiddenStatesFile {
  const st = decodeSafetensors(bytes, where);
  const meta = readLayerMetadata(st.metadata, where, 'hidden-state');
  let hiddenSize = meta.hiddenSize;
  const byKey = new Map<string, TensorOut>();
  const turns = new Set<number>();
  for (const [name, t] of st.tensors) {
    const m = /^turn(\d+)\.(.+)$/.exec(name);
    if (!m || !isTokenPosition(m[2])) {
      throw new InputError([{ code: 'unknown_field', path: [name], message: `${where}: unexpected tensor "${name}"; hidden-state tensors are named turn{k}.<position> with position one of ${TOKEN_POSITIONS.join(', ')}`, where }]);
    }
    hiddenSize = checkLayerTensor(name, t, meta.layers.length, hiddenSize, where);
    byKey.set(name, t);
    turns.add(Number(m[1]));
  }
  const cache = new Map<string, Float32Array>();
  return {
    where,
    formatVersion: meta.formatVersion,
    modelId: meta.modelId,
    layers: meta.layers,
    hiddenSize,
    turns: [...turns].sort((a, b) => a - b),
    tensor(turn: number, position: TokenPosition): Float32Array | null {
      const name = hiddenTensorName(turn, position);
      let v = cache.get(name);
      if (!v) {
        const t = byKey.get(name);
        if (!t) return null;
        v = tensorToFloat32(t);
        cache.set(name, v);
      }
      return v;
    },
    f16Bits(turn: number, position: TokenPosition): Uint16Array | null {
      const t = byKey.get(hiddenTensorName(turn, position));
      if (!t) return null;
      return t.dtype === 'F16' ? tensorF16Bits(t) : encodeF16(tensorToFloat32(t));
    }
  };
}

/**
 * The rows of the stored `layers` that hold hidden-state indices a … b−1. An index not stored is an `InputError`
 * naming `where` and what was stored.
 */
export function rowsOfRange(layers: readonly number[], range: readonly [number, number], where: string): { start: number; count: number } {
  const [a, b] = range;
  if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b <= a) {
    throw new InputError([{ code: 'invalid_value', path: ['layer_range'], message: `layer range must be a,b with integers 0 ≤ a < b (half-open), got ${a},${b}`, where }]);
  }
  const start = layers.indexOf(a);
  const missing: number[] = [];
  for (let l = a; l < b; l++) if (!layers.includes(l)) missing.push(l);
  if (start < 0 || missing.length) {
    throw new InputError([
      { code: 'not_found', path: ['layers'], message: `${where}: layer range [${a}, ${b}) needs hidden-state indices ${missing.join(', ')}, which were not stored; stored: [${layers.join(', ')}]`, where }
    ]);
  }
  return { start, count: b - a };
}

/**
 * sliceLayers(file, position, turn, [a, b)) returns the hidden states of indices a … b−1 at `position` in turn
 * `turn`, concatenated layer-major (length (b − a) · hidden), or null when that turn or position was not stored
 * (a timed-out turn). A layer index that was not stored is an `InputError` naming the file.
 */
export function sliceLayers(file: HiddenStatesFile, position: TokenPosition, turn: number, range: readonly [number, number]): Float32Array | null {
  const { start, count } = rowsOfRange(file.layers, range, file.where);
  const t = file.tensor(turn, position);
  if (!t) return null;
  const H = t.length / file.layers.length;
  return t.slice(start * H, (start + count) * H);
}

/**
 * Every stored turn of `file` as encoder input, so that a runner can add a turn and write the file again:
 * `encodeHiddenStates({modelId, layers, hiddenSize, turns: hiddenStatesTurns(old).set(k, hidden)})`. As `float32`
 * (default), F16 values survive the round trip exactly; as `f16`, the stored bits are handed over as they are.
 */
export function hiddenStatesTurns(file: HiddenStatesFile, as: 'float32' | 'f16' = 'float32'): Map<number, TurnHidden> {
  const out = new Map<number, TurnHidden>();
  for (const turn of file.turns) {
    const hidden: TurnHidden = {};
    for (const position of TOKEN_POSITIONS) {
      const t = as === 'f16' ? file.f16Bits(turn, position) : file.tensor(turn, position);
      if (t) hidden[position] = t;
    }
    out.set(turn, hidden);
  }
  return out;
}
