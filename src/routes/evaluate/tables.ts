/**
 * The Evaluate page's tables as files: the metric table (one row per aggregation: AUROC, AUPRC, PRR, FPR@95 with
 * their 95% intervals and the paired AUROC difference against SpikeScore) and the cross-domain matrix, as CSV
 * (full precision, empty cell for an undefined value) and as a LaTeX `booktabs` table (3 decimals, "--" for an
 * undefined value). Pure functions of the worker's answer.
 */
import type { Evaluation } from '../../lib/core/metrics/evaluateAggregations';
import type { CrossDomainResult } from '../../lib/core/probes/crossDomain';
import { AGGREGATIONS, type AggregationName } from '../../lib/core/trajectory/aggregations';

export const METRIC_COLUMNS = [
  { key: 'auroc', label: 'AUROC', better: 'higher' },
  { key: 'auprc', label: 'AUPRC', better: 'higher' },
  { key: 'prr', label: 'PRR', better: 'higher' },
  { key: 'fpr95', label: 'FPR@95', better: 'lower' }
] as const;

/** Display names of the aggregations (tables and legends). */
export const AGGREGATION_LABELS: Readonly<Record<AggregationName, string>> = {
  spikescore: 'SpikeScore',
  varPlusSumAbsD2: 'Var + Σ|Δ²| (seed code)',
  mean: 'mean',
  variance: 'variance',
  range: 'range',
  maxAbsD1: 'max |Δ|',
  totalVariation: 'total variation',
  lastMinusFirst: 'last − first',
  slope: 'slope',
  firstTurn: 'first turn only'
};

const LATEX_LABELS: Readonly<Record<AggregationName, string>> = {
  spikescore: 'SpikeScore',
  varPlusSumAbsD2: '$\\mathrm{Var}+\\sum|\\Delta^2|$',
  mean: 'mean',
  variance: 'variance',
  range: 'range',
  maxAbsD1: '$\\max|\\Delta|$',
  totalVariation: 'total variation',
  lastMinusFirst: 'last $-$ first',
  slope: 'slope',
  firstTurn: 'first turn only'
};

