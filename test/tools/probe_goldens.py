#!/usr/bin/python3
"""Golden values for the probes (test/unit/probes-*.test.ts), from scikit-learn and numpy.

Run with Debian's Python: `/usr/bin/python3 test/tools/probe_goldens.py > test/fixtures/probe-goldens.json`
(needs python3-sklearn). Inputs come from hash_data.uniform, which test/tools/hashData.ts reproduces bit for bit.

- logistic: sklearn LogisticRegression() (defaults: l2, C=1, lbfgs, tol 1e-4, max_iter 100) and, as the exact
  optimum, the same objective solved to tol 1e-12; coef_, intercept_, predict_proba for a few rows.
- mlp: forward passes of the SEP ProbeModel (Linear -> LayerNorm(eps 1e-5) -> Mish blocks, final Linear) and of
  SAPLMA (Linear/ReLU blocks, final Linear, sigmoid), written here in numpy from the PyTorch definitions.
- losses: HuberLoss(delta=0.5) and BCE, means over a batch.
"""
import json
import sys
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from hash_data import uniform  # noqa: E402


def logistic_case(name, seed, n, d, scale, C=1.0, bias=0.0, noise=0.5):
    X = (uniform(seed, n * d).reshape(n, d) * np.float32(scale)).astype(np.float32)
    w_true = uniform(seed + 1, d).astype(np.float64)
    eps = uniform(seed + 2, n).astype(np.float64)
    y = ((X.astype(np.float64) @ w_true + bias + noise * eps * np.sqrt(d) * scale) > 0).astype(np.int64)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        default = LogisticRegression(C=C).fit(X, y)
    converged_default = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    # The exact optimum: sklearn's newton-cg to a tight tolerance, polished by plain Newton steps in numpy until
    # the gradient of F = sum logloss + |w|^2 / (2C) vanishes (lbfgs may stop on its ftol test before that).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # newton-cg's line search complains near round-off; Newton polishes below
        exact = LogisticRegression(C=C, solver="newton-cg", tol=1e-10, max_iter=1000).fit(X, y)
    Xd = np.hstack([X.astype(np.float64), np.ones((n, 1))])
    theta = np.concatenate([exact.coef_[0], exact.intercept_])
    reg = np.full(d + 1, 1.0 / C)
    reg[-1] = 0.0
    for _ in range(20):
        p = 1 / (1 + np.exp(-(Xd @ theta)))
        grad = Xd.T @ (p - y) + reg * theta
        if np.max(np.abs(grad)) < 1e-11:
            break
        hess = (Xd * (p * (1 - p))[:, None]).T @ Xd + np.diag(reg)
        theta = theta - np.linalg.solve(hess, grad)
    p = 1 / (1 + np.exp(-(Xd @ theta)))
    grad = Xd.T @ (p - y) + reg * theta
    assert np.max(np.abs(grad)) < 1e-9, (name, np.max(np.abs(grad)))
    # theta is float64; sklearn's coef_ keeps X's dtype (float32 here), so it is not written back there.
    rows = list(range(min(5, n)))
    return {
        "name": name,
        "seed": seed,
        "n": n,
        "d": d,
        "scale": scale,
        "C": C,
        "bias": bias,
        "noise": noise,
        "y": y.tolist(),
        "default": {
            "coef": default.coef_[0].tolist(),
            "intercept": float(default.intercept_[0]),
            "n_iter": int(default.n_iter_[0]),
            "converged": converged_default,
        },
        "default_coef_dtype": str(default.coef_.dtype),
        "exact": {"coef": theta[:-1].tolist(), "intercept": float(theta[-1]), "grad_inf": float(np.max(np.abs(grad)))},
        "proba_rows": rows,
        "proba": (1 / (1 + np.exp(-(Xd[rows] @ theta)))).tolist(),
        "max_rel_diff_default_vs_exact": float(np.max(np.abs(default.coef_[0] - theta[:-1])) / np.max(np.abs(theta[:-1]))),
    }


