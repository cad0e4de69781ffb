/**
 * The optimiser and learning-rate schedule of the seed's probe trainer, as PyTorch defines them.
 *
 * Adam / AdamW (torch.optim, defaults β = (0.9, 0.999), ε = 1e-8), at step t with gradient g:
 *   AdamW only: p ← p·(1 − lr·λ)                         (decoupled weight decay, every parameter)
 *   m ← β1·m + (1 − β1)·g,  v ← β2·v + (1 − β2)·g²
 *   p ← p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
 *
 * ReduceLROnPlateau (mode 'min', threshold 1e-4 relative, cooldown 0, min_lr 0, eps 1e-8): a value is an
 * improvement when it is < best·(1 − 1e-4); after more than `patience` epochs without one, lr ← lr·factor.
 */

export interface AdamOptions {
  readonly lr: number;
  /** Decoupled weight decay λ (AdamW); 0 gives plain Adam. */
  readonly weightDecay: number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly eps?: number;
}

export class Adam {
  lr: number;
  readonly weightDecay: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  private t = 0;
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];

  constructor(private readonly params: readonly Float32Array[], options: AdamOptions) {
    this.lr = options.lr;
    this.weightDecay = options.weightDecay;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    this.m = params.map((p) => new Float32Array(p.length));
    this.v = params.map((p) => new Float32Array(p.length));
  }

  /** One step with `grads` (aligned with the parameters). */
  step(grads: readonly Float32Array[]): void {
    this.t++;
    const { lr, beta1: b1, beta2: b2, eps } = this;
    const bc1 = 1 - b1 ** this.t;
    const sqrtBc2 = Math.sqrt(1 - b2 ** this.t);
    const stepSize = lr / bc1;
    const decay = 1 - lr * this.weightDecay;
    for (let k = 0; k < this.params.length; k++) {
      const p = this.params[k];
      const g = grads[k];
      const m = this.m[k];
      const v = this.v[k];
      for (let i = 0; i < p.length; i++) {
        const gi = g[i];
        const mi = b1 * m[i] + (1 - b1) * gi;
        const vi = b2 * v[i] + (1 - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] = p[i] * decay - (stepSize * m[i]) / (Math.sqrt(v[i]) / sqrtBc2 + eps);
      }
    }
  }
}

export class ReduceLROnPlateau {
  best = Infinity;
  badEpochs = 0;
  readonly threshold = 1e-4;
  readonly minLr = 0;
  readonly eps = 1e-8;

  constructor(
    private readonly optimizer: { lr: number },
    readonly patience = 10,
    readonly factor = 0.1
  ) {
    if (!(factor > 0 && factor < 1)) throw new TypeError(`factor must be in (0, 1), got ${String(factor)}`);
    if (!(Number.isInteger(patience) && patience >= 0)) throw new TypeError(`patience must be a non-negative integer, got ${String(patience)}`);
  }

  /** Records an epoch's validation loss; returns the learning rate to use next. */
  step(value: number): number {
    if (value < this.best * (1 - this.threshold)) {
      this.best = value;
      this.badEpochs = 0;
    } else {
      this.badEpochs++;
    }
    if (this.badEpochs > this.patience) {
      const old = this.optimizer.lr;
      const next = Math.max(old * this.factor, this.minLr);
      if (old - next > this.eps) this.optimizer.lr = next;
      this.badEpochs = 0;
    }
    return this.optimizer.lr;
  }
}
