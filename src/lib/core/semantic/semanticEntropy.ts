/**
 * The SE label of one question: cluster its N sampled answers (`semanticIds`), then take the entropy of the
 * cluster frequencies (`clusterAssignmentEntropy`). In [0, ln N]; higher means more uncertain.
 *
 * `se` is null, with a reason, when it cannot be computed: 'no_samples' (N = 0) or 'entailment_failed' (a judge
 * call returned null). It is never replaced by a guess.
 */
import { clusterAssignmentEntropy } from './clusterAssignmentEntropy';
import { semanticIds, type EntailsFn, type SemanticIdsOptions } from './semanticIds';

export interface SemanticEntropy {
  readonly se: number | null;
  readonly ids: number[] | null;
  readonly reason: 'no_samples' | 'entailment_failed' | null;
  readonly calls: number;
  readonly cacheHits: number;
}

export async function semanticEntropy(
  answers: readonly string[],
  entails: EntailsFn,
  options: SemanticIdsOptions = {}
): Promise<SemanticEntropy> {
  const clustering = await semanticIds(answers, entails, options);
  const { ids, calls, cacheHits } = clustering;
  if (ids === null) return { se: null, ids: null, reason: 'entailment_failed', calls, cacheHits };
  if (ids.length === 0) return { se: null, ids, reason: 'no_samples', calls, cacheHits };
  return { se: clusterAssignmentEntropy(ids), ids, reason: null, calls, cacheHits };
}
