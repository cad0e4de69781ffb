/**
 * Batch losses, means over the batch as PyTorch's default `reduction='mean'`, with their gradients.
 *
 * - Huber (`nn.HuberLoss(delta=δ)`): ℓ = ½r² if |r| < δ, else δ·(|r| − ½δ), r = z − y.
 * - Binary cross-entropy on logits (`nn.BCEWithLogitsLoss`, the stable form of sigmoid + `nn.BCELoss`):
 *   ℓ = max(z, 0) − z·y + log(1 + e^{−|z|}); ∂ℓ/∂z = σ(z) − y.
 */
import { sigmoid } from './logisticRegression';

export type LossKind = 'huber' | 'bce';

/**
 * The mean loss over `z[0..B)` against targets `y[idx[i]]` (or `y[i]` without idx); writes ∂mean/∂z into `dz`
 * when given.
 */
export function batchLoss(kind: LossKind, z: Float32Array, y: ArrayLike<number>, B: number, delta: number, dz: Float32Array | null, idx?: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < B; i++) {
    const zi = z[i];
    const yi = idx ? y[idx[i]] : y[i];
    if (kind === 'huber') {
      const r = zi - yi;
      const a = Math.abs(r);
      if (a < delta) {
        total += 0.5 * r * r;
        if (dz) dz[i] = r / B;
      } else {
        total += delta * (a - 0.5 * delta);
        if (dz) dz[i] = (r > 0 ? delta : -delta) / B;
      }
    } else {
      total += Math.max(zi, 0) - zi * yi + Math.log1p(Math.exp(-Math.abs(zi)));
      if (dz) dz[i] = (sigmoid(zi) - yi) / B;
    }
  }
  return total / B;
}
