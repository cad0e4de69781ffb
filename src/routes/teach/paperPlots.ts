/**
 * The paper's numbers as the app bundles them (`static/data/fallbacks/derived/paper_plot_values.json`, recovered
 * from the vector figures of github.com/Mivg/fallbacks): the stacked bar charts and the label order matrices,
 * read and checked for the Teach page. Every problem is reported with its path; nothing is silently dropped.
 */
import { InputError, typeName, type Issue } from '../../lib/core/issues';
import { FALLBACK_SEGMENTS } from '../../lib/ui/charts/fallbacksPalette';
import type { StackedBarDatum } from '../../lib/ui/charts/fallbacksStackedBars';

export interface PaperBarChart {
  /** The figure's path in the reference repository, e.g. `fig2/hq_qampari_parameters.pdf` (the key in the file). */
  readonly name: string;
  readonly task: string;
  readonly decoding: string;
  readonly content: string;
  readonly nQuestions: number | null;
  /** The dashed line: the mean number of gold answers (6.63 TriviaFacts, 14.52 QAMPARI); null for FakeQAMPARI. */
  readonly goldMeanLine: number | null;
  readonly bars: StackedBarDatum[];
}

export interface PaperOrderMatrix {
  readonly name: string;
  readonly family: string;
  readonly type: string;
  readonly parameters: string;
  /** Pretraining tokens in billions as the file names them ("300"; "0" where the plot gives none). */
  readonly tokensB: string;
  readonly task: string;
  readonly decoding: string;
  /** One row per question (in the plot's order), one label code per slot: 1 C, 2 H, 3 R, 4 bad format, 5 topic change, 6 EOS. */
  readonly rows: number[][];
}

