/**
 * `spikescore fallbacks label`: labels list completions the Loops-to-Oops way (method-fallbacks.md §4), one
 * JSON line out per JSON line in, in the same order.
 */
import { promises as fs } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from '../command';
import { InputError, typeName, type Issue } from '../../lib/core/issues';
import { labelListCompletion } from '../../lib/core/fallbacks/labelListCompletion';
import { LIST_SUFFIX } from '../../lib/core/fallbacks/prompts';

interface LabelCase {
  readonly completion: string;
  readonly gold: string[] | null;
  readonly prompt: string;
}

/** Parses the cases file; every bad line is reported with its line number. */
export function parseLabelCases(text: string, where: string): LabelCase[] {
  const issues: Issue[] = [];
  const cases: LabelCase[] = [];
  text.split('\n').forEach((raw, i) => {
    const n = i + 1;
    const line = raw.replace(/\r$/, '');
    if (line.trim().length === 0) return;
    const at = `${where}:${n}`;
    const bad = (message: string, path: (string | number)[] = []): void => void issues.push({ code: 'invalid_value', path, where: at, message: `line ${n}: ${message}` });
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (err) {
      bad(`not valid JSON (${(err as Error).message})`);
      return;
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return bad(`expected a JSON object, got ${typeName(v)}`);
    const o = v as Record<string, unknown>;
    const before = issues.length;
    if (typeof o.completion !== 'string') bad(o.completion === undefined ? 'missing "completion" (the text generated after "\\n1.")' : `"completion" must be a string, got ${typeName(o.completion)}`, ['completion']);
    if (!('gold' in o)) bad('missing "gold" (a list of answers, or null when there is none)', ['gold']);
    else if (o.gold !== null && !(Array.isArray(o.gold) && o.gold.every((g) => typeof g === 'string'))) {
      bad(`"gold" must be a list of strings or null, got ${Array.isArray(o.gold) ? 'a list with a non-string' : typeName(o.gold)}`, ['gold']);
    }
    let prompt: string | undefined;
    if (typeof o.prompt === 'string') prompt = o.prompt;
    else if (o.prompt !== undefined) bad(`"prompt" must be a string, got ${typeName(o.prompt)}`, ['prompt']);
    else if (typeof o.model_input !== 'string') bad(o.model_input === undefined ? 'missing "model_input" (the prompt fed to the model, ending in "\\n1.")' : `"model_input" must be a string, got ${typeName(o.model_input)}`, ['model_input']);
    else if (!o.model_input.endsWith(LIST_SUFFIX)) bad('"model_input" must end with "\\n1." (or give "prompt", the text answers are compared against)', ['model_input']);
    else prompt = o.model_input.slice(0, -LIST_SUFFIX.length);
    if (issues.length === before && prompt !== undefined) cases.push({ completion: o.completion as string, gold: o.gold as string[] | null, prompt });
  });
  if (issues.length) throw new InputError(issues);
  return cases;
}

export const fallbacksLabel: Command = {
  name: 'fallbacks label',
  summary: 'label list completions (correct / hallucinated / repeated, and how the list ended), Loops-to-Oops style',
  options: [{ name: 'input', type: 'string', help: 'JSONL file of cases', metavar: 'FILE', required: true }],
  details: [
    'Each input line: {"model_input": "The following 25 …\\n1.", "completion": " Thumb\\n2. Index…", "gold": ["Thumb", …] or null}',
    '("prompt" may replace "model_input": the text an answer must equal to count as a repeated instruction).',
    'Each output line (stdout, same order): answers, status (FULL, BAD_FORMAT, TOPIC_CHANGE, EOS), correct, hallucinated,',
    'repeated, bad_format, topic_change, eos (they sum to 25) and order (25 codes: 1 C, 2 H, 3 R, then 4/5/6 for the ending).'
  ].join('\n'),
  async run(args, io) {
    const path = resolve(io.cwd, args.options.input as string);
    let text: string;
    try {
      text = await fs.readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new InputError([{ code: 'not_found', path: [], where: path, message: `${path}: no such file` }]);
      throw err;
    }
    const cases = parseLabelCases(text, args.options.input as string);
    const out: string[] = [];
    for (const c of cases) {
      const r = labelListCompletion(c);
      out.push(
        JSON.stringify({
          answers: r.answers,
          status: r.status,
          correct: r.correct,
          hallucinated: r.hallucinated,
          repeated: r.repeated,
          bad_format: r.bad_format,
          topic_change: r.topic_change,
          eos: r.eos,
          order: r.order
        })
      );
    }
    io.stdout(out.length ? out.join('\n') + '\n' : '');
  }
};
