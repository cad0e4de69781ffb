/**
 * `spikescore eval --data-dir D --report-dir R`: the seed's `eval_probe.py`, done as the paper means it.
 *
 * 1. Scan D recursively for item files (`<safe_id>.json`), read and validate each one. Nothing stops at a bad file:
 *    every skip is counted by reason (and malformed files are listed with the file and the field).
 * 2. Per item: hallucination label = 1 − nli_label (hallucination is the positive class), trajectory = the
 *    per-turn `--score-key` scores, turns without a numeric score skipped (counted); every aggregation of
 *    `AGGREGATIONS` (SpikeScore = max |Δ²S| first, then the seed's Var + Σ|Δ²S| and the baselines). Items whose
 *    SpikeScore is null (fewer than 3 scored turns) are left out of every aggregation (counted).
 * 3. AUROC, AUPRC (step-wise average precision), PRR and FPR@95 per aggregation, 95% percentile intervals from a
 *    stratified bootstrap with the same resamples for every aggregation, the paired AUROC difference of SpikeScore
 *    against each baseline, and SpikeScore's Youden threshold.
 * 4. Write R/summary.json, R/summary.csv (one row per aggregation), R/items.csv (one row per item), R/roc.svg,
 *    R/hist.svg and R/report.html (self-contained), each atomically.
 *
 * Exit 2, with what was found, when there is no item file, no evaluable labelled item, or only one class.
 */
import { relative, resolve, sep } from 'node:path';
import type { Command } from '../command';
import type { CliIO } from '../io';
import { InputError, formatPath, type Issue } from '../../lib/core/issues';
import { hallucinationLabel, parseItemResult, type ItemResult } from '../../lib/core/itemResult';
import { evaluateAggregations, EVALUATION_METRICS, type Evaluation, type LabelledTrajectory } from '../../lib/core/metrics/evaluateAggregations';
import { rocCurve } from '../../lib/core/metrics/rocCurve';
import { AGGREGATIONS, type AggregationName } from '../../lib/core/trajectory/aggregations';
import { itemTrajectory } from '../../lib/core/trajectory/itemTrajectory';
import { APP_VERSION } from '../../lib/core/version';
import { atomicWrite, atomicWriteJson, listFiles, readJsonFile } from '../../lib/store/node/files';
import { histogramChart } from '../../lib/ui/charts/histogramChart';
import { rocChart } from '../../lib/ui/charts/rocChart';
import { escapeXml, histogramChartToSvg, rocChartToSvg } from '../../lib/ui/charts/toSvg';

export const EVAL_FORMAT_VERSION = 1;

/** Aggregations drawn in roc.svg beside SpikeScore (all are in the tables). */
const ROC_SERIES: readonly AggregationName[] = ['spikescore', 'varPlusSumAbsD2', 'mean', 'variance', 'firstTurn'];

/** Files a run folder holds that are not item results: skipped and counted, never reported as malformed. */
function isKnownNonItem(name: string): boolean {
  return ['progress.json', 'summary_report.json', 'summary.json', 'config.json', 'manifest.json'].includes(name) || name.endsWith('_error.json');
}

export interface SkipCounts {
  files_not_item: number;
  files_malformed: number;
  files_label_not_0_or_1: number;
  files_duplicate_id: number;
  turns_without_score: number;
  items_spikescore_null: number;
}

interface Collected {
  readonly files: string[];
  readonly items: (LabelledTrajectory & { file: string; overridden: boolean; nScored: number })[];
  readonly skipped: SkipCounts;
  readonly malformed: { file: string; issues: { path: string; message: string }[] }[];
  readonly provenance: Map<string, { record: Record<string, unknown>; n: number }>;
  readonly nWithoutProvenance: number;
}

function sortedJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]])) : v
  );
}

