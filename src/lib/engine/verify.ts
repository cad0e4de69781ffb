/**
 * Checks that the KV-cache loop computes what one full forward pass computes (design.md, "Numerical agreement"):
 * greedy token ids identical; hidden states and logprobs within 1e-5·max(1, max|ref|) on WASM and
 * 1e-4·max(1, max|ref|) on WebGPU. The model must be loaded with the `all` capture mode.
 */
import type { LocalModel } from './localModel';
import type { GenerationResult } from './types';

export interface VerifyReport {
  readonly backend: string;
  readonly tokens: readonly number[];
  readonly greedyMatch: boolean;
  /** max |cache − full| over the three captured positions and every layer, and max |full| (the scale). */
  readonly maxHiddenDiff: number;
  readonly hiddenScale: number;
  readonly maxLogprobDiff: number;
  readonly logprobScale: number;
  readonly tolerance: number;
  readonly pass: boolean;
  /** True when any logits row was all zeros (the fp16-without-shader-f16 failure). */
  readonly zeroLogits: boolean;
}

function logSoftmaxAt(x: ArrayLike<number>, id: number): { lp: number; argmax: number; allZero: boolean } {
  let m = -Infinity;
  let argmax = 0;
  let allZero = true;
  for (let i = 0; i < x.length; i++) {
    if (x[i] !== 0) allZero = false;
    if (x[i] > m) {
      m = x[i];
      argmax = i;
    }
  }
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.exp(x[i] - m);
  return { lp: x[id] - m - Math.log(s), argmax, allZero };
}

export async function verifyAgainstFullPass(model: LocalModel, promptIds: readonly number[], maxNewTokens = 8): Promise<VerifyReport> {
  await model.resetCache();
  const r: GenerationResult = await model.generate(promptIds, {
    maxNewTokens,
    temperature: 0,
    seed: [0],
    ignoreEos: true,
    capture: { positions: ['last_token_embedding', 'sec_last_token_embedding', 'last_tok_bef_gen_embedding'] }
  });
  const { decoder } = model;
  const d = decoder.hiddenSize;
  const L1 = decoder.numLayers + 1;
  const n = r.tokenIds.length;
  const P = promptIds.length;

  // Logprobs: one full pass per prefix; the last position's logits score the next token.
  let maxLogprobDiff = 0;
  let logprobScale = 0;
  let greedyMatch = true;
  let zeroLogits = false;
  for (let t = 0; t < n; t++) {
    const full = await decoder.fullHidden([...promptIds, ...r.tokenIds.slice(0, t)]);
    const { lp, argmax, allZero } = logSoftmaxAt(full.logitsLast, r.tokenIds[t]);
    zeroLogits ||= allZero;
    if (argmax !== r.tokenIds[t]) greedyMatch = false;
    maxLogprobDiff = Math.max(maxLogprobDiff, Math.abs(lp - r.logprobs[t]));
    logprobScale = Math.max(logprobScale, Math.abs(lp));
  }

  // Hidden states: one full pass over every token fed ([L+1, S, d]).
  const fed = [...promptIds, ...r.tokenIds.slice(0, Math.max(0, n - 1))];
  const S = fed.length;
  const full = await decoder.fullHidden(fed);
  const at = (pos: number) => {
    const out = new Float32Array(L1 * d);
    for (let l = 0; l < L1; l++) out.set(full.hidden.subarray((l * S + pos) * d, (l * S + pos + 1) * d), l * d);
    return out;
  };
  const pairs: [Float32Array | undefined, Float32Array][] = [
    [r.hidden.last_token_embedding, at(S - 1)],
    [r.hidden.sec_last_token_embedding, at(n >= 2 ? S - 2 : S - 1)],
    [r.hidden.last_tok_bef_gen_embedding, at(P - 1)]
  ];
  let maxHiddenDiff = 0;
  let hiddenScale = 0;
  for (const [got, ref] of pairs) {
    if (!got) throw new Error('verifyAgainstFullPass: a captured position is missing');
    for (let i = 0; i < ref.length; i++) {
      maxHiddenDiff = Math.max(maxHiddenDiff, Math.abs(got[i] - ref[i]));
      hiddenScale = Math.max(hiddenScale, Math.abs(ref[i]));
    }
  }
  const rel = model.info.backend === 'webgpu' ? 1e-4 : 1e-5;
  const tolerance = rel * Math.max(1, hiddenScale);
  const pass = greedyMatch && !zeroLogits && maxHiddenDiff <= tolerance && maxLogprobDiff <= rel * Math.max(1, logprobScale);
  await model.resetCache();
  return { backend: model.info.backend, tokens: r.tokenIds, greedyMatch, maxHiddenDiff, hiddenScale, maxLogprobDiff, logprobScale, tolerance, pass, zeroLogits };
}
