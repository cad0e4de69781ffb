import { describe, expect, it } from 'vitest';
import { equalWidthBins, escapeXml, histogramChart, histogramChartToSvg, rocChart, rocChartToSvg } from '../../src/lib/ui/charts/index';
import { rocCurve } from '../../src/lib/core/metrics/index';
import { goldens } from './metrics-goldens';

describe('equalWidthBins', () => {
  it('equalWidthBins(groups, 20) equals numpy.histogram over the joint range, edges and counts', () => {
    for (const g of goldens.histograms) {
      const b = equalWidthBins([g.a, g.b], 20);
      expect(b.edges).toEqual(g.edges);
      expect(b.counts).toEqual([g.counts_a, g.counts_b]);
    }
  });

  it('equalWidthBins puts the maximum in the last bin and widens a single value by ±0.5', () => {
    expect(equalWidthBins([[0, 1, 2, 3, 4]], 4).counts).toEqual([[1, 1, 1, 2]]);
    const one = equalWidthBins([[2, 2], [2]], 2);
    expect(one.edges).toEqual([1.5, 2, 2.5]);
    expect(one.counts).toEqual([[0, 2], [0, 1]]);
    expect(equalWidthBins([[], [NaN]], 2)).toEqual({ edges: [0, 0.5, 1], counts: [[0, 0], [0, 0]] });
  });
});

describe('rocChart', () => {
  it('rocChart maps (0,0)–(1,1) to the plot corners and draws one path per curve plus the diagonal', () => {
    const roc = rocCurve([0.9, 0.4, 0.4, 0.1, 0.8], [1, 1, 0, 0, 1]);
    const g = rocChart([{ label: 'spikescore', fpr: roc.fpr, tpr: roc.tpr, auroc: 0.9166 }], { width: 500, height: 400 });
    const { left, right, top, bottom } = { left: g.margin.left, right: 500 - g.margin.right, top: g.margin.top, bottom: 400 - g.margin.bottom };
    expect(g.diagonal).toBe(`M${left},${bottom}L${right},${top}`);
    expect(g.series[0].label).toBe('spikescore (AUROC 0.917)');
    expect(g.series[0].path.startsWith(`M${left},${bottom}`)).toBe(true);
    expect(g.xTicks.map((t) => t.label)).toEqual(['0.0', '0.2', '0.4', '0.6', '0.8', '1.0']);
    expect(g.description).toBe('ROC curves of spikescore (AUROC 0.917), with the chance diagonal.');
    const svg = rocChartToSvg(g, 'r1');
    expect(svg).toContain('aria-labelledby="r1-title r1-desc"');
    expect(svg).toContain('<title id="r1-title">ROC curve (hallucination = positive class)</title>');
    expect(svg).toContain('True-positive rate (hallucinations caught)');
  });
});

describe('histogramChart', () => {
  it('histogramChart draws each group side by side in every bin, heights proportional to counts', () => {
    const g = histogramChart([{ label: 'hallucinated', values: [0, 1, 1, 2] }, { label: 'factual', values: [0, 0, 2] }], { bins: 2, title: 'x & y' });
    expect(g.bins.counts).toEqual([[1, 3], [2, 1]]);
    const [h, f] = g.groups;
    expect(h.bars[1].height).toBeCloseTo(3 * h.bars[0].height, 9);
    expect(f.bars[0].x).toBeGreaterThan(h.bars[0].x);
    expect(f.bars[0].x + f.bars[0].width).toBeLessThanOrEqual(h.bars[1].x);
    const svg = histogramChartToSvg(g);
    expect(svg).toContain('<title id="hist-title">x &amp; y</title>');
    expect(svg).toContain('<title>hallucinated: 3 in [1.000, 2.000]</title>');
    expect(svg).toContain('factual (n = 3)');
  });

  it('escapeXml escapes markup characters in labels', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
