/**
 * Serialises a chart geometry (`rocChart`, `histogramChart`) to a standalone SVG string: what the CLI writes to
 * `roc.svg`/`hist.svg` and embeds in `report.html`. Accessible: `role="img"` labelled by a `<title>` and a
 * `<desc>`, axis labels as text, a legend with text beside each swatch, and a `<title>` tooltip on every bar.
 * `id` prefixes the element ids so several charts can sit in one HTML page.
 */
import { marginEdges } from './axes';
import type { HistogramGeometry } from './histogramChart';
import type { RocGeometry } from './rocChart';
import { escapeXml, svgNum as r } from './svgText';

export { escapeXml };

function frame(g: RocGeometry | HistogramGeometry, id: string, body: string[]): string {
  const { width, height } = g;
  const { left, right, top, bottom } = marginEdges(g);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${id}-title ${id}-desc" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="12">`,
    `<title id="${id}-title">${escapeXml(g.title)}</title>`,
    `<desc id="${id}-desc">${escapeXml(g.description)}</desc>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${r(width / 2)}" y="18" text-anchor="middle" font-size="14" font-weight="600">${escapeXml(g.title)}</text>`,
    `<g class="grid" stroke="#e5e5e5">`,
    ...g.yTicks.map((t) => `<line x1="${r(left)}" x2="${r(right)}" y1="${r(t.pos)}" y2="${r(t.pos)}"/>`),
    `</g>`,
    `<g class="axis x-axis" fill="#333">`,
    `<line x1="${r(left)}" x2="${r(right)}" y1="${r(bottom)}" y2="${r(bottom)}" stroke="#333"/>`,
    ...g.xTicks.map((t) => `<line x1="${r(t.pos)}" x2="${r(t.pos)}" y1="${r(bottom)}" y2="${r(bottom + 5)}" stroke="#333"/><text x="${r(t.pos)}" y="${r(bottom + 18)}" text-anchor="middle">${escapeXml(t.label)}</text>`),
    `<text x="${r((left + right) / 2)}" y="${r(height - 8)}" text-anchor="middle">${escapeXml(g.xLabel)}</text>`,
    `</g>`,
    `<g class="axis y-axis" fill="#333">`,
    `<line x1="${r(left)}" x2="${r(left)}" y1="${r(top)}" y2="${r(bottom)}" stroke="#333"/>`,
    ...g.yTicks.map((t) => `<line x1="${r(left - 5)}" x2="${r(left)}" y1="${r(t.pos)}" y2="${r(t.pos)}" stroke="#333"/><text x="${r(left - 8)}" y="${r(t.pos)}" text-anchor="end" dominant-baseline="middle">${escapeXml(t.label)}</text>`),
    `<text transform="translate(14 ${r((top + bottom) / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(g.yLabel)}</text>`,
    `</g>`,
    ...body,
    `</svg>`
  ];
  return out.join('\n') + '\n';
}

function legend(items: readonly { label: string; color: string; dash?: string; swatch: 'line' | 'box' }[], x: number, y: number): string[] {
  const out = [`<g class="legend">`];
  items.forEach((it, i) => {
    const yy = y + i * 18;
    out.push(
      it.swatch === 'line'
        ? `<line x1="${r(x)}" x2="${r(x + 24)}" y1="${r(yy)}" y2="${r(yy)}" stroke="${it.color}" stroke-width="2.5"${it.dash ? ` stroke-dasharray="${it.dash}"` : ''}/>`
        : `<rect x="${r(x + 6)}" y="${r(yy - 6)}" width="12" height="12" fill="${it.color}"/>`,
      `<text x="${r(x + 30)}" y="${r(yy)}" dominant-baseline="middle">${escapeXml(it.label)}</text>`
    );
  });
  out.push(`</g>`);
  return out;
}

export function rocChartToSvg(g: RocGeometry, id = 'roc'): string {
  const body = [
    `<path class="diagonal" d="${g.diagonal}" fill="none" stroke="#888" stroke-dasharray="4 4"><title>chance (AUROC 0.5)</title></path>`,
    ...g.series.map(
      (s) => `<path class="curve" d="${s.path}" fill="none" stroke="${s.color}" stroke-width="2.5"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}><title>${escapeXml(s.label)}</title></path>`
    ),
    ...legend(
      [...g.series.map((s) => ({ label: s.label, color: s.color, dash: s.dash, swatch: 'line' as const })), { label: 'chance', color: '#888', dash: '4 4', swatch: 'line' as const }],
      g.width - g.margin.right - 250,
      g.height - g.margin.bottom - 18 * (g.series.length + 1)
    )
  ];
  return frame(g, id, body);
}

export function histogramChartToSvg(g: HistogramGeometry, id = 'hist'): string {
  const body: string[] = [];
  for (const grp of g.groups) {
    body.push(`<g class="bars" fill="${grp.color}" fill-opacity="0.85">`);
    for (const b of grp.bars) {
      if (b.count === 0) continue;
      body.push(`<rect x="${r(b.x)}" y="${r(b.y)}" width="${r(b.width)}" height="${r(b.height)}"><title>${escapeXml(`${grp.label}: ${b.count} in [${b.x0.toPrecision(4)}, ${b.x1.toPrecision(4)}${b === grp.bars[grp.bars.length - 1] ? ']' : ')'}`)}</title></rect>`);
    }
    body.push(`</g>`);
  }
  body.push(...legend(g.groups.map((grp) => ({ label: `${grp.label} (n = ${grp.n})`, color: grp.color, swatch: 'box' as const })), g.width - g.margin.right - 200, g.margin.top + 10));
  return frame(g, id, body);
}
