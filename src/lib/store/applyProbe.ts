/**
 * Applying a probe to hidden-state files. A probe is applied at the token position and layers in its header (B5 in
 * method-spikescore.md §10: training and inference use the same features); a request for others is an error. A
 * scikit-learn probe that carries neither must be told both. Sizes are checked against every file, and a mismatch
 * names the hidden-state file, the probe file and both sizes.
 */
import { InputError } from '../core/issues';
import type { Probe } from '../core/probes/probe';
import type { TokenPosition } from '../core/probes/tokenPosition';
import { rowsOfRange, sliceLayers, type HiddenStatesFile } from './hiddenStates';

export interface ProbeRequest {
  readonly tokenPosition?: TokenPosition | null;
  readonly layerRange?: readonly [number, number] | null;
}

export interface ProbeSelection {
  readonly tokenPosition: TokenPosition;
  readonly layerRange: readonly [number, number];
}

/**
 * resolveProbeSelection(probe, request, probeWhere): the probe's own position and layers; the request may repeat
 * them, not change them. For a probe without them (a scikit-learn export), the request must give them.
 */
export function resolveProbeSelection(probe: Probe, request: ProbeRequest, probeWhere: string): ProbeSelection {
  const h = probe.header;
  const issues: { code: string; path: string[]; message: string; where: string }[] = [];
  let position = h.token_position;
  if (position && request.tokenPosition && request.tokenPosition !== position) {
    issues.push({ code: 'mismatch', path: ['token_key'], message: `${probeWhere} was trained on ${position}; --token-key ${request.tokenPosition} asks for another position (a probe is applied where it was trained)`, where: probeWhere });
  } else if (!position) {
    if (request.tokenPosition) position = request.tokenPosition;
    else issues.push({ code: 'missing_field', path: ['token_key'], message: `${probeWhere} does not say which token position it was trained on; give it with --token-key`, where: probeWhere });
  }
  let range = h.layer_range;
  const req = request.layerRange;
  if (range && req && (req[0] !== range[0] || req[1] !== range[1])) {
    issues.push({ code: 'mismatch', path: ['layer_range'], message: `${probeWhere} was trained on layers [${range[0]}, ${range[1]}); --layer-range ${req[0]},${req[1]} asks for others (a probe is applied where it was trained)`, where: probeWhere });
  } else if (!range) {
    if (req) range = [req[0], req[1]];
    else issues.push({ code: 'missing_field', path: ['layer_range'], message: `${probeWhere} does not say which layers it was trained on; give them with --layer-range a,b`, where: probeWhere });
  }
  if (range && !h.hidden_size && h.input_dim % (range[1] - range[0]) !== 0) {
    issues.push({
      code: 'mismatch',
      path: ['layer_range'],
      message: `${probeWhere} takes ${h.input_dim} values, which do not split into ${range[1] - range[0]} layers of [${range[0]}, ${range[1]})`,
      where: probeWhere
    });
  }
  if (issues.length) throw new InputError(issues);
  return { tokenPosition: position!, layerRange: [range![0], range![1]] };
}

/**
 * Checks that `file` can feed the probe: the layers are stored, and (b − a) × the file's hidden size equals the
 * probe's input size. Throws an `InputError` naming both files and both sizes.
 */
export function checkProbeFits(probe: Probe, selection: ProbeSelection, file: HiddenStatesFile, probeWhere: string): void {
  rowsOfRange(file.layers, selection.layerRange, file.where);
  const [a, b] = selection.layerRange;
  const h = probe.header;
  if (file.hiddenSize === null) return; // no tensors: nothing to score
  if (h.hidden_size !== null && h.hidden_size !== file.hiddenSize) {
    throw new InputError([
      { code: 'mismatch', path: ['hidden_size'], message: `${file.where} holds hidden states of size ${file.hiddenSize}, but the probe ${probeWhere} was trained on size ${h.hidden_size}`, where: file.where }
    ]);
  }
  const size = (b - a) * file.hiddenSize;
  if (size !== h.input_dim) {
    throw new InputError([
      {
        code: 'mismatch',
        path: ['hidden_size'],
        message: `${file.where} gives ${b - a} layers × hidden size ${file.hiddenSize} = ${size} values, but the probe ${probeWhere} takes ${h.input_dim}`,
        where: file.where
      }
    ]);
  }
}

/** The probe's score for one turn of `file`, or null when that turn has no hidden state at the position. */
export function probeTurnScore(probe: Probe, selection: ProbeSelection, file: HiddenStatesFile, turn: number, probeWhere: string): number | null {
  const x = sliceLayers(file, selection.tokenPosition, turn, selection.layerRange);
  if (!x) return null;
  if (x.length !== probe.header.input_dim) checkProbeFits(probe, selection, file, probeWhere);
  return probe.predict(x);
}
