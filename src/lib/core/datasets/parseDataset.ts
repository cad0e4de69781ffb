/**
 * Datasets normalised to `{id, question, context, answer, label?}`, as the seed's `dataset_processor.build_dataset`
 * does (method-spikescore.md §6.2), from the text of a JSON or JSONL file. Pure: the caller reads the file.
 *
 * Recognised shapes (detected from the records; a file name containing "coqa" also selects CoQA, as in the seed):
 *
 * | kind      | records                                             | normalised                                          |
 * | --------- | --------------------------------------------------- | --------------------------------------------------- |
 * | coqa      | `{id?, story, questions[], answers[]}`              | one item per turn: id `{storyId}_{turn_id}`, context = story |
 * | math      | `{en, solution, answer}`                            | question = en, context = "" (the seed put the solution there, leaking it: B1) |
 * | svamp     | `{ID?, Body, Question, Answer}`                     | question = Question, context = Body                 |
 * | squad     | flat `{id, context, question, answers: {text[]}}` or nested `{data: [{paragraphs: [{context, qas}]}]}` | answer = the distinct answer texts |
 * | triviaqa  | `{question, question_id, answer: {value, aliases}}` (HF) or `{Question, QuestionId, Answer: {Value, Aliases}}` | answer = value then aliases, distinct |
 * | nq_open   | `{question, answer: [..]}`                          | answer = the list; "?" appended to the question, as the SE loader does |
 * | loops     | Loops-to-Oops lines `{"<prompt>": [gold…]}`         | question = the prompt, answer = the gold list       |
 * | general   | anything else, with the seed's key renames          | query/prompt/input/questions → question; knowledge/story/passage/text → context; answers/response/right_answer/target/output/label → answer |
 *
 * An item keeps its answer aliases as a list (for matching); a missing id becomes the seed's
 * `md5("{question}|{context}|{answer}|{index}")[:12]` (for a list answer the list is written as JSON, where the
 * seed wrote Python's repr). A record with both an answer and a `label` of 0/1 (or false/true) carries that exact
 * label (1 correct, 0 hallucinated, as `nli_label`). Every other field is kept in `meta` for labellers (e.g. the
 * testbed's `attribute` and `label_rule`); `meta` NEVER enters a prompt.
 *
 * Every bad record is reported, with its line (JSONL) or index (JSON), not only the first.
 */
import type { Issue, Result } from '../issues';
import { md5Hex } from './md5';

export type DatasetKind = 'coqa' | 'math' | 'svamp' | 'squad' | 'triviaqa' | 'nq_open' | 'loops' | 'general';

export interface DatasetItem {
  readonly id: string;
  readonly question: string;
  /** The passage shown with the question ("" when none). */
  readonly context: string;
  /** The gold answer; a list when the dataset gives aliases (all of them count as correct). */
  readonly answer: string | readonly string[];
  /** An exact correctness label carried by the dataset: 1 correct, 0 hallucinated. */
  readonly label?: 0 | 1 | null;
  readonly turn_id?: number | string | null;
  /** The record's other fields, for labellers and display; never part of a prompt. */
  readonly meta?: Readonly<Record<string, unknown>>;
}

export interface Dataset {
  readonly kind: DatasetKind;
  readonly items: readonly DatasetItem[];
}

export interface ParseDatasetOptions {
  /** The file name, for messages and format/kind detection (`.json`, `.jsonl`, "coqa" in the name). */
  readonly where?: string;
  /** Overrides detection from the file name. */
  readonly format?: 'json' | 'jsonl';
}

/** The gold answers of an item as a list of aliases ("" and duplicates dropped). */
export function goldAnswers(item: Pick<DatasetItem, 'answer'>): string[] {
  const list = typeof item.answer === 'string' ? [item.answer] : [...item.answer];
  return [...new Set(list.filter((a) => a.trim() !== ''))];
}

type Raw = Record<string, unknown>;
interface Located {
  readonly record: unknown;
  /** For messages: "data.jsonl:4" or "data.json: [3]". */
  readonly at: string;
  readonly index: number;
}

const isObj = (v: unknown): v is Raw => v !== null && typeof v === 'object' && !Array.isArray(v);
const nonEmpty = (v: unknown) => v !== undefined && v !== null && v !== '';