async function collect(dataDir: string, reportDir: string, scoreKey: string, io: CliIO): Promise<Collected> {
  const all = await listFiles(dataDir);
  const inReport = (f: string) => f.startsWith(reportDir + sep);
  const files = all.filter((f) => !inReport(f));
  const skipped: SkipCounts = { files_not_item: 0, files_malformed: 0, files_label_not_0_or_1: 0, files_duplicate_id: 0, turns_without_score: 0, items_spikescore_null: 0 };
  const malformed: Collected['malformed'] = [];
  const items: Collected['items'] = [];
  const seen = new Set<string>();
  const provenance = new Map<string, { record: Record<string, unknown>; n: number }>();
  let nWithoutProvenance = 0;
  const report = (file: string, issues: readonly Issue[]) => {
    skipped.files_malformed++;
    const list = issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
    malformed.push({ file, issues: list });
    for (const i of list) io.stderr(`⚠ skipped ${file}: ${i.message.startsWith(file) ? i.message.slice(file.length + 2) : i.message}${i.path ? ` (field ${i.path})` : ''}\n`);
  };
  for (const path of files) {
    const file = relative(dataDir, path);
    const base = file.split(sep).pop() as string;
    if (isKnownNonItem(base)) {
      skipped.files_not_item++;
      continue;
    }
    let raw: unknown;
    try {
      raw = await readJsonFile(path);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      report(file, err.issues.map((i) => ({ ...i, message: i.message.replace(path, file) })));
      continue;
    }
    const parsed = parseItemResult(raw, file);
    if (!parsed.ok) {
      if (parsed.issues.every((i) => i.path[0] === 'nli_label')) {
        skipped.files_label_not_0_or_1++;
        io.stderr(`⚠ skipped ${file}: ${parsed.issues[0].message.slice(file.length + 2)}\n`);
      } else report(file, parsed.issues);
      continue;
    }
    const item: ItemResult = parsed.value;
    const label = hallucinationLabel(item);
    if (label === null) {
      skipped.files_label_not_0_or_1++;
      continue;
    }
    if (seen.has(item.id)) {
      skipped.files_duplicate_id++;
      io.stderr(`⚠ skipped ${file}: id ${JSON.stringify(item.id)} was already read from another file\n`);
      continue;
    }
    seen.add(item.id);
    const traj = itemTrajectory(item, scoreKey);
    skipped.turns_without_score += traj.missing.length;
    if (traj.scores.length < AGGREGATIONS.spikescore.minTurns) {
      skipped.items_spikescore_null++;
      continue;
    }
    const prov = item.provenance;
    if (prov && typeof prov === 'object') {
      const { created: _created, ...rest } = prov as Record<string, unknown>;
      const key = sortedJson(rest);
      const entry = provenance.get(key);
      if (entry) entry.n++;
      else provenance.set(key, { record: rest, n: 1 });
    } else nWithoutProvenance++;
    items.push({ id: item.id, label, scores: traj.scores, turns: traj.turns, file, overridden: item.label_source === 'override', nScored: traj.scores.length });
  }
  return { files, items, skipped, malformed, provenance, nWithoutProvenance };
}

