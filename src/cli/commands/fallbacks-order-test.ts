/**
 * `spikescore fallbacks order-test`: the within-generation ordering test (method-fallbacks.md §7) for every label
 * matrix of a file shaped like `derived/paper_plot_values.json`.
 */
import { resolve } from 'node:path';
import type { Command } from '../command';
import { InputError, typeName, type Issue } from '../../lib/core/issues';
import { orderingTest } from '../../lib/core/fallbacks/orderingTest';
import { readJsonFile } from '../../lib/store/node/files';

/** Reads `order_matrices`: name → {rows: ["1123…", …]} or name → rows; a row is a digit string or a list of codes. */
export function parseOrderMatrices(value: unknown, where: string): Map<string, number[][]> {
  const issues: Issue[] = [];
  const out = new Map<string, number[][]>();
  const om = (value as { order_matrices?: unknown } | null)?.order_matrices;
  if (typeof om !== 'object' || om === null || Array.isArray(om)) {
    throw new InputError([{ code: 'missing_field', path: ['order_matrices'], where, message: `${where}: expected an object with "order_matrices" (name → {rows: [...]}), got ${typeName(om)}` }]);
  }
  for (const [name, m] of Object.entries(om as Record<string, unknown>)) {
    const rows = Array.isArray(m) ? m : (m as { rows?: unknown } | null)?.rows;
    if (!Array.isArray(rows)) {
      issues.push({ code: 'invalid_type', path: ['order_matrices', name], where, message: `order_matrices["${name}"] must have "rows" (a list), got ${typeName(rows)}` });
      continue;
    }
    const parsed: number[][] = [];
    rows.forEach((r: unknown, i) => {
      const codes = typeof r === 'string' ? [...r].map(Number) : Array.isArray(r) ? r : null;
      if (!codes || !codes.every((c) => Number.isInteger(c) && c >= 0 && c <= 6)) {
        issues.push({ code: 'invalid_value', path: ['order_matrices', name, 'rows', i], where, message: `order_matrices["${name}"].rows[${i}] must be a string of label digits 0–6 or a list of them, got ${JSON.stringify(r)}` });
      } else parsed.push(codes as number[]);
    });
    out.set(name, parsed);
  }
  if (issues.length) throw new InputError(issues);
  return out;
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

export const fallbacksOrderTest: Command = {
  name: 'fallbacks order-test',
  summary: 'test whether answers go correct → hallucinated → repeated within generations (Mann–Whitney vs shuffled)',
  options: [
    { name: 'input', type: 'string', help: 'JSON with "order_matrices" (e.g. derived/paper_plot_values.json)', metavar: 'FILE', required: true },
    { name: 'permutations', type: 'integer', help: 'random permutations per question for the null', default: 1000 },
    { name: 'seed', type: 'integer', help: 'seed of the permutations', default: 0 },
    { name: 'exact-null', type: 'boolean', help: 'use the closed-form expectation instead of permutations' }
  ],
  details: [
    'Prints one JSON object keyed by matrix name: {p, n_questions, mean_real, mean_null, u} (p is null with a reason',
    'when fewer than 30 questions have more than 5 C/H/R labels). Question q of matrix M draws its permutations from',
    'keyedRandom(seed, "fallbacks-order-null", M, q): the same file and seed give the same output.'
  ].join('\n'),
  async run(args, io) {
    const input = args.options.input as string;
    const permutations = args.options.permutations as number;
    if (permutations < 1) throw new InputError(`--permutations must be at least 1, got ${permutations}`);
    const matrices = parseOrderMatrices(await readJsonFile(resolve(io.cwd, input)), input);
    const result: Record<string, unknown> = {};
    for (const [name, orders] of matrices) {
      io.signal?.throwIfAborted();
      const r = orderingTest(orders, { permutations, seed: args.options.seed as number, key: name, exactNull: args.options['exact-null'] === true });
      result[name] = {
        p: r.p,
        n_questions: r.nQuestions,
        mean_real: finite(r.meanReal),
        mean_null: finite(r.meanNull),
        u: r.u,
        ...(r.reason ? { reason: r.reason } : {})
      };
    }
    io.stdout(JSON.stringify(result, null, 2) + '\n');
  }
};
