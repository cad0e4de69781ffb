/**
 * Geometry of the score-distribution chart: several groups (hallucinated, factual) binned on ONE set of equal-width
 * bins over their joint min–max, as `plt.hist` does when given several arrays, drawn side by side within each bin.
 * Pure data out (scales, ticks, bars); `toSvg` writes it for the CLI report and a Svelte component can render it.
 */
import { scaleLinear } from 'd3-scale';
import { seriesStyle } from './palette';
import type { AxesGeometry } from './axes';

export interface HistogramBins {
  /** bins + 1 increasing edges. */
  readonly edges: number[];
  /** Per group, the count in each bin. */
  readonly counts: number[][];
}

/**
 * Equal-width bins over the joint range of all groups, exactly as `numpy.histogram(x, bins, range=(min, max))`:
 * edges are `min + i·(max − min)/bins` (the last is `max` itself); every bin is half-open [a, b) except the last,
 * which also holds `max`. All values equal → the range is widened to (v − 0.5, v + 0.5), as numpy does. Non-finite
 * values are not counted. No finite value at all → edges over [0, 1] and zero counts.
 */
export function equalWidthBins(groups: readonly ArrayLike<number>[], bins = 20): HistogramBins {
  let lo = Infinity;
  let hi = -Infinity;
  for (const g of groups) {
    for (let i = 0; i < g.length; i++) {
      const v = g[i];
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (lo === Infinity) [lo, hi] = [0, 1];
  else if (lo === hi) [lo, hi] = [lo - 0.5, hi + 0.5];
  const step = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : i * step + lo));
  const norm = bins / (hi - lo);
  const counts = groups.map((g) => {
    const c = new Array<number>(bins).fill(0);
    for (let i = 0; i < g.length; i++) {
      const v = g[i];
      if (!Number.isFinite(v) || v < lo || v > hi) continue;
      let k = Math.floor((v - lo) * norm);
      if (k === bins) k--;
      // Correct the rounding of (v − lo)·norm against the edges themselves, as numpy does.
      if (v < edges[k]) k--;
      else if (k < bins - 1 && v >= edges[k + 1]) k++;
      c[k]++;
    }
    return c;
  });
  return { edges, counts };
}

export interface HistogramGroup {
  readonly label: string;
  readonly values: ArrayLike<number>;
}

export interface HistogramGeometry extends AxesGeometry {
  readonly kind: 'histogram';
  readonly title: string;
  readonly bins: HistogramBins;
  readonly groups: readonly {
    readonly label: string;
    readonly color: string;
    readonly n: number;
    readonly bars: readonly { readonly x: number; readonly y: number; readonly width: number; readonly height: number; readonly count: number; readonly x0: number; readonly x1: number }[];
  }[];
}

export interface HistogramChartOptions {
  readonly bins?: number;
  readonly width?: number;
  readonly height?: number;
  readonly title?: string;
  readonly xLabel?: string;
}

export function histogramChart(groups: readonly HistogramGroup[], options: HistogramChartOptions = {}): HistogramGeometry {
  const width = options.width ?? 560;
  const height = options.height ?? 340;
  const margin = { top: 32, right: 16, bottom: 48, left: 56 };
  const bins = equalWidthBins(groups.map((g) => g.values), options.bins ?? 20);
  const { edges, counts } = bins;
  const x = scaleLinear().domain([edges[0], edges[edges.length - 1]]).range([margin.left, width - margin.right]);
  const maxCount = Math.max(1, ...counts.flat());
  const y = scaleLinear().domain([0, maxCount]).nice().range([height - margin.bottom, margin.top]);
  const yFmt = y.tickFormat(5);
  const xFmt = x.tickFormat(6);
  const per = groups.length || 1;
  const gap = 1;
  return {
    kind: 'histogram',
    width,
    height,
    margin,
    title: options.title ?? 'Score distribution',
    description: `Histogram of ${groups.map((g, i) => `${g.label} (n = ${counts[i].reduce((a, b) => a + b, 0)})`).join(' and ')} over ${edges.length - 1} equal-width bins from ${xFmt(edges[0])} to ${xFmt(edges[edges.length - 1])}.`,
    xLabel: options.xLabel ?? 'score',
    yLabel: 'items',
    xTicks: x.ticks(6).map((t) => ({ pos: x(t), label: xFmt(t) })),
    yTicks: y.ticks(5).filter((t) => Number.isInteger(t)).map((t) => ({ pos: y(t), label: yFmt(t) })),
    bins,
    groups: groups.map((g, gi) => ({
      label: g.label,
      color: seriesStyle(gi).color,
      n: counts[gi].reduce((a, b) => a + b, 0),
      bars: counts[gi].map((count, k) => {
        const left = x(edges[k]);
        const w = (x(edges[k + 1]) - left - gap) / per;
        return { x: left + gap / 2 + gi * w, y: y(count), width: Math.max(0, w), height: y(0) - y(count), count, x0: edges[k], x1: edges[k + 1] };
      })
    }))
  };
}
