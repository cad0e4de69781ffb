#!/usr/bin/python3
"""Golden values for the metrics and trajectory tests, from independent implementations (scikit-learn, scipy,
numpy). Writes test/fixtures/metrics-goldens.json, which is committed, so CI needs no Python.

Run from the repository root with Debian's Python and its scikit-learn:

    apt-get install -y python3-sklearn
    /usr/bin/python3 test/tools/metrics_goldens.py

Inputs are drawn here with numpy's seeded generator and stored in the JSON beside the values, with many ties
(scores rounded or drawn from a few integers), one all-tied set, a perfectly separated one and integer sample
weights (the bootstrap's counts). Hallucination is the positive class (label 1); higher score = more hallucinated.

- AUROC: sklearn `roc_auc_score`, and scipy's Mann-Whitney U / (n1 n2) (average ranks, ties one half).
- ROC curve: sklearn `roc_curve` with drop_intermediate True and False. sklearn < 1.3 puts max(score) + 1 as the
  first threshold; 1.3+ puts +inf, which is what our code returns, so the first threshold is written as the
  string "Infinity" whatever the installed version.
- AP: sklearn `average_precision_score` (step-wise), with and without sample_weight.
- FPR@95: from sklearn `roc_curve(drop_intermediate=False)`: the FPR at the first threshold where TPR >= 0.95.
- Youden: the first maximum of TPR - FPR on `roc_curve(drop_intermediate=False)`.
- PRR: written here from its definition (peers.md section 5), ties averaged by an explicit per-position loop, and,
  for tie-free inputs, also the LM-Polygraph style area (argsort, cumulative sums) to show both agree there.
- quantiles: numpy.quantile (method "linear"); histograms: numpy.histogram with 20 bins over the joint range of
  two arrays (what plt.hist does with two arrays).
- trajectories: numpy for the SpikeScore and every baseline.
"""
import json
import os
import sys

import numpy as np
import scipy
import scipy.stats
import sklearn
from sklearn.metrics import average_precision_score, roc_auc_score, roc_curve

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "test", "fixtures", "metrics-goldens.json")


def floats(a):
    return [float(x) for x in a]


def thresholds_json(t):
    t = floats(t)
    t[0] = "Infinity"
    return t


def prr_tie_averaged(scores, labels):
    """PRR by the definition: quality 1 - label; sort by score ascending; the tie group a position falls in
    contributes its mean quality; area = mean over m = 1..n of the mean quality of the m least suspicious."""
    s = np.asarray(scores, dtype=float)
    q = 1.0 - np.asarray(labels, dtype=float)
    n = len(s)
    g = q.sum()
    if g == 0 or g == n:
        return None
    uniq = np.unique(s)
    # Expected quality of each sorted position: the mean quality of the tie group that holds it.
    per_position = []
    for v in uniq:
        mask = s == v
        per_position += [q[mask].mean()] * int(mask.sum())
    cum = np.cumsum(per_position)
    area = float(np.mean(cum / np.arange(1, n + 1)))
    random = g / n
    oracle = float(np.mean(np.cumsum(np.sort(q)[::-1]) / np.arange(1, n + 1)))
    return (area - random) / (oracle - random)


def prr_polygraph_style(scores, labels):
    """LM-Polygraph's shape of computation (argsort, reversed cumulative means), max_rejection = 1; only for inputs
    without ties, where the order is unambiguous."""
    ue = np.asarray(scores, dtype=float)
    target = 1.0 - np.asarray(labels, dtype=float)
    n = len(ue)

    def area(order):
        cumsum = np.cumsum(target[order])
        return float(np.sum((cumsum / np.arange(1, n + 1))[::-1]) / n)

    a = area(np.argsort(ue))
    oracle = area(np.argsort(-target, kind="stable"))  # the order among equal qualities does not matter
    random = float(target.mean())
    return (a - random) / (oracle - random)


