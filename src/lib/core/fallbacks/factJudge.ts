/**
 * The fact-check seam of BioGeneration scoring (method-fallbacks.md §5): an async judge interface, and the pure
 * parts of FActScore's verification step (the prompt and the parsing of the answer) that an LLM judge uses.
 */
import { ASCII_PUNCTUATION } from './normalizeAnswer';
import { pySplit, pyStrip } from './pyText';

export interface FactJudgeRequest {
  /** The bio's subject, e.g. "Lanny Flaherty". */
  readonly topic: string;
  /** One sentence of the bio that is not a repetition. */
  readonly sentence: string;
  /** Its index among the bio's sentences. */
  readonly index: number;
}

export interface FactVerdict {
  /** The fact checked: the whole sentence, or an atomic fact from it. */
  readonly atom: string;
  /** Supported by the judge's knowledge source. */
  readonly supported: boolean;
}

/**
 * Checks the facts of one sentence. Return one verdict per fact; an empty list means the sentence states no fact
 * (it is then dropped, as FActScore drops sentences without atomic facts). Throw to fail the whole bio; a judge
 * that cannot decide must not guess "supported".
 */
export interface FactJudge {
  /** Shown next to the results, e.g. "factscore-prompt:gpt-4o-mini". */
  readonly name: string;
  judge(request: FactJudgeRequest, signal?: AbortSignal): Promise<FactVerdict[]>;
}

export interface Passage {
  readonly title: string;
  readonly text: string;
}

/**
 * FActScore's verification prompt for one atomic fact. `passages` are in retrieval order, best first; FActScore
 * lists them in REVERSED order (best last, next to the question), strips `<s>`/`</s>`, and ends the context with
 * a period when it ends in no ASCII punctuation:
 *
 * ```
 * Answer the question about {topic} based on the given context.
 *
 * Title: {t}
 * Text: {p}
 *
 * …
 *
 * Input: {atom} True or False?
 * Output:
 * ```
 */
export function factScorePrompt(topic: string, atom: string, passages: readonly Passage[]): string {
  let definition = `Answer the question about ${topic} based on the given context.\n\n`;
  let context = '';
  for (const p of [...passages].reverse()) {
    context += `Title: ${p.title}\nText: ${p.text.replaceAll('<s>', '').replaceAll('</s>', '')}\n\n`;
  }
  definition += pyStrip(context);
  if (!ASCII_PUNCTUATION.includes(definition.at(-1) as string)) definition += '.';
  return `${pyStrip(definition)}\n\nInput: ${pyStrip(atom)} True or False?\nOutput:`;
}

/**
 * FActScore's reading of a judge's answer (lower-cased): "true" without "false" is supported, "false" without
 * "true" is not, both: supported when the first "true" comes after the first "false". Neither: supported unless
 * the answer, with ASCII punctuation removed, has one of the words not, cannot, unknown, information.
 *
 * @example isSupportedAnswer('True.') // true
 * @example isSupportedAnswer('I cannot tell.') // false
 */
export function isSupportedAnswer(answer: string): boolean {
  const a = answer.toLowerCase();
  const t = a.indexOf('true');
  const f = a.indexOf('false');
  if (t >= 0 && f < 0) return true;
  if (f >= 0 && t < 0) return false;
  if (t >= 0 && f >= 0) return t > f;
  let clean = '';
  for (const ch of a) if (!ASCII_PUNCTUATION.includes(ch)) clean += ch;
  const words = new Set(pySplit(clean));
  return !['not', 'cannot', 'unknown', 'information'].some((w) => words.has(w));
}
