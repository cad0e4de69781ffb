import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main';
import { aurocPairs } from './metrics-goldens';
import { captureIO } from './captureIO';

/** An item file whose probe_pred trajectory is [0, 0, v, 0, 0]: SpikeScore 2v at turn 2. */
function item(id: string, nliLabel: unknown, scores: (number | null | undefined)[], extra: Record<string, unknown> = {}) {
  return {
    id,
    question: `question ${id}`,
    gold_answer: 'x',
    nli_label: nliLabel,
    reasoning_chain: scores.map((s, k) => ({ step: k, prompt_type: k ? `progressive_step${k}` : 'initial_qa', response: 'r', metrics: s === undefined ? {} : { probe_pred: s } })),
    provenance: { model_id: 'fixture/tiny', app_version: '0.1.0', seeds: { run: 42 }, created: `2026-01-0${(id.length % 9) + 1}` },
    ...extra
  };
}

const spike = (v: number) => [0, 0, v, 0, 0];
// Hallucinated (nli_label 0) spikes v and factual (nli_label 1) spikes; SpikeScore = 2v keeps the order, so
// AUROC = P(v₊ > v₋) + ½P(=) = (2.5 + 4 + 5 + 5) / 20 = 0.825.
const HALLUCINATED = [1.0, 2.0, 3.0, 4.0];
const FACTUAL = [0.5, 1.0, 1.5, 2.5, 0.2];

function buildRun(): string {
  const dir = mkdtempSync(join(tmpdir(), 'eval-'));
  mkdirSync(join(dir, 'sub'));
  const write = (name: string, value: unknown) => writeFileSync(join(dir, name), typeof value === 'string' ? value : JSON.stringify(value));
  HALLUCINATED.forEach((v, i) => write(`h${i}.json`, item(`h${i}`, 0, spike(v))));
  FACTUAL.forEach((v, i) => write(i === 4 ? `sub/f${i}.json` : `f${i}.json`, item(`f${i}`, 1, spike(v), i === 1 ? { label_source: 'override', label_before_override: 0 } : {})));
  // A turn without a score inside an otherwise scored item: skipped, counted, the item stays (h0: [0, 0, 1, 0, 0] + gap).
  write('h0.json', item('h0', 0, [0, 0, 1.0, null, 0, 0]));
  write('bad-json.json', '{"id": "broken", ');
  write('bad-chain.json', { id: 'bc', nli_label: 1, reasoning_chain: 'not a list' });
  write('label-2.json', item('l2', 2, spike(9)));
  write('unlabelled.json', item('u', null, spike(9)));
  write('short.json', item('short', 0, [0.1, 0.9]));
  write('zz-dup.json', item('h1', 1, spike(0.1))); // read after h1.json (path order)
  write('progress.json', { current: 3, total: 10 });
  write('h9_error.json', { id: 'h9', error: 'timeout' });
  return dir;
}

