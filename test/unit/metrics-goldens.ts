// Shared by the metrics tests: the committed goldens (test/tools/metrics_goldens.py) and a brute-force AUROC.
import { readFileSync } from 'node:fs';

export interface BinaryGolden {
  name: string;
  scores: number[];
  labels: number[];
  n_pos: number;
  n_neg: number;
  roc_auc_score?: number;
  scipy_mannwhitney_auc?: number;
  scipy_rank_auc?: number;
  roc_curve?: { fpr: number[]; tpr: number[]; thresholds: (number | string)[] };
  roc_curve_full?: { fpr: number[]; tpr: number[]; thresholds: (number | string)[] };
  average_precision_score?: number;
  fpr95?: number;
  youden?: { threshold: number | string; j: number; tpr: number; fpr: number };
  prr?: number | null;
  prr_polygraph_style?: number;
  weights?: number[];
  weighted_roc_auc_score?: number;
  weighted_average_precision_score?: number;
  repeated_prr?: number;
  repeated_fpr95?: number;
}

export interface Goldens {
  versions: Record<string, string>;
  binary: BinaryGolden[];
  quantiles: { sorted: number[]; p: number[]; q: number[] }[];
  histograms: { a: number[]; b: number[]; edges: number[]; counts_a: number[]; counts_b: number[] }[];
}

export const goldens = JSON.parse(readFileSync(new URL('../fixtures/metrics-goldens.json', import.meta.url), 'utf8')) as Goldens;

export const num = (v: number | string): number => (v === 'Infinity' ? Infinity : (v as number));

/** |a − b| ≤ tol·max(1, |b|), with a readable failure. */
export function near(a: number, b: number, tol = 1e-12): boolean {
  if (a === b) return true;
  return Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
}

/** AUROC by counting every (hallucinated, factual) pair, ties one half: O(n₊·n₋), the definition. */
export function aurocPairs(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (labels[i] !== 1) continue;
    for (let j = 0; j < scores.length; j++) {
      if (labels[j] !== 0) continue;
      pairs++;
      if (scores[i] > scores[j]) wins += 1;
      else if (scores[i] === scores[j]) wins += 0.5;
    }
  }
  return wins / pairs;
}
