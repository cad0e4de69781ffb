/**
 * The paper's label heat map (the reference's `plot_answers_ordering`): one row per question, one column per
 * answer slot, each cell coloured by its label (C, H, R, then the ending code), rows sorted by the runs of
 * repetitions, then the number of C, then of H (`sortOrderRows`), the first row at the bottom. Geometry from
 * d3-scale, and an SVG serialiser.
 */
import { scaleBand } from 'd3';
import { sortOrderRows } from '../../core/fallbacks/sortOrderRows';
import { LABEL_COLORS } from './fallbacksPalette';
import { escapeXml, svgNum } from './svgText';

export interface HeatmapOptions {
  readonly width?: number;
  readonly height?: number;
  readonly margin?: { readonly top: number; readonly right: number; readonly bottom: number; readonly left: number };
  /** Sort rows as the paper (default true); false keeps the input order. */
  readonly sort?: boolean;
}

export interface HeatmapCell {
  /** Row index in the INPUT. */
  readonly question: number;
  /** 0-based answer slot. */
  readonly slot: number;
  readonly label: number;
  readonly color: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface HeatmapGeometry {
  readonly width: number;
  readonly height: number;
  readonly plot: { readonly x: number; readonly y: number; readonly width: number; readonly height: number };
  /** Input row indices from the bottom row up. */
  readonly rowOrder: number[];
  readonly slots: number;
  /** Row-major from the bottom row: rows × slots cells. */
  readonly cells: HeatmapCell[];
}

/**
 * Lays out the heat map. Rows of different lengths (bios) are padded with their last label to the longest, as
 * the reference pads them. Labels must be codes 0–6 (0: a bio fact no judge checked, in grey).
 */
export function orderHeatmapGeometry(orders: ReadonlyArray<readonly number[]>, options: HeatmapOptions = {}): HeatmapGeometry {
  if (!Array.isArray(orders) || orders.length === 0) throw new RangeError('orderHeatmapGeometry(orders): orders must be a non-empty array of label arrays');
  orders.forEach((o, q) => {
    if (!Array.isArray(o) || o.length === 0) throw new RangeError(`orderHeatmapGeometry: orders[${q}] must be a non-empty array of labels`);
    const bad = o.findIndex((l) => !(l in LABEL_COLORS));
    if (bad >= 0) throw new RangeError(`orderHeatmapGeometry: orders[${q}][${bad}] must be a label code 0–6, got ${String(o[bad])}`);
  });
  const width = options.width ?? 720;
  const height = options.height ?? 480;
  const margin = options.margin ?? { top: 8, right: 8, bottom: 24, left: 24 };
  const plot = { x: margin.left, y: margin.top, width: width - margin.left - margin.right, height: height - margin.top - margin.bottom };
  const slots = Math.max(...orders.map((o) => o.length));
  const padded = orders.map((o) => [...o, ...Array<number>(slots - o.length).fill(o[o.length - 1])]);
  const rowOrder = options.sort === false ? orders.map((_, i) => i) : sortOrderRows(padded);

  const x = scaleBand<number>().domain(Array.from({ length: slots }, (_, i) => i)).range([plot.x, plot.x + plot.width]);
  // The first row is drawn at the bottom, as matplotlib's pcolormesh draws row 0.
  const y = scaleBand<number>().domain(rowOrder.map((_, i) => i)).range([plot.y + plot.height, plot.y]);
  const cells: HeatmapCell[] = [];
  rowOrder.forEach((question, r) => {
    for (let s = 0; s < slots; s++) {
      const label = padded[question][s];
      cells.push({ question, slot: s, label, color: LABEL_COLORS[label], x: x(s) as number, y: y(r) as number, width: x.bandwidth(), height: y.bandwidth() });
    }
  });
  return { width, height, plot, rowOrder, slots, cells };
}

/** Serialises the heat map as SVG; runs of equal labels in a row are merged into one rectangle. */
export function orderHeatmapSvg(g: HeatmapGeometry, options: { readonly title?: string; readonly xLabel?: string; readonly yLabel?: string } = {}): string {
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${svgNum(g.width)}" height="${svgNum(g.height)}" viewBox="0 0 ${svgNum(g.width)} ${svgNum(g.height)}" font-family="sans-serif" font-size="11" shape-rendering="crispEdges">`
  ];
  if (options.title) out.push(`<title>${escapeXml(options.title)}</title>`);
  for (let r = 0; r < g.rowOrder.length; r++) {
    const row = g.cells.slice(r * g.slots, (r + 1) * g.slots);
    for (let s = 0; s < row.length; ) {
      let e = s;
      while (e + 1 < row.length && row[e + 1].label === row[s].label) e++;
      const c = row[s];
      out.push(`<rect data-question="${c.question}" data-label="${c.label}" x="${svgNum(c.x)}" y="${svgNum(c.y)}" width="${svgNum(row[e].x + row[e].width - c.x)}" height="${svgNum(c.height)}" fill="${c.color}"/>`);
      s = e + 1;
    }
  }
  const xl = options.xLabel ?? 'Answer slot';
  const yl = options.yLabel ?? 'Questions';
  out.push(`<text x="${svgNum(g.plot.x + g.plot.width / 2)}" y="${svgNum(g.height - 6)}" text-anchor="middle">${escapeXml(xl)}</text>`);
  out.push(`<text transform="translate(${svgNum(g.plot.x - 8)},${svgNum(g.plot.y + g.plot.height / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(yl)}</text>`);
  out.push('</svg>');
  return out.join('\n');
}
