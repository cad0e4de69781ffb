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

/** Colour per label code: 1 C … 6 EOS as in the paper (the segments' colours, in order); 0 (a bio fact no judge checked) in grey. */
export const LABEL_COLORS: Readonly<Record<number, string>> = {
  0: '#BDBDBD',
  ...Object.fromEntries(FALLBACK_SEGMENTS.map((s, i) => [i + 1, s.color]))
};