def binary_case(name, scores, labels, weights=None):
    scores = np.asarray(scores, dtype=float)
    labels = np.asarray(labels, dtype=int)
    out = {"name": name, "scores": floats(scores), "labels": [int(x) for x in labels]}
    n_pos = int(labels.sum())
    n_neg = len(labels) - n_pos
    out["n_pos"] = n_pos
    out["n_neg"] = n_neg
    if n_pos == 0 or n_neg == 0:
        return out
    out["roc_auc_score"] = float(roc_auc_score(labels, scores))
    u = scipy.stats.mannwhitneyu(scores[labels == 1], scores[labels == 0], alternative="two-sided").statistic
    out["scipy_mannwhitney_auc"] = float(u) / (n_pos * n_neg)
    ranks = scipy.stats.rankdata(scores)  # average ranks
    out["scipy_rank_auc"] = float((ranks[labels == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
    fpr, tpr, thr = roc_curve(labels, scores)
    out["roc_curve"] = {"fpr": floats(fpr), "tpr": floats(tpr), "thresholds": thresholds_json(thr)}
    fpr_f, tpr_f, thr_f = roc_curve(labels, scores, drop_intermediate=False)
    out["roc_curve_full"] = {"fpr": floats(fpr_f), "tpr": floats(tpr_f), "thresholds": thresholds_json(thr_f)}
    out["average_precision_score"] = float(average_precision_score(labels, scores))
    out["fpr95"] = float(fpr_f[np.argmax(tpr_f >= 0.95)])
    j = tpr_f - fpr_f
    k = int(np.argmax(j))
    out["youden"] = {"threshold": "Infinity" if k == 0 else float(thr_f[k]), "j": float(j[k]), "tpr": float(tpr_f[k]), "fpr": float(fpr_f[k])}
    out["prr"] = prr_tie_averaged(scores, labels)
    if len(np.unique(scores)) == len(scores):
        out["prr_polygraph_style"] = prr_polygraph_style(scores, labels)
    if weights is not None:
        w = np.asarray(weights, dtype=float)
        out["weights"] = [int(x) for x in weights]
        out["weighted_roc_auc_score"] = float(roc_auc_score(labels, scores, sample_weight=w))
        out["weighted_average_precision_score"] = float(average_precision_score(labels, scores, sample_weight=w))
        # The same numbers on the data set with item i repeated weights[i] times (what the bootstrap means).
        rep = np.repeat(np.arange(len(scores)), weights.astype(int))
        out["repeated_prr"] = prr_tie_averaged(scores[rep], labels[rep])
        fr, tr, _ = roc_curve(labels[rep], scores[rep], drop_intermediate=False)
        out["repeated_fpr95"] = float(fr[np.argmax(tr >= 0.95)])
    return out


def trajectory_case(scores):
    s = np.asarray(scores, dtype=float)
    d2 = np.abs(np.diff(s, 2))
    d1 = np.diff(s)
    return {
        "scores": floats(s),
        "second_differences": floats(np.diff(s, 2)),
        "spikescore": float(d2.max()),
        "spike_turn": int(np.argmax(d2)) + 1,
        "varPlusSumAbsD2": float(np.var(s) + d2.sum()),
        "mean": float(np.mean(s)),
        "variance": float(np.var(s)),
        "range": float(np.ptp(s)),
        "maxAbsD1": float(np.abs(d1).max()),
        "totalVariation": float(np.abs(d1).sum()),
        "lastMinusFirst": float(s[-1] - s[0]),
        "slope": float(np.polyfit(np.arange(len(s)), s, 1)[0]),
        "firstTurn": float(s[0]),
    }


def main():
    rng = np.random.default_rng(20260127)
    cases = [binary_case("toy", [0.9, 0.4, 0.4, 0.1, 0.8], [1, 1, 0, 0, 1])]

    labels = rng.integers(0, 2, 12)
    cases.append(binary_case("ties_n12", np.round(rng.random(12), 1), labels))

    labels = (rng.random(57) < 0.4).astype(int)
    cases.append(binary_case("ties_n57", np.round(rng.random(57) + 0.3 * labels, 1), labels, rng.integers(0, 4, 57)))

    labels = (rng.random(200) < 0.5).astype(int)
    cases.append(binary_case("integer_scores_n200", rng.integers(0, 10, 200) + 2 * labels, labels, rng.integers(0, 3, 200)))

    labels = (rng.random(300) < 0.3).astype(int)
    cases.append(binary_case("continuous_n300", rng.normal(size=300) + 0.8 * labels, labels))

    labels = (rng.random(500) < 0.1).astype(int)
    cases.append(binary_case("imbalanced_n500", np.round(rng.normal(size=500) + labels, 2), labels, rng.integers(0, 3, 500)))

    labels = (rng.random(20) < 0.5).astype(int)
    labels[0], labels[1] = 0, 1
    cases.append(binary_case("all_tied_n20", np.full(20, 0.3), labels))

    labels = np.array([0] * 15 + [1] * 15)
    cases.append(binary_case("perfect_n30", np.concatenate([rng.random(15), 1 + rng.random(15)]), labels))

    labels = (rng.random(1000) < 0.35).astype(int)
    cases.append(binary_case("ties_n1000", np.round(rng.beta(2, 5, 1000) + 0.15 * labels, 2), labels, rng.integers(0, 4, 1000)))

    quantiles = []
    for n in [1, 2, 7, 1000]:
        x = np.sort(rng.normal(size=n))
        ps = [0.0, 0.025, 0.1, 0.5, 0.975, 1.0]
        quantiles.append({"sorted": floats(x), "p": ps, "q": floats(np.quantile(x, ps))})

    histograms = []
    for a, b in [
        (rng.random(40), rng.random(25) + 0.5),
        (np.round(rng.random(30), 1), np.round(rng.random(30), 1)),
        (np.full(5, 2.0), np.full(3, 2.0)),
    ]:
        lo = min(a.min(), b.min())
        hi = max(a.max(), b.max())
        ca, edges = np.histogram(a, bins=20, range=(lo, hi))
        cb, _ = np.histogram(b, bins=20, range=(lo, hi))
        histograms.append({"a": floats(a), "b": floats(b), "edges": floats(edges), "counts_a": [int(c) for c in ca], "counts_b": [int(c) for c in cb]})

    trajectories = [trajectory_case(rng.normal(size=21)) for _ in range(3)]
    trajectories.append(trajectory_case(np.round(rng.random(21), 1)))
    trajectories.append(trajectory_case([1.0, 0.2, 0.9, 0.1, 1.0, 0.3]))

    doc = {
        "generated_by": "test/tools/metrics_goldens.py",
        "versions": {"python": sys.version.split()[0], "numpy": np.__version__, "scipy": scipy.__version__, "sklearn": sklearn.__version__},
        "note": "labels: 1 = hallucinated (positive class); thresholds[0] written as 'Infinity' (sklearn >= 1.3 convention)",
        "binary": cases,
        "quantiles": quantiles,
        "histograms": histograms,
        "trajectories": trajectories,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(doc, f, allow_nan=False, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
