/**
 * `spikescore probe train`: trains a probe on the probe-training data of one or more folders (what the
 * `probe_data` mode writes: `probe_data.jsonl` + `probe_data.safetensors`) and saves it as one `.safetensors`.
 *
 * Targets by kind: `sep` on semantic entropy binarised at the SEP best split (pooled over every folder, as the
 * paper's universal split; samples exactly at the threshold are dropped and counted); `sep-mlp` on the raw
 * semantic entropy; `saplma` on accuracy (1 = correct). Items without the target (null) or without the tensor are
 * skipped and counted. The probe records the token position and layers it was trained on; `spikescore metrics`
 * applies it there.
 */
import { promises as fs } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError, type Issue } from '../../lib/core/issues';
import { encodeProbeFile } from '../../lib/store/probeFile';
import { PROBE_PRESETS, type ProbePresetName } from '../../lib/core/probes/presets';
import { PROBE_KINDS, type ProbeKind } from '../../lib/core/probes/probe';
import { trainProbe } from '../../lib/core/probes/trainProbe';
import { bestSplit } from '../../lib/core/semantic/bestSplit';
import { binarise } from '../../lib/core/semantic/binarise';
import { atomicWrite } from '../../lib/store/node/files';
import {
  decodeProbeDataTensors,
  parseProbeDataJsonl,
  probeFeatures,
  PROBE_DATA_JSONL,
  PROBE_DATA_POSITIONS,
  PROBE_DATA_SAFETENSORS,
  type ProbeDataRecord,
  type ProbeDataTensors
} from '../../lib/store/probeData';
import type { Command } from '../command';
import { parseLayerRange, parseTokenKey } from '../layerRange';

async function readOrFail(path: string, hint: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await fs.readFile(path));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new InputError([{ code: 'not_found', path: [], message: `${path}: no such file (${hint})`, where: path }]);
    throw err;
  }
}

interface Folder {
  readonly dir: string;
  readonly records: ProbeDataRecord[];
  readonly tensors: ProbeDataTensors;
}

const fmt = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(4)) : String(v));

