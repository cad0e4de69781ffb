/**
 * The integer seed sent with each remote request. Engines take one integer (`sampling_seed` in SGLang, `seed` in
 * the OpenAI-compatible APIs); we derive it from the same key the local engine draws with — `[runSeed, itemId,
 * turn, sampleIndex]` — so a request's seed depends on what it is for and on nothing else: not on the node that
 * serves it, the order items finish in, or how often it was retried.
 *
 *   requestSeed(key) = ⌊u · (2³¹ − 1)⌋,  u the first draw of keyedRandom(...key)
 *
 * The range [0, 2³¹ − 1) fits a signed 32-bit integer, which every engine accepts. The same seed gives the same
 * draws on the same engine, version and hardware; engines do not promise bit-identical sampling across GPU
 * types or batch compositions (vLLM's batch variance), so a reproducible remote run keeps its nodes alike.
 */
import { keyedRandom, type KeyPart } from '../../core/random';

export const MAX_REQUEST_SEED = 2 ** 31 - 1;

export function requestSeed(key: readonly KeyPart[]): number {
  if (!Array.isArray(key) || key.length === 0) throw new TypeError(`requestSeed(key) needs a non-empty key such as [runSeed, itemId, turn, sample], got ${JSON.stringify(key)}`);
  const [first, ...rest] = key;
  return keyedRandom(first, ...rest).int(MAX_REQUEST_SEED);
}
