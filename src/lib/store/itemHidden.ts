/**
 * The hidden states of one dialogue item, in and out of `<safe_id>.safetensors` bytes (design.md, Hidden states):
 * F16 tensors named `turn{k}.<position>`, shape `[n_stored_layers, hidden]`, and `__metadata__` {format_version,
 * model_id, layers} where `layers` is a JSON array in a string (`"[13,14,15]"`) of the hidden-state indices stored.
 * Tensors are written turn by turn, positions in the seed's order. Every turn of a file stores the same layers.
 *
 * This is the run store's writer and a strict reader for bundles; selecting layers for probes is the job of the
 * hidden-state reader that probes use.
 */
import type { CapturePosition } from '../core/config/runConfig';
import { CAPTURE_POSITIONS } from '../core/config/runConfig';
import { InputError, type Issue } from '../core/issues';
import type { TurnHidden } from '../core/runner/types';
import { decodeSafetensors, encodeSafetensors, tensorF16Bits, type TensorIn } from './safetensors';

export const HIDDEN_FORMAT_VERSION = 1;

export interface ItemHidden {
  readonly modelId: string;
  readonly layers: readonly number[];
  readonly hiddenSize: number;
  readonly turns: ReadonlyMap<number, TurnHidden>;
}

const TENSOR_NAME = /^turn(\d+)\.(.+)$/;

/** Encodes the turns (in turn order). All turns must store the same layers and hidden size. */
export function encodeItemHidden(turns: ReadonlyMap<number, TurnHidden>, modelId: string): Uint8Array {
  const steps = [...turns.keys()].sort((a, b) => a - b);
  if (steps.length === 0) throw new TypeError('encodeItemHidden: no turns to write');
  const first = turns.get(steps[0])!;
  const tensors = new Map<string, TensorIn>();
  for (const k of steps) {
    const t = turns.get(k)!;
    if (JSON.stringify(t.layers) !== JSON.stringify(first.layers) || t.hiddenSize !== first.hiddenSize) {
      throw new TypeError(`encodeItemHidden: turn ${k} stores layers [${t.layers.join(',')}] × ${t.hiddenSize}, but turn ${steps[0]} stores [${first.layers.join(',')}] × ${first.hiddenSize}; one file holds one layer set`);
    }
    for (const pos of CAPTURE_POSITIONS) {
      const bits = t.positions[pos];
      if (!bits) continue;
      tensors.set(`turn${k}.${pos}`, { dtype: 'F16', shape: [t.layers.length, t.hiddenSize], data: bits });
    }
  }
  return encodeSafetensors(tensors, { format_version: String(HIDDEN_FORMAT_VERSION), model_id: modelId, layers: JSON.stringify(first.layers) });
}

/**
 * Decodes and validates an item's hidden-state file. Every problem is an issue naming `where`: a newer
 * format_version, missing or malformed metadata, a tensor name that is not `turn{k}.<position>`, a dtype other
 * than F16, or a shape that disagrees with `layers`.
 */
export function decodeItemHidden(bytes: Uint8Array, where: string): ItemHidden {
  const st = decodeSafetensors(bytes, where);
  const issues: Issue[] = [];
  const bad = (message: string, path: (string | number)[] = []) => issues.push({ code: 'malformed', path, where, message: `${where}: ${message}` });
  const meta = st.metadata;
  const version = meta.format_version === undefined ? NaN : Number(meta.format_version);
  if (!Number.isInteger(version) || version < 1) bad(`__metadata__.format_version must be a positive integer string, got ${JSON.stringify(meta.format_version)}`, ['__metadata__', 'format_version']);
  else if (version > HIDDEN_FORMAT_VERSION) {
    throw new InputError([{ code: 'newer_format', path: ['__metadata__', 'format_version'], where, message: `${where}: format_version ${version} is newer than this app reads (${HIDDEN_FORMAT_VERSION}); update SpikeScore Lab` }]);
  }
  let layers: number[] = [];
  try {
    const parsed = JSON.parse(meta.layers ?? 'null') as unknown;
    if (!Array.isArray(parsed) || !parsed.every((x) => Number.isInteger(x) && x >= 0)) throw new Error('not an array of indices');
    layers = parsed;
  } catch {
    bad(`__metadata__.layers must be a JSON array of hidden-state indices in a string (e.g. "[13,14,15]"), got ${JSON.stringify(meta.layers)}`, ['__metadata__', 'layers']);
  }
  if (typeof meta.model_id !== 'string' || meta.model_id === '') bad('__metadata__.model_id is missing', ['__metadata__', 'model_id']);
  const turns = new Map<number, { layers: number[]; hiddenSize: number; positions: Partial<Record<CapturePosition, Uint16Array>> }>();
  let hiddenSize = -1;
  for (const [name, t] of st.tensors) {
    const m = TENSOR_NAME.exec(name);
    if (!m || !(CAPTURE_POSITIONS as readonly string[]).includes(m[2])) {
      bad(`tensor "${name}" is not named turn{k}.<position> with position one of ${CAPTURE_POSITIONS.join(', ')}`, [name]);
      continue;
    }
    if (t.dtype !== 'F16') {
      bad(`tensor "${name}" is ${t.dtype}; hidden states are stored as F16`, [name]);
      continue;
    }
    if (t.shape.length !== 2 || t.shape[0] !== layers.length) {
      bad(`tensor "${name}" has shape [${t.shape.join(', ')}], but __metadata__.layers lists ${layers.length} layers`, [name]);
      continue;
    }
    if (hiddenSize >= 0 && t.shape[1] !== hiddenSize) {
      bad(`tensor "${name}" has hidden size ${t.shape[1]}, other tensors ${hiddenSize}`, [name]);
      continue;
    }
    hiddenSize = t.shape[1];
    const k = Number(m[1]);
    const turn = turns.get(k) ?? { layers, hiddenSize, positions: {} };
    turn.positions[m[2] as CapturePosition] = tensorF16Bits(t);
    turns.set(k, turn);
  }
  if (issues.length) throw new InputError(issues);
  return { modelId: meta.model_id, layers, hiddenSize: Math.max(hiddenSize, 0), turns };
}
