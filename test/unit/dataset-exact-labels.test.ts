import { describe, expect, it } from 'vitest';
import { carriesExactLabel, labelsItself, TESTBED_LABEL_RULE } from '../../src/lib/core/datasets/exactLabels';
import { TESTBED_LABEL_RULE as ENGINE_RULE } from '../../src/lib/engine/testbed/label';

describe('carriesExactLabel / labelsItself', () => {
  it('an item labels itself with a 0/1 label or a known label rule; nothing else counts', () => {
    expect(carriesExactLabel({ label: 1 })).toBe(true);
    expect(carriesExactLabel({ label: 0 })).toBe(true);
    expect(carriesExactLabel({ meta: { label_rule: 'testbed-value/v1', attribute: 'capital' } })).toBe(true);
    expect(carriesExactLabel({ label: null })).toBe(false);
    expect(carriesExactLabel({})).toBe(false);
    expect(carriesExactLabel({ meta: { label_rule: 'my-rule/v9' } })).toBe(false);
    expect(carriesExactLabel({ label: 2 as never })).toBe(false);
    expect(ENGINE_RULE).toBe(TESTBED_LABEL_RULE);
  });

  it('a dataset labels itself only when it has items and every one does', () => {
    expect(labelsItself([{ label: 1 }, { meta: { label_rule: 'testbed-value/v1' } }])).toBe(true);
    expect(labelsItself([{ label: 1 }, {}])).toBe(false);
    expect(labelsItself([])).toBe(false);
  });
});