function csvField(v: unknown): string {
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : v === null || v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(rows: readonly (readonly unknown[])[]): string {
  return rows.map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

/** One row per aggregation, full precision; `score_key` and the class counts repeated on each row. */
export function metricsCsv(ev: Evaluation, scoreKey: string): string {
  const header = ['aggregation', 'description', 'score_key', 'n', 'n_hallucinated', 'prevalence'];
  for (const m of METRIC_COLUMNS) header.push(m.key, `${m.key}_lo`, `${m.key}_hi`);
  header.push('auroc_diff_vs_spikescore', 'auroc_diff_lo', 'auroc_diff_hi');
  const rows: unknown[][] = [header];
  for (const name of ev.aggregations) {
    const row: unknown[] = [name, AGGREGATIONS[name].description, scoreKey, ev.n, ev.nPos, ev.n ? ev.nPos / ev.n : NaN];
    for (const m of METRIC_COLUMNS) row.push(ev.metrics[name][m.key], ev.ci[m.key][name].lo, ev.ci[m.key][name].hi);
    const d = ev.aurocDiffVsSpikescore[name];
    row.push(d?.estimate, d?.lo, d?.hi);
    rows.push(row);
  }
  return toCsv(rows);
}

/** LaTeX-escapes text (outside math). */
export function latexEscape(s: string): string {
  return s.replace(/[\\{}&%$#_^~]/g, (c) => (c === '\\' ? '\\textbackslash{}' : c === '^' ? '\\^{}' : c === '~' ? '\\~{}' : `\\${c}`));
}

const f3 = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v.toFixed(3) : '--');
const withCi = (i: { estimate: number; lo: number; hi: number } | undefined) => (i ? `${f3(i.estimate)} [${f3(i.lo)}, ${f3(i.hi)}]` : '--');

/** A `booktabs` table; the caption states n, the positive class, its prevalence, the score key and the bootstrap. */
export function metricsLatex(ev: Evaluation, scoreKey: string): string {
  const lines = [
    '\\begin{table}[t]',
    '\\centering',
    `\\caption{Hallucination detection from the per-turn score \\texttt{${latexEscape(scoreKey)}}: $n = ${ev.n}$ items, ${ev.nPos} hallucinated (the positive class; prevalence ${f3(ev.n ? ev.nPos / ev.n : NaN)}). ` +
      `Estimate [95\\% interval], percentile bootstrap with ${ev.nResamples} resamples stratified by class (seed ${latexEscape(String(ev.seed))}), the same resamples for every row. ` +
      `$\\Delta$AUROC is AUROC(SpikeScore) $-$ AUROC(row), paired.}`,
    '\\begin{tabular}{lccccc}',
    '\\toprule',
    `Aggregation & ${METRIC_COLUMNS.map((m) => `${m.label} (${m.better === 'higher' ? '$\\uparrow$' : '$\\downarrow$'})`).join(' & ')} & $\\Delta$AUROC \\\\`,
    '\\midrule'
  ];
  for (const name of ev.aggregations) {
    const cells = METRIC_COLUMNS.map((m) => withCi({ estimate: ev.metrics[name][m.key], lo: ev.ci[m.key][name].lo, hi: ev.ci[m.key][name].hi }));
    const d = ev.aurocDiffVsSpikescore[name];
    lines.push(`${LATEX_LABELS[name]} & ${cells.join(' & ')} & ${d ? withCi(d) : '--'} \\\\`);
  }
  lines.push('\\bottomrule', '\\end{tabular}', '\\end{table}');
  return lines.join('\n') + '\n';
}

/** The cross-domain matrix: one row per source, one column per target and the pool (value, lo, hi each). */
export function crossDomainCsv(r: CrossDomainResult): string {
  const header = ['source'];
  for (const t of r.domains) header.push(t, `${t}_lo`, `${t}_hi`);
  header.push('pool', 'pool_lo', 'pool_hi', 'pool_n', 'pool_hallucinated');
  const rows: unknown[][] = [header];
  r.domains.forEach((source, i) => {
    const row: unknown[] = [source];
    for (const target of r.domains) {
      const c = r.cells.find((x) => x.source === source && x.target === target);
      row.push(c ? c.value : '', c?.lo ?? '', c?.hi ?? '');
    }
    const p = r.pooled[i];
    row.push(p.value, p.lo ?? '', p.hi ?? '', p.n, p.positives);
    rows.push(row);
  });
  rows.push(['average over sources (pooled)', ...r.domains.flatMap(() => ['', '', '']), r.average, '', '', '', '']);
  return toCsv(rows);
}

export function crossDomainLatex(r: CrossDomainResult, caption: string): string {
  const cols = r.domains.length + 1;
  const lines = [
    '\\begin{table}[t]',
    '\\centering',
    `\\caption{${latexEscape(caption)}}`,
    `\\begin{tabular}{l${'c'.repeat(cols)}}`,
    '\\toprule',
    `Train $\\backslash$ test & ${r.domains.map((d) => latexEscape(d)).join(' & ')} & pool of the others \\\\`,
    '\\midrule'
  ];
  r.domains.forEach((source, i) => {
    const cells = r.domains.map((target) => {
      const c = r.cells.find((x) => x.source === source && x.target === target);
      return c ? withCi({ estimate: c.value, lo: c.lo ?? NaN, hi: c.hi ?? NaN }) : '--';
    });
    const p = r.pooled[i];
    lines.push(`${latexEscape(source)} & ${cells.join(' & ')} & ${withCi({ estimate: p.value, lo: p.lo ?? NaN, hi: p.hi ?? NaN })} \\\\`);
  });
  lines.push('\\midrule', `\\multicolumn{${cols}}{l}{Average over sources (pooled)} & ${f3(r.average)} \\\\`, '\\bottomrule', '\\end{tabular}', '\\end{table}');
  return lines.join('\n') + '\n';
}
