/**
 * The colours of the Loops-to-Oops figures (the reference's `create_paper_plots.py`), shared by the stacked bars
 * and the label heat maps so a label has one colour everywhere.
 */

/** The stacked-bar segments, bottom to top, with the paper's names and colours. */
export const FALLBACK_SEGMENTS = [
  { key: 'correct', color: '#90BE6D' },
  { key: 'hallucinations', color: '#F8961E' },
  { key: 'repetitions', color: '#277DA1' },
  { key: 'bad_format', color: '#F94144' },
  { key: 'topic_change', color: '#5C374C' },
  { key: 'EOS', color: '#FAA275' }
] as const;

export type SegmentKey = (typeof FALLBACK_SEGMENTS)[number]['key'];

/** Colour per label code: 1 C … 6 EOS as in the paper; 0 (a bio fact no judge checked) in grey. */
export const LABEL_COLORS: Readonly<Record<number, string>> = {
  0: '#BDBDBD',
  1: '#90BE6D',
  2: '#F8961E',
  3: '#277DA1',
  4: '#F94144',
  5: '#5C374C',
  6: '#FAA275'
};

/** Escapes text for an SVG/XML text node or attribute. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** A number for an SVG attribute: at most 2 decimals, no trailing zeros. */
export function svgNum(x: number): string {
  return String(Math.round(x * 100) / 100);
}
