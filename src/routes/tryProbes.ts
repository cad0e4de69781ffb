/**
 * Which stored probes Try it offers as per-turn scores: those whose header matches the loaded model (model id,
 * hidden size, position and layers it can capture, `probeMismatch`). A probe of another model is never offered;
 * the page says how many were left out and where to train one.
 */
import type { ProbeKind } from '../lib/core/probes/probe';
import type { TokenPosition } from '../lib/core/probes/tokenPosition';
import type { ModelInfo } from '../lib/engine/types';
import type { ProbeRow } from '../lib/store/idb/schema';
import { loadProbe } from '../lib/store/probeFile';
import { probeMismatch } from '../../workers/inference/turnProbe';

export interface OfferedProbe {
  readonly id: string;
  readonly name: string;
  readonly kind: ProbeKind;
  readonly tokenPosition: TokenPosition;
  readonly layerRange: readonly [number, number];
  /** "SEP probe sep-coqa.safetensors" */
  readonly label: string;
  /** What the score is, and its direction. */
  readonly help: string;
}

const KIND_LABEL: Record<ProbeKind, string> = { sep: 'SEP probe', 'sep-mlp': 'SEP (MLP) probe', saplma: 'SAPLMA probe' };
const KIND_SCORE: Record<ProbeKind, string> = {
  sep: 'P(high semantic entropy) from the logistic SEP probe',
  'sep-mlp': 'the semantic entropy (nats) the SEP MLP predicts',
  saplma: '1 − P(true) from the SAPLMA classifier'
};

export function offeredProbes(rows: readonly ProbeRow[], info: Pick<ModelInfo, 'id' | 'hiddenSize' | 'capturableLayers'>): { offered: OfferedProbe[]; others: number } {
  const offered: OfferedProbe[] = [];
  let others = 0;
  // A probe stored with a run (a bundle's, or one applied to a run) is listed once, by name.
  const seen = new Set<string>();
  // The user's own probes first, then the newest.
  const order = [...rows].sort((a, b) => (a.run_id === null) !== (b.run_id === null) ? (a.run_id === null ? -1 : 1) : a.created < b.created ? 1 : a.created > b.created ? -1 : 0);
  for (const row of order) {
    if (seen.has(row.name)) continue;
    seen.add(row.name);
    let header;
    try {
      header = loadProbe(row.bytes, row.name).header;
    } catch {
      others++; // unreadable here (a newer format): not offered
      continue;
    }
    const probe = { header } as Parameters<typeof probeMismatch>[0];
    if (probeMismatch(probe, row.name, info)) {
      others++;
      continue;
    }
    const range = header.layer_range!;
    offered.push({
      id: row.id,
      name: row.name,
      kind: header.kind,
      tokenPosition: header.token_position!,
      layerRange: [range[0], range[1]],
      label: `${KIND_LABEL[header.kind]} ${row.name}`,
      help: `${KIND_SCORE[header.kind]} ${row.name}, read at ${header.token_position} from hidden-state indices [${range[0]}, ${range[1]}) of each turn. Higher means more likely hallucinated.`
    });
  }
  return { offered, others };
}
