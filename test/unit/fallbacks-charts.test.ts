import { describe, expect, it } from 'vitest';
import { heatmapRowKey, meanCounts, sortOrderRows } from '../../src/lib/core/fallbacks/index';
import {
  FALLBACK_SEGMENTS,
  barFromCounts,
  orderHeatmapGeometry,
  orderHeatmapSvg,
  stackedBarsGeometry,
  stackedBarsSvg,
  type StackedBarDatum
} from '../../src/lib/ui/charts/fallbacks';
import { readFallbacksJson } from './fallbacks-shared';

interface PlotValues {
  bar_charts: Record<string, { gold_mean_line: number | null; bars: (StackedBarDatum & { sum: number })[] }>;
  order_matrices: Record<string, { rows: string[] }>;
}
const plots = readFallbacksJson<PlotValues>('derived/paper_plot_values.json');

describe('stackedBarsGeometry on the paper (fig2, Pythia by size, TriviaFacts)', () => {
  const chart = plots.bar_charts['fig2/hq_qampari_parameters.pdf'];
  const g = stackedBarsGeometry(chart.bars, { goldLine: chart.gold_mean_line, minValue: 2 });

  it('stackedBarsGeometry draws one bar per model, in order', () => {
    expect(g.bars.map((b) => b.label)).toEqual(chart.bars.map((b) => b.label));
    expect(g.bars.length).toBeGreaterThanOrEqual(8);
  });

  it('every segment height equals its number in the file, in the paper order and colours', () => {
    for (const [i, bar] of g.bars.entries()) {
      expect(bar.segments.map((s) => s.key)).toEqual(['correct', 'hallucinations', 'repetitions', 'bad_format', 'topic_change', 'EOS']);
      expect(bar.segments.map((s) => s.color)).toEqual(['#90BE6D', '#F8961E', '#277DA1', '#F94144', '#5C374C', '#FAA275']);
      for (const s of bar.segments) expect(s.height / g.unit).toBeCloseTo(chart.bars[i][s.key], 9);
    }
  });

  it('the segments stack without gaps from the x axis to 25', () => {
    const axis = g.plot.y + g.plot.height;
    for (const bar of g.bars) {
      let bottom = axis;
      for (const s of bar.segments) {
        expect(s.y + s.height).toBeCloseTo(bottom, 9);
        bottom = s.y;
      }
      expect((axis - bottom) / g.unit).toBeCloseTo(25, 5);
      expect(bar.total).toBeCloseTo(25, 5);
    }
  });

  it('values above minValue are printed centred on their segment; the dashed gold line sits at 6.63', () => {
    const pythia12b = g.bars.find((b) => b.label === '12B' || b.label.endsWith('12B'));
    expect(pythia12b).toBeDefined();
    const texts = pythia12b!.segments.map((s) => s.text?.value ?? null);
    expect(texts).toEqual(['4.1', '8.0', '12.2', null, null, null]); // C 4.08, H 7.98, R 12.20; 0.33, 0.41, 0 ≤ 2
    const r = pythia12b!.segments[2];
    expect(r.text!.y).toBeCloseTo(r.y + r.height / 2, 9);
    expect(g.goldLine!.value).toBe(6.63);
    expect((g.plot.y + g.plot.height - g.goldLine!.y) / g.unit).toBeCloseTo(6.63, 9);
  });

  it('stackedBarsSvg writes one rect per non-empty segment with its value, and the dashed line', () => {
    const svg = stackedBarsSvg(g, { title: 'Pythia, TriviaFacts' });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    const rects = svg.match(/class="segment"/g) ?? [];
    expect(rects.length).toBe(chart.bars.flatMap((b) => FALLBACK_SEGMENTS.filter((s) => b[s.key] > 0)).length);
    expect(svg).toContain('stroke-dasharray="6 4"');
    expect(svg).toContain('<title>Pythia, TriviaFacts</title>');
  });

  it('stackedBarsGeometry names a negative or missing value', () => {
    expect(() => stackedBarsGeometry([{ ...chart.bars[0], repetitions: -1 }])).toThrow(
      `stackedBarsGeometry: bars[0] (${chart.bars[0].label}).repetitions must be a finite number ≥ 0, got -1`
    );
    expect(() => stackedBarsGeometry([])).toThrow('bars must be a non-empty array');
  });

  it('barFromCounts and meanCounts turn labelled rows into a bar (drop rows, mean, rename)', () => {
    const rows = [
      { correct: 4, hallucinated: 6, repeated: 15, bad_format: 0, topic_change: 0, eos: 0 },
      { correct: 0, hallucinated: 0, repeated: 0, bad_format: 25, topic_change: 0, eos: 0 },
      { correct: 2, hallucinated: 2, repeated: 0, bad_format: 0, topic_change: 0, eos: 21 }
    ];
    const m = meanCounts(rows, { drop: [1] });
    expect(m.n).toBe(2);
    const bar = barFromCounts('x', m);
    expect([bar.correct, bar.hallucinations, bar.repetitions, bar.EOS]).toEqual([3, 4, 7.5, 10.5]);
    expect(meanCounts([]).correct).toBeNaN();
  });
});

