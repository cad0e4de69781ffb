/**
 * SQuAD-style answer normalisation with the reference's one addition (method-fallbacks.md §4.2).
 */
import { PY_WORD, pySplit, pyStrip } from './pyText';

/** Python's `string.punctuation`: the 32 ASCII punctuation characters. Unicode punctuation is kept. */
export const ASCII_PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

const PUNCT = new Set(ASCII_PUNCTUATION);
/** `(.+)\([^)]+\)$`: a parenthetical at the very end, with something before it. */
const TRAILING_PAREN = /([^\n]+)\([^)]+\)$/u;
/** `\b(a|an|the)\b` with Python's Unicode word boundary. */
const ARTICLES = new RegExp(`(?<![${PY_WORD}])(a|an|the)(?![${PY_WORD}])`, 'gu');

/**
 * Normalises an answer for matching and for the per-slot order labels:
 * 1. lower-case and strip;
 * 2. drop a trailing parenthetical that has text before it, then strip
 *    ("Adelie Penguin (Pygoscelis adeliae)" → "adelie penguin");
 * 3. delete the 32 ASCII punctuation characters without inserting a space ("Donkey-Boy" → "donkeyboy");
 * 4. replace the words a, an, the with a space;
 * 5. collapse whitespace to single spaces.
 *
 * The empty string normalises to "". Whitespace is Python's (see `pyText.ts`).
 *
 * @example normalizeAnswer('The Lion King (1994)') // 'lion king'
 */
export function normalizeAnswer(s: string): string {
  if (typeof s !== 'string') throw new TypeError(`normalizeAnswer(s): s must be a string, got ${s === null ? 'null' : typeof s}`);
  let t = pyStrip(s.toLowerCase());
  t = pyStrip(t.replace(TRAILING_PAREN, '$1'));
  let out = '';
  for (const ch of t) if (!PUNCT.has(ch)) out += ch;
  out = out.replace(ARTICLES, ' ');
  return pySplit(out).join(' ');
}
