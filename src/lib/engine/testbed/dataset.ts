/**
 * `testbed/dataset.jsonl`: the knowledge testbed's questions with exact labels, one JSON object per line:
 * `{id, question, answer, tier, attribute, entity, label_rule, split, exposures}` (see `TestbedItem`).
 */
import { InputError, type Issue } from '../../core/issues';
import { TESTBED_ATTRIBUTES, TESTBED_LABEL_RULE, TESTBED_TIERS, testbedValues, type TestbedItem } from './label';

const FIELDS = ['id', 'question', 'answer', 'tier', 'attribute', 'entity', 'label_rule', 'split', 'exposures'] as const;

/**
 * Parses and validates the dataset text. Blank lines are skipped. Every problem of every line is collected and
 * thrown as one `InputError` whose issues name `where:line` and the field.
 */
export function parseTestbedDataset(text: string, where = 'testbed/dataset.jsonl'): TestbedItem[] {
  if (typeof text !== 'string') throw new TypeError(`text must be a string; got ${text === null ? 'null' : typeof text}`);
  const items: TestbedItem[] = [];
  const issues: Issue[] = [];
  const ids = new Set<string>();
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const at = `${where}:${i + 1}`;
    const bad = (path: string, message: string, code = 'invalid_value') => issues.push({ code, path: path ? [path] : [], message, where: at });
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (e) {
      bad('', `line ${i + 1} is not JSON (${(e as Error).message})`, 'malformed');
      return;
    }
    if (!row || typeof row !== 'object' || Array.isArray(row)) {
      bad('', `line ${i + 1} is not a JSON object`, 'invalid_type');
      return;
    }
    const r = row as Record<string, unknown>;
    const before = issues.length;
    for (const f of FIELDS) if (!(f in r)) bad(f, `${f} is missing`, 'missing_field');
    for (const f of ['id', 'question', 'answer', 'entity'] as const) {
      if (f in r && (typeof r[f] !== 'string' || !(r[f] as string).length)) bad(f, `${f} must be a non-empty string; got ${JSON.stringify(r[f])}`);
    }
    if ('tier' in r && !(TESTBED_TIERS as readonly unknown[]).includes(r.tier)) bad('tier', `tier must be one of ${TESTBED_TIERS.join(', ')}; got ${JSON.stringify(r.tier)}`);
    if ('attribute' in r && !(TESTBED_ATTRIBUTES as readonly unknown[]).includes(r.attribute)) {
      bad('attribute', `attribute must be one of ${TESTBED_ATTRIBUTES.join(', ')}; got ${JSON.stringify(r.attribute)}`);
    }
    if ('label_rule' in r && r.label_rule !== TESTBED_LABEL_RULE) bad('label_rule', `label_rule must be "${TESTBED_LABEL_RULE}"; got ${JSON.stringify(r.label_rule)}`, 'unsupported');
    if ('split' in r && r.split !== 'train' && r.split !== 'heldout') bad('split', `split must be "train" or "heldout"; got ${JSON.stringify(r.split)}`);
    if ('exposures' in r && !(Number.isInteger(r.exposures) && (r.exposures as number) >= 0)) bad('exposures', `exposures must be a non-negative integer; got ${JSON.stringify(r.exposures)}`);
    if (issues.length > before) return;
    const item = r as unknown as TestbedItem;
    if (!testbedValues(item.attribute).includes(item.answer)) bad('answer', `answer ${JSON.stringify(item.answer)} is not a value of the attribute ${item.attribute}`);
    if ((item.tier === 'never') !== (item.exposures === 0)) bad('exposures', `exposures is ${item.exposures} for a ${item.tier}-tier item (0 exactly for the never tier)`);
    if (item.tier === 'never' && item.split !== 'heldout') bad('split', `split is ${JSON.stringify(item.split)} for a never-tier item (never-tier questions are all held out)`);
    if (ids.has(item.id)) bad('id', `id ${JSON.stringify(item.id)} is repeated`);
    ids.add(item.id);
    if (issues.length === before) items.push(item);
  });
  if (issues.length) throw new InputError(issues);
  if (!items.length) throw new InputError([{ code: 'empty', path: [], message: `${where} holds no items`, where }]);
  return items;
}
