/**
 * Geometry of the ROC chart: from curves (FPR, TPR points as `rocCurve` returns them) to scales, ticks and one
 * SVG path per curve, plus the chance diagonal. Pure data out, so a Svelte component renders it in the page and
 * `toSvg` writes it for the CLI report. d3 does the maths (d3-scale for scales and ticks, d3-shape for paths).
 *
 * Axes: x = false-positive rate (factual answers flagged), y = true-positive rate (hallucinations caught), both on
 * [0, 1]; hallucination is the positive class. Points are joined by straight segments, as the ROC curve is
 * piecewise linear (a tie group is a diagonal segment).
 */
import { scaleLinear } from 'd3-scale';
import { line } from 'd3-shape';
import type { AxesGeometry } from './axes';
import { seriesStyle } from './palette';

export interface RocSeries {
  readonly label: string;
  readonly fpr: ArrayLike<number>;
  readonly tpr: ArrayLike<number>;
  /** Shown in the legend when given, e.g. "SpikeScore (AUROC 0.781)". */
  readonly auroc?: number;
}

export interface RocGeometry extends AxesGeometry {
  readonly kind: 'roc';
  readonly title: string;
  /** The chance line from (0, 0) to (1, 1). */
  readonly diagonal: string;
  readonly series: readonly { readonly label: string; readonly color: string; readonly dash: string; readonly path: string }[];
}

export interface RocChartOptions {
  readonly width?: number;
  readonly height?: number;
  readonly title?: string;
}

export function rocChart(series: readonly RocSeries[], options: RocChartOptions = {}): RocGeometry {
  const width = options.width ?? 520;
  const height = options.height ?? 440;
  const margin = { top: 32, right: 16, bottom: 48, left: 56 };
  const x = scaleLinear().domain([0, 1]).range([margin.left, width - margin.right]);
  const y = scaleLinear().domain([0, 1]).range([height - margin.bottom, margin.top]);
  const fmt = x.tickFormat(5);
  const path = line<[number, number]>()
    .x((d) => x(d[0]))
    .y((d) => y(d[1]));
  const labelOf = (s: RocSeries) => (s.auroc === undefined ? s.label : `${s.label} (AUROC ${Number.isFinite(s.auroc) ? s.auroc.toFixed(3) : 'undefined'})`);
  const labels = series.map(labelOf);
  return {
    kind: 'roc',
    width,
    height,
    margin,
    title: options.title ?? 'ROC curve (hallucination = positive class)',
    description: `ROC curves of ${labels.join(', ')}, with the chance diagonal.`,
    xLabel: 'False-positive rate (factual answers flagged)',
    yLabel: 'True-positive rate (hallucinations caught)',
    xTicks: x.ticks(5).map((t) => ({ pos: x(t), label: fmt(t) })),
    yTicks: y.ticks(5).map((t) => ({ pos: y(t), label: fmt(t) })),
    diagonal: path([[0, 0], [1, 1]]) ?? '',
    series: series.map((s, i) => {
      const pts: [number, number][] = [];
      for (let k = 0; k < s.fpr.length; k++) if (Number.isFinite(s.fpr[k]) && Number.isFinite(s.tpr[k])) pts.push([s.fpr[k], s.tpr[k]]);
      return { label: labels[i], ...seriesStyle(i), path: path(pts) ?? '' };
    })
  };
}
