import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main';
import { readFallbacksJson, sharedDir } from './fallbacks-shared';
import { captureIO } from './captureIO';

const dir = mkdtempSync(join(tmpdir(), 'fallbacks-cli-'));
const write = (name: string, text: string): string => (writeFileSync(join(dir, name), text), name);

interface GoldenCase {
  name: string;
  completion: string;
  gold: string[] | null;
  model_input: string;
  expected: Record<string, unknown>;
}
const golden = readFallbacksJson<{ cases: GoldenCase[] }>('derived/list_label_cases.json');

describe('spikescore fallbacks label', () => {
  it('fallbacks label --input cases.jsonl prints one line per case, equal to the golden expectations', async () => {
    const input = write('cases.jsonl', golden.cases.map((c) => JSON.stringify({ model_input: c.model_input, completion: c.completion, gold: c.gold })).join('\n') + '\n');
    const c = captureIO(dir);
    expect(await runCli(['fallbacks', 'label', '--input', input], c.io)).toBe(0);
    const lines = c.out.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(golden.cases.length);
    lines.forEach((l, i) => expect(l, golden.cases[i].name).toEqual(golden.cases[i].expected));
  });

  it('fallbacks label names every malformed line and exits 2', async () => {
    const ok = JSON.stringify({ model_input: 'P\n1.', completion: ' A', gold: ['A'] });
    const input = write(
      'bad.jsonl',
      [
        ok,
        '{"model_input": "P\\n1.", "completion": " A", gold: []}',
        JSON.stringify({ model_input: 'P\n1.', gold: ['A'] }),
        JSON.stringify({ model_input: 'P\n1.', completion: ' A', gold: 'A' }),
        JSON.stringify({ model_input: 'P\n1.', completion: ' A', gold: ['A', 3] }),
        JSON.stringify({ model_input: 'P', completion: ' A', gold: null }),
        JSON.stringify({ model_input: 'P\n1.', completion: ' A' }),
        '[1, 2]'
      ].join('\n')
    );
    const c = captureIO(dir);
    expect(await runCli(['fallbacks', 'label', '--input', input], c.io)).toBe(2);
    expect(c.out).toBe('');
    expect(c.err).toContain('line 2: not valid JSON');
    expect(c.err).toContain('line 3: missing "completion"');
    expect(c.err).toContain('line 4: "gold" must be a list of strings or null, got string');
    expect(c.err).toContain('line 5: "gold" must be a list of strings or null, got a list with a non-string');
    expect(c.err).toContain('line 6: "model_input" must end with "\\n1."');
    expect(c.err).toContain('line 7: missing "gold"');
    expect(c.err).toContain('line 8: expected a JSON object, got array');
    expect(c.err).toContain('bad.jsonl:4');
    expect(c.err).not.toContain('line 1:');
  });

  it('fallbacks label names a missing file', async () => {
    const c = captureIO(dir);
    expect(await runCli(['fallbacks', 'label', '--input', 'nope.jsonl'], c.io)).toBe(2);
    expect(c.err).toContain('nope.jsonl: no such file');
  });
});

describe('spikescore fallbacks order-test', () => {
  const paperFile = join(sharedDir(), 'data', 'fallbacks', 'derived', 'paper_plot_values.json');

  it('fallbacks order-test prints p, n_questions, mean_real, mean_null for every matrix, the paper p-values included', async () => {
    // 100 permutations keep the run short; the p-values move by far less than the 0.25 in log10 allowed here.
    const c = captureIO(dir);
    expect(await runCli(['fallbacks', 'order-test', '--input', paperFile, '--permutations', '100', '--seed', '1'], c.io)).toBe(0);
    const r = JSON.parse(c.out) as Record<string, { p: number | null; n_questions: number; mean_real: number; mean_null: number; reason?: string }>;
    expect(Object.keys(r)).toHaveLength(45);
    const p14 = r['orders/orders/Pythia_base_1.4B_300T.pdf'];
    expect(p14.n_questions).toBe(95);
    expect(Math.abs(Math.log10(p14.p as number) - Math.log10(1.1e-25))).toBeLessThan(0.25);
    expect(Math.abs(Math.log10(r['orders/orders/OLMo_base_1B_2676T.pdf'].p as number) - Math.log10(8.3e-22))).toBeLessThan(0.25);
    expect(r['orders/orders/Pythia_base_12B_0T.pdf'].p).toBeNull();
    expect(r['orders/orders/Pythia_base_12B_0T.pdf'].reason).toContain('only 29 question(s)');
    const c2 = captureIO(dir);
    await runCli(['fallbacks', 'order-test', '--input', paperFile, '--permutations', '100', '--seed', '1'], c2.io);
    expect(c2.out).toBe(c.out); // seeded
  });

  it('fallbacks order-test names a file without order_matrices, and a bad row', async () => {
    const c = captureIO(dir);
    expect(await runCli(['fallbacks', 'order-test', '--input', write('x.json', '{"bars": []}')], c.io)).toBe(2);
    expect(c.err).toContain('expected an object with "order_matrices"');
    const c2 = captureIO(dir);
    expect(await runCli(['fallbacks', 'order-test', '--input', write('y.json', '{"order_matrices": {"m": {"rows": ["1123", "12x"]}}}')], c2.io)).toBe(2);
    expect(c2.err).toContain('order_matrices["m"].rows[1] must be a string of label digits 0–6');
    const c3 = captureIO(dir);
    expect(await runCli(['fallbacks', 'order-test', '--input', write('z.json', '{"order_matrices": {"m": ["111"]}}'), '--permutations', '0'], c3.io)).toBe(2);
    expect(c3.err).toContain('--permutations must be at least 1, got 0');
  });
});
