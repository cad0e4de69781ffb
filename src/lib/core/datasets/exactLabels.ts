/**
 * Whether a dataset labels its own items exactly, so that `label_method: "dataset"` is the right default: each
 * item carries a 0/1 `label`, or a label rule that labels the model's answer exactly (the knowledge testbed's
 * `testbed-value/v1`, applied by the dataset judge from `meta.attribute` and the gold value).
 */
import type { DatasetItem } from './parseDataset';

/** The knowledge testbed's rule (engine/testbed/label.ts implements it). */
export const TESTBED_LABEL_RULE = 'testbed-value/v1';

/** The label rules the dataset judge knows. */
export const LABEL_RULES: readonly string[] = [TESTBED_LABEL_RULE];

/** True when the item carries its exact label or a known label rule. */
export function carriesExactLabel(item: Pick<DatasetItem, 'label' | 'meta'>): boolean {
  return item.label === 0 || item.label === 1 || (typeof item.meta?.label_rule === 'string' && LABEL_RULES.includes(item.meta.label_rule));
}

/** True when the dataset has items and every one carries its exact label or a known label rule. */
export function labelsItself(items: readonly Pick<DatasetItem, 'label' | 'meta'>[]): boolean {
  return items.length > 0 && items.every(carriesExactLabel);
}
