/**
 * The paper's stacked bar chart of fallback behaviours (the reference's `plot_refined_stacked_barplot`) as
 * geometry: plain data in, rectangles, labels and ticks out, computed with d3-scale; `stackedBarsSvg` serialises
 * it. A Svelte component can draw the same geometry.
 *
 * One bar per model: the mean answer counts per question, stacked bottom to top as correct, hallucinations,
 * repetitions, bad_format, topic_change, EOS (each bar sums to 25 for list tasks); a dashed green line at the
 * mean gold count; segment values above `minValue` printed on the bars.
 */
import { scaleLinear } from 'd3';
import type { ListCounts } from '../../core/fallbacks/labelListCompletion';
import { FALLBACK_SEGMENTS, type SegmentKey } from './fallbacksPalette';
import { escapeXml, svgNum } from './svgText';

/** One bar, in the shape of `derived/paper_plot_values.json` (`bar_charts[…].bars[i]`). */
export type StackedBarDatum = { readonly label: string; readonly group?: string } & Readonly<Record<SegmentKey, number>>;

/** A bar from our count names (`hallucinated`, `repeated`, `eos`) to the paper's (`hallucinations`, …). */
export function barFromCounts(label: string, counts: ListCounts, group?: string): StackedBarDatum {
  return {
    label,
    ...(group === undefined ? {} : { group }),
    correct: counts.correct,
    hallucinations: counts.hallucinated,
    repetitions: counts.repeated,
    bad_format: counts.bad_format,
    topic_change: counts.topic_change,
    EOS: counts.eos
  };
}

export interface StackedBarsOptions {
  readonly width?: number;
  readonly height?: number;
  readonly margin?: { readonly top: number; readonly right: number; readonly bottom: number; readonly left: number };
  /** Top of the y axis (default 25 answer slots). */
  readonly yMax?: number;
  /** Values strictly above this are printed on their segment (default 1, as the reference). */
  readonly minValue?: number;
  /** Mean gold count for the dashed line (6.63 TriviaFacts, 14.52 QAMPARI); null or undefined for none. */
  readonly goldLine?: number | null;
  /** Gap between bars, and extra gap between groups (bars with a different `group`), in bar widths. */
  readonly barGap?: number;
  readonly groupGap?: number;
  readonly yLabel?: string;
}

export interface BarSegment {
  readonly key: SegmentKey;
  readonly color: string;
  readonly value: number;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  /** The printed value ("12.2") and where, or null when the value is not above `minValue`. */
  readonly text: { readonly x: number; readonly y: number; readonly value: string } | null;
}

export interface StackedBarsGeometry {
  readonly width: number;
  readonly height: number;
  /** Plot area in absolute coordinates. */
  readonly plot: { readonly x: number; readonly y: number; readonly width: number; readonly height: number };
  /** Pixels per answer (the y scale's slope). */
  readonly unit: number;
  readonly bars: { readonly label: string; readonly group: string; readonly x: number; readonly width: number; readonly total: number; readonly segments: BarSegment[] }[];
  readonly yTicks: { readonly value: number; readonly y: number }[];
  readonly goldLine: { readonly y: number; readonly x1: number; readonly x2: number; readonly value: number } | null;
  readonly yLabel: string;
}

/**
 * Lays out the stacked bars. Coordinates are absolute pixels (margin included), y growing downwards: a segment of
 * value v is v · `unit` pixels high, and a bar's segments touch, from the x axis up.
 * Misuse throws: an empty list, a missing, non-finite or negative value (naming the bar and the segment).
 */
export function stackedBarsGeometry(bars: readonly StackedBarDatum[], options: StackedBarsOptions = {}): StackedBarsGeometry {
  if (!Array.isArray(bars) || bars.length === 0) throw new RangeError('stackedBarsGeometry(bars): bars must be a non-empty array');
  const width = options.width ?? 720;
  const height = options.height ?? 400;
  const margin = options.margin ?? { top: 16, right: 16, bottom: 64, left: 56 };
  const yMax = options.yMax ?? 25;
  const minValue = options.minValue ?? 1;
  const barGap = options.barGap ?? 0.4;
  const groupGap = options.groupGap ?? 0.8;
  bars.forEach((b, i) => {
    for (const { key } of FALLBACK_SEGMENTS) {
      const v = b[key];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        throw new RangeError(`stackedBarsGeometry: bars[${i}] (${b.label}).${key} must be a finite number ≥ 0, got ${String(v)}`);
      }
    }
  });

  const plot = { x: margin.left, y: margin.top, width: width - margin.left - margin.right, height: height - margin.top - margin.bottom };
  // Bar positions in bar-width units: one unit per bar, barGap between bars, groupGap more between groups.
  const starts: number[] = [];
  let cursor = 0;
  bars.forEach((b, i) => {
    if (i > 0) cursor += barGap + ((b.group ?? '') !== (bars[i - 1].group ?? '') ? groupGap : 0);
    starts.push(cursor);
    cursor += 1;
  });
  const x = scaleLinear().domain([-barGap / 2, cursor + barGap / 2]).range([plot.x, plot.x + plot.width]);
  const y = scaleLinear().domain([0, yMax]).range([plot.y + plot.height, plot.y]);
  const unit = plot.height / yMax;
  const barWidth = x(1) - x(0);

  const layout = bars.map((b, i) => {
    const bx = x(starts[i]);
    let base = 0;
    const segments: BarSegment[] = FALLBACK_SEGMENTS.map(({ key, color }) => {
      const value = b[key];
      const top = y(base + value);
      const seg: BarSegment = {
        key,
        color,
        value,
        x: bx,
        y: top,
        width: barWidth,
        height: y(base) - top,
        text: value > minValue ? { x: bx + barWidth / 2, y: y(base + value / 2), value: value.toFixed(1) } : null
      };
      base += value;
      return seg;
    });
    return { label: b.label, group: b.group ?? '', x: bx, width: barWidth, total: base, segments };
  });

  const gold = options.goldLine;
  return {
    width,
    height,
    plot,
    unit,
    bars: layout,
    yTicks: y.ticks(5).map((value) => ({ value, y: y(value) })),
    goldLine: gold === null || gold === undefined ? null : { y: y(gold), x1: plot.x, x2: plot.x + plot.width, value: gold },
    yLabel: options.yLabel ?? 'Average answer counts'
  };
}

