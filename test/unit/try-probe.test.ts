/**
 * Probes on Try it: which stored probes are offered for the loaded model (`offeredProbes`), why one is not
 * (`probeMismatch`), and the per-turn score the worker writes as `metrics.probe_pred` (`turnProbe`), checked
 * against the probe's formula applied by hand to the same F16 hidden states.
 */
import { describe, expect, it } from 'vitest';
import { decodeF16, encodeF16 } from '../../src/lib/core/float16';
import { logisticProbe, PROBE_FORMAT_VERSION, type ProbeHeader } from '../../src/lib/core/probes/probe';
import { encodeProbeFile } from '../../src/lib/store/probeFile';
import type { ProbeRow } from '../../src/lib/store/idb/schema';
import { offeredProbes } from '../../src/routes/tryProbes';
import { dialogueConfig, dialogueItem } from '../../workers/inference/dialogueConfig';
import { probeMismatch, turnProbe } from '../../workers/inference/turnProbe';

const INFO = { id: 'random-demo', hiddenSize: 4, capturableLayers: [0, 1, 2, 3, 4] };

function header(over: Partial<ProbeHeader> = {}): ProbeHeader {
  const range = over.layer_range === undefined ? ([1, 3] as const) : over.layer_range;
  const hs = over.hidden_size === undefined ? 4 : over.hidden_size;
  return {
    format_version: PROBE_FORMAT_VERSION,
    kind: 'sep',
    model_id: 'random-demo',
    hidden_size: hs,
    token_position: 'last_token_embedding',
    layer_range: range,
    input_dim: range && hs ? (range[1] - range[0]) * hs : 8,
    output: 'p_high_se',
    normalization: null,
    architecture: null,
    training: null,
    source: 'spikescore',
    ...over
  };
}

const coef = Float64Array.from([0.5, -1, 0.25, 2, -0.5, 1, 0, 0.75]);
const probeOf = (h: ProbeHeader) => logisticProbe(h, h.input_dim === 8 ? coef : new Float64Array(h.input_dim), 0.1);
const row = (id: string, h: ProbeHeader, created = '2026-01-01T00:00:00Z', run_id: string | null = null): ProbeRow => ({ id, name: id.split('/').pop()!, run_id, created, bytes: encodeProbeFile(probeOf(h)), meta: null });

describe('probes on Try it', () => {
  it('probeMismatch names the model, the hidden size and the layers a probe cannot be applied with', () => {
    expect(probeMismatch(probeOf(header()), 'p.safetensors', INFO)).toBeNull();
    expect(probeMismatch(probeOf(header({ model_id: 'other/model' })), 'p.safetensors', INFO)).toBe(
      "p.safetensors was trained on other/model, but the loaded model is random-demo: a probe reads one model's hidden states"
    );
    expect(probeMismatch(probeOf(header({ model_id: null })), 'p.safetensors', INFO)).toBe(
      "p.safetensors was trained on an unnamed model, but the loaded model is random-demo: a probe reads one model's hidden states"
    );
    expect(probeMismatch(probeOf(header({ hidden_size: 2, input_dim: 4 })), 'p.safetensors', INFO)).toBe('p.safetensors takes hidden states of size 2, but random-demo has 4');
    expect(probeMismatch(probeOf(header({ layer_range: [4, 6], input_dim: 8 })), 'p.safetensors', INFO)).toBe('p.safetensors reads hidden-state indices [4, 6), but random-demo can capture 0…4');
    expect(probeMismatch(probeOf(header({ token_position: null })), 'p.safetensors', INFO)).toBe('p.safetensors does not say which token position and layers it was trained on');
    expect(() => turnProbe(probeOf(header({ model_id: 'other/model' })), 'p.safetensors', INFO)).toThrow('p.safetensors was trained on other/model');
  });

  it('offeredProbes offers only the probes of the loaded model, once per name, labelled by kind, and counts the others', () => {
    const rows = [
      row('mine.safetensors', header()),
      row('run-1/mine.safetensors', header(), '2026-02-01T00:00:00Z', 'run-1'),
      row('other.safetensors', header({ model_id: 'other/model' })),
      row('wide.safetensors', header({ hidden_size: 8, input_dim: 16 })),
      { id: 'broken', name: 'broken', run_id: null, created: '2026-01-01T00:00:00Z', bytes: new Uint8Array([1, 2, 3]), meta: null }
    ];
    const { offered, others } = offeredProbes(rows, INFO);
    expect(offered.map((p) => [p.id, p.label, p.tokenPosition, p.layerRange])).toEqual([['mine.safetensors', 'SEP probe mine.safetensors', 'last_token_embedding', [1, 3]]]);
    expect(offered[0].help).toBe(
      'P(high semantic entropy) from the logistic SEP probe mine.safetensors, read at last_token_embedding from hidden-state indices [1, 3) of each turn. Higher means more likely hallucinated.'
    );
    expect(others).toBe(3);
    expect(offeredProbes(rows, { ...INFO, id: 'nothing' })).toEqual({ offered: [], others: 4 });
  });

  it('turnProbe scores a turn as σ(w·x + b) over the probe\'s layers at its position, from the F16 hidden states; null without them', () => {
    const probe = turnProbe(probeOf(header()), 'p.safetensors', INFO);
    // Hidden-state indices 0…4, hidden size 4: row l holds l + j/10 (F16-rounded).
    const values = Float32Array.from({ length: 5 * 4 }, (_, i) => Math.floor(i / 4) + (i % 4) / 10);
    const bits = encodeF16(values);
    const x = decodeF16(bits).slice(4, 12); // indices 1 and 2
    const z = x.reduce((a, v, i) => a + v * coef[i], 0.1);
    expect(probe.score({ layers: [0, 1, 2, 3, 4], hiddenSize: 4, positions: { last_token_embedding: bits } })).toBeCloseTo(1 / (1 + Math.exp(-z)), 12);
    // Only the probe's layers captured (as the dialogue captures them): the same score.
    expect(probe.score({ layers: [1, 2], hiddenSize: 4, positions: { last_token_embedding: bits.slice(4, 12) } })).toBeCloseTo(1 / (1 + Math.exp(-z)), 12);
    expect(probe.score({ layers: [1, 2], hiddenSize: 4, positions: { sec_last_token_embedding: bits.slice(4, 12) } })).toBeNull();
    expect(probe.score(null)).toBeNull();
  });

  it('dialogueConfig captures the probe\'s layers at the three positions, and dialogueItem keys the draws by the question', () => {
    const req = { question: 'Q?', maxSteps: 3, temperature: 0.2, topP: 0.7, maxNewTokens: 6, seed: 42 };
    expect(dialogueConfig(req, [1, 3]).capture).toEqual({ positions: ['last_token_embedding', 'sec_last_token_embedding', 'last_tok_bef_gen_embedding'], layers: [1, 3] });
    expect(dialogueConfig(req).capture.layers ?? null).toBeNull();
    expect(dialogueItem(req)).toEqual({ id: 'q:Q?', question: 'Q?', context: '', answer: '' });
    expect(dialogueItem({ ...req, context: 'C', gold: ['A'] })).toEqual({ id: 'q:C\nQ?', question: 'Q?', context: 'C', answer: ['A'] });
  });
});
