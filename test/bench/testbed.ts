/**
 * `npm run bench -- testbed [--seed=0] [--n=N] [--train-n=N] [--samples=10] [--threads=1] [--resamples=1000]`:
 * SpikeScore against single-turn and mean-over-turns baselines on the knowledge testbed (testbed/MODEL_CARD.md),
 * where every label is exact (rule testbed-value/v1, `testbedLabel` on the turn-0 answer; hallucination = positive
 * class = 1 − label).
 *
 * Model: `writeTestbedModel` to a temporary folder (fp32 only), loaded with the Node engine (onnxruntime-web WASM,
 * `--threads`, default 1 as the other benches).
 *
 * Cross-domain split (the paper's protocol: probes trained on one source domain, applied to others), by attribute,
 * all items from the held-out split (questions never asked in training):
 * - probe-training domain: attributes capital + language, `--train-n` items (default: the largest balanced sample, 3 × 196 = 588) balanced over the tiers
 *   frequent / rare / never, seeded; turn 0 only, through the same runner (max_steps 0), plus `--samples` answers
 *   (default 10) to the same turn-0 prompt at temperature 1, top-p 1 (as probe_data mode), clustered exactly by the
 *   single value each states (`testbedSemanticIds`) for the semantic entropy;
 * - test domain: attributes currency + continent + founded, `--n` items (default: the largest balanced sample, 3 × 290 = 870) balanced over the tiers,
 *   seeded; full 21-turn dialogues with the real runner (progressive follow-ups, max_steps 20, temperature 0.2,
 *   top-p 0.7, max_new_tokens 24, run seed `--seed`), hidden states of every layer at the three positions.
 *
 * Per-turn scores of a test dialogue: entropy_mean, nll_mean and the logit-lens RS (runner metrics; RS over every
 * hidden-state index at last_token_embedding), and probes trained on the training domain's turn-0 hidden
 * states at last_token_embedding and applied to each turn's (three probes):
 * - SEP: logistic regression (kind `sep`, scikit-learn defaults) on hidden-state indices [1, 5) (the 4 blocks'
 *   outputs, 512 features), target = semantic entropy binarised at core/semantic's best split; score P(high SE);
 * - SEP-MLP: the released code's regressor (kind `sep-mlp`, default preset) on the same features, target = the raw
 *   semantic entropy; score = the predicted SE;
 * - SAPLMA: the SAPLMA MLP (kind `saplma`, 256-128-64 ReLU, 5 epochs) on hidden-state index 3 (128 features),
 *   target = the exact truth label; score 1 − P(true).
 * Each is aggregated as SpikeScore (max |Δ²S|), turn 0, the mean over turns, and the released code's Var + Σ|Δ²S|;
 * AUROC with a stratified 95% bootstrap interval (core `bootstrapCi`, `--resamples`, seeded with `--seed`).
 * Also: turn-0 semantic entropy of the test items (10 samples, same clustering) as a single-turn baseline, and
 * turn-0 accuracy per tier as measured here (cross-check of testbed/eval.json).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultMakeRs, progressLine, type LoadedModel } from '../../src/cli/commands/run';
import { parseRunConfig, type RunConfig } from '../../src/lib/core/config/runConfig';
import type { DatasetItem } from '../../src/lib/core/datasets/parseDataset';
import { decodeF16 } from '../../src/lib/core/float16';
import type { ItemResult } from '../../src/lib/core/itemResult';
import { auroc, bootstrapCi } from '../../src/lib/core/metrics/index';
import { trainProbe, type Probe } from '../../src/lib/core/probes/index';
import { initialMessages } from '../../src/lib/core/prompts/messages';
import { keyedRandom, shuffleInPlace } from '../../src/lib/core/random';
import { runDialogue } from '../../src/lib/core/runner/runDialogue';
import type { Labeller, RunSink, TurnHidden } from '../../src/lib/core/runner/types';
import { bestSplit, binarise } from '../../src/lib/core/semantic/index';
import { spikeScore, trajectoryMean, varPlusSumAbsD2 } from '../../src/lib/core/trajectory/index';
import { loadModelFromDir } from '../../src/lib/engine/node/engine';
import { parseTestbedDataset, testbedLabel, testbedSemanticEntropy, TESTBED_TIERS, writeTestbedModel, type TestbedAttribute, type TestbedItem } from '../../src/lib/engine/testbed/index';
import { machine } from './_machine';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const TRAIN_ATTRIBUTES: readonly TestbedAttribute[] = ['capital', 'language'];
const POSITION = 'last_token_embedding' as const;
const SEP_LAYERS = [1, 5] as const;
const SAPLMA_LAYERS = [3, 4] as const;

/** One item's stored turns and hidden states, kept in memory. */
class MemorySink implements RunSink {
  readonly results = new Map<string, ItemResult>();
  readonly hidden = new Map<string, (TurnHidden | null)[]>();
  async loadItem(): Promise<ItemResult | null> {
    return null;
  }
  async save(result: ItemResult, turn: { readonly step: number; readonly hidden: TurnHidden | null } | null): Promise<void> {
    this.results.set(result.id, result);
    if (turn) {
      const list = this.hidden.get(result.id) ?? [];
      list[turn.step] = turn.hidden;
      this.hidden.set(result.id, list);
    }
  }
  async saveError(e: { id: string; error: string }): Promise<void> {
    process.stderr.write(`item ${e.id} failed: ${e.error}\n`);
  }
  async clearError(): Promise<void> {}
  async saveProgress(): Promise<void> {}
}

