/**
 * Series styles that stay distinguishable without colour: the Okabe–Ito palette (safe for the common colour-vision
 * deficiencies) paired with a dash pattern, so a printed or greyscale chart still tells the lines apart.
 */
export interface SeriesStyle {
  readonly color: string;
  /** SVG `stroke-dasharray`; empty for a solid line. */
  readonly dash: string;
}

export const SERIES_STYLES: readonly SeriesStyle[] = [
  { color: '#0072B2', dash: '' },
  { color: '#D55E00', dash: '7 3' },
  { color: '#009E73', dash: '2 3' },
  { color: '#CC79A7', dash: '9 3 2 3' },
  { color: '#E69F00', dash: '4 4' },
  { color: '#56B4E9', dash: '1 2' },
  { color: '#000000', dash: '12 4' }
];

export function seriesStyle(i: number): SeriesStyle {
  return SERIES_STYLES[i % SERIES_STYLES.length];
}
