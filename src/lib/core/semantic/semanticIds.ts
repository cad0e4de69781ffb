/**
 * Greedy bidirectional-entailment clustering of sampled answers (Kuhn et al. 2023; Farquhar et al. 2024), exactly
 * as `get_semantic_ids` in jlko/semantic_uncertainty, which the SEP and SpikeScore pipelines call
 * (method-spikescore.md §5.2).
 *
 * Answer i that has no cluster yet founds cluster `next`; then every later answer j (j > i) that is equivalent to
 * answer i is put in that cluster, **even if j already had one** (the reference overwrites; with a non-transitive
 * judge this can move j out of an earlier cluster; every cluster keeps its founder, so ids stay 0..k−1 in order of
 * first appearance). Equivalence asks the judge both ways, first `entails(a_i, a_j)` then `entails(a_j, a_i)`:
 *
 * - strict (the SE default, `strict_entailment=True`): both verdicts are 2 (entailment);
 * - non-strict: neither verdict is 0 (contradiction) and the pair is not (1, 1) (neutral both ways).
 *
 * Verdict codes follow the MNLI heads the reference used: 0 contradiction, 1 neutral, 2 entailment.
 */
import { InputError, typeName } from '../issues';

/** 0 contradiction, 1 neutral, 2 entailment. */
export type Entailment = 0 | 1 | 2;

/**
 * Does `premise` entail `hypothesis`? Resolves to a verdict, or to null when the judge failed (timeout, HTTP
 * error…); a null aborts the clustering, which then reports `reason: 'entailment_failed'` instead of guessing.
 */
export type EntailsFn = (premise: string, hypothesis: string) => Promise<Entailment | null>;

/** Many ordered pairs at once (a batched NLI model); same codes and null rule as `EntailsFn`. */
export type EntailsManyFn = (pairs: readonly (readonly [string, string])[]) => Promise<readonly (Entailment | null)[]>;

/** Verdicts by ordered pair of texts; `entailmentKey(a, b)` is the key. Pass one in to share it across calls. */
export type EntailmentCache = Map<string, Entailment>;

export function entailmentKey(premise: string, hypothesis: string): string {
  return JSON.stringify([premise, hypothesis]);
}

export interface SemanticIdsOptions {
  /** Both directions must be entailment (default true, as the SE and SEP runs used). */
  readonly strict?: boolean;
  /** Verdicts already known; new ones are added to it. Keys are texts, so identical texts share verdicts. */
  readonly cache?: EntailmentCache;
  /**
   * When given, every ordered pair of distinct texts is judged first in one batched call (faster on a batched NLI
   * model, though it judges pairs the greedy pass may never ask about). Pairs already cached are skipped.
   */
  readonly entailsMany?: EntailsManyFn;
}

export interface SemanticIds {
  /** Cluster id per answer, 0..k−1 in order of first appearance; null when a judge call failed. */
  readonly ids: number[] | null;
  readonly reason: 'entailment_failed' | null;
  /** The ordered pair whose verdict was null, when `reason` is set. */
  readonly failedPair: readonly [string, string] | null;
  /** Judge calls made (`entails` calls plus pairs sent to `entailsMany`), and verdicts served from the cache. */
  readonly calls: number;
  readonly cacheHits: number;
}

function checkEntailment(v: unknown, where: string): Entailment | null {
  if (v === null || v === 0 || v === 1 || v === 2) return v;
  throw new TypeError(`${where} must resolve to 0, 1, 2 or null, got ${typeName(v)} ${JSON.stringify(v)}`);
}

/**
 * semanticIds(answers, entails[, options]) clusters the answers by bidirectional entailment.
 *
 * @param answers the N sampled answers, as the judge should see them (for an NLI model the reference prefixes each
 *   with the question: `${question} ${answer}`).
 * @param entails the judge; called at most once per ordered pair of texts thanks to the cache.
 * @returns ids (length N) or, if any verdict was null, `ids: null` with `reason: 'entailment_failed'`.
 *   An empty list gives `ids: []`.
 *
 * @example semanticIds(['Paris', 'paris', 'Lyon'], judge) → { ids: [0, 0, 1], … } with a judge that says 2 for
 *   the two spellings of Paris and 1 otherwise.
 */
export async function semanticIds(
  answers: readonly string[],
  entails: EntailsFn,
  options: SemanticIdsOptions = {}
): Promise<SemanticIds> {
  if (!Array.isArray(answers)) throw new TypeError(`answers must be an array of strings, got ${typeName(answers)}`);
  answers.forEach((a, i) => {
    if (typeof a !== 'string') throw new TypeError(`answers[${i}] must be a string, got ${typeName(a)}`);
  });
  if (typeof entails !== 'function') throw new TypeError(`entails must be a function, got ${typeName(entails)}`);
  const strict = options.strict ?? true;
  if (typeof strict !== 'boolean') throw new InputError(`strict must be true or false, got ${JSON.stringify(strict)}`);
  const cache = options.cache ?? new Map<string, Entailment>();
  let calls = 0;
  let cacheHits = 0;

  if (options.entailsMany) {
    const texts = [...new Set(answers)];
    const pairs: [string, string][] = [];
    for (const a of texts) for (const b of texts) if (a !== b && !cache.has(entailmentKey(a, b))) pairs.push([a, b]);
    if (pairs.length) {
      const verdicts = await options.entailsMany(pairs);
      calls += pairs.length;
      if (!Array.isArray(verdicts) || verdicts.length !== pairs.length) {
        throw new TypeError(`entailsMany must resolve to an array of ${pairs.length} verdicts, got ${typeName(verdicts)}${Array.isArray(verdicts) ? ` of length ${verdicts.length}` : ''}`);
      }
      verdicts.forEach((v, k) => {
        const checked = checkEntailment(v, `entailsMany(...)[${k}]`);
        if (checked !== null) cache.set(entailmentKey(pairs[k][0], pairs[k][1]), checked);
      });
    }
  }

  let failedPair: [string, string] | null = null;
  async function judge(a: string, b: string): Promise<Entailment | null> {
    const key = entailmentKey(a, b);
    const hit = cache.get(key);
    if (hit !== undefined) {
      cacheHits++;
      return hit;
    }
    calls++;
    const v = checkEntailment(await entails(a, b), 'entails(premise, hypothesis)');
    if (v === null) failedPair = [a, b];
    else cache.set(key, v);
    return v;
  }

  const ids = new Array<number>(answers.length).fill(-1);
  let next = 0;
  for (let i = 0; i < answers.length; i++) {
    if (ids[i] !== -1) continue;
    ids[i] = next;
    for (let j = i + 1; j < answers.length; j++) {
      const forward = await judge(answers[i], answers[j]);
      if (forward === null) return { ids: null, reason: 'entailment_failed', failedPair, calls, cacheHits };
      const backward = await judge(answers[j], answers[i]);
      if (backward === null) return { ids: null, reason: 'entailment_failed', failedPair, calls, cacheHits };
      const equivalent = strict
        ? forward === 2 && backward === 2
        : forward !== 0 && backward !== 0 && !(forward === 1 && backward === 1);
      if (equivalent) ids[j] = next;
    }
    next++;
  }
  return { ids, reason: null, failedPair: null, calls, cacheHits };
}
