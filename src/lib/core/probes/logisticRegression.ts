/**
 * L2-regularised logistic regression with scikit-learn's default objective (`LogisticRegression()`: penalty 'l2',
 * C = 1, fit_intercept, the intercept not penalised):
 *
 *   F(w, b) = Σ_i [log(1 + e^{z_i}) − y_i·z_i] + ‖w‖² / (2C),   z_i = x_i·w + b,   y_i ∈ {0, 1}
 *
 * (the same minimiser as C·Σ logloss + ½‖w‖²). P(y = 1 | x) = σ(x·w + b); class 1 is the positive class (for SEP,
 * high semantic entropy: more likely hallucinated).
 *
 * Solvers:
 * - `lbfgs`: limited-memory BFGS (10 pairs, as scipy's L-BFGS-B). Each iteration computes X·p once, so the line
 *   search evaluates F and F' along p in O(n), and the gradient costs one more pass over X: two passes in all.
 *   The line search brackets a point satisfying the strong Wolfe conditions (c1 = 1e-4, c2 = 0.9) by safeguarded
 *   secant steps on F', which is monotone along a line because F is convex.
 * - `newton`: Newton's method (IRLS) with a Cholesky solve of the (d+1)×(d+1) Hessian and Armijo backtracking;
 *   quadratic convergence, for small d.
 * - `auto` (default): `newton` when d ≤ 256, else `lbfgs`.
 *
 * Stopping: ‖∇F‖∞ ≤ tol (scikit-learn's `gtol` for lbfgs, on the same sum-scaled F), or maxIter iterations
 * (then `converged` is false, as scikit-learn's ConvergenceWarning), or a line search that can no longer decrease F
 * (float64 round-off; `converged` says whether the gradient test held). Internally F/n is minimised, which only
 * rescales. Arithmetic is float64; X may be float32.
 */
import { InputError } from '../issues';
import { matvec, matvecT } from './linalg';
import { checkBinaryLabels, checkMatrix, checkPositive } from './validate';
import { throwIfAborted, yieldToEventLoop } from './yieldToEventLoop';

export type LogisticSolver = 'auto' | 'lbfgs' | 'newton';

export interface LogisticOptions {
  /** Inverse regularisation strength (default 1, scikit-learn's). */
  readonly C?: number;
  /** Gradient tolerance on ‖∇F‖∞ (default 1e-4, scikit-learn's `tol`). */
  readonly tol?: number;
  /** Default 1000 (scikit-learn stops at 100 and warns; we go on to convergence). */
  readonly maxIter?: number;
  readonly solver?: LogisticSolver;
  /** L-BFGS memory (default 10). */
  readonly memory?: number;
  /** Called after every iteration with the objective F (sum-scaled), ‖∇F‖∞ and the current w and b (read only). */
  readonly onIteration?: (iteration: number, objective: number, gradNorm: number, coef: Float64Array, intercept: number) => void;
  readonly signal?: AbortSignal;
}

export interface LogisticFit {
  /** w, length d (scikit-learn's `coef_[0]`). */
  readonly coef: Float64Array;
  /** b (scikit-learn's `intercept_[0]`). */
  readonly intercept: number;
  readonly solver: 'lbfgs' | 'newton';
  readonly nIter: number;
  readonly converged: boolean;
  /** F at the solution (sum-scaled, as scikit-learn's). */
  readonly objective: number;
  /** ‖∇F‖∞ at the solution. */
  readonly gradNorm: number;
  /** F after each iteration (index 0: the start, w = 0, b = 0). */
  readonly objectiveCurve: readonly number[];
}

