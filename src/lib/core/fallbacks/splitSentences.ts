/**
 * Sentence splitting for BioGeneration (method-fallbacks.md §5 step 2). The reference runs NLTK's Punkt and then
 * FActScore's `fix_sentence_splitter`; Punkt is not available in a browser, so this uses `Intl.Segmenter` (ICU
 * sentence boundaries) and then the same fixes. It approximates Punkt, it is not a port. ICU breaks after every
 * "X." followed by a capital, where Punkt's English model knows initials and common abbreviations; so a piece that
 * ends in initials ("J.", "U.S.") or in one of `ABBREVIATIONS` is joined to the next piece before the fixes.
 * Punkt's other learned abbreviations and its orthographic heuristics are not reproduced.
 */
import { pySplit, pyStrip } from './pyText';

let segmenter: Intl.Segmenter | null = null;

/** Lower-cased abbreviations (without the final period) after which a sentence does not end. */
export const ABBREVIATIONS: ReadonlySet<string> = new Set(
  'mr mrs ms dr prof st jr sr vs no gen col lt sgt capt rev hon gov sen rep inc ltd co corp jan feb mar apr jun jul aug sep sept oct nov dec e.g i.e'.split(' ')
);

/** The piece ends in initials or a known abbreviation, so ICU's break after it is (probably) not a sentence end. */
function endsInAbbreviation(piece: string): boolean {
  const last = piece.split(/\s+/).at(-1) ?? '';
  if (/^\(?(\p{L}\.)+$/u.test(last)) return true;
  return last.endsWith('.') && ABBREVIATIONS.has(last.slice(0, -1).replace(/^\(/, '').toLowerCase());
}

/**
 * ICU sentence pieces, stripped, empty ones dropped, with a piece ending in initials or an abbreviation joined to
 * the next. Newlines do not end a sentence (as in Punkt).
 */
export function rawSentences(text: string): string[] {
  segmenter ??= new Intl.Segmenter('en', { granularity: 'sentence' });
  // ICU breaks at every line separator; Punkt only at sentence punctuation. Segment a copy with newlines as
  // spaces (same length, so the offsets hold) and cut the original text.
  const flat = text.replace(/[\n\r\u2028\u2029\u0085\v\f]/g, ' ');
  const out: string[] = [];
  let start = 0;
  for (const seg of segmenter.segment(flat)) {
    const end = seg.index + seg.segment.length;
    const piece = pyStrip(text.slice(start, end));
    if (end < text.length && endsInAbbreviation(piece)) continue; // keep going: the sentence has not ended
    if (piece.length > 0) out.push(piece);
    start = end;
  }
  return out;
}

/** Initials such as "J. R." or "J.R." (`[A-Z]\. ?[A-Z]\.`), in order. */
export function detectInitials(text: string): string[] {
  return text.match(/[A-Z]\. ?[A-Z]\./g) ?? [];
}

const startsLower = (s: string): boolean => /^\p{L}/u.test(s) && !/^\p{Lu}/u.test(s);

/**
 * FActScore's `fix_sentence_splitter`, behaviour for behaviour:
 * 1. For each initial (e.g. "J. R.") that no sentence contains, merge the first adjacent pair where one ends with
 *    "J." and the next starts with "R.".
 * 2. A first sentence of at most one word is kept and the NEXT sentence is merged into it; a later sentence of at
 *    most one word is appended to the previous one. (FActScore misspells the flag it means to reset here, so after
 *    a one-word first sentence, a run of one-word sentences keeps the flag set and the next longer sentence is
 *    merged too; reproduced.)
 * 3. A later sentence whose first character is a letter that is not upper-case ("and then…") is appended to the
 *    previous one.
 */
export function fixSentenceSplits(sentences: readonly string[], initials: readonly string[]): string[] {
  let curr = [...sentences];
  for (const initial of initials) {
    if (curr.some((s) => s.includes(initial))) continue;
    const [a1, a2] = initial
      .split('.')
      .map((t) => pyStrip(t))
      .filter((t) => t.length > 0);
    for (let i = 0; i + 1 < curr.length; i++) {
      if (curr[i].endsWith(a1 + '.') && curr[i + 1].startsWith(a2 + '.')) {
        curr = [...curr.slice(0, i), curr[i] + ' ' + curr[i + 1], ...curr.slice(i + 2)];
        break;
      }
    }
  }
  const out: string[] = [];
  let combineWithNext = false;
  curr.forEach((sent, idx) => {
    const oneWord = pySplit(sent).length <= 1;
    if (oneWord && idx === 0) {
      combineWithNext = true;
      out.push(sent);
    } else if (oneWord) {
      out[out.length - 1] += ' ' + sent; // the flag is not reset here (FActScore's typo)
    } else if (idx > 0 && startsLower(sent)) {
      out[out.length - 1] += ' ' + sent;
      combineWithNext = false;
    } else if (combineWithNext) {
      out[out.length - 1] += ' ' + sent;
      combineWithNext = false;
    } else {
      out.push(sent);
    }
  });
  return out;
}

/**
 * Splits a paragraph into sentences: ICU sentence pieces, then `fixSentenceSplits`, then strip and drop empties.
 *
 * @example splitSentences('J. R. R. Tolkien was born in 1892. He wrote books.')
 *   // ['J. R. R. Tolkien was born in 1892.', 'He wrote books.']
 */
export function splitSentences(paragraph: string): string[] {
  if (typeof paragraph !== 'string') throw new TypeError(`splitSentences(paragraph): paragraph must be a string, got ${typeof paragraph}`);
  return fixSentenceSplits(rawSentences(paragraph), detectInitials(paragraph))
    .map((s) => pyStrip(s))
    .filter((s) => s.length > 0);
}