export const probeTrainCommand: Command = {
  name: 'probe train',
  summary: 'train a probe (SEP logistic, SEP-MLP or SAPLMA) on probe-training data folders',
  options: [
    { name: 'data-dirs', type: 'list', required: true, metavar: 'DIR,DIR', help: 'folders holding probe_data.jsonl and probe_data.safetensors' },
    { name: 'save', type: 'string', required: true, metavar: 'FILE', help: 'where to write the probe (.safetensors)' },
    { name: 'kind', type: 'string', choices: PROBE_KINDS, default: 'sep', help: 'sep: logistic on binarised SE; sep-mlp: MLP regressor of SE; saplma: truth classifier' },
    { name: 'token-key', type: 'string', choices: PROBE_DATA_POSITIONS, default: 'last_token_embedding', metavar: 'POSITION', help: 'token position of the features: last_token_embedding (SLT) or last_tok_bef_gen_embedding (TBG)' },
    { name: 'layer-range', type: 'string', metavar: 'A,B', help: 'hidden-state indices [A, B) to concatenate (default: every stored layer)' },
    { name: 'seed', type: 'integer', default: 42, help: 'seed of the split, initialisation, batches and dropout' },
    { name: 'preset', type: 'string', choices: PROBE_PRESETS, default: 'default', help: 'seed-slow: the seed trainer’s [1024, 512, 128] × 200 epochs (sep-mlp; slow)' },
    { name: 'normalize', type: 'boolean', default: false, help: 'standardise each feature with the training rows’ mean and deviation' }
  ],
  details: [
    'Each folder is what `spikescore run` writes in mode probe_data. Folders must come from the same model and store',
    'the requested layers. The probe file records kind, model, position, layers, normalisation and the training summary.',
    '',
    'example: spikescore probe train --data-dirs out/nq,out/trivia --save sep.safetensors --kind sep --layer-range 13,21'
  ].join('\n'),
  async run(args, io) {
    const o = args.options;
    const kind = o.kind as ProbeKind;
    const position = parseTokenKey(o['token-key'])!;
    const requested = parseLayerRange(o['layer-range']);
    const dirs = (o['data-dirs'] as string[]).map((d) => resolve(io.cwd, d));
    if (dirs.length === 0) throw new InputError('--data-dirs needs at least one folder');

    const folders: Folder[] = [];
    const issues: Issue[] = [];
    for (const dir of dirs) {
      try {
        const jsonlPath = join(dir, PROBE_DATA_JSONL);
        const text = new TextDecoder().decode(await readOrFail(jsonlPath, 'write probe data with `spikescore run` in mode probe_data'));
        const parsed = parseProbeDataJsonl(text, jsonlPath);
        if (!parsed.ok) {
          issues.push(...parsed.issues);
          continue;
        }
        const stPath = join(dir, PROBE_DATA_SAFETENSORS);
        const tensors = decodeProbeDataTensors(await readOrFail(stPath, 'it holds the hidden states next to probe_data.jsonl'), stPath);
        folders.push({ dir, records: parsed.value, tensors });
      } catch (err) {
        if (err instanceof InputError) issues.push(...err.issues);
        else throw err;
      }
    }
    if (issues.length) throw new InputError(issues);

    const models = [...new Set(folders.map((f) => f.tensors.modelId))];
    if (models.length > 1) {
      throw new InputError(`the folders come from different models (${folders.map((f) => `${f.dir}: ${f.tensors.modelId}`).join('; ')}); a probe reads one model's hidden states`);
    }
    const sizes = [...new Set(folders.map((f) => f.tensors.hiddenSize).filter((h) => h !== null))];
    if (sizes.length > 1) throw new InputError(`the folders hold different hidden sizes (${folders.map((f) => `${f.dir}: ${f.tensors.hiddenSize}`).join('; ')})`);
    const first = folders[0].tensors.layers;
    const range: [number, number] = requested ?? [first[0], first[first.length - 1] + 1];

    // Features per folder, keeping items that have the target.
    const hasTarget = (r: ProbeDataRecord) => (kind === 'saplma' ? r.accuracy !== null : r.semantic_entropy !== null);
    const parts = folders.map((f) => ({ folder: f, features: probeFeatures(f.records, f.tensors, position, range, hasTarget) }));
    const noTarget = folders.reduce((s, f) => s + f.records.filter((r) => !hasTarget(r)).length, 0);
    const missing = parts.reduce((s, p) => s + p.features.missing.length, 0);
    const records = parts.flatMap((p) => p.features.records);
    const d = parts.find((p) => p.features.n > 0)?.features.d ?? 0;
    if (records.length === 0) {
      throw new InputError(`no usable items in ${dirs.join(', ')}: ${noTarget} without ${kind === 'saplma' ? 'accuracy' : 'semantic_entropy'}, ${missing} without a ${position} tensor`);
    }

    let y: number[];
    let keepRow: boolean[];
    let labels: Record<string, unknown>;
    if (kind === 'sep') {
      const se = records.map((r) => r.semantic_entropy as number);
      const split = bestSplit(se);
      const binary = se.map((v) => binarise(v, split.threshold));
      keepRow = binary.map((b) => b !== null);
      y = binary.filter((b): b is 0 | 1 => b !== null);
      labels = { target: 'semantic_entropy > best split', threshold: split.threshold, dropped_at_threshold: binary.length - y.length, high: y.filter((v) => v === 1).length, low: y.filter((v) => v === 0).length };
    } else if (kind === 'sep-mlp') {
      y = records.map((r) => r.semantic_entropy as number);
      keepRow = y.map(() => true);
      labels = { target: 'semantic_entropy (nats)' };
    } else {
      y = records.map((r) => r.accuracy as number);
      keepRow = y.map(() => true);
      labels = { target: 'accuracy (1 = correct); the probe scores 1 − P(true)', correct: y.filter((v) => v === 1).length, wrong: y.filter((v) => v === 0).length };
    }
    const n = y.length;
    const X = new Float32Array(n * d);
    let row = 0;
    let k = 0;
    for (const p of parts) {
      for (let i = 0; i < p.features.n; i++, k++) {
        if (!keepRow[k]) continue;
        X.set(p.features.X.subarray(i * d, (i + 1) * d), row * d);
        row++;
      }
    }
    labels = { ...labels, skipped_without_target: noTarget, skipped_without_tensor: missing };

    io.stderr(`probe train: ${kind} on ${n} items from ${dirs.length} folder(s), ${position}, layers [${range[0]}, ${range[1]}), ${d} features, model ${models[0]}\n`);
    if (noTarget || missing) io.stderr(`  skipped ${noTarget} item(s) without a target and ${missing} without a ${position} tensor\n`);
    const probe = await trainProbe({
      kind,
      X,
      n,
      d,
      y,
      seed: o.seed as number,
      preset: o.preset as ProbePresetName,
      normalize: o.normalize as boolean,
      modelId: models[0],
      hiddenSize: d / (range[1] - range[0]),
      tokenPosition: position,
      layerRange: range,
      labels,
      data: o['data-dirs'] as string[],
      signal: io.signal,
      onEpoch: (epoch, trainLoss, valLoss) => io.stderr(`  ${kind === 'sep' ? 'iteration' : 'epoch'} ${epoch}: train ${fmt(trainLoss)}  val ${fmt(valLoss)}\n`)
    });
    const save = resolve(io.cwd, o.save as string);
    await atomicWrite(save, encodeProbeFile(probe));
    const t = probe.header.training!;
    const metrics = Object.entries(t.validation).map(([key, v]) => `${key} ${v === null ? 'n/a' : fmt(v)}`).join(', ');
    io.stdout(`saved ${kind} probe to ${o.save as string}: ${t.n_train} training and ${t.n_val} validation items; validation ${metrics}\n`);
    if (kind === 'sep' && t.converged === false) io.stderr(`warning: the logistic fit did not converge in ${t.n_iter} iterations\n`);
  }
};