/** log(1 + e^z) without overflow. */
export function log1pExp(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** Mean-scaled loss F/n and, if `grad` is given, its gradient (length d+1, the intercept last). */
function lossGrad(X: Float32Array, y: ArrayLike<number>, n: number, d: number, lambda: number, w: Float64Array, b: number, z: Float64Array, r: Float64Array, grad: Float64Array | null): number {
  let loss = 0;
  let gb = 0;
  for (let i = 0; i < n; i++) {
    const zi = z[i];
    loss += log1pExp(zi) - y[i] * zi;
    const ri = (sigmoid(zi) - y[i]) / n;
    r[i] = ri;
    gb += ri;
  }
  let ww = 0;
  for (let j = 0; j < d; j++) ww += w[j] * w[j];
  const f = loss / n + 0.5 * lambda * ww;
  if (grad) {
    matvecT(X, r, grad, n, d);
    for (let j = 0; j < d; j++) grad[j] += lambda * w[j];
    grad[d] = gb;
  }
  return f;
}

function infNorm(g: Float64Array): number {
  let m = 0;
  for (let j = 0; j < g.length; j++) {
    const a = Math.abs(g[j]);
    if (a > m) m = a;
  }
  return m;
}

/**
 * fitLogisticRegression(X, n, d, y) fits P(y = 1 | x) = σ(x·w + b) by minimising F above.
 *
 * @param X row-major `[n × d]` features (float32, finite).
 * @param y n labels, each 0 or 1; both classes must occur (one class has no logistic fit: an `InputError`).
 */
export async function fitLogisticRegression(X: Float32Array, n: number, d: number, y: ArrayLike<number>, options: LogisticOptions = {}): Promise<LogisticFit> {
  checkMatrix(X, n, d);
  checkBinaryLabels(y, n);
  const C = options.C ?? 1;
  checkPositive(C, 'C');
  const tol = options.tol ?? 1e-4;
  checkPositive(tol, 'tol');
  const maxIter = options.maxIter ?? 1000;
  checkPositive(maxIter, 'maxIter', true);
  let positives = 0;
  for (let i = 0; i < n; i++) positives += y[i];
  if (positives === 0 || positives === n) {
    throw new InputError([{ code: 'invalid_value', path: ['y'], message: `y holds only class ${positives === 0 ? 0 : 1} (${n} samples); a logistic probe needs samples of both classes` }]);
  }
  const solver = options.solver ?? 'auto';
  if (!['auto', 'lbfgs', 'newton'].includes(solver)) throw new TypeError(`solver must be one of auto, lbfgs, newton, got ${String(solver)}`);
  const useNewton = solver === 'newton' || (solver === 'auto' && d <= 256);
  return useNewton ? newton(X, n, d, y, C, tol, maxIter, options) : lbfgs(X, n, d, y, C, tol, maxIter, options);
}

async function lbfgs(X: Float32Array, n: number, d: number, y: ArrayLike<number>, C: number, tol: number, maxIter: number, options: LogisticOptions): Promise<LogisticFit> {
  const lambda = 1 / (C * n);
  const m = options.memory ?? 10;
  checkPositive(m, 'memory', true);
  const D = d + 1;
  const w = new Float64Array(d);
  let b = 0;
  const z = new Float64Array(n); // X·w + b
  const r = new Float64Array(n);
  const q = new Float64Array(n); // X·p_w + p_b
  let g = new Float64Array(D);
  let gNew = new Float64Array(D);
  const p = new Float64Array(D);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const alphaBuf = new Float64Array(m);
  let f = lossGrad(X, y, n, d, lambda, w, b, z, r, g);
  const curve = [f * n];
  let gNorm = infNorm(g) * n;
  let iter = 0;
  let converged = gNorm <= tol;

  // φ(α) = F(θ + α p)/n and φ'(α), in O(n) from z, q and the cached dot products of w and p.
  let ww = 0, wp = 0, pp = 0;
  const phi = (alpha: number): [number, number] => {
    let loss = 0;
    let slope = 0;
    for (let i = 0; i < n; i++) {
      const zi = z[i] + alpha * q[i];
      loss += log1pExp(zi) - y[i] * zi;
      slope += (sigmoid(zi) - y[i]) * q[i];
    }
    const fv = loss / n + 0.5 * lambda * (ww + 2 * alpha * wp + alpha * alpha * pp);
    const dv = slope / n + lambda * (wp + alpha * pp);
    return [fv, dv];
  };

  while (!converged && iter < maxIter) {
    throwIfAborted(options.signal);
    // Two-loop recursion: p = −H·g.
    for (let j = 0; j < D; j++) p[j] = -g[j];
    const k = S.length;
    for (let t = k - 1; t >= 0; t--) {
      let a = 0;
      const s = S[t];
      for (let j = 0; j < D; j++) a += s[j] * p[j];
      a *= rho[t];
      alphaBuf[t] = a;
      const yt = Y[t];
      for (let j = 0; j < D; j++) p[j] -= a * yt[j];
    }
    if (k > 0) {
      const s = S[k - 1];
      const yt = Y[k - 1];
      let sy = 0, yy = 0;
      for (let j = 0; j < D; j++) {
        sy += s[j] * yt[j];
        yy += yt[j] * yt[j];
      }
      const gamma = sy / yy;
      for (let j = 0; j < D; j++) p[j] *= gamma;
    }
    for (let t = 0; t < k; t++) {
      const yt = Y[t];
      let bt = 0;
      for (let j = 0; j < D; j++) bt += yt[j] * p[j];
      bt *= rho[t];
      const s = S[t];
      const c = alphaBuf[t] - bt;
      for (let j = 0; j < D; j++) p[j] += c * s[j];
    }
    let slope0 = 0;
    for (let j = 0; j < D; j++) slope0 += g[j] * p[j];
    if (!(slope0 < 0)) {
      // Not a descent direction (round-off): restart from steepest descent.
      S.length = 0;
      Y.length = 0;
      rho.length = 0;
      for (let j = 0; j < D; j++) p[j] = -g[j];
      slope0 = 0;
      for (let j = 0; j < D; j++) slope0 -= g[j] * g[j];
    }
    matvec(X, p, q, n, d, p[d]);
    ww = 0; wp = 0; pp = 0;
    for (let j = 0; j < d; j++) {
      ww += w[j] * w[j];
      wp += w[j] * p[j];
      pp += p[j] * p[j];
    }
    // First step: scale to unit length, as scipy does; afterwards try the quasi-Newton step α = 1.
    let alpha = k === 0 ? Math.min(1, 1 / Math.sqrt(pp + p[d] * p[d])) : 1;
    const [fa, ga] = lineSearch(phi, f, slope0, alpha);
    alpha = fa;
    const fNew = ga;
    if (!(alpha > 0) || !(fNew <= f + 1e-12 * Math.max(1, Math.abs(f)))) break; // no decrease possible in float64
    for (let j = 0; j < d; j++) w[j] += alpha * p[j];
    b += alpha * p[d];
    for (let i = 0; i < n; i++) z[i] += alpha * q[i];
    const fPrev = f;
    f = lossGrad(X, y, n, d, lambda, w, b, z, r, gNew);
    iter++;
    const s = new Float64Array(D);
    const yv = new Float64Array(D);
    let sy = 0;
    for (let j = 0; j < D; j++) {
      s[j] = alpha * p[j];
      yv[j] = gNew[j] - g[j];
      sy += s[j] * yv[j];
    }
    if (sy > 1e-12 * Math.abs(fPrev)) {
      if (S.length === m) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(yv);
      rho.push(1 / sy);
    }
    [g, gNew] = [gNew, g];
    gNorm = infNorm(g) * n;
    curve.push(f * n);
    options.onIteration?.(iter, f * n, gNorm, w, b);
    converged = gNorm <= tol;
    if (fPrev - f <= 1e-16 * Math.max(Math.abs(f), 1) && !converged) {
      // Stalled at round-off level: one more restart is pointless if the step was tiny.
      if (alpha * Math.sqrt(pp) < 1e-14) break;
    }
    if (iter % 4 === 0) await yieldToEventLoop();
  }
  // Final objective from a fresh X·w (the running z accumulates round-off).
  matvec(X, w, z, n, d, b);
  f = lossGrad(X, y, n, d, lambda, w, b, z, r, g);
  gNorm = infNorm(g) * n;
  return { coef: w, intercept: b, solver: 'lbfgs', nIter: iter, converged: gNorm <= tol, objective: f * n, gradNorm: gNorm, objectiveCurve: curve };
}

/**
 * Strong-Wolfe line search on a convex φ: returns [α, φ(α)]. Expands α while φ' stays steeply negative, then
 * narrows the bracket by secant steps on φ' (safeguarded by bisection) until |φ'(α)| ≤ c2·|φ'(0)| with the
 * Armijo decrease. Near the optimum the decrease drowns in float64 round-off of φ, so, as Hager and Zhang's
 * approximate Wolfe conditions, φ(α) ≤ φ(0) + 1e-12·|φ(0)| also counts as a decrease: φ' is still accurate
 * there and steers the step. Returns α = 0 when nothing decreases φ.
 */
function lineSearch(phi: (a: number) => [number, number], f0: number, g0: number, alpha0: number): [number, number] {
  const c1 = 1e-4;
  const c2 = 0.9;
  const slack = 1e-12 * Math.max(1, Math.abs(f0));
  let lo = 0, glo = g0;
  let hi = Infinity, ghi = NaN;
  let alpha = alpha0;
  let best: [number, number] = [0, f0];
  let bestSlope = Math.abs(g0);
  for (let it = 0; it < 60; it++) {
    const [fa, ga] = phi(alpha);
    const decrease = fa <= f0 + c1 * alpha * g0 || fa <= f0 + slack;
    if (decrease && Number.isFinite(fa) && Math.abs(ga) < bestSlope) {
      best = [alpha, fa];
      bestSlope = Math.abs(ga);
    }
    if (decrease && Math.abs(ga) <= c2 * Math.abs(g0)) return [alpha, fa];
    if (!decrease || ga >= 0) {
      hi = alpha;
      ghi = ga;
    } else {
      lo = alpha;
      glo = ga;
    }
    if (hi === Infinity) {
      alpha *= 4;
      continue;
    }
    // Secant on φ' inside [lo, hi], kept away from the ends.
    let next = Number.isFinite(ghi) && ghi > glo ? lo - (glo * (hi - lo)) / (ghi - glo) : (lo + hi) / 2;
    const width = hi - lo;
    if (!(next > lo + 0.05 * width && next < hi - 0.05 * width)) next = (lo + hi) / 2;
    if (width <= 1e-16 * Math.max(1, hi)) break;
    alpha = next;
  }
  return best;
}

async function newton(X: Float32Array, n: number, d: number, y: ArrayLike<number>, C: number, tol: number, maxIter: number, options: LogisticOptions): Promise<LogisticFit> {
  const lambda = 1 / (C * n);
  const D = d + 1;
  const w = new Float64Array(d);
  let b = 0;
  const z = new Float64Array(n);
  const r = new Float64Array(n);
  const g = new Float64Array(D);
  const H = new Float64Array(D * D);
  const step = new Float64Array(D);
  const wTry = new Float64Array(d);
  const zTry = new Float64Array(n);
  const rTry = new Float64Array(n);
  const row = new Float64Array(D);
  let f = lossGrad(X, y, n, d, lambda, w, b, z, r, g);
  const curve = [f * n];
  let gNorm = infNorm(g) * n;
  let iter = 0;
  while (gNorm > tol && iter < maxIter) {
    throwIfAborted(options.signal);
    // H = X̃ᵀ·diag(p(1−p))·X̃ / n + λ·diag(1,…,1,0), X̃ = [X, 1]; the upper triangle, then mirrored.
    H.fill(0);
    for (let i = 0; i < n; i++) {
      const pi = sigmoid(z[i]);
      const wi = (pi * (1 - pi)) / n;
      if (wi === 0) continue;
      const off = i * d;
      for (let j = 0; j < d; j++) row[j] = X[off + j];
      row[d] = 1;
      for (let a = 0; a < D; a++) {
        const va = wi * row[a];
        if (va === 0) continue;
        const ha = a * D;
        for (let c = a; c < D; c++) H[ha + c] += va * row[c];
      }
    }
    for (let a = 0; a < d; a++) H[a * D + a] += lambda;
    for (let a = 0; a < D; a++) for (let c = 0; c < a; c++) H[a * D + c] = H[c * D + a];
    for (let j = 0; j < D; j++) step[j] = -g[j];
    if (!choleskySolve(H, step, D)) break;
    let slope = 0;
    for (let j = 0; j < D; j++) slope += g[j] * step[j];
    // Armijo backtracking from the full Newton step. Once the Newton decrement −g·step is below 1e-10·|F/n|, the
    // decrease drowns in round-off but the full step is safe (quadratic convergence): take it unchecked.
    const nearOptimum = -slope <= 1e-10 * Math.max(1, Math.abs(f));
    let t = 1;
    let fTry = Infinity;
    for (let ls = 0; ls < 50; ls++) {
      for (let j = 0; j < d; j++) wTry[j] = w[j] + t * step[j];
      matvec(X, wTry, zTry, n, d, b + t * step[d]);
      fTry = lossGrad(X, y, n, d, lambda, wTry, b + t * step[d], zTry, rTry, null);
      if (nearOptimum || fTry <= f + 1e-4 * t * slope) break;
      t /= 2;
    }
    if (!nearOptimum && !(fTry <= f)) break;
    w.set(wTry);
    b += t * step[d];
    z.set(zTry);
    f = lossGrad(X, y, n, d, lambda, w, b, z, r, g);
    iter++;
    const previous = gNorm;
    gNorm = infNorm(g) * n;
    curve.push(f * n);
    options.onIteration?.(iter, f * n, gNorm, w, b);
    if (nearOptimum && !(gNorm < previous)) break; // at the round-off floor of the gradient
    await yieldToEventLoop();
  }
  return { coef: w, intercept: b, solver: 'newton', nIter: iter, converged: gNorm <= tol, objective: f * n, gradNorm: gNorm, objectiveCurve: curve };
}

/** Solves A·x = rhs in place (rhs becomes x) for symmetric positive definite A `[D × D]` (A is overwritten). */
export function choleskySolve(A: Float64Array, rhs: Float64Array, D: number): boolean {
  for (let j = 0; j < D; j++) {
    let s = A[j * D + j];
    for (let k = 0; k < j; k++) s -= A[j * D + k] * A[j * D + k];
    if (!(s > 0)) return false;
    const ljj = Math.sqrt(s);
    A[j * D + j] = ljj;
    for (let i = j + 1; i < D; i++) {
      let t = A[i * D + j];
      for (let k = 0; k < j; k++) t -= A[i * D + k] * A[j * D + k];
      A[i * D + j] = t / ljj;
    }
  }
  for (let i = 0; i < D; i++) {
    let t = rhs[i];
    for (let k = 0; k < i; k++) t -= A[i * D + k] * rhs[k];
    rhs[i] = t / A[i * D + i];
  }
  for (let i = D - 1; i >= 0; i--) {
    let t = rhs[i];
    for (let k = i + 1; k < D; k++) t -= A[k * D + i] * rhs[k];
    rhs[i] = t / A[i * D + i];
  }
  return true;
}
