/**
 * SQuAD answer normalisation, as `normalize_answer` in the official SQuAD v1.1 and v2.0 evaluation scripts (and
 * the `squad_v2` metric the SE pipeline used), step for step:
 *
 *   1. lower-case (Python's `str.lower`; JavaScript's `toLowerCase` agrees on every cased letter we know of);
 *   2. delete every ASCII punctuation character of Python's `string.punctuation`
 *      (!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~), so "U.S." becomes "us" and "don't" becomes "dont";
 *   3. replace the words a, an, the by a space, where a word boundary is Python 3's Unicode `\b`
 *      (word characters are letters, digits and "_" in any script: "á" in "áa" is part of the word);
 *   4. collapse whitespace as `' '.join(s.split())`, with Python's set of whitespace characters.
 *
 * Non-ASCII punctuation (“ ” « » — …) is kept, as in the official script.
 */

const PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;
// Python's \b(a|an|the)\b on a str: a word character is a Unicode letter or number, or "_".
const ARTICLES = /(?<![\p{L}\p{N}_])(?:a|an|the)(?![\p{L}\p{N}_])/gu;
// Python's str.split() separators (str.isspace): differs from JavaScript's \s by \x1c-\x1f and \x85 (in) and
// \ufeff (out).
const PY_WHITESPACE = /[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;

export function normalizeAnswer(s: string): string {
  if (typeof s !== 'string') throw new TypeError(`answer must be a string, got ${s === null ? 'null' : typeof s}`);
  const lowered = s.toLowerCase();
  const noPunctuation = lowered.replace(PUNCTUATION, '');
  const noArticles = noPunctuation.replace(ARTICLES, ' ');
  return answerTokensOf(noArticles).join(' ');
}

function answerTokensOf(s: string): string[] {
  return s.split(PY_WHITESPACE).filter((t) => t.length > 0);
}

/** The tokens SQuAD's F1 counts: `normalizeAnswer(s).split()`; an empty answer has none. */
export function answerTokens(s: string): string[] {
  return answerTokensOf(normalizeAnswer(s));
}
