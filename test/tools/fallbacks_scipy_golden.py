"""Golden values for the Loops-to-Oops statistics, computed with SciPy (an independent implementation).

Writes fallbacks_scipy_golden.json next to this file; test/unit/fallbacks-stats.test.ts reads it, so CI needs no
Python. Re-run after changing the cases:  python3 test/tools/fallbacks_scipy_golden.py

- erfc(x) and norm.sf(z) on a grid reaching p ~ 1e-300;
- scipy.stats.mannwhitneyu(x, y) with its defaults (two-sided, method='auto', use_continuity=True) on
  deterministic samples: small exact ones, tied ones, and the real-vs-exact-null shift scores of the TriviaFacts
  order matrices of ../shared/data/fallbacks/derived/paper_plot_values.json (p down to 1e-30).
"""
import json
import os
import sys

import numpy as np
import scipy
from scipy import special, stats

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def shared_dir():
    for cand in (os.path.join(ROOT, '..', 'shared'), '/work/shared'):
        if os.path.isdir(os.path.join(cand, 'data', 'fallbacks')):
            return cand
    sys.exit('cannot find ../shared/data/fallbacks')


def shift_scores(rows):
    """Per question: labels in {1,2,3}; skip <= 5; real = share of non-decreasing adjacent pairs; exact null."""
    real, null = [], []
    for r in rows:
        o = [int(c) for c in r if c in '123']
        if len(o) <= 5:
            continue
        real.append(float(np.mean(np.diff(o) >= 0)))
        c = [o.count(1), o.count(2), o.count(3)]
        m = len(o)
        null.append(1 - (c[0] * c[1] + c[0] * c[2] + c[1] * c[2]) / (m * (m - 1)))
    return real, null


def mwu_case(name, x, y):
    res = stats.mannwhitneyu(x, y)
    return {'name': name, 'x': list(map(float, x)), 'y': list(map(float, y)),
            'statistic': float(res.statistic), 'pvalue': float(res.pvalue)}


def main():
    xs = [0, 1e-8, 0.1, 0.5, 1, 1.5, 1.9, 2, 2.0001, 2.1, 2.5, 3, 4, 5, 6, 7, 8, 10, 15, 20, 26, -0.3, -1, -3, -6]
    zs = [0, 0.5, 1, 1.959963984540054, 2.5, 3, 4, 5, 6, 7, 8, 9, 10, 10.5, 11, 11.5, 12, 13, 15, 20, 30, 37, -1, -5]
    out = {
        'about': __doc__.strip().splitlines()[0],
        'scipy_version': scipy.__version__,
        'numpy_version': np.__version__,
        'erfc': [[x, float(special.erfc(x))] for x in xs],
        'norm_sf': [[z, float(stats.norm.sf(z))] for z in zs],
        'mannwhitneyu': [],
    }
    cases = out['mannwhitneyu']
    cases.append(mwu_case('exact_small_no_ties', [1.1, 2.5, 3.7, 8.2, 9.9], [0.3, 0.4, 2.2, 5.1, 6.0, 7.5, 7.7]))
    cases.append(mwu_case('exact_reversed', [0.3, 0.4, 2.2, 5.1, 6.0, 7.5, 7.7], [1.1, 2.5, 3.7, 8.2, 9.9]))
    cases.append(mwu_case('small_with_ties_asymptotic', [1, 2, 2, 3, 5], [2, 3, 3, 4, 6, 7]))
    cases.append(mwu_case('large_ties', [i % 7 for i in range(40)], [(i * 3) % 11 for i in range(35)]))
    cases.append(mwu_case('all_tied', [1.0] * 10, [1.0] * 10))
    cases.append(mwu_case('separated', [1 + i / 100 for i in range(50)], [i / 100 for i in range(50)]))
    data = json.load(open(os.path.join(shared_dir(), 'data', 'fallbacks', 'derived', 'paper_plot_values.json')))
    for name in ['fig2/orders/Pythia_base_12B_300T.pdf', 'orders/orders/Pythia_base_1.4B_300T.pdf',
                 'orders/orders/Pythia_base_12B_1T.pdf', 'orders/orders/Llama3_Instruct_70B_0T.pdf']:
        real, null = shift_scores(data['order_matrices'][name]['rows'])
        cases.append(mwu_case('exact_null:' + name, real, null))
    with open(os.path.join(HERE, 'fallbacks_scipy_golden.json'), 'w') as f:
        json.dump(out, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
