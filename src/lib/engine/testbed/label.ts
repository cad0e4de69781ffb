/**
 * Exact labels for the knowledge testbed: whether the testbed model's answer to a question states the knowledge
 * base's value, decided by the value grammar of the world, with no judge.
 *
 * Rule `testbed-value/v1`. The answer's words (maximal runs of ASCII letters and digits, compared without case) are
 * matched against every value the item's attribute can take (`testbed/values.json`, written by `testbed/kb.py`):
 *
 *   label 1 (correct)       the answer states at least one value of the attribute, and every one it states is
 *                           the gold answer;
 *   label 0 (hallucinated)  it states another value (`wrong_value`), several different values (`several_values`),
 *                           or none (`no_value`: the testbed model never abstains, so an answer without a value is
 *                           a broken answer, not a refusal; the reason is kept so a caller can treat it apart).
 *
 * Value sets of different attributes are disjoint and share no word with the prompts, the answer templates or
 * the country names, so a word is a value of exactly one attribute or of none. Hallucination is the positive class
 * elsewhere in the app: `1 − testbedLabel(...)`.
 */
import { InputError } from '../../core/issues';
// The attribute lets plain Node ESM loaders (Playwright's, in the browser tests) import the JSON too.
import valuesFile from '../../../../testbed/values.json' with { type: 'json' };

export const TESTBED_ATTRIBUTES = ['capital', 'language', 'currency', 'continent', 'founded'] as const;
export type TestbedAttribute = (typeof TESTBED_ATTRIBUTES)[number];
export const TESTBED_TIERS = ['frequent', 'rare', 'never'] as const;
export type TestbedTier = (typeof TESTBED_TIERS)[number];
import { TESTBED_LABEL_RULE } from '../../core/datasets/exactLabels';

export { TESTBED_LABEL_RULE };

/** One line of `testbed/dataset.jsonl`. */
export interface TestbedItem {
  readonly id: string;
  readonly question: string;
  /** The gold value, e.g. `Thorpwick`. */
  readonly answer: string;
  readonly tier: TestbedTier;
  readonly attribute: TestbedAttribute;
  readonly entity: string;
  readonly label_rule: typeof TESTBED_LABEL_RULE;
  /** `train`: the question was asked in training; `heldout`: the fact was only stated (never-tier: all). */
  readonly split: 'train' | 'heldout';
  /** Training documents that state the fact (0 for the never tier). */
  readonly exposures: number;
}

export type TestbedReason = 'correct' | 'wrong_value' | 'several_values' | 'no_value';

export interface TestbedJudgement {
  readonly label: 0 | 1;
  readonly reason: TestbedReason;
  /** The attribute's values the answer states, in order, spelled as in the knowledge base. */
  readonly values: readonly string[];
}

const DOMAINS: ReadonlyMap<TestbedAttribute, ReadonlyMap<string, string>> = new Map(
  TESTBED_ATTRIBUTES.map((a) => {
    const list = (valuesFile.attributes as Record<string, string[]>)[a];
    return [a, new Map(list.map((v) => [v.toLowerCase(), v]))];
  })
);

/** Every value `attribute` can take, in the knowledge base's order. */
export function testbedValues(attribute: TestbedAttribute): readonly string[] {
  const d = DOMAINS.get(attribute);
  if (!d) throw new InputError([{ code: 'invalid_value', path: ['attribute'], message: `attribute must be one of ${TESTBED_ATTRIBUTES.join(', ')}; got ${JSON.stringify(attribute)}` }]);
  return [...d.values()];
}

/** The label of `modelAnswer` with its reason and the values found (rule `testbed-value/v1`, above). */
export function testbedJudge(item: Pick<TestbedItem, 'answer' | 'attribute' | 'label_rule'>, modelAnswer: string): TestbedJudgement {
  if (!item || typeof item !== 'object') throw new TypeError(`item must be a testbed dataset item; got ${item === null ? 'null' : typeof item}`);
  if (typeof modelAnswer !== 'string') throw new TypeError(`modelAnswer must be a string; got ${modelAnswer === null ? 'null' : typeof modelAnswer}`);
  if (item.label_rule !== TESTBED_LABEL_RULE) {
    throw new InputError([{ code: 'unsupported', path: ['label_rule'], message: `label_rule must be "${TESTBED_LABEL_RULE}"; got ${JSON.stringify(item.label_rule)}` }]);
  }
  const domain = DOMAINS.get(item.attribute);
  if (!domain) {
    throw new InputError([{ code: 'invalid_value', path: ['attribute'], message: `attribute must be one of ${TESTBED_ATTRIBUTES.join(', ')}; got ${JSON.stringify(item.attribute)}` }]);
  }
  if (typeof item.answer !== 'string' || domain.get(item.answer.toLowerCase()) !== item.answer) {
    throw new InputError([{ code: 'invalid_value', path: ['answer'], message: `answer ${JSON.stringify(item.answer)} is not a value of the attribute ${item.attribute}` }]);
  }
  const values: string[] = [];
  for (const word of modelAnswer.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    const v = domain.get(word);
    if (v !== undefined) values.push(v);
  }
  if (values.length === 0) return { label: 0, reason: 'no_value', values };
  if (values.some((v) => v !== values[0])) return { label: 0, reason: 'several_values', values };
  return values[0] === item.answer ? { label: 1, reason: 'correct', values } : { label: 0, reason: 'wrong_value', values };
}

/** 1 when `modelAnswer` is correct, 0 when it is hallucinated (rule `testbed-value/v1`). */
export function testbedLabel(item: Pick<TestbedItem, 'answer' | 'attribute' | 'label_rule'>, modelAnswer: string): 0 | 1 {
  return testbedJudge(item, modelAnswer).label;
}

/** What `labelByRule` gives: the rule's judgement, or null with why the rule could not be applied. */
export type RuleJudgement = TestbedJudgement | { readonly label: null; readonly reason: 'invalid'; readonly values: readonly string[]; readonly message: string };

/**
 * Applies the label rule a dataset item carries (`meta.label_rule`, `meta.attribute`) to `modelAnswer`, with
 * `gold` the knowledge base's value. The one place every labeller (the dataset judge, the page's worker, the
 * remote route) applies a rule: a rule it does not know, or an attribute or gold value not of the knowledge base,
 * gives label null with the reason, never a guess.
 */
export function labelByRule(meta: { readonly label_rule?: unknown; readonly attribute?: unknown }, gold: string | undefined, modelAnswer: string): RuleJudgement {
  if (meta.label_rule !== TESTBED_LABEL_RULE) {
    return { label: null, reason: 'invalid', values: [], message: `label_rule must be "${TESTBED_LABEL_RULE}"; got ${JSON.stringify(meta.label_rule)}` };
  }
  try {
    return testbedJudge({ answer: gold ?? '', attribute: meta.attribute as TestbedAttribute, label_rule: TESTBED_LABEL_RULE }, modelAnswer);
  } catch (e) {
    return { label: null, reason: 'invalid', values: [], message: (e as Error).message };
  }
}
