/**
 * The training loop of the SEP probe trainer (`semantic-entropy-probes/probes_trainer.py`, method-spikescore.md
 * §9), reused for SAPLMA:
 *
 * 1. split the rows once into train and validation (a seeded permutation; the last ⌊valFraction·n⌋ rows of it, at
 *    least 1, are validation — the seed's `torch.randperm` 90/10);
 * 2. each epoch, shuffle the training rows (seeded per epoch), take batches of `batchSize` (the last may be
 *    smaller, as DataLoader's drop_last=False), forward with dropout, mean loss, backward, one optimiser step;
 * 3. after each epoch, the validation loss (no dropout, mean over validation rows) drives ReduceLROnPlateau,
 *    keeps the best parameters (lowest validation loss, the earliest on ties; epoch 0, the initial weights, when
 *    no epoch beats them) and, when enabled, stops early after `patience` epochs without improvement.
 *
 * The reported training loss of an epoch is the mean of its batch losses (the seed's `total / len(loader)`). At the
 * end the best parameters are restored. Every draw comes from `keyedRandom(seed, purpose, …)`: the split
 * (`'split'`), the epoch's order (`'order', epoch`) and dropout (`'dropout', epoch, batch`), so a seed reproduces
 * a run exactly. Between batches the loop yields to the event loop and checks the abort signal.
 */
import { keyedRandom, permutation, type KeyPart } from '../random';
import { batchLoss, type LossKind } from './losses';
import { backwardMlp, forwardMlp, mlpParameters, mlpSpecOf, mlpZeros, type Mlp } from './mlp';
import { Adam, ReduceLROnPlateau } from './optim';
import { checkMatrix, checkPositive, checkTargets } from './validate';
import { throwIfAborted, yieldToEventLoop } from './yieldToEventLoop';

export interface EpochRecord {
  readonly epoch: number;
  readonly train_loss: number;
  readonly val_loss: number;
  /** The learning rate used in the epoch (null for solvers without one). */
  readonly lr: number | null;
}

export interface MlpTrainOptions {
  readonly loss: LossKind;
  /** Huber δ (default 0.5). */
  readonly huberDelta?: number;
  readonly lr: number;
  /** AdamW's decoupled weight decay; 0 gives Adam. */
  readonly weightDecay: number;
  readonly batchSize: number;
  readonly maxEpochs: number;
  /** Share of rows held out for validation (default 0.1). */
  readonly valFraction?: number;
  /** ReduceLROnPlateau on the validation loss (null: constant lr). */
  readonly plateau?: { readonly patience: number; readonly factor: number } | null;
  /** Stop after this many epochs without a better validation loss (null: run all epochs). */
  readonly earlyStoppingPatience?: number | null;
  /** Rows to train on and to validate on, instead of the seeded split (e.g. a split the caller already made). */
  readonly split?: { readonly train: Uint32Array; readonly val: Uint32Array };
  readonly seed: KeyPart;
  readonly signal?: AbortSignal;
  /** Called after every epoch: (epoch from 1, mean training loss, validation loss). */
  readonly onEpoch?: (epoch: number, trainLoss: number, valLoss: number) => void;
}

export interface MlpTrainResult {
  readonly history: readonly EpochRecord[];
  /** The epoch whose parameters were kept (lowest validation loss). */
  readonly bestEpoch: number;
  readonly bestValLoss: number;
  readonly stoppedEarly: boolean;
  /** A loss became non-finite; training stopped and the best parameters so far were kept. */
  readonly diverged: boolean;
  readonly trainRows: Uint32Array;
  readonly valRows: Uint32Array;
}

/** The seeded train/validation split of n rows: `{train, val}` row indices. */
export function trainValSplit(n: number, valFraction: number, seed: KeyPart): { train: Uint32Array; val: Uint32Array } {
  if (!Number.isInteger(n) || n < 2) throw new TypeError(`a train/validation split needs at least 2 rows, got ${String(n)}`);
  if (!(valFraction > 0 && valFraction < 1)) throw new TypeError(`valFraction must be in (0, 1), got ${String(valFraction)}`);
  const nVal = Math.min(n - 1, Math.max(1, Math.floor(valFraction * n)));
  const perm = permutation(n, keyedRandom(seed, 'split'));
  return { train: perm.slice(0, n - nVal), val: perm.slice(n - nVal) };
}

function gatherRows(X: Float32Array, d: number, rows: ArrayLike<number>, from: number, to: number, out: Float32Array): void {
  for (let i = from; i < to; i++) out.set(X.subarray(rows[i] * d, rows[i] * d + d), (i - from) * d);
}