export interface PaperPlots {
  readonly about: string;
  readonly barCharts: PaperBarChart[];
  readonly orderMatrices: PaperOrderMatrix[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * Reads the file's `bar_charts` and `order_matrices` (other sections are ignored). A bar needs a string `label`
 * and the six segments (`correct`, `hallucinations`, `repetitions`, `bad_format`, `topic_change`, `EOS`) as finite
 * numbers ≥ 0; an order row is a string of digits 0–6 or a list of such codes. Throws an `InputError` listing
 * every bad chart, bar and row.
 *
 * @example parsePaperPlots(json).barCharts.find((c) => c.name === 'fig2/hq_qampari_parameters.pdf')?.bars[0].label // "70M"
 */
export function parsePaperPlots(value: unknown, where = 'paper_plot_values.json'): PaperPlots {
  const issues: Issue[] = [];
  const fail = (path: (string | number)[], message: string, code = 'invalid_value') => issues.push({ code, path, where, message });
  if (!isObject(value)) throw new InputError([{ code: 'invalid_type', path: [], where, message: `${where} must be a JSON object, got ${typeName(value)}` }]);

  const barCharts: PaperBarChart[] = [];
  const bc = value.bar_charts;
  if (!isObject(bc)) fail(['bar_charts'], `"bar_charts" must be an object (figure → chart), got ${typeName(bc)}`, 'missing_field');
  else {
    for (const [name, c] of Object.entries(bc)) {
      if (!isObject(c) || !Array.isArray(c.bars) || c.bars.length === 0) {
        fail(['bar_charts', name, 'bars'], `bar_charts["${name}"].bars must be a non-empty list, got ${typeName(isObject(c) ? c.bars : c)}`);
        continue;
      }
      const bars: StackedBarDatum[] = [];
      c.bars.forEach((b: unknown, i: number) => {
        if (!isObject(b) || typeof b.label !== 'string') {
          fail(['bar_charts', name, 'bars', i, 'label'], `bar_charts["${name}"].bars[${i}].label must be a string, got ${typeName(isObject(b) ? b.label : b)}`);
          return;
        }
        let good = true;
        for (const { key } of FALLBACK_SEGMENTS) {
          const v = b[key];
          if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
            fail(['bar_charts', name, 'bars', i, key], `bar_charts["${name}"].bars[${i}].${key} must be a finite number ≥ 0, got ${JSON.stringify(v) ?? 'nothing'}`);
            good = false;
          }
        }
        if (good) {
          bars.push({
            label: b.label,
            correct: b.correct as number,
            hallucinations: b.hallucinations as number,
            repetitions: b.repetitions as number,
            bad_format: b.bad_format as number,
            topic_change: b.topic_change as number,
            EOS: b.EOS as number
          });
        }
      });
      const gold = c.gold_mean_line;
      if (gold !== null && gold !== undefined && (typeof gold !== 'number' || !Number.isFinite(gold))) {
        fail(['bar_charts', name, 'gold_mean_line'], `bar_charts["${name}"].gold_mean_line must be a number or null, got ${JSON.stringify(gold)}`);
      }
      barCharts.push({
        name,
        task: str(c.task),
        decoding: str(c.decoding),
        content: str(c.content),
        nQuestions: typeof c.n_questions === 'number' ? c.n_questions : null,
        goldMeanLine: typeof gold === 'number' ? gold : null,
        bars
      });
    }
  }

  const orderMatrices: PaperOrderMatrix[] = [];
  const om = value.order_matrices;
  if (!isObject(om)) fail(['order_matrices'], `"order_matrices" must be an object (figure → matrix), got ${typeName(om)}`, 'missing_field');
  else {
    for (const [name, m] of Object.entries(om)) {
      const rowsIn = isObject(m) ? m.rows : undefined;
      if (!Array.isArray(rowsIn) || rowsIn.length === 0) {
        fail(['order_matrices', name, 'rows'], `order_matrices["${name}"].rows must be a non-empty list, got ${typeName(rowsIn)}`);
        continue;
      }
      const rows: number[][] = [];
      rowsIn.forEach((r: unknown, i: number) => {
        const codes = typeof r === 'string' ? [...r].map((ch) => (/^\d$/.test(ch) ? Number(ch) : NaN)) : Array.isArray(r) ? r : null;
        if (!codes || codes.length === 0 || !codes.every((x) => Number.isInteger(x) && x >= 0 && x <= 6)) {
          fail(['order_matrices', name, 'rows', i], `order_matrices["${name}"].rows[${i}] must be a string of label digits 0–6 or a list of them, got ${JSON.stringify(r)}`);
        } else rows.push(codes as number[]);
      });
      const meta = m as Record<string, unknown>;
      orderMatrices.push({
        name,
        family: str(meta.family),
        type: str(meta.type),
        parameters: str(meta.parameters),
        tokensB: str(meta.pretraining_tokens_B),
        task: str(meta.task),
        decoding: str(meta.decoding),
        rows
      });
    }
  }
  if (issues.length) throw new InputError(issues);
  return { about: str(value.about), barCharts, orderMatrices };
}

/** A heading for a bar chart: what it compares, on which task and decoding. */
export function barChartTitle(c: PaperBarChart): string {
  return `${c.content} — ${c.task}, ${c.decoding}`;
}

/**
 * The pretraining tokens to show for a matrix ("300B tokens"), or "" where the file's "0" means "not given": the
 * Llama models and the tuned ones. For Pythia and OLMo base models "0" is the untrained step-0 checkpoint.
 */
export function orderMatrixTokens(m: PaperOrderMatrix): string {
  if (!m.tokensB) return '';
  if (m.tokensB === '0' && (/^llama/i.test(m.family) || m.type !== 'base')) return '';
  return `${m.tokensB}B tokens`;
}

/** A short name for an order matrix's model: family, type, size and pretraining tokens. */
export function orderMatrixModel(m: PaperOrderMatrix): string {
  const tokens = orderMatrixTokens(m);
  return `${m.family} ${m.type} ${m.parameters}${tokens ? `, ${tokens}` : ''}`;
}

/** A heading for an order matrix: the model and the task. */
export function orderMatrixTitle(m: PaperOrderMatrix): string {
  return `${orderMatrixModel(m)} — ${m.task}, ${m.decoding}`;
}

/**
 * The p-values the paper reports for the ordering test (its table `paper_plots/full_ordering_table.tex`, TriviaFacts
 * column, base models at their final checkpoint), for the matrices whose plot was committed. Our test draws its own
 * seeded permutations, so its p differs a little (within 0.25 in log10, checked in test/unit/fallbacks-stats).
 */
export const PAPER_ORDERING_P: Readonly<Record<string, number>> = {
  'orders/orders/Pythia_base_70M_300T.pdf': 2.3e-13,
  'orders/orders/Pythia_base_160M_300T.pdf': 2.0e-12,
  'orders/orders/Pythia_base_1B_300T.pdf': 7.8e-23,
  'orders/orders/Pythia_base_1.4B_300T.pdf': 1.1e-25,
  'orders/orders/Pythia_base_2.8B_300T.pdf': 2.1e-22,
  'fig2/orders/Pythia_base_12B_300T.pdf': 1.1e-27,
  'tweet/orders/Pythia_base_12B_300T.pdf': 1.1e-27,
  'orders/orders/OLMo_base_1B_2676T.pdf': 8.3e-22,
  'orders/orders/OLMo_base_7B_2464T.pdf': 3.6e-21,
  'orders/orders/Llama2_base_7B_0T.pdf': 8.6e-26,
  'orders/orders/Llama2_base_70B_0T.pdf': 4.0e-18
};
