/**
 * The few dense kernels the probes need, on row-major typed arrays (llm.c's habit: plain loops, shapes in the
 * comments, no framework). Sums run in JavaScript numbers (float64) and are stored in the output array's type.
 *
 * Letters: rows of a batch `m`, inner dimension `k`, output columns `n`. Every kernel blocks its loops so that each
 * value loaded from memory feeds several multiply-adds (2 × 4 register tiles for dot products, four-row axpy for
 * sums of rows); no closures or per-element calls in the inner loops.
 */

type Vec = Float32Array | Float64Array;

/** Σ_j a[ao + j] · b[bo + j] for j < k. */
export function dot(a: Vec, ao: number, b: Vec, bo: number, k: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 3 < k; j += 4) {
    s0 += a[ao + j] * b[bo + j];
    s1 += a[ao + j + 1] * b[bo + j + 1];
    s2 += a[ao + j + 2] * b[bo + j + 2];
    s3 += a[ao + j + 3] * b[bo + j + 3];
  }
  for (; j < k; j++) s0 += a[ao + j] * b[bo + j];
  return s0 + s1 + (s2 + s3);
}

/**
 * C[m×n] = A[m×k] · B[n×k]ᵀ (+ bias[n] when given; + C when `accumulate`): row i of A dotted with row j of B.
 * A linear layer's forward pass `Y = X · Wᵀ + b` with W stored `[out × in]` as PyTorch does.
 */
export function matmulABt(A: Vec, B: Vec, C: Vec, m: number, n: number, k: number, bias?: Vec | null, accumulate = false): void {
  let i = 0;
  for (; i + 1 < m; i += 2) {
    const a0 = i * k;
    const a1 = a0 + k;
    let j = 0;
    for (; j + 3 < n; j += 4) {
      const b0 = j * k;
      const b1 = b0 + k;
      const b2 = b1 + k;
      const b3 = b2 + k;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      for (let p = 0; p < k; p++) {
        const x0 = A[a0 + p];
        const x1 = A[a1 + p];
        const w0 = B[b0 + p];
        const w1 = B[b1 + p];
        const w2 = B[b2 + p];
        const w3 = B[b3 + p];
        c00 += x0 * w0;
        c01 += x0 * w1;
        c02 += x0 * w2;
        c03 += x0 * w3;
        c10 += x1 * w0;
        c11 += x1 * w1;
        c12 += x1 * w2;
        c13 += x1 * w3;
      }
      const r0 = i * n + j;
      const r1 = r0 + n;
      if (bias) {
        c00 += bias[j]; c01 += bias[j + 1]; c02 += bias[j + 2]; c03 += bias[j + 3];
        c10 += bias[j]; c11 += bias[j + 1]; c12 += bias[j + 2]; c13 += bias[j + 3];
      }
      if (accumulate) {
        C[r0] += c00; C[r0 + 1] += c01; C[r0 + 2] += c02; C[r0 + 3] += c03;
        C[r1] += c10; C[r1 + 1] += c11; C[r1 + 2] += c12; C[r1 + 3] += c13;
      } else {
        C[r0] = c00; C[r0 + 1] = c01; C[r0 + 2] = c02; C[r0 + 3] = c03;
        C[r1] = c10; C[r1 + 1] = c11; C[r1 + 2] = c12; C[r1 + 3] = c13;
      }
    }
    for (; j < n; j++) {
      let c0 = dot(A, a0, B, j * k, k);
      let c1 = dot(A, a1, B, j * k, k);
      if (bias) {
        c0 += bias[j];
        c1 += bias[j];
      }
      if (accumulate) {
        C[i * n + j] += c0;
        C[(i + 1) * n + j] += c1;
      } else {
        C[i * n + j] = c0;
        C[(i + 1) * n + j] = c1;
      }
    }
  }
  for (; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let c = dot(A, i * k, B, j * k, k);
      if (bias) c += bias[j];
      if (accumulate) C[i * n + j] += c;
      else C[i * n + j] = c;
    }
  }
}

/**
 * C[m×n] = A[m×k] · B[k×n] (+ C when `accumulate`). The input gradient of a linear layer: dX = dY · W with W
 * `[out × in]` (k = out, n = in). Each output row is a sum of rows of B, four at a time.
 */