/** A seeded sample of `n` items balanced over the tiers (n/3 each; null: as many as the smallest tier has), shuffled. */
function balancedSample(pool: readonly TestbedItem[], n: number | null, seed: number, key: string): TestbedItem[] {
  const per = n === null ? Math.min(...TESTBED_TIERS.map((t) => pool.filter((i) => i.tier === t).length)) : Math.floor(n / TESTBED_TIERS.length);
  const out: TestbedItem[] = [];
  for (const tier of TESTBED_TIERS) {
    const ofTier = pool.filter((i) => i.tier === tier);
    if (ofTier.length < per) throw new Error(`${key}: only ${ofTier.length} ${tier}-tier items, need ${per}`);
    out.push(...shuffleInPlace([...ofTier], keyedRandom(seed, 'testbed-bench', key, tier)).slice(0, per));
  }
  return shuffleInPlace(out, keyedRandom(seed, 'testbed-bench', key, 'order'));
}

function asDatasetItem(i: TestbedItem): DatasetItem {
  return { id: i.id, question: i.question, context: '', answer: i.answer, meta: { tier: i.tier, attribute: i.attribute, entity: i.entity } };
}

/** The features of one turn: hidden-state indices [a, b) at `POSITION`, layer-major. */
function features(h: TurnHidden | null, [a, b]: readonly [number, number]): Float32Array {
  if (!h) throw new Error('a turn has no hidden states');
  const bits = h.positions[POSITION];
  if (!bits) throw new Error(`no hidden states at ${POSITION}`);
  const all = decodeF16(bits);
  const out = new Float32Array((b - a) * h.hiddenSize);
  for (let l = a; l < b; l++) {
    const row = h.layers.indexOf(l);
    if (row < 0) throw new Error(`hidden-state index ${l} was not captured`);
    out.set(all.subarray(row * h.hiddenSize, (row + 1) * h.hiddenSize), (l - a) * h.hiddenSize);
  }
  return out;
}

function fmt(s: number): string {
  const m = Math.floor(s / 60);
  return m ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}