/** Serialises the geometry as a standalone SVG document (bars with black edges, white values, axis, legend). */
export function stackedBarsSvg(g: StackedBarsGeometry, options: { readonly title?: string; readonly fontSize?: number } = {}): string {
  const fs = options.fontSize ?? 11;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${svgNum(g.width)}" height="${svgNum(g.height)}" viewBox="0 0 ${svgNum(g.width)} ${svgNum(g.height)}" font-family="sans-serif" font-size="${fs}">`
  ];
  if (options.title) out.push(`<title>${escapeXml(options.title)}</title>`);
  const axisX = g.plot.x;
  const baseY = g.plot.y + g.plot.height;
  for (const t of g.yTicks) {
    out.push(`<line x1="${svgNum(axisX - 4)}" x2="${svgNum(axisX)}" y1="${svgNum(t.y)}" y2="${svgNum(t.y)}" stroke="#333"/>`);
    out.push(`<text x="${svgNum(axisX - 6)}" y="${svgNum(t.y)}" text-anchor="end" dominant-baseline="middle">${t.value}</text>`);
  }
  out.push(`<line x1="${svgNum(axisX)}" x2="${svgNum(axisX)}" y1="${svgNum(g.plot.y)}" y2="${svgNum(baseY)}" stroke="#333"/>`);
  out.push(`<line x1="${svgNum(axisX)}" x2="${svgNum(g.plot.x + g.plot.width)}" y1="${svgNum(baseY)}" y2="${svgNum(baseY)}" stroke="#333"/>`);
  out.push(
    `<text transform="translate(${svgNum(axisX - 40)},${svgNum(g.plot.y + g.plot.height / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(g.yLabel)}</text>`
  );
  for (const bar of g.bars) {
    out.push(`<g class="bar" data-label="${escapeXml(bar.label)}">`);
    for (const s of bar.segments) {
      if (s.height <= 0) continue;
      out.push(
        `<rect class="segment" data-key="${s.key}" data-value="${s.value}" x="${svgNum(s.x)}" y="${svgNum(s.y)}" width="${svgNum(s.width)}" height="${svgNum(s.height)}" fill="${s.color}" stroke="black" stroke-width="0.5"/>`
      );
    }
    for (const s of bar.segments) {
      if (s.text) out.push(`<text x="${svgNum(s.text.x)}" y="${svgNum(s.text.y)}" text-anchor="middle" dominant-baseline="middle" fill="white">${s.text.value}</text>`);
    }
    out.push(`<text x="${svgNum(bar.x + bar.width / 2)}" y="${svgNum(baseY + 14)}" text-anchor="middle">${escapeXml(bar.label)}</text>`);
    out.push('</g>');
  }
  if (g.goldLine) {
    const l = g.goldLine;
    out.push(`<line class="gold" x1="${svgNum(l.x1)}" x2="${svgNum(l.x2)}" y1="${svgNum(l.y)}" y2="${svgNum(l.y)}" stroke="${FALLBACK_SEGMENTS[0].color}" stroke-width="2" stroke-dasharray="6 4"/>`);
  }
  const legendY = g.height - 12;
  FALLBACK_SEGMENTS.forEach((s, i) => {
    const lx = g.plot.x + i * Math.max(80, g.plot.width / FALLBACK_SEGMENTS.length);
    out.push(`<rect x="${svgNum(lx)}" y="${svgNum(legendY - 8)}" width="10" height="10" fill="${s.color}" stroke="black" stroke-width="0.5"/>`);
    out.push(`<text x="${svgNum(lx + 14)}" y="${svgNum(legendY)}">${s.key}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