describe('spikescore eval', () => {
  it('spikescore eval computes the known AUROC, counts every skip by reason and writes the report files', async () => {
    const dir = buildRun();
    const report = join(dir, 'report');
    const cap = captureIO(dir);
    const status = await runCli(['eval', '--data-dir', '.', '--report-dir', 'report', '--bootstrap', '200', '--seed', '7'], cap.io);
    expect(cap.err).toContain('skipped bad-json.json: not valid JSON');
    expect(cap.err).toContain('skipped bad-chain.json: reasoning_chain must be an array of turns, got string (field reasoning_chain)');
    expect(cap.err).toContain('skipped label-2.json: nli_label must be 1 (correct), 0 (hallucinated) or null, got 2');
    expect(cap.err).toContain('skipped zz-dup.json: id "h1" was already read from another file');
    expect(status).toBe(0);
    expect(cap.out).toMatch(/evaluated 9 items \(4 hallucinated, 5 factual\) from 17 file\(s\)/);

    const s = JSON.parse(readFileSync(join(report, 'summary.json'), 'utf8'));
    expect(s.n).toBe(9);
    expect(s.n_hallucinated).toBe(4);
    expect(s.positive_class).toBe('hallucinated');
    expect(s.score_key).toBe('probe_pred');
    expect(s.skipped).toEqual({
      files_not_item: 2,
      files_malformed: 2,
      files_label_not_0_or_1: 2,
      files_duplicate_id: 1,
      turns_without_score: 1,
      items_spikescore_null: 1
    });
    expect(s.malformed.map((m: { file: string }) => m.file).sort()).toEqual(['bad-chain.json', 'bad-json.json']);
    expect(s.malformed.find((m: { file: string }) => m.file === 'bad-chain.json').issues[0].path).toBe('reasoning_chain');
    expect(s.n_overridden).toBe(1);
    expect(s.overridden_ids).toEqual(['f1']);

    const pos = HALLUCINATED.map((v) => 2 * v);
    const neg = FACTUAL.map((v) => 2 * v);
    const expected = aurocPairs([...pos, ...neg], [...pos.map(() => 1), ...neg.map(() => 0)]);
    expect(expected).toBe(0.825);
    expect(s.auroc.spikescore).toBe(0.825);
    expect(s.auroc.mean).toBe(0.825);
    for (const key of ['spikescore', 'varPlusSumAbsD2', 'mean', 'variance', 'range', 'maxAbsD1', 'totalVariation', 'lastMinusFirst', 'slope', 'firstTurn']) {
      expect(Object.keys(s.auroc)).toContain(key);
      const [lo, hi] = s.ci95[key];
      expect(lo).toBeLessThanOrEqual(s.auroc[key]);
      expect(hi).toBeGreaterThanOrEqual(s.auroc[key]);
    }
    expect(typeof s.auprc.spikescore).toBe('number');
    expect(typeof s.prr.spikescore).toBe('number');
    expect(typeof s.fpr95.spikescore).toBe('number');
    expect(s.ci95_by_metric.prr.spikescore).toHaveLength(2);
    expect(s.auroc_diff_vs_spikescore.mean.diff).toBe(0);
    expect(s.bootstrap).toMatchObject({ n_resamples: 200, seed: 7, level: 0.95 });
    expect(s.provenance.app_version).toBe('0.1.0');
    expect(s.provenance.bootstrap_seed).toBe(7);
    expect(s.provenance.items).toEqual([{ model_id: 'fixture/tiny', app_version: '0.1.0', seeds: { run: 42 }, n_items: 9 }]);
    expect(s.youden.threshold).toBeGreaterThan(0);

    const csv = readFileSync(join(report, 'summary.csv'), 'utf8').trim().split('\n');
    expect(csv[0].split(',').slice(0, 7)).toEqual(['aggregation', 'description', 'n', 'n_hallucinated', 'auroc', 'auroc_lo', 'auroc_hi']);
    expect(csv).toHaveLength(11);
    expect(csv[1].startsWith('spikescore,')).toBe(true);
    expect(csv[1]).toContain(',9,4,0.825,');
    const items = readFileSync(join(report, 'items.csv'), 'utf8').trim().split('\n');
    expect(items).toHaveLength(10);
    expect(items[0].split(',').slice(0, 7)).toEqual(['id', 'file', 'hallucinated', 'overridden', 'n_scored_turns', 'spike_turn', 'spikescore']);
    expect(items.find((l) => l.startsWith('h0,'))).toMatch(/^h0,h0\.json,1,0,5,2,2,/);
    expect(items.find((l) => l.startsWith('f4,'))).toMatch(/^f4,sub\/f4\.json,0,0,5,2,0\.4,/);
    expect(items.find((l) => l.startsWith('f1,'))).toMatch(/^f1,f1\.json,0,1,/);

    const roc = readFileSync(join(report, 'roc.svg'), 'utf8');
    expect(roc.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(roc).toContain('role="img"');
    expect(roc).toMatch(/<title id="roc-title">ROC: SpikeScore and baselines/);
    expect(roc).toContain('<desc id="roc-desc">');
    expect(roc.match(/<path class="curve"/g)).toHaveLength(5);
    expect(roc).toContain('<path class="diagonal"');
    expect(roc).toContain('spikescore (AUROC 0.825)');
    expect(roc).toContain('False-positive rate');
    const hist = readFileSync(join(report, 'hist.svg'), 'utf8');
    expect(hist).toContain('<title id="hist-title">SpikeScore distribution</title>');
    expect(hist).toContain('hallucinated (n = 4)');
    expect(hist).toContain('factual (n = 5)');
    expect(hist.match(/<rect x=/g)!.length).toBeGreaterThanOrEqual(9); // the bars and the legend swatches
    const html = readFileSync(join(report, 'report.html'), 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).toContain('<table>');
    expect(html).toContain('<code>spikescore</code>');
    expect(html).toContain('1 label(s) overridden by hand');
    expect(html).not.toMatch(/<script|<link|src="http/);
  });

  it('spikescore eval gives the same files for the same seed', async () => {
    const dir = buildRun();
    const out = mkdtempSync(join(tmpdir(), 'eval-out-'));
    const a = captureIO(out);
    await runCli(['eval', '--data-dir', dir, '--report-dir', 'r1', '--bootstrap', '100'], a.io);
    await runCli(['eval', '--data-dir', dir, '--report-dir', 'r2', '--bootstrap', '100'], a.io);
    for (const f of ['summary.json', 'summary.csv', 'items.csv', 'roc.svg', 'hist.svg', 'report.html']) {
      expect(readFileSync(join(out, 'r2', f), 'utf8')).toBe(readFileSync(join(out, 'r1', f), 'utf8'));
    }
  });

  it('spikescore eval reads a nested score key such as reasoning_score_per_token.last_token_embedding', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eval-'));
    const nested = (id: string, label: number, v: number) => ({
      id,
      nli_label: label,
      reasoning_chain: spike(v).map((s, k) => ({ step: k, metrics: { reasoning_score_per_token: { last_token_embedding: s } } }))
    });
    writeFileSync(join(dir, 'a.json'), JSON.stringify(nested('a', 0, 3)));
    writeFileSync(join(dir, 'b.json'), JSON.stringify(nested('b', 1, 1)));
    const cap = captureIO(dir);
    expect(await runCli(['eval', '--data-dir', '.', '--report-dir', 'out', '--score-key', 'reasoning_score_per_token.last_token_embedding', '--bootstrap', '20'], cap.io)).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'out', 'summary.json'), 'utf8')).auroc.spikescore).toBe(1);
  });

  it('spikescore eval exits 2 and says what it found for an empty folder, no labelled item, or one class', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'eval-'));
    let cap = captureIO(empty);
    expect(await runCli(['eval', '--data-dir', '.', '--report-dir', 'r'], cap.io)).toBe(2);
    expect(cap.err).toContain(`no item files (*.json) under ${empty}`);
    expect(existsSync(join(empty, 'r'))).toBe(false);

    const unlabelled = mkdtempSync(join(tmpdir(), 'eval-'));
    writeFileSync(join(unlabelled, 'a.json'), JSON.stringify(item('a', null, spike(1))));
    writeFileSync(join(unlabelled, 'b.json'), JSON.stringify(item('b', 0, [0.2, 0.3])));
    cap = captureIO(unlabelled);
    expect(await runCli(['eval', '--data-dir', '.', '--report-dir', 'r'], cap.io)).toBe(2);
    expect(cap.err).toContain('no item to evaluate under');
    expect(cap.err).toContain('found 2 file(s): 1 without nli_label 0 or 1, 1 with fewer than 3 turns scored by "probe_pred"');
    expect(cap.err).toContain('pass --score-key entropy_mean, nll_mean or rs');

    const oneClass = mkdtempSync(join(tmpdir(), 'eval-'));
    writeFileSync(join(oneClass, 'a.json'), JSON.stringify(item('a', 1, spike(1))));
    writeFileSync(join(oneClass, 'b.json'), JSON.stringify(item('b', 1, spike(2))));
    cap = captureIO(oneClass);
    expect(await runCli(['eval', '--data-dir', '.', '--report-dir', 'r'], cap.io)).toBe(2);
    expect(cap.err).toContain('only one class among the 2 evaluable items');
    expect(cap.err).toContain('0 hallucinated (nli_label 0) and 2 factual (nli_label 1); AUROC needs both');

    cap = captureIO(oneClass);
    expect(await runCli(['eval', '--data-dir', 'nope', '--report-dir', 'r'], cap.io)).toBe(2);
    expect(cap.err).toContain('nope: no such folder');
    cap = captureIO(oneClass);
    expect(await runCli(['eval', '--data-dir', '.'], cap.io)).toBe(2);
    expect(cap.err).toContain('option --report-dir is required for `spikescore eval`');
    cap = captureIO(oneClass);
    expect(await runCli(['eval', '--data-dir', '.', '--report-dir', 'r', '--bootstrap', '0'], cap.io)).toBe(2);
    expect(cap.err).toContain('--bootstrap must be a positive integer, got 0');
  });
});
