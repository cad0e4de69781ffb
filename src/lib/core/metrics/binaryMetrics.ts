/**
 * Every scalar metric of one score against the labels, from one sort: AUROC, average precision (AUPRC), PRR and
 * FPR@95, with the class counts and the prevalence (the AUPRC of a random score). Hallucination (label 1) is the
 * positive class; a higher score means more likely hallucinated. One class only → the four metrics are NaN and
 * `reason` says why; malformed input throws `InputError`.
 */
import { aurocRanked } from './auroc';
import { averagePrecisionRanked } from './averagePrecision';
import { checkBinary, undefinedReason } from './checkBinary';
import { fprAtTprRanked } from './fprAtTpr';
import { prrRanked } from './prr';
import { rankScores } from './rankScores';

export interface BinaryMetrics {
  readonly n: number;
  /** Hallucinated items (label 1). */
  readonly nPos: number;
  /** Factual items (label 0). */
  readonly nNeg: number;
  /** nPos / n: the AUPRC of a random score. */
  readonly prevalence: number;
  readonly auroc: number;
  readonly auprc: number;
  readonly prr: number;
  /** FPR at the first threshold where TPR ≥ 0.95. */
  readonly fpr95: number;
  readonly reason: string | null;
}

export function binaryMetrics(scores: ArrayLike<number>, labels: ArrayLike<number>): BinaryMetrics {
  const { labels: y, nPos, nNeg } = checkBinary(scores, labels, 'binaryMetrics');
  const ranked = rankScores(scores, 'binaryMetrics');
  return {
    n: y.length,
    nPos,
    nNeg,
    prevalence: nPos / y.length,
    auroc: aurocRanked(ranked, y, undefined),
    auprc: averagePrecisionRanked(ranked, y, undefined),
    prr: prrRanked(ranked, y, undefined),
    fpr95: fprAtTprRanked(ranked, y, undefined, 0.95),
    reason: undefinedReason(nPos, nNeg)
  };
}
