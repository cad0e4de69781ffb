/**
 * Geometry of the per-turn score trajectory chart: scales, ticks, one path per series, and the spike (the turn k
 * where |S(k+1) − 2S(k) + S(k−1)| is largest) marked with its three points. Svelte renders it; d3 does the maths.
 */
import { extent } from 'd3-array';
import { scaleLinear } from 'd3-scale';
import { line } from 'd3-shape';
import type { Margin, Tick } from './axes';

export interface TrajectorySeries {
  readonly label: string;
  /** One score per turn, turn 0 first; null for a turn without a score (timed out, not yet generated). */
  readonly scores: readonly (number | null)[];
  /** The spike turn k (0 < k < K − 1), or null. */
  readonly spikeTurn: number | null;
  readonly color: string;
}

export interface TrajectoryGeometry {
  readonly width: number;
  readonly height: number;
  readonly margin: Margin;
  readonly xTicks: readonly Tick[];
  readonly yTicks: readonly Tick[];
  readonly series: readonly {
    readonly label: string;
    readonly color: string;
    readonly path: string;
    readonly points: readonly { readonly turn: number; readonly x: number; readonly y: number; readonly value: number }[];
    readonly spike: { readonly turn: number; readonly x: number; readonly y: number; readonly triple: string } | null;
  }[];
  readonly x: (turn: number) => number;
  readonly y: (value: number) => number;
}

export function trajectoryChart(series: readonly TrajectorySeries[], options: { width?: number; height?: number; yDomain?: readonly [number, number]; turns?: number } = {}): TrajectoryGeometry {
  const width = options.width ?? 640;
  const height = options.height ?? 260;
  const margin = { top: 16, right: 16, bottom: 36, left: 52 };
  const turns = options.turns ?? Math.max(2, ...series.map((s) => s.scores.length));
  const values = series.flatMap((s) => s.scores.filter((v): v is number => v !== null && Number.isFinite(v)));
  let [lo, hi] = options.yDomain ?? (extent(values) as [number, number] | [undefined, undefined]);
  if (lo === undefined || hi === undefined) [lo, hi] = [0, 1];
  if (lo === hi) [lo, hi] = [lo - 0.5, hi + 0.5];
  const x = scaleLinear().domain([0, Math.max(1, turns - 1)]).range([margin.left, width - margin.right]);
  const y = scaleLinear().domain([lo, hi]).nice().range([height - margin.bottom, margin.top]);
  const xTicks = x.ticks(Math.min(turns, 11)).filter((t) => Number.isInteger(t)).map((t) => ({ pos: x(t), label: String(t) }));
  const yTicks = y.ticks(5).map((t) => ({ pos: y(t), label: y.tickFormat(5)(t) }));
  const gen = line<{ turn: number; value: number | null }>()
    .defined((d) => d.value !== null && Number.isFinite(d.value))
    .x((d) => x(d.turn))
    .y((d) => y(d.value as number));
  return {
    width,
    height,
    margin,
    xTicks,
    yTicks,
    x: (t) => x(t),
    y: (v) => y(v),
    series: series.map((s) => {
      const data = s.scores.map((value, turn) => ({ turn, value }));
      const points = data.filter((d): d is { turn: number; value: number } => d.value !== null && Number.isFinite(d.value)).map((d) => ({ turn: d.turn, x: x(d.turn), y: y(d.value), value: d.value }));
      let spike: TrajectoryGeometry['series'][number]['spike'] = null;
      const k = s.spikeTurn;
      if (k !== null && k > 0 && k < s.scores.length - 1 && [k - 1, k, k + 1].every((t) => s.scores[t] !== null)) {
        const triple = line<number>()
          .x((t) => x(t))
          .y((t) => y(s.scores[t] as number))([k - 1, k, k + 1]) ?? '';
        spike = { turn: k, x: x(k), y: y(s.scores[k] as number), triple };
      }
      return { label: s.label, color: s.color, path: gen(data) ?? '', points, spike };
    })
  };
}