/** Mean loss over `rows` in evaluation mode (no dropout). */
export function evaluateLoss(mlp: Mlp, X: Float32Array, d: number, y: ArrayLike<number>, rows: Uint32Array, loss: LossKind, delta: number): number {
  const chunk = 256;
  const buf = new Float32Array(Math.min(chunk, rows.length) * d);
  let total = 0;
  for (let s = 0; s < rows.length; s += chunk) {
    const e = Math.min(rows.length, s + chunk);
    gatherRows(X, d, rows, s, e, buf);
    const { z } = forwardMlp(mlp, buf, e - s);
    total += batchLoss(loss, z, y, e - s, delta, null, rows.subarray(s, e)) * (e - s);
  }
  return total / rows.length;
}

/**
 * trainMlp(mlp, X, n, d, y, options) trains `mlp` in place on rows of X `[n × d]` with targets y (regression
 * targets for Huber, 0/1 for BCE) and returns the loss curve; the best parameters are left in `mlp`.
 */
export async function trainMlp(mlp: Mlp, X: Float32Array, n: number, d: number, y: ArrayLike<number>, options: MlpTrainOptions): Promise<MlpTrainResult> {
  checkMatrix(X, n, d);
  checkTargets(y, n);
  if (mlp.inputs !== d) throw new TypeError(`the MLP takes ${mlp.inputs} inputs but X has d = ${d} columns`);
  checkPositive(options.lr, 'lr');
  checkPositive(options.batchSize, 'batchSize', true);
  checkPositive(options.maxEpochs, 'maxEpochs', true);
  if (!(options.weightDecay >= 0)) throw new TypeError(`weightDecay must be ≥ 0, got ${String(options.weightDecay)}`);
  const delta = options.huberDelta ?? 0.5;
  const { train, val } = options.split ?? trainValSplit(n, options.valFraction ?? 0.1, options.seed);
  if (train.length === 0 || val.length === 0) throw new TypeError(`split needs training and validation rows, got ${train.length} and ${val.length}`);
  const params = mlpParameters(mlp).map((p) => p.value);
  const grads = mlpZeros(mlpSpecOf(mlp));
  const gradArrays = mlpParameters(grads).map((p) => p.value);
  const optimizer = new Adam(params, { lr: options.lr, weightDecay: options.weightDecay });
  const plateau = options.plateau ? new ReduceLROnPlateau(optimizer, options.plateau.patience, options.plateau.factor) : null;
  const best = params.map((p) => Float32Array.from(p));
  let bestVal = evaluateLoss(mlp, X, d, y, val, options.loss, delta);
  let bestEpoch = 0;
  let sinceBest = 0;
  let stoppedEarly = false;
  let diverged = !Number.isFinite(bestVal);
  const history: EpochRecord[] = [];
  const B = options.batchSize;
  const batchX = new Float32Array(B * d);
  const batchRows = new Uint32Array(B);
  const dz = new Float32Array(B);
  for (let epoch = 1; epoch <= options.maxEpochs && !diverged; epoch++) {
    const order = permutation(train.length, keyedRandom(options.seed, 'order', epoch));
    let lossSum = 0;
    let batches = 0;
    for (let s = 0; s < train.length; s += B) {
      throwIfAborted(options.signal);
      const e = Math.min(train.length, s + B);
      const m = e - s;
      for (let i = 0; i < m; i++) batchRows[i] = train[order[s + i]];
      gatherRows(X, d, batchRows, 0, m, batchX);
      const xb = m === B ? batchX : batchX.subarray(0, m * d);
      const { z, cache } = forwardMlp(mlp, xb, m, { random: keyedRandom(options.seed, 'dropout', epoch, batches) });
      const loss = batchLoss(options.loss, z, y, m, delta, dz, batchRows);
      if (!Number.isFinite(loss)) {
        diverged = true;
        break;
      }
      for (const g of gradArrays) g.fill(0);
      backwardMlp(mlp, cache, m === B ? dz : dz.subarray(0, m), grads);
      optimizer.step(gradArrays);
      lossSum += loss;
      batches++;
      await yieldToEventLoop();
    }
    if (diverged) break;
    const trainLoss = lossSum / batches;
    const valLoss = evaluateLoss(mlp, X, d, y, val, options.loss, delta);
    if (!Number.isFinite(valLoss)) {
      diverged = true;
      break;
    }
    history.push({ epoch, train_loss: trainLoss, val_loss: valLoss, lr: optimizer.lr });
    options.onEpoch?.(epoch, trainLoss, valLoss);
    if (valLoss < bestVal) {
      bestVal = valLoss;
      bestEpoch = epoch;
      sinceBest = 0;
      params.forEach((p, k) => best[k].set(p));
    } else {
      sinceBest++;
    }
    plateau?.step(valLoss);
    const patience = options.earlyStoppingPatience;
    if (patience !== null && patience !== undefined && sinceBest >= patience && epoch < options.maxEpochs) {
      stoppedEarly = true;
      break;
    }
  }
  params.forEach((p, k) => p.set(best[k]));
  return { history, bestEpoch, bestValLoss: bestVal, stoppedEarly, diverged, trainRows: train, valRows: val };
}