export async function bench(args: Record<string, string> = {}) {
  const t0 = performance.now();
  const seed = Number(args.seed ?? 0);
  // Default: the largest sample balanced over the tiers (3 × the smallest tier's count in the domain).
  const n = args.n === undefined ? null : Number(args.n);
  const trainN = args['train-n'] === undefined ? null : Number(args['train-n']);
  const samples = Number(args.samples ?? 10);
  const threads = Number(args.threads ?? 1);
  const resamples = Number(args.resamples ?? 1000);
  const log = (s: string) => process.stderr.write(s + '\n');

  // Model and data.
  const dir = mkdtempSync(join(tmpdir(), 'spikescore-testbed-bench-'));
  let model: LoadedModel | null = null;
  try {
    log(`writing the testbed model (fp32) to ${dir} …`);
    await writeTestbedModel(dir, { dtypes: ['fp32'] });
    model = (await loadModelFromDir(dir, { dtype: 'fp32', backend: 'wasm', threads, modelId: 'spikescore-testbed' })) as unknown as LoadedModel;
    const m = model;
    log(`model: ${m.info.numLayers} layers, hidden ${m.info.hiddenSize}, ${m.info.backend} (${m.info.threads} thread(s))`);
    const all = parseTestbedDataset(readFileSync(join(root, 'testbed/dataset.jsonl'), 'utf8'));
    const byId = new Map(all.map((i) => [i.id, i]));
    const heldout = all.filter((i) => i.split === 'heldout');
    const trainItems = balancedSample(heldout.filter((i) => TRAIN_ATTRIBUTES.includes(i.attribute)), trainN, seed, 'train');
    const testItems = balancedSample(heldout.filter((i) => !TRAIN_ATTRIBUTES.includes(i.attribute)), n, seed, 'test');

    const base = {
      mode: 'dialogue',
      model_path: dir,
      dtype: 'fp32',
      dataset_path: 'testbed/dataset.jsonl',
      output_dir: '(memory)',
      seed,
      strategy: 'progressive',
      max_steps: 20,
      temperature: 0.2,
      top_p: 0.7,
      max_new_tokens: 24,
      generation_timeout: null,
      capture: { positions: ['last_token_embedding', 'sec_last_token_embedding', 'last_tok_bef_gen_embedding'] }
    };
    const parse = (raw: Record<string, unknown>): RunConfig => {
      const p = parseRunConfig(raw, { where: 'testbed bench config' });
      if (!p.ok) throw new Error(JSON.stringify(p.issues));
      return p.value;
    };
    const dialogueConfig = parse(base);
    const turn0Config = parse({ ...base, max_steps: 0 });
    const K = dialogueConfig.max_steps + 1;

    const labeller: Labeller = {
      async label(_q, _gold, answer, item) {
        const it = item && byId.get(item.id);
        if (!it) return { label: null, source: 'dataset', reason: 'not a testbed item' };
        return { label: testbedLabel(it, answer), source: 'dataset' };
      }
    };
    const rs = await defaultMakeRs(dialogueConfig, m);
    if (!rs) throw new Error('the logit-lens RS is not available for this model');

    /** Semantic entropy of `samples` answers to the turn-0 prompt (temperature 1, top-p 1), exact clustering. */
    async function sampleSe(it: TestbedItem): Promise<number> {
      const codec = m.tokenizer;
      const msgs = initialMessages({ question: it.question, context: '' }, dialogueConfig.system_prompt);
      const ids = codec.encode(codec.applyChatTemplate(msgs, { addGenerationPrompt: true, enableThinking: dialogueConfig.enable_thinking }), { addSpecialTokens: !m.info.hasChatTemplate });
      await m.resetCache?.();
      const out = await m.generateBatch(ids, samples, { maxNewTokens: dialogueConfig.max_new_tokens, temperature: 1, topP: 1, seed: [seed, it.id, 'sample'] });
      return testbedSemanticEntropy(it, out.map((g) => g.text.trim())).se;
    }

    // 1. Probe-training domain: turn 0 and the samples.
    log(`probe-training domain (${TRAIN_ATTRIBUTES.join(' + ')}): ${trainItems.length} held-out items, turn 0 + ${samples} samples each …`);
    const trainSink = new MemorySink();
    const tTrain = performance.now();
    await runDialogue({
      model: m,
      config: turn0Config,
      items: trainItems.map(asDatasetItem),
      sink: trainSink,
      labeller,
      onProgress: (e) => {
        if (e.type === 'item-done' && ((e.index + 1) % 50 === 0 || e.index + 1 === e.total)) log(`  turn 0: item ${e.index + 1}/${e.total}`);
      }
    });
    const trainSe: number[] = [];
    for (let i = 0; i < trainItems.length; i++) {
      trainSe.push(await sampleSe(trainItems[i]));
      if ((i + 1) % 50 === 0 || i + 1 === trainItems.length) log(`  samples: item ${i + 1}/${trainItems.length} (${fmt((performance.now() - tTrain) / 1000)})`);
    }
    const trainSeconds = (performance.now() - tTrain) / 1000;

    // 2. Test domain: the 21-turn dialogues.
    log(`test domain: ${testItems.length} held-out items × ${K} turns …`);
    const testSink = new MemorySink();
    const tTest = performance.now();
    await runDialogue({
      model: m,
      config: dialogueConfig,
      items: testItems.map(asDatasetItem),
      sink: testSink,
      labeller,
      rs,
      onProgress: (e) => {
        if (e.type === 'turn' && (e.turn === 0 || e.turn === 10 || e.turn === K - 1)) log(progressLine(e));
      }
    });
    const testSe: number[] = [];
    for (let i = 0; i < testItems.length; i++) testSe.push(await sampleSe(testItems[i]));
    const testSeconds = (performance.now() - tTest) / 1000;

    // 3. Probes, trained on the training domain's turn-0 hidden states.
    const hiddenSize = m.info.hiddenSize;
    const trainRows = trainItems.map((it) => {
      const r = trainSink.results.get(it.id);
      const h = trainSink.hidden.get(it.id)?.[0] ?? null;
      if (!r || r.nli_label === null || !h) throw new Error(`training item ${it.id} has no turn 0`);
      return { it, label: r.nli_label as 0 | 1, h };
    });
    const matrix = (range: readonly [number, number]) => {
      const d = (range[1] - range[0]) * hiddenSize;
      const X = new Float32Array(trainRows.length * d);
      trainRows.forEach((row, i) => X.set(features(row.h, range), i * d));
      return { X, d };
    };
    const split = bestSplit(trainSe);
    const seY = trainSe.map((v) => binarise(v, split.threshold) ?? 0);
    log(`SEP target: SE best split ${split.threshold.toFixed(4)} nats, ${seY.filter((v) => v === 1).length}/${seY.length} high`);
    const sepData = matrix(SEP_LAYERS);
    const sep: Probe = await trainProbe({ kind: 'sep', X: sepData.X, n: trainRows.length, d: sepData.d, y: seY, seed, modelId: m.info.id, hiddenSize, tokenPosition: POSITION, layerRange: SEP_LAYERS });
    // The released code's SEP: an MLP regressor on the raw semantic entropy (default preset), same features.
    const sepMlp: Probe = await trainProbe({ kind: 'sep-mlp', X: sepData.X, n: trainRows.length, d: sepData.d, y: trainSe, seed, modelId: m.info.id, hiddenSize, tokenPosition: POSITION, layerRange: SEP_LAYERS });
    const saplmaData = matrix(SAPLMA_LAYERS);
    const saplma: Probe = await trainProbe({ kind: 'saplma', X: saplmaData.X, n: trainRows.length, d: saplmaData.d, y: trainRows.map((r) => r.label), seed, modelId: m.info.id, hiddenSize, tokenPosition: POSITION, layerRange: SAPLMA_LAYERS });

    // 4. Trajectories of the test items.
    const kept = testItems.filter((it) => {
      const r = testSink.results.get(it.id);
      return r && r.nli_label !== null && r.reasoning_chain.length === K;
    });
    const dropped = testItems.length - kept.length;
    if (dropped) log(`warning: ${dropped} test items did not finish ${K} turns (truncated or failed) and are left out`);
    const traj: Record<'entropy' | 'nll' | 'rs' | 'sep' | 'sep_mlp' | 'saplma', number[][]> = { entropy: [], nll: [], rs: [], sep: [], sep_mlp: [], saplma: [] };
    const y: number[] = [];
    const tier: string[] = [];
    const turn0Se: number[] = [];
    for (const it of kept) {
      const r = testSink.results.get(it.id)!;
      const hs = testSink.hidden.get(it.id)!;
      y.push(1 - (r.nli_label as number));
      tier.push(it.tier);
      turn0Se.push(testSe[testItems.indexOf(it)]);
      const num = (v: number | null | undefined, what: string) => {
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${it.id}: ${what} is ${v}`);
        return v;
      };
      traj.entropy.push(r.reasoning_chain.map((t) => num(t.metrics.entropy_mean, 'entropy_mean')));
      traj.nll.push(r.reasoning_chain.map((t) => num(t.metrics.nll_mean, 'nll_mean')));
      traj.rs.push(r.reasoning_chain.map((t) => num(t.metrics.rs, 'rs')));
      traj.sep.push(hs.map((h) => sep.predict(features(h, SEP_LAYERS))));
      traj.sep_mlp.push(hs.map((h) => sepMlp.predict(features(h, SEP_LAYERS))));
      traj.saplma.push(hs.map((h) => saplma.predict(features(h, SAPLMA_LAYERS))));
    }

    const scores: Record<string, number[]> = {};
    for (const [name, ts] of Object.entries(traj)) {
      scores[`spikescore_${name}`] = ts.map((t) => spikeScore(t)!.value);
      scores[`turn0_${name}`] = ts.map((t) => t[0]);
      scores[`mean_${name}`] = ts.map((t) => trajectoryMean(t)!);
      scores[`var_sum_abs_d2_${name}`] = ts.map((t) => varPlusSumAbsD2(t)!);
    }
    scores.turn0_semantic_entropy = turn0Se;
    const ci = bootstrapCi(scores, y, { nResamples: resamples, seed, level: 0.95 });
    const figures: Record<string, number> = {};
    for (const [name, iv] of Object.entries(ci.intervals)) {
      figures[`auroc_${name}`] = iv.estimate;
      figures[`auroc_${name}_ci_low`] = iv.lo;
      figures[`auroc_${name}_ci_high`] = iv.hi;
    }
    // Within the rare tier (where the model is unsure), the entropy figures without an interval.
    const rare = y.map((_, i) => i).filter((i) => tier[i] === 'rare');
    const rareY = rare.map((i) => y[i]);
    if (rareY.some((v) => v === 1) && rareY.some((v) => v === 0)) {
      figures.auroc_spikescore_entropy_rare = auroc(rare.map((i) => scores.spikescore_entropy[i]), rareY);
      figures.auroc_turn0_entropy_rare = auroc(rare.map((i) => scores.turn0_entropy[i]), rareY);
      figures.auroc_mean_entropy_rare = auroc(rare.map((i) => scores.mean_entropy[i]), rareY);
    }
    figures.n_items = y.length;
    figures.n_hallucinated = y.filter((v) => v === 1).length;
    figures.n_dropped = dropped;
    for (const t of TESTBED_TIERS) {
      const idx = y.map((_, i) => i).filter((i) => tier[i] === t);
      figures[`n_${t}`] = idx.length;
      figures[`turn0_accuracy_${t}`] = idx.filter((i) => y[i] === 0).length / idx.length;
      const tr = trainRows.filter((r) => r.it.tier === t);
      figures[`probe_train_turn0_accuracy_${t}`] = tr.filter((r) => r.label === 1).length / tr.length;
    }
    for (const a of ['currency', 'continent', 'founded'] as const) {
      const idx = kept.map((it, i) => (it.attribute === a ? i : -1)).filter((i) => i >= 0);
      figures[`turn0_accuracy_${a}`] = idx.filter((i) => y[i] === 0).length / idx.length;
    }
    figures.probe_train_n = trainRows.length;
    figures.probe_train_n_hallucinated = trainRows.filter((r) => r.label === 0).length;
    figures.sep_target_threshold_nats = split.threshold;
    figures.sep_target_n_high = seY.filter((v) => v === 1).length;
    figures.sep_val_accuracy = Number((sep.header.training as { validation?: Record<string, number> } | undefined)?.validation?.accuracy ?? NaN);
    figures.saplma_val_accuracy = Number((saplma.header.training as { validation?: Record<string, number> } | undefined)?.validation?.accuracy ?? NaN);
    figures.train_domain_seconds = trainSeconds;
    figures.test_domain_seconds = testSeconds;
    figures.wall_seconds = (performance.now() - t0) / 1000;

    // A few turn-0 answers of never-tier items (the model never saw these countries), for the model card.
    const examples = kept
      .filter((it) => it.tier === 'never')
      .slice(0, 5)
      .map((it) => {
        const r = testSink.results.get(it.id)!;
        return { id: it.id, question: it.question, kb_answer: it.answer, turn0_answer: r.reasoning_chain[0].response, label: r.nli_label };
      });
    return {
      bench: 'testbed',
      figures,
      examples,
      setup: {
        model: 'testbed GPT-2 (d 128, 4 layers, 4 heads, vocab 607), written by writeTestbedModel, fp32',
        labels: 'exact: testbedLabel (rule testbed-value/v1) on the turn-0 answer; positive class = hallucinated (label 0)',
        items: 'held-out split only; seeded samples balanced over the tiers frequent / rare / never',
        cross_domain: {
          probe_training_domain: `attributes ${TRAIN_ATTRIBUTES.join(' + ')}: ${trainRows.length} items, turn 0 only`,
          test_domain: `attributes ${['currency', 'continent', 'founded'].join(' + ')}: ${y.length} items, ${K}-turn dialogues; every AUROC is on these items`
        },
        dialogue: { strategy: 'progressive', max_steps: 20, turns: K, temperature: 0.2, top_p: 0.7, max_new_tokens: 24, seed },
        per_turn_scores: {
          entropy: 'runner metrics.entropy_mean',
          nll: 'runner metrics.nll_mean',
          rs: 'runner metrics.rs: logit-lens RS over hidden-state indices 0..4 at last_token_embedding',
          sep: `logistic SEP (kind sep), hidden-state indices [${SEP_LAYERS.join(', ')}) at ${POSITION}; target: turn-0 semantic entropy of ${samples} samples (T 1, top-p 1) clustered by stated value, binarised at bestSplit; score P(high SE)`,
          sep_mlp: `SEP-MLP regressor (kind sep-mlp, default preset: hidden [256, 128], early stopping), same features as sep; target: the raw turn-0 semantic entropy; score: predicted SE`,
          saplma: `SAPLMA MLP (kind saplma, default preset), hidden-state index ${SAPLMA_LAYERS[0]} at ${POSITION}; target: exact truth label; score 1 − P(true)`
        },
        aggregations: { spikescore: 'max over 0<k<K-1 of |S(k+1) − 2S(k) + S(k−1)|', turn0: 'S(0)', mean: 'mean over turns', var_sum_abs_d2: "released code's Var(S) + Σ|Δ²S|" },
        bootstrap: { resamples, level: 0.95, seed, kind: 'stratified percentile (core bootstrapCi)' },
        samples,
        backend: m.info.backend,
        threads: m.info.threads
      },
      machine: machine()
    };
  } finally {
    await model?.dispose?.();
    rmSync(dir, { recursive: true, force: true });
  }
}