/** Python's `str()` for the scalars datasets hold; lists of strings stay lists. */
function text(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

function answerValue(v: unknown): string | string[] {
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v.map(text);
  if (isObj(v) && Array.isArray(v.text)) return distinct(v.text.map(text));
  return text(v);
}

function distinct(list: readonly string[]): string[] {
  return [...new Set(list)];
}

function fallbackId(question: string, context: string, answer: string | readonly string[], index: number): string {
  const a = typeof answer === 'string' ? answer : JSON.stringify(answer);
  return md5Hex(`${question}|${context}|${a}|${index}`).slice(0, 12);
}

function exactLabel(v: unknown): 0 | 1 | null | undefined {
  if (v === 0 || v === false) return 0;
  if (v === 1 || v === true) return 1;
  if (v === null) return null;
  return undefined;
}

function omit(record: Raw, keys: readonly string[]): Raw | undefined {
  const out: Raw = {};
  for (const [k, v] of Object.entries(record)) if (!keys.includes(k)) out[k] = v;
  return Object.keys(out).length ? out : undefined;
}

function readRecords(text: string, where: string, format: 'json' | 'jsonl' | undefined, issues: Issue[]): { records: Located[]; nested: boolean; jsonl: boolean } {
  const fmt = format ?? (/\.jsonl$/i.test(where) ? 'jsonl' : /\.json$/i.test(where) ? 'json' : undefined);
  const asJsonl = (): Located[] => {
    const out: Located[] = [];
    text.split(/\r?\n/).forEach((line, i) => {
      if (!line.trim()) return;
      try {
        out.push({ record: JSON.parse(line), at: `${where}:${i + 1}`, index: out.length });
      } catch (e) {
        issues.push({ code: 'malformed', path: [], where: `${where}:${i + 1}`, message: `${where}:${i + 1}: not valid JSON (${(e as Error).message})` });
      }
    });
    return out;
  };
  if (fmt === 'jsonl') return { records: asJsonl(), nested: false, jsonl: true };
  let top: unknown;
  try {
    top = JSON.parse(text);
  } catch (e) {
    if (fmt === undefined && text.trim().includes('\n')) return { records: asJsonl(), nested: false, jsonl: true };
    issues.push({ code: 'malformed', path: [], where, message: `${where}: not valid JSON (${(e as Error).message}); a JSONL file needs the .jsonl extension` });
    return { records: [], nested: false, jsonl: false };
  }
  // The seed unwraps {"data": …}; TriviaQA's own files use {"Data": …}.
  let nested = false;
  if (isObj(top)) {
    const key = 'data' in top ? 'data' : 'Data' in top ? 'Data' : null;
    if (key) {
      top = top[key];
      nested = true;
    } else if (Object.keys(top).length === 1 && Array.isArray(Object.values(top)[0])) {
      // A single Loops-to-Oops record saved as .json.
      top = [top];
    }
  }
  if (!Array.isArray(top)) {
    issues.push({ code: 'invalid_type', path: [], where, message: `${where}: a dataset must be a JSON array of records, an object {"data": [...]}, or JSONL; got ${top === null ? 'null' : typeof top}` });
    return { records: [], nested, jsonl: false };
  }
  return { records: top.map((record, i) => ({ record, at: `${where}: ${nested ? 'data' : ''}[${i}]`, index: i })), nested, jsonl: false };
}

function detect(records: readonly Located[], where: string): DatasetKind {
  const objs = records.map((r) => r.record).filter(isObj);
  if (objs.length === 0) return 'general';
  const all = (pred: (o: Raw) => boolean) => objs.every(pred);
  if (all((o) => 'story' in o && 'questions' in o && 'answers' in o)) return 'coqa';
  if (/coqa/i.test(where) && objs.some((o) => 'story' in o && 'questions' in o)) return 'coqa';
  if (all((o) => 'paragraphs' in o)) return 'squad';
  if (all((o) => 'en' in o && 'solution' in o && 'answer' in o)) return 'math';
  if (all((o) => 'Body' in o && 'Question' in o && 'Answer' in o)) return 'svamp';
  if (all((o) => ('question' in o && isObj(o.answer) && 'value' in o.answer) || ('Question' in o && isObj(o.Answer) && 'Value' in o.Answer))) return 'triviaqa';
  if (all((o) => 'question' in o && 'context' in o && isObj(o.answers) && Array.isArray(o.answers.text))) return 'squad';
  if (all((o) => Object.keys(o).length === 1 && Array.isArray(Object.values(o)[0]))) return 'loops';
  if (all((o) => 'question' in o && Array.isArray(o.answer) && Object.keys(o).every((k) => ['question', 'answer', 'id'].includes(k)))) return 'nq_open';
  return 'general';
}

const GENERAL_RENAMES: readonly [string, 'question' | 'context' | 'answer'][] = [
  ['questions', 'question'], ['query', 'question'], ['prompt', 'question'], ['input', 'question'],
  ['knowledge', 'context'], ['story', 'context'], ['passage', 'context'], ['text', 'context'],
  ['answers', 'answer'], ['response', 'answer'], ['right_answer', 'answer'], ['target', 'answer'], ['output', 'answer'], ['label', 'answer']
];

export function parseDataset(source: string, options: ParseDatasetOptions = {}): Result<Dataset> {
  const where = options.where ?? 'dataset';
  const issues: Issue[] = [];
  const warnings: Issue[] = [];
  const { records } = readRecords(source, where, options.format, issues);
  const kind = detect(records, where);
  const items: DatasetItem[] = [];
  const bad = (at: string, message: string, code = 'invalid_value') => issues.push({ code, path: [], where: at, message: `${at}: ${message}` });

  for (const { record, at, index } of records) {
    if (!isObj(record)) {
      bad(at, `a record must be a JSON object, got ${Array.isArray(record) ? 'array' : record === null ? 'null' : typeof record}`, 'invalid_type');
      continue;
    }
    const o = record;
    switch (kind) {
      case 'coqa': {
        if (typeof o.story !== 'string' || !Array.isArray(o.questions) || !Array.isArray(o.answers)) {
          bad(at, 'a CoQA record needs "story" (a string), "questions" and "answers" (arrays)', 'invalid_type');
          break;
        }
        const base = nonEmpty(o.id) ? text(o.id) : md5Hex(o.story).slice(0, 8);
        const answers = new Map<unknown, Raw>();
        for (const a of o.answers) if (isObj(a) && 'turn_id' in a) answers.set(a.turn_id, a);
        o.questions.forEach((q, qi) => {
          if (!isObj(q) || typeof q.input_text !== 'string') {
            bad(`${at}.questions[${qi}]`, 'a CoQA question needs "input_text" (a string)', 'invalid_type');
            return;
          }
          const turn = (q.turn_id ?? null) as number | string | null;
          const ans = answers.get(q.turn_id);
          items.push({
            id: turn !== null ? `${base}_${turn}` : base,
            question: q.input_text,
            context: o.story as string,
            answer: ans ? text(ans.input_text) : '',
            turn_id: turn,
            meta: omit(o, ['id', 'story', 'questions', 'answers'])
          });
        });
        break;
      }
      case 'squad': {
        if ('paragraphs' in o) {
          if (!Array.isArray(o.paragraphs)) {
            bad(at, '"paragraphs" must be an array of {context, qas}', 'invalid_type');
            break;
          }
          o.paragraphs.forEach((p, pi) => {
            if (!isObj(p) || typeof p.context !== 'string' || !Array.isArray(p.qas)) {
              bad(`${at}.paragraphs[${pi}]`, 'a paragraph needs "context" (a string) and "qas" (an array)', 'invalid_type');
              return;
            }
            p.qas.forEach((qa, qi) => {
              if (!isObj(qa) || typeof qa.question !== 'string' || qa.question.trim() === '') {
                bad(`${at}.paragraphs[${pi}].qas[${qi}]`, 'a SQuAD question needs "question" (a non-empty string)', 'missing_field');
                return;
              }
              const texts = Array.isArray(qa.answers) ? distinct(qa.answers.filter(isObj).map((a) => text(a.text))) : [];
              items.push({
                id: nonEmpty(qa.id) ? text(qa.id) : fallbackId(qa.question, p.context as string, texts, items.length),
                question: qa.question,
                context: p.context as string,
                answer: texts,
                meta: omit(qa, ['id', 'question', 'answers'])
              });
            });
          });
          break;
        }
        const question = text(o.question);
        if (!question.trim()) {
          bad(at, 'a SQuAD record needs "question" (a non-empty string)', 'missing_field');
          break;
        }
        const answer = answerValue(o.answers);
        items.push({
          id: nonEmpty(o.id) ? text(o.id) : fallbackId(question, text(o.context), answer, index),
          question,
          context: text(o.context),
          answer,
          meta: omit(o, ['id', 'question', 'context', 'answers'])
        });
        break;
      }
      case 'triviaqa': {
        const upper = !('question' in o);
        const question = text(upper ? o.Question : o.question);
        const ans = (upper ? o.Answer : o.answer) as Raw;
        const value = text(upper ? ans.Value : ans.value);
        const aliases = (upper ? ans.Aliases : ans.aliases) as unknown;
        const list = distinct([value, ...(Array.isArray(aliases) ? aliases.map(text) : [])].filter((s) => s !== ''));
        if (!question.trim()) {
          bad(at, 'a TriviaQA record needs a non-empty "question"', 'missing_field');
          break;
        }
        const qid = upper ? o.QuestionId : o.question_id;
        items.push({
          id: nonEmpty(qid) ? text(qid) : nonEmpty(o.id) ? text(o.id) : fallbackId(question, '', list, index),
          question,
          context: '',
          answer: list,
          meta: omit(o, upper ? ['Question', 'Answer', 'QuestionId'] : ['question', 'answer', 'question_id', 'id'])
        });
        break;
      }
      case 'nq_open': {
        let question = text(o.question);
        if (!question.trim()) {
          bad(at, 'an NQ-open record needs a non-empty "question"', 'missing_field');
          break;
        }
        if (!question.trimEnd().endsWith('?')) question = `${question}?`;
        const answer = (o.answer as unknown[]).map(text);
        items.push({ id: nonEmpty(o.id) ? text(o.id) : fallbackId(question, '', answer, index), question, context: '', answer });
        break;
      }
      case 'loops': {
        const [prompt, golds] = Object.entries(o)[0] as [string, unknown[]];
        if (!golds.every((g) => typeof g === 'string')) {
          bad(at, `a Loops-to-Oops record maps a prompt to a list of gold strings; "${prompt.slice(0, 40)}" maps to a list with non-strings`, 'invalid_type');
          break;
        }
        if (!prompt.trim()) {
          bad(at, 'a Loops-to-Oops record has an empty prompt', 'missing_field');
          break;
        }
        items.push({ id: fallbackId(prompt, '', golds as string[], index), question: prompt, context: '', answer: golds as string[] });
        break;
      }
      case 'math':
      case 'svamp':
      case 'general': {
        let question: string;
        let context: string;
        let answer: string | string[];
        let id: unknown;
        let used: string[];
        let label: 0 | 1 | null | undefined;
        if (kind === 'math') {
          question = text(o.en);
          context = '';
          answer = text(o.answer);
          id = o.id;
          used = ['en', 'answer', 'id'];
        } else if (kind === 'svamp') {
          question = text(o.Question);
          context = text(o.Body);
          answer = text(o.Answer);
          id = o.ID;
          used = ['Question', 'Body', 'Answer', 'ID'];
        } else {
          const s: Raw = { ...o };
          for (const [src, dst] of GENERAL_RENAMES) if (src in s && !(dst in s)) s[dst] = s[src];
          const hadAnswer = 'answer' in o || ['answers', 'response', 'right_answer', 'target', 'output'].some((k) => k in o);
          if (hadAnswer && 'label' in o) {
            label = exactLabel(o.label);
            if (label === undefined && typeof o.label !== 'string') {
              bad(at, `"label" must be 1 (correct), 0 (hallucinated), true/false or null when the record also has an answer; got ${JSON.stringify(o.label)}`);
              break;
            }
          }
          question = text(s.question);
          context = text(s.context);
          answer = answerValue(s.answer);
          id = o.id;
          used = ['id', 'question', 'context', 'answer', ...GENERAL_RENAMES.filter(([src, dst]) => src in o && !(dst in o)).map(([src]) => src)];
          if (label !== undefined) used.push('label');
        }
        if (!question.trim()) {
          const looked = kind === 'math' ? '"en"' : kind === 'svamp' ? '"Question"' : '"question" (or questions, query, prompt, input)';
          bad(at, `the record has no question: looked for ${looked}`, 'missing_field');
          break;
        }
        const item: DatasetItem = {
          id: nonEmpty(id) ? text(id) : fallbackId(question, context, answer, index),
          question,
          context,
          answer,
          ...(label !== undefined ? { label } : {}),
          ...('turn_id' in o ? { turn_id: o.turn_id as number | string | null } : {}),
          meta: omit(o, [...used, 'turn_id'])
        };
        items.push(item);
        break;
      }
    }
  }

  // Ids must be unique, also after `:` and `/` become `_` (item files are named by the safe id).
  const seen = new Map<string, string>();
  for (const item of items) {
    const safe = item.id.replace(/[:/]/g, '_');
    const prev = seen.get(safe);
    if (prev !== undefined) {
      issues.push({
        code: 'invalid_value',
        path: [],
        where,
        message: prev === item.id ? `${where}: item id "${item.id}" appears more than once; ids must be unique` : `${where}: item ids "${prev}" and "${item.id}" collide once ":" and "/" become "_" (the file name "${safe}")`
      });
    } else seen.set(safe, item.id);
  }
  if (!issues.length && items.length === 0) issues.push({ code: 'empty', path: [], where, message: `${where}: the dataset holds no items` });
  if (issues.length) return { ok: false, issues };
  const noGold = items.filter((i) => goldAnswers(i).length === 0).length;
  if (noGold) warnings.push({ code: 'missing_field', path: [], where, severity: 'warning', message: `${where}: ${noGold} of ${items.length} items have no gold answer; their match labels will be null` });
  return { ok: true, value: { kind, items }, warnings };
}
