/**
 * Semantic clustering of testbed answers, exact in this world: two answers are equivalent iff each states exactly
 * one value of the item's attribute (rule `testbed-value/v1`, `testbedJudge(...).values`) and it is the same value.
 * An answer that states no value or several different values is equivalent to no other answer (its own cluster).
 *
 * The ids follow the SE pipeline's convention: clusters are numbered 0, 1, 2, … in the order their first answer
 * appears, so the ids feed `clusterAssignmentEntropy` (core/semantic) unchanged.
 */
import { clusterAssignmentEntropy } from '../../core/semantic/clusterAssignmentEntropy';
import { testbedJudge, type TestbedItem } from './label';

/** Cluster id of every answer (first appearance order). */
export function testbedSemanticIds(item: Pick<TestbedItem, 'answer' | 'attribute' | 'label_rule'>, answers: readonly string[]): number[] {
  const byValue = new Map<string, number>();
  let next = 0;
  return answers.map((a) => {
    const values = testbedJudge(item, a).values;
    const single = values.length > 0 && values.every((v) => v === values[0]) ? values[0] : null;
    if (single === null) return next++;
    let id = byValue.get(single);
    if (id === undefined) byValue.set(single, (id = next++));
    return id;
  });
}

/** Semantic entropy (nats) of the answers under `testbedSemanticIds`: the cluster-assignment entropy. */
export function testbedSemanticEntropy(item: Pick<TestbedItem, 'answer' | 'attribute' | 'label_rule'>, answers: readonly string[]): { se: number; ids: number[] } {
  const ids = testbedSemanticIds(item, answers);
  return { se: clusterAssignmentEntropy(ids), ids };
}
