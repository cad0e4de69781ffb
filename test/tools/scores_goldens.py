#!/usr/bin/python3
"""Golden values for the training-free scores (test/unit/scores-*.test.ts), from numpy and scipy.

Run: `/usr/bin/python3 test/tools/scores_goldens.py > test/fixtures/scores-goldens.json`. Inputs come from
hash_data.uniform, which test/tools/hashData.ts reproduces bit for bit.

RS follows the seed's metrics_score.py: probs_l = softmax(h_l @ W_U.T) (no final norm), RS = mean over l < last of
scipy.spatial.distance.jensenshannon(probs_l, probs_last, base=2) ** 2. Here in float64.
"""
import json
import sys

import numpy as np
import scipy
from scipy.spatial.distance import jensenshannon
from scipy.special import softmax

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from hash_data import uniform  # noqa: E402


def rs_case(name, seed, vocab, hidden, layers, scale, rows=None):
    W = uniform(seed, vocab * hidden).reshape(vocab, hidden)
    H = (uniform(seed + 1, layers * hidden).reshape(layers, hidden) * np.float32(scale)).astype(np.float32)
    sel = list(range(layers)) if rows is None else rows
    probs = [softmax(H[r].astype(np.float64) @ W.astype(np.float64).T) for r in sel]
    jsd = [float(jensenshannon(p, probs[-1], base=2) ** 2) for p in probs[:-1]]
    return {
        "name": name,
        "seed": seed,
        "vocab": vocab,
        "hidden": hidden,
        "layers": layers,
        "scale": scale,
        "rows": sel,
        "jsd": jsd,
        "rs": float(np.mean(jsd)),
    }


def jsd_pairs():
    pairs = [
        ([0.5, 0.5], [0.5, 0.5]),
        ([1.0, 0.0], [0.0, 1.0]),
        ([0.1, 0.2, 0.7], [0.3, 0.3, 0.4]),
        ([1, 2, 3, 4], [4, 3, 2, 1]),  # unnormalised: scipy divides by the sums
        ([0.0, 0.25, 0.75], [0.5, 0.5, 0.0]),
    ]
    return [{"p": p, "q": q, "value": float(jensenshannon(p, q, base=2) ** 2)} for p, q in pairs]


def main():
    out = {
        "generator": "test/tools/scores_goldens.py",
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "jsd": jsd_pairs(),
        "rs": [
            rs_case("nine_layers", 5, 64, 16, 9, 1.0),
            rs_case("peaked", 6, 50, 8, 3, 12.0),
            rs_case("rows_subset", 7, 40, 12, 6, 2.0, rows=[1, 3, 4]),
            rs_case("odd_tiles", 8, 33, 5, 7, 3.0),
        ],
    }
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