describe('orderHeatmapGeometry', () => {
  const rows = plots.order_matrices['fig2/orders/Pythia_base_12B_300T.pdf'].rows.map((r) => [...r].map(Number));

  it('sortOrderRows leaves every matrix of the paper in place (they were extracted in plot order)', () => {
    for (const [name, m] of Object.entries(plots.order_matrices)) {
      const orders = m.rows.map((r) => [...r].map(Number));
      expect(sortOrderRows(orders), name).toEqual(orders.map((_, i) => i));
    }
  });

  it('heatmapRowKey counts a+5b+c = 21 windows, then C, then H (hand-worked)', () => {
    expect(heatmapRowKey([1, 2, 3, 3, 3, 3])).toEqual([2, 1, 1]);
    expect(heatmapRowKey([5, 2, 6, 1, 3, 5])).toEqual([2, 1, 1]); // (5,2,6) and (1,3,5)
  });

  it('orderHeatmapGeometry: 95 × 25 cells, the first sorted row at the bottom, colours by label', () => {
    const g = orderHeatmapGeometry(rows);
    expect(g.cells).toHaveLength(95 * 25);
    expect(g.slots).toBe(25);
    const first = g.cells[0];
    const last = g.cells[g.cells.length - 1];
    expect(first.y).toBeGreaterThan(last.y); // row 0 is drawn lowest
    expect(first.question).toBe(0);
    expect(g.cells.filter((c) => c.label === 3).every((c) => c.color === '#277DA1')).toBe(true);
    // a reversed input is sorted back: keys non-decreasing from the bottom, the same rows
    const reversed = [...rows].reverse();
    const back = orderHeatmapGeometry(reversed);
    const keys = back.rowOrder.map((i) => heatmapRowKey(reversed[i]).join(','));
    expect(keys).toEqual(rows.map((r) => heatmapRowKey(r).join(',')));
  });

  it('orderHeatmapGeometry pads short rows with their last label, and names a bad code', () => {
    const g = orderHeatmapGeometry([[1, 2, 6], [1, 1, 2, 3, 3]], { sort: false });
    expect(g.cells.slice(0, 5).map((c) => c.label)).toEqual([1, 2, 6, 6, 6]);
    expect(() => orderHeatmapGeometry([[1, 8]])).toThrow('orderHeatmapGeometry: orders[0][1] must be a label code 0–6, got 8');
  });

  it('orderHeatmapSvg merges runs of one label into one rect per run', () => {
    const g = orderHeatmapGeometry([[1, 1, 2, 3, 3, 3]], { sort: false });
    const svg = orderHeatmapSvg(g);
    expect(svg.match(/<rect /g)).toHaveLength(3);
    expect(svg).toContain('data-label="3"');
  });
});
