/**
 * `probe` in the run config: checked before the model loads (the file exists; the capture keeps the probe's
 * position and layers), and applied to every turn when the run ends, exactly as `spikescore metrics` would.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main';
import { decodeHiddenStates, sliceLayers } from '../../src/lib/store/hiddenStates';
import { loadProbe } from '../../src/lib/store/probeFile';
import { fixtureFolder } from '../remote/fixture';

function io(cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, cwd, env: {}, stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t) };
}

let root = '';
let modelDir = '';
let hidden = 0;
let layers = 0;

beforeAll(async () => {
  modelDir = await fixtureFolder();
  const config = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8'));
  hidden = config.hidden_size;
  layers = config.num_hidden_layers + 1;
  root = mkdtempSync(join(tmpdir(), 'run-probe-'));
  writeFileSync(join(root, 'data.jsonl'), ['a', 'b'].map((x, i) => JSON.stringify({ id: `p${i}`, question: `Where is ${x}?`, answer: 'x', label: i })).join('\n') + '\n');
  // A scikit-learn style logistic probe over the last two hidden-state indices at the last token.
  const coef = Array.from({ length: 2 * hidden }, (_, i) => Math.sin(i) / 10);
  writeFileSync(join(root, 'probe.json'), JSON.stringify({ coef: [coef], intercept: [0.1], classes: [0, 1], token_key: 'last_token_embedding', layer_range: [layers - 2, layers] }));
});

const config = (extra: object) => ({ model_path: modelDir, dataset_path: 'data.jsonl', output_dir: 'out', max_steps: 2, max_new_tokens: 4, temperature: 0, label_method: 'dataset', probe: 'probe.json', ...extra });

describe('run with a probe in the config', () => {
  it('spikescore run writes metrics.probe_pred into every turn with the probe’s own position and layers', async () => {
    writeFileSync(join(root, 'ok.json'), JSON.stringify(config({ output_dir: 'out-ok' })));
    const c = io(root);
    expect(await runCli(['run', 'ok.json'], c), c.err.join('')).toBe(0);
    const item = JSON.parse(readFileSync(join(root, 'out-ok', 'p0.json'), 'utf8'));
    const states = decodeHiddenStates(new Uint8Array(readFileSync(join(root, 'out-ok', 'p0.safetensors'))), 'p0.safetensors');
    const probe = loadProbe(new Uint8Array(readFileSync(join(root, 'probe.json'))), 'probe.json');
    const preds = item.reasoning_chain.map((t: { metrics: { probe_pred: number } }) => t.metrics.probe_pred);
    expect(preds).toHaveLength(3);
    preds.forEach((p: number, k: number) => expect(p).toBeCloseTo(probe.predict(sliceLayers(states, 'last_token_embedding', k, [layers - 2, layers])!), 6));
  });

  it('a missing probe file, or a capture that drops the probe’s position, is refused before the model loads (exit 2)', async () => {
    writeFileSync(join(root, 'missing.json'), JSON.stringify(config({ output_dir: 'out-missing', probe: 'nope.json' })));
    const a = io(root);
    expect(await runCli(['run', 'missing.json'], a)).toBe(2);
    expect(a.err.join('')).toContain('missing.json: probe nope.json is not a file');
    writeFileSync(join(root, 'nocap.json'), JSON.stringify(config({ output_dir: 'out-nocap', capture: { positions: ['last_tok_bef_gen_embedding'] } })));
    const b = io(root);
    expect(await runCli(['run', 'nocap.json'], b)).toBe(2);
    expect(b.err.join('')).toContain('the probe probe.json reads last_token_embedding');
    expect(b.err.join('')).toContain('capture.positions lacks last_token_embedding');
  });
});