function describeSkips(s: SkipCounts, scoreKey: string): string {
  const parts = [
    s.files_malformed && `${s.files_malformed} malformed`,
    s.files_label_not_0_or_1 && `${s.files_label_not_0_or_1} without nli_label 0 or 1`,
    s.files_duplicate_id && `${s.files_duplicate_id} with a duplicate id`,
    s.files_not_item && `${s.files_not_item} not item files (progress, config, errors)`,
    s.items_spikescore_null && `${s.items_spikescore_null} with fewer than 3 turns scored by "${scoreKey}"`
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'none skipped';
}

/** JSON has no NaN: an undefined value is written as null (the reason sits beside it). */
const jsonNumber = (v: number): number | null => (Number.isFinite(v) ? v : null);
const pair = (i: { lo: number; hi: number }) => [jsonNumber(i.lo), jsonNumber(i.hi)];

function buildSummary(ev: Evaluation, c: Collected, opts: { scoreKey: string; dataDir: string; nResamples: number; seed: number }) {
  const names = ev.aggregations;
  const per = <T>(f: (name: AggregationName) => T) => Object.fromEntries(names.map((name) => [name, f(name)]));
  const overridden = c.items.filter((it) => it.overridden).map((it) => it.id);
  return {
    format_version: EVAL_FORMAT_VERSION,
    kind: 'spikescore-eval',
    n: ev.n,
    n_hallucinated: ev.nPos,
    n_factual: ev.nNeg,
    prevalence: jsonNumber(ev.nPos / ev.n),
    positive_class: 'hallucinated',
    direction: 'higher score = more likely hallucinated; label = 1 − nli_label',
    score_key: opts.scoreKey,
    n_files: c.files.length,
    skipped: c.skipped,
    malformed: c.malformed,
    n_overridden: overridden.length,
    overridden_ids: overridden,
    auroc: per((n) => jsonNumber(ev.metrics[n].auroc)),
    ci95: per((n) => pair(ev.ci.auroc[n])),
    auprc: per((n) => jsonNumber(ev.metrics[n].auprc)),
    prr: per((n) => jsonNumber(ev.metrics[n].prr)),
    fpr95: per((n) => jsonNumber(ev.metrics[n].fpr95)),
    ci95_by_metric: Object.fromEntries(EVALUATION_METRICS.map((m) => [m, per((n) => pair(ev.ci[m][n]))])),
    auroc_diff_vs_spikescore: Object.fromEntries(
      Object.entries(ev.aurocDiffVsSpikescore).map(([n, d]) => [n, { diff: jsonNumber(d.estimate), ci95: pair(d) }])
    ),
    chance: { auroc: 0.5, auprc: jsonNumber(ev.nPos / ev.n), prr: 0, fpr95: 0.95 },
    youden: {
      aggregation: 'spikescore',
      rule: 'flag hallucinated when spikescore >= threshold',
      threshold: jsonNumber(ev.youden.threshold),
      j: jsonNumber(ev.youden.j),
      tpr: jsonNumber(ev.youden.tpr),
      fpr: jsonNumber(ev.youden.fpr),
      note: 'chosen on these same items: optimistic as an estimate of performance'
    },
    aggregations: per((n) => ({ description: AGGREGATIONS[n].description, higher_is_more_hallucinated: AGGREGATIONS[n].higherIsMoreHallucinated })),
    bootstrap: {
      n_resamples: opts.nResamples,
      seed: opts.seed,
      level: 0.95,
      method: 'percentile; resamples stratified by class; the same resamples for every aggregation (paired)'
    },
    provenance: {
      app_version: APP_VERSION,
      bootstrap_seed: opts.seed,
      data_dir: opts.dataDir,
      items: [...c.provenance.values()].map((p) => ({ ...p.record, n_items: p.n })),
      n_items_without_provenance: c.nWithoutProvenance
    }
  };
}

function csvField(v: unknown): string {
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : v === null || v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csv(rows: readonly (readonly unknown[])[]): string {
  return rows.map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

function summaryCsv(ev: Evaluation): string {
  const header = ['aggregation', 'description', 'n', 'n_hallucinated'];
  for (const m of EVALUATION_METRICS) header.push(m, `${m}_lo`, `${m}_hi`);
  header.push('auroc_diff_vs_spikescore', 'auroc_diff_lo', 'auroc_diff_hi');
  const rows: unknown[][] = [header];
  for (const name of ev.aggregations) {
    const row: unknown[] = [name, AGGREGATIONS[name].description, ev.n, ev.nPos];
    for (const m of EVALUATION_METRICS) row.push(ev.metrics[name][m], ev.ci[m][name].lo, ev.ci[m][name].hi);
    const d = ev.aurocDiffVsSpikescore[name];
    row.push(d?.estimate, d?.lo, d?.hi);
    rows.push(row);
  }
  return csv(rows);
}

function itemsCsv(ev: Evaluation, c: Collected): string {
  const byId = new Map(c.items.map((it) => [it.id, it]));
  const rows: unknown[][] = [['id', 'file', 'hallucinated', 'overridden', 'n_scored_turns', 'spike_turn', ...ev.aggregations]];
  ev.ids.forEach((id, i) => {
    const it = byId.get(id)!;
    rows.push([id, it.file, ev.labels[i], it.overridden ? 1 : 0, it.nScored, ev.spikeTurns[i], ...ev.aggregations.map((n) => ev.values[n][i])]);
  });
  return csv(rows);
}

/** A path as the user would type it: relative to the working directory when inside it, else absolute. */
function shown(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel;
}

const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '—');

function reportHtml(ev: Evaluation, summary: ReturnType<typeof buildSummary>, rocSvg: string, histSvg: string): string {
  const rows = ev.aggregations
    .map((name) => {
      const cells = EVALUATION_METRICS.map((m) => `<td>${f3(ev.metrics[name][m])} <span class="ci">[${f3(ev.ci[m][name].lo)}, ${f3(ev.ci[m][name].hi)}]</span></td>`).join('');
      const d = ev.aurocDiffVsSpikescore[name];
      const diff = d ? `<td>${f3(d.estimate)} <span class="ci">[${f3(d.lo)}, ${f3(d.hi)}]</span></td>` : '<td>—</td>';
      return `<tr${name === 'spikescore' ? ' class="main"' : ''}><th scope="row"><code>${escapeXml(name)}</code><br><small>${escapeXml(AGGREGATIONS[name].description)}</small></th>${cells}${diff}</tr>`;
    })
    .join('\n');
  const skips = Object.entries(summary.skipped).map(([k, v]) => `<li><code>${escapeXml(k)}</code>: ${v}</li>`).join('');
  const malformed = summary.malformed.length
    ? `<details><summary>${summary.malformed.length} malformed file(s)</summary><ul>${summary.malformed
        .map((m) => `<li><code>${escapeXml(m.file)}</code>: ${m.issues.map((i) => escapeXml(i.message + (i.path ? ` (field ${i.path})` : ''))).join('; ')}</li>`)
        .join('')}</ul></details>`
    : '';
  const prov = escapeXml(JSON.stringify(summary.provenance, null, 2));
  const y = summary.youden;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SpikeScore evaluation: ${ev.n} items</title>
<style>
body { font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif; max-width: 72rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
th, td { border-bottom: 1px solid #ddd; padding: .4rem .5rem; text-align: left; vertical-align: top; }
thead th { border-bottom: 2px solid #333; }
tr.main { background: #eef5fb; }
.ci { color: #555; font-size: .85em; white-space: nowrap; }
figure { display: inline-block; margin: 0 1rem 1rem 0; }
figure svg { max-width: 100%; height: auto; }
pre { background: #f6f6f6; padding: .75rem; overflow-x: auto; font-size: .85em; }
.note { color: #444; }
</style>
</head>
<body>
<main>
<h1>SpikeScore evaluation</h1>
<p><strong>${ev.n}</strong> items: <strong>${ev.nPos}</strong> hallucinated (the positive class), ${ev.nNeg} factual
(prevalence ${f3(ev.nPos / ev.n)}). Per-turn score: <code>${escapeXml(summary.score_key)}</code>; a higher score means more likely
hallucinated. ${summary.n_overridden ? `<strong>${summary.n_overridden} label(s) overridden by hand</strong> (${summary.overridden_ids.map((i) => `<code>${escapeXml(i)}</code>`).join(', ')}).` : 'No label overridden.'}</p>
<p class="note">Intervals: 95% percentile bootstrap, ${summary.bootstrap.n_resamples} resamples stratified by class, seed ${summary.bootstrap.seed},
the same resamples for every row, so the AUROC differences are paired. AUPRC is step-wise average precision (chance = prevalence);
PRR is 1 for a perfect and 0 for a random score; FPR@95 is the false-positive rate at 95% of hallucinations caught (lower is better).</p>
<table>
<caption>Metrics per trajectory aggregation (estimate [95% interval])</caption>
<thead><tr><th scope="col">aggregation</th><th scope="col">AUROC</th><th scope="col">AUPRC</th><th scope="col">PRR</th><th scope="col">FPR@95</th><th scope="col">AUROC(SpikeScore) − AUROC(row)</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<p>Verdict threshold (Youden's J on these items, optimistic): flag hallucinated when SpikeScore ≥ <strong>${f3(y.threshold ?? NaN)}</strong>
(TPR ${f3(y.tpr ?? NaN)}, FPR ${f3(y.fpr ?? NaN)}).</p>
<figure>${rocSvg}</figure>
<figure>${histSvg}</figure>
<h2>Skipped</h2>
<ul>${skips}</ul>
${malformed}
<h2>Provenance</h2>
<pre>${prov}</pre>
</main>
</body>
</html>
`;
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'AUROC, AUPRC, PRR and FPR@95 of SpikeScore and its baselines from item files, with bootstrap intervals and a report',
  options: [
    { name: 'data-dir', type: 'string', required: true, metavar: 'DIR', help: 'folder of item files (<safe_id>.json), scanned recursively' },
    { name: 'report-dir', type: 'string', required: true, metavar: 'DIR', help: 'where summary.json, summary.csv, items.csv, roc.svg, hist.svg and report.html are written' },
    { name: 'score-key', type: 'string', default: 'probe_pred', metavar: 'KEY', help: 'per-turn score in reasoning_chain[k].metrics (dots for nested keys)' },
    { name: 'bootstrap', type: 'integer', default: 1000, metavar: 'N', help: 'bootstrap resamples for the 95% intervals' },
    { name: 'seed', type: 'integer', default: 42, metavar: 'S', help: 'bootstrap seed' }
  ],
  details: [
    'Hallucination (nli_label 0) is the positive class; a higher score means more likely hallucinated.',
    'SpikeScore = max |S(k+1) − 2S(k) + S(k−1)| over the scored turns (the paper); varPlusSumAbsD2 is what the',
    'released eval_probe.py computes. Turns without a numeric score are skipped; items with fewer than 3 scored',
    'turns are left out of every aggregation. Every skip is counted in summary.json.',
    '',
    'example: spikescore eval --data-dir runs/llama-coqa --report-dir reports/llama-coqa --score-key probe_pred'
  ].join('\n'),
  async run(args, io) {
    const dataDir = resolve(io.cwd, args.options['data-dir'] as string);
    const reportDir = resolve(io.cwd, args.options['report-dir'] as string);
    const scoreKey = args.options['score-key'] as string;
    const nResamples = args.options.bootstrap as number;
    const seed = args.options.seed as number;
    if (nResamples < 1) throw new InputError(`--bootstrap must be a positive integer, got ${nResamples}`);

    const c = await collect(dataDir, reportDir, scoreKey, io);
    if (c.files.length === 0) {
      throw new InputError(`no item files (*.json) under ${dataDir}; point --data-dir at the output_dir of a run`);
    }
    const found = `found ${c.files.length} file(s): ${describeSkips(c.skipped, scoreKey)}`;
    if (c.items.length === 0) {
      const hint = scoreKey === 'probe_pred' ? ' (a run without a probe has the training-free scores: pass --score-key entropy_mean, nll_mean or rs)' : '';
      throw new InputError(`no item to evaluate under ${dataDir}: ${found}${hint}`);
    }
    const ev = evaluateAggregations(c.items, { nResamples, seed });
    if (ev.nPos === 0 || ev.nNeg === 0) {
      throw new InputError(
        `only one class among the ${ev.n} evaluable items under ${dataDir}: ${ev.nPos} hallucinated (nli_label 0) and ${ev.nNeg} factual (nli_label 1); AUROC needs both (${found})`
      );
    }
    const summary = buildSummary(ev, c, { scoreKey, dataDir: args.options['data-dir'] as string, nResamples, seed });

    const curves = ROC_SERIES.map((name) => {
      const roc = rocCurve(ev.values[name], ev.labels);
      return { label: name, fpr: roc.fpr, tpr: roc.tpr, auroc: ev.metrics[name].auroc };
    });
    const rocSvg = rocChartToSvg(rocChart(curves, { title: `ROC: SpikeScore and baselines (n = ${ev.n}, ${ev.nPos} hallucinated)` }), 'roc');
    const spike = ev.values.spikescore;
    const histSvg = histogramChartToSvg(
      histogramChart(
        [
          { label: 'hallucinated', values: spike.filter((_, i) => ev.labels[i] === 1) },
          { label: 'factual', values: spike.filter((_, i) => ev.labels[i] === 0) }
        ],
        { title: 'SpikeScore distribution', xLabel: `SpikeScore of ${scoreKey} (max |Δ²S|)` }
      ),
      'hist'
    );
    await atomicWriteJson(resolve(reportDir, 'summary.json'), summary);
    await atomicWrite(resolve(reportDir, 'summary.csv'), summaryCsv(ev));
    await atomicWrite(resolve(reportDir, 'items.csv'), itemsCsv(ev, c));
    await atomicWrite(resolve(reportDir, 'roc.svg'), rocSvg);
    await atomicWrite(resolve(reportDir, 'hist.svg'), histSvg);
    await atomicWrite(resolve(reportDir, 'report.html'), reportHtml(ev, summary, rocSvg, histSvg));

    const s = ev.ci.auroc.spikescore;
    io.stdout(
      [
        `evaluated ${ev.n} items (${ev.nPos} hallucinated, ${ev.nNeg} factual) from ${c.files.length} file(s); skipped: ${describeSkips(c.skipped, scoreKey)}` +
          (c.skipped.turns_without_score ? `; ${c.skipped.turns_without_score} turn(s) without a score` : ''),
        `SpikeScore AUROC ${f3(s.estimate)} [${f3(s.lo)}, ${f3(s.hi)}] (95%, ${nResamples} stratified resamples, seed ${seed})` +
          (summary.n_overridden ? `; ${summary.n_overridden} overridden label(s)` : ''),
        `wrote summary.json, summary.csv, items.csv, roc.svg, hist.svg and report.html in ${shown(io.cwd, reportDir)}`
      ].join('\n') + '\n'
    );
    return 0;
  }
};