export function matmulAB(A: Vec, B: Vec, C: Vec, m: number, n: number, k: number, accumulate = false): void {
  for (let i = 0; i < m; i++) {
    const c0 = i * n;
    if (!accumulate) C.fill(0, c0, c0 + n);
    const a0 = i * k;
    let p = 0;
    for (; p + 3 < k; p += 4) {
      const x0 = A[a0 + p];
      const x1 = A[a0 + p + 1];
      const x2 = A[a0 + p + 2];
      const x3 = A[a0 + p + 3];
      if (x0 === 0 && x1 === 0 && x2 === 0 && x3 === 0) continue;
      const b0 = p * n;
      const b1 = b0 + n;
      const b2 = b1 + n;
      const b3 = b2 + n;
      for (let j = 0; j < n; j++) C[c0 + j] += x0 * B[b0 + j] + x1 * B[b1 + j] + x2 * B[b2 + j] + x3 * B[b3 + j];
    }
    for (; p < k; p++) {
      const x = A[a0 + p];
      if (x === 0) continue;
      const b0 = p * n;
      for (let j = 0; j < n; j++) C[c0 + j] += x * B[b0 + j];
    }
  }
}

/**
 * C[k×n] = A[m×k]ᵀ · B[m×n] (+ C when `accumulate`). The weight gradient of a linear layer: dW = dYᵀ · X
 * (A = dY `[batch × out]`, B = X `[batch × in]`), and Xᵀr for logistic regression (k = 1).
 */
export function matmulAtB(A: Vec, B: Vec, C: Vec, m: number, n: number, k: number, accumulate = false): void {
  if (!accumulate) C.fill(0, 0, k * n);
  // Tiles of 2 output rows × 4 rows of B: each B value loaded feeds two multiply-adds.
  let p = 0;
  for (; p + 1 < k; p += 2) {
    const c0 = p * n;
    const c1 = c0 + n;
    let i = 0;
    for (; i + 3 < m; i += 4) {
      const r0 = i * k + p;
      const r1 = r0 + k;
      const r2 = r1 + k;
      const r3 = r2 + k;
      const a00 = A[r0], a10 = A[r1], a20 = A[r2], a30 = A[r3];
      const a01 = A[r0 + 1], a11 = A[r1 + 1], a21 = A[r2 + 1], a31 = A[r3 + 1];
      if (a00 === 0 && a10 === 0 && a20 === 0 && a30 === 0 && a01 === 0 && a11 === 0 && a21 === 0 && a31 === 0) continue;
      const b0 = i * n;
      const b1 = b0 + n;
      const b2 = b1 + n;
      const b3 = b2 + n;
      for (let j = 0; j < n; j++) {
        const x0 = B[b0 + j];
        const x1 = B[b1 + j];
        const x2 = B[b2 + j];
        const x3 = B[b3 + j];
        C[c0 + j] += a00 * x0 + a10 * x1 + a20 * x2 + a30 * x3;
        C[c1 + j] += a01 * x0 + a11 * x1 + a21 * x2 + a31 * x3;
      }
    }
    for (; i < m; i++) {
      const a0 = A[i * k + p];
      const a1 = A[i * k + p + 1];
      if (a0 === 0 && a1 === 0) continue;
      const b0 = i * n;
      for (let j = 0; j < n; j++) {
        const x = B[b0 + j];
        C[c0 + j] += a0 * x;
        C[c1 + j] += a1 * x;
      }
    }
  }
  for (; p < k; p++) {
    const c0 = p * n;
    for (let i = 0; i < m; i++) {
      const a = A[i * k + p];
      if (a === 0) continue;
      const b0 = i * n;
      for (let j = 0; j < n; j++) C[c0 + j] += a * B[b0 + j];
    }
  }
}

/** out[m] = X[m×k] · w[k] + b: four rows at a time share each load of w. */
export function matvec(X: Vec, w: Vec, out: Vec, m: number, k: number, b = 0): void {
  let i = 0;
  for (; i + 3 < m; i += 4) {
    const r0 = i * k;
    const r1 = r0 + k;
    const r2 = r1 + k;
    const r3 = r2 + k;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let j = 0; j < k; j++) {
      const wj = w[j];
      s0 += X[r0 + j] * wj;
      s1 += X[r1 + j] * wj;
      s2 += X[r2 + j] * wj;
      s3 += X[r3 + j] * wj;
    }
    out[i] = s0 + b;
    out[i + 1] = s1 + b;
    out[i + 2] = s2 + b;
    out[i + 3] = s3 + b;
  }
  for (; i < m; i++) out[i] = dot(X, i * k, w, 0, k) + b;
}

/** out[k] = X[m×k]ᵀ · r[m]: the rows of X weighted by r, summed four at a time. */
export function matvecT(X: Vec, r: Vec, out: Vec, m: number, k: number): void {
  matmulAtB(r, X, out, m, k, 1);
}
