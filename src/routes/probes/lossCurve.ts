/**
 * Geometry of the live loss chart of probe training: training and validation loss against the epoch (MLPs) or
 * iteration (logistic), from the points received so far. d3-scale for the scales and ticks, d3-shape for the
 * paths; the Svelte component only renders. The x domain runs to the planned number of epochs, so the curve grows
 * from left to right as training goes; non-finite losses are left out of the paths.
 */
import { scaleLinear } from 'd3-scale';
import { line } from 'd3-shape';
import type { AxesGeometry } from '../../lib/ui/charts/axes';
import { seriesStyle } from '../../lib/ui/charts/palette';

export interface LossPoint {
  readonly epoch: number;
  readonly trainLoss: number;
  readonly valLoss: number;
}

export interface LossCurveGeometry extends AxesGeometry {
  readonly series: readonly { readonly label: string; readonly color: string; readonly dash: string; readonly path: string; readonly last: { x: number; y: number; value: number } | null }[];
}

export interface LossCurveOptions {
  readonly width?: number;
  readonly height?: number;
  /** Planned epochs (or iterations): the x domain's end. */
  readonly maxEpochs?: number;
  readonly unit?: 'epoch' | 'iteration';
}

export function lossCurve(points: readonly LossPoint[], options: LossCurveOptions = {}): LossCurveGeometry {
  const width = Math.max(200, options.width ?? 560);
  const height = options.height ?? 260;
  const margin = { top: 16, right: 16, bottom: 40, left: 56 };
  const unit = options.unit ?? 'epoch';
  const lastEpoch = points.length ? points[points.length - 1].epoch : 1;
  const xMax = Math.max(1, lastEpoch, Math.min(options.maxEpochs ?? lastEpoch, Math.max(lastEpoch * 2, 10)));
  const values = points.flatMap((p) => [p.trainLoss, p.valLoss]).filter((v) => Number.isFinite(v));
  const lo = values.length ? Math.min(0, ...values) : 0;
  const hi = values.length ? Math.max(...values) : 1;
  const x = scaleLinear().domain([points.length && points[0].epoch === 0 ? 0 : 1, xMax]).range([margin.left, width - margin.right]);
  const y = scaleLinear().domain([lo, hi > lo ? hi : lo + 1]).nice().range([height - margin.bottom, margin.top]);
  const yFmt = y.tickFormat(5);
  const path = line<LossPoint>()
    .defined((p) => Number.isFinite(p.trainLoss))
    .x((p) => x(p.epoch))
    .y((p) => y(p.trainLoss));
  const valPath = line<LossPoint>()
    .defined((p) => Number.isFinite(p.valLoss))
    .x((p) => x(p.epoch))
    .y((p) => y(p.valLoss));
  const lastOf = (get: (p: LossPoint) => number) => {
    for (let i = points.length - 1; i >= 0; i--) if (Number.isFinite(get(points[i]))) return { x: x(points[i].epoch), y: y(get(points[i])), value: get(points[i]) };
    return null;
  };
  const last = points[points.length - 1];
  return {
    width,
    height,
    margin,
    xLabel: unit,
    yLabel: 'loss',
    // Epochs are whole numbers: integer ticks only, written as such.
    xTicks: x.ticks(6).filter((t) => Number.isInteger(t)).map((t) => ({ pos: x(t), label: String(t) })),
    yTicks: y.ticks(5).map((t) => ({ pos: y(t), label: yFmt(t) })),
    series: [
      { label: 'training loss', ...seriesStyle(0), path: path(points as LossPoint[]) ?? '', last: lastOf((p) => p.trainLoss) },
      { label: 'validation loss', ...seriesStyle(1), path: valPath(points as LossPoint[]) ?? '', last: lastOf((p) => p.valLoss) }
    ],
    description: last
      ? `Loss after ${unit} ${last.epoch}: training ${Number.isFinite(last.trainLoss) ? last.trainLoss.toFixed(4) : 'undefined'}, validation ${Number.isFinite(last.valLoss) ? last.valLoss.toFixed(4) : 'undefined'}.`
      : 'No loss yet.'
  };
}