def layer_norm(x, g, b, eps=1e-5):
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)  # biased, as torch.nn.LayerNorm
    return (x - mu) / np.sqrt(var + eps) * g + b


def mish(x):
    return x * np.tanh(np.log1p(np.exp(x)))


def mlp_case(name, seed, d, hidden, kind, batch=3):
    rng_seed = seed
    x = uniform(rng_seed, batch * d).reshape(batch, d).astype(np.float64) * 2
    params = []
    prev = d
    h = x
    for i, width in enumerate(hidden):
        bound = 1 / np.sqrt(prev)
        W = uniform(seed + 10 * i + 1, width * prev).reshape(width, prev).astype(np.float64) * bound
        b = uniform(seed + 10 * i + 2, width).astype(np.float64) * bound
        layer = {"weight": W.astype(np.float32).tolist(), "bias": b.astype(np.float32).tolist()}
        W = W.astype(np.float32).astype(np.float64)
        b = b.astype(np.float32).astype(np.float64)
        h = h @ W.T + b
        if kind == "sep-mlp":
            # Parameters are float32 (as PyTorch's); the arithmetic here is float64.
            g = (1 + 0.1 * uniform(seed + 10 * i + 3, width).astype(np.float64)).astype(np.float32).astype(np.float64)
            beta = (0.1 * uniform(seed + 10 * i + 4, width).astype(np.float64)).astype(np.float32).astype(np.float64)
            layer["norm_weight"] = g.astype(np.float32).tolist()
            layer["norm_bias"] = beta.astype(np.float32).tolist()
            h = mish(layer_norm(h, g, beta))
        else:
            h = np.maximum(h, 0)
        params.append(layer)
        prev = width
    bound = 1 / np.sqrt(prev)
    W = (uniform(seed + 999, prev).reshape(1, prev).astype(np.float64) * bound).astype(np.float32)
    b = (uniform(seed + 998, 1).astype(np.float64) * bound).astype(np.float32)
    out = h @ W.astype(np.float64).T + b.astype(np.float64)
    out = out[:, 0]
    result = {
        "name": name,
        "kind": kind,
        "seed": seed,
        "d": d,
        "hidden": hidden,
        # The weights are not written: the test rebuilds them from the same hash (see mlp_case).
        "raw": out.tolist(),
    }
    if kind == "saplma":
        result["p_true"] = (1 / (1 + np.exp(-out))).tolist()
    return result


def huber(pred, target, delta):
    r = np.abs(pred - target)
    return float(np.mean(np.where(r < delta, 0.5 * r * r, delta * (r - 0.5 * delta))))


def bce_with_logits(z, y):
    return float(np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))))


def main():
    cases = [
        logistic_case("small", 11, 200, 10, 1.0),
        logistic_case("small_C0.1", 11, 200, 10, 1.0, C=0.1),
        logistic_case("imbalanced", 23, 300, 8, 2.0, bias=-3.0),
        logistic_case("wide", 37, 120, 300, 0.2),
    ]
    mlps = [
        mlp_case("sep_mlp", 101, 12, [8, 6], "sep-mlp"),
        mlp_case("saplma", 202, 12, [256, 128, 64], "saplma"),
    ]
    pred = np.array([0.1, 0.9, 2.0, -0.3, 0.55])
    target = np.array([0.0, 0.2, 2.1, 0.5, 0.5])
    z = np.array([-3.0, 0.0, 2.5, 40.0, -40.0])
    yb = np.array([0.0, 1.0, 1.0, 0.0, 0.0])
    out = {
        "generator": "test/tools/probe_goldens.py",
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "logistic": cases,
        "mlp": mlps,
        "losses": {
            "huber": {"pred": pred.tolist(), "target": target.tolist(), "delta": 0.5, "value": huber(pred, target, 0.5)},
            "bce": {"logits": z.tolist(), "y": yb.tolist(), "value": bce_with_logits(z, yb)},
        },
    }
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
