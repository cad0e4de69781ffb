/**
 * `spikescore metrics`: applies a probe to every item of a run folder and writes `metrics.probe_pred` into each
 * turn of each item file (`<safe_id>.json`, next to its hidden states `<safe_id>.safetensors`), as the seed's
 * `metrics_probe.py` does, with the probe's own token position and layers.
 *
 * Every file is handled on its own: a malformed item, a bad hidden-state file or a size mismatch is reported with
 * the file's name and the others are still processed; item files without hidden states are skipped. A turn
 * without a hidden state (a timeout) gets `probe_pred: null`. Writes are atomic. The exit status is 2 when any file
 * had a problem, 0 otherwise.
 */
import { promises as fs } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { InputError, type Issue } from '../../lib/core/issues';
import { parseItemResultText } from '../../lib/core/itemResult';
import { checkProbeFits, probeTurnScore, resolveProbeSelection } from '../../lib/store/applyProbe';
import { decodeHiddenStates } from '../../lib/store/hiddenStates';
import { atomicWriteJson, exists, listFiles } from '../../lib/store/node/files';
import { loadProbe } from '../../lib/store/probeFile';
import { TOKEN_POSITIONS } from '../../lib/core/probes/tokenPosition';
import type { Command } from '../command';
import { parseLayerRange, parseTokenKey } from '../layerRange';

export const metricsCommand: Command = {
  name: 'metrics',
  summary: 'apply a probe to a run folder: write metrics.probe_pred into every turn of every item file',
  options: [
    { name: 'json-dir', type: 'string', required: true, metavar: 'DIR', help: 'the run folder with <safe_id>.json and <safe_id>.safetensors' },
    { name: 'probe', type: 'string', required: true, metavar: 'FILE', help: 'a probe: .safetensors from `spikescore probe train`, or a scikit-learn logistic probe as JSON' },
    { name: 'token-key', type: 'string', choices: TOKEN_POSITIONS, metavar: 'POSITION', help: 'token position; a safetensors probe carries its own (a different one is an error)' },
    { name: 'layer-range', type: 'string', metavar: 'A,B', help: 'hidden-state indices [A, B); a safetensors probe carries its own (a different one is an error)' }
  ],
  details: [
    'A scikit-learn JSON probe ({"coef", "intercept", "classes"}) carries no position or layers unless it has token_key and',
    'layer_range: give them with --token-key and --layer-range.',
    '',
    'example: spikescore metrics --json-dir out/triviaqa --probe sep.safetensors'
  ].join('\n'),
  async run(args, io) {
    const o = args.options;
    const dir = resolve(io.cwd, o['json-dir'] as string);
    const probePath = o.probe as string;
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await fs.readFile(resolve(io.cwd, probePath)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new InputError([{ code: 'not_found', path: [], message: `${probePath}: no such file (--probe)`, where: probePath }]);
      throw err;
    }
    const probe = loadProbe(bytes, probePath);
    const selection = resolveProbeSelection(probe, { tokenPosition: parseTokenKey(o['token-key']), layerRange: parseLayerRange(o['layer-range']) }, probePath);
    const files = await listFiles(dir, { recursive: false });
    if (files.length === 0) throw new InputError([{ code: 'empty', path: [], message: `${o['json-dir'] as string}: no item files (*.json) to score`, where: dir }]);

    io.stderr(`metrics: ${probe.kind} probe ${probePath} at ${selection.tokenPosition}, layers [${selection.layerRange[0]}, ${selection.layerRange[1]}); ${files.length} file(s)\n`);
    const problems: Issue[] = [];
    const skipped: string[] = [];
    const warnings = new Set<string>();
    let written = 0;
    let turnsScored = 0;
    let turnsNull = 0;
    for (const file of files) {
      if (io.signal?.aborted) break;
      const name = basename(file);
      const hiddenPath = file.slice(0, -'.json'.length) + '.safetensors';
      if (!(await exists(hiddenPath))) {
        skipped.push(name);
        continue;
      }
      try {
        const item = parseItemResultText(await fs.readFile(file, 'utf8'), name);
        const hidden = decodeHiddenStates(new Uint8Array(await fs.readFile(hiddenPath)), basename(hiddenPath));
        checkProbeFits(probe, selection, hidden, probePath);
        if (probe.header.model_id && probe.header.model_id !== hidden.modelId) {
          warnings.add(`the probe was trained on ${probe.header.model_id}, but ${basename(hiddenPath)} comes from ${hidden.modelId}`);
        }
        item.reasoning_chain.forEach((turn, k) => {
          const step = Number.isInteger(turn.step) ? turn.step : k;
          const score = probeTurnScore(probe, selection, hidden, step, probePath);
          turn.metrics.probe_pred = score;
          if (score === null) turnsNull++;
          else turnsScored++;
        });
        await atomicWriteJson(file, item);
        written++;
      } catch (err) {
        if (err instanceof InputError) problems.push(...err.issues);
        else throw err;
      }
    }
    for (const w of warnings) io.stderr(`warning: ${w}\n`);
    const summary = [`wrote probe_pred to ${turnsScored} turn(s) in ${written} file(s)`];
    if (turnsNull) summary.push(`${turnsNull} turn(s) without hidden states set to null`);
    if (skipped.length) summary.push(`skipped ${skipped.length} file(s) without hidden states (${skipped.slice(0, 5).join(', ')}${skipped.length > 5 ? ', …' : ''})`);
    if (problems.length) summary.push(`${new Set(problems.map((p) => p.where)).size} file(s) with problems`);
    io.stdout(summary.join('; ') + '\n');
    if (problems.length) {
      io.stderr(new InputError(problems).message + '\n');
      return 2;
    }
    return 0;
  }
};
