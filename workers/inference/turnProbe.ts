/**
 * A stored probe applied turn by turn during a dialogue (Try it): loaded from the page's IndexedDB by id, checked
 * against the loaded model, and scoring each finished turn's hidden states at the probe's own position and layers
 * (as the Probes page applies it to a stored run: the F16 bits the store would hold, decoded).
 *
 * The score is `probe.predict(x)`: higher = more likely hallucinated for every kind (SEP: P(high SE); SEP-MLP: the
 * predicted SE; SAPLMA: 1 − P(true)). A turn without the position's hidden state (a timed-out turn) scores null.
 */
import { decodeF16 } from '../../src/lib/core/float16';
import { InputError } from '../../src/lib/core/issues';
import type { Probe } from '../../src/lib/core/probes/probe';
import type { TurnHidden } from '../../src/lib/core/runner/types';
import type { ModelInfo } from '../../src/lib/engine/types';
import { probeTurnScore, resolveProbeSelection, type ProbeSelection } from '../../src/lib/store/applyProbe';
import type { HiddenStatesFile } from '../../src/lib/store/hiddenStates';
import { IdbRunStore } from '../../src/lib/store/idb/runStore';
import { loadProbe } from '../../src/lib/store/probeFile';

export interface TurnProbe {
  readonly name: string;
  readonly probe: Probe;
  readonly selection: ProbeSelection;
  /** The probe's score of one turn's hidden states, or null when they lack the probe's position. */
  score(hidden: TurnHidden | null): number | null;
}

/**
 * Why a probe cannot score dialogues of this model, or null when it can: another model id, another hidden size,
 * layers the model cannot capture, or no position / layers in its header.
 */
export function probeMismatch(probe: Probe, name: string, info: Pick<ModelInfo, 'id' | 'hiddenSize' | 'capturableLayers'>): string | null {
  const h = probe.header;
  if (h.model_id !== info.id) return `${name} was trained on ${h.model_id ?? 'an unnamed model'}, but the loaded model is ${info.id}: a probe reads one model's hidden states`;
  const range = h.layer_range;
  const hiddenSize = h.hidden_size ?? (range ? h.input_dim / (range[1] - range[0]) : null);
  if (hiddenSize !== info.hiddenSize) return `${name} takes hidden states of size ${hiddenSize ?? '?'}, but ${info.id} has ${info.hiddenSize}`;
  if (!h.token_position || !range) return `${name} does not say which token position and layers it was trained on`;
  for (let l = range[0]; l < range[1]; l++) {
    if (!info.capturableLayers.includes(l)) return `${name} reads hidden-state indices [${range[0]}, ${range[1]}), but ${info.id} can capture ${info.capturableLayers[0]}…${info.capturableLayers.at(-1)}`;
  }
  return null;
}

/** A probe as a per-turn scorer, for a model it matches (throws `InputError` otherwise). */
export function turnProbe(probe: Probe, name: string, info: Pick<ModelInfo, 'id' | 'hiddenSize' | 'capturableLayers'>): TurnProbe {
  const problem = probeMismatch(probe, name, info);
  if (problem) throw new InputError(problem);
  const selection = resolveProbeSelection(probe, {}, name);
  return {
    name,
    probe,
    selection,
    score(hidden) {
      if (!hidden) return null;
      const file: HiddenStatesFile = {
        where: `${name} on this dialogue`,
        formatVersion: 1,
        modelId: info.id,
        layers: [...hidden.layers],
        hiddenSize: hidden.hiddenSize,
        turns: [0],
        tensor: (_turn, position) => {
          const bits = hidden.positions[position];
          return bits ? decodeF16(bits) : null;
        },
        f16Bits: (_turn, position) => hidden.positions[position] ?? null
      };
      return probeTurnScore(probe, selection, file, 0, name);
    }
  };
}

/** Loads a stored probe by id from the page's IndexedDB (`dbName`: another database, for tests). */
export async function loadTurnProbe(probeId: string, info: Pick<ModelInfo, 'id' | 'hiddenSize' | 'capturableLayers'>, dbName?: string): Promise<TurnProbe> {
  const store = await IdbRunStore.open(dbName ? { name: dbName } : {});
  try {
    const row = await store.getProbe(probeId);
    if (!row) throw new InputError(`no probe "${probeId}" in this browser (deleted on the Probes page?)`);
    return turnProbe(loadProbe(row.bytes, row.name), row.name, info);
  } finally {
    store.close();
  }
}
