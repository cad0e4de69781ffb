"""A GPT-2 in numpy: forward, hand-written backward, AdamW, and KV-cache decoding.

The architecture is Hugging Face's `gpt2` (learned absolute positions, pre-LayerNorm with eps 1e-5, causal
multi-head attention with a fused c_attn in Conv1D layout [q|k|v] and biases, tanh-GELU MLP of width 4d, final
LayerNorm), with an untied LM head. Parameters are kept under their Hugging Face state-dict names, so the weights
file needs no mapping:

    transformer.wte.weight [V, d]      transformer.wpe.weight [P, d]
    transformer.h.{i}.ln_1.weight|bias [d]
    transformer.h.{i}.attn.c_attn.weight [d, 3d] (x @ W), .bias [3d]
    transformer.h.{i}.attn.c_proj.weight [d, d], .bias [d]
    transformer.h.{i}.ln_2.weight|bias [d]
    transformer.h.{i}.mlp.c_fc.weight [d, 4d], .bias [4d]
    transformer.h.{i}.mlp.c_proj.weight [4d, d], .bias [d]
    transformer.ln_f.weight|bias [d]   lm_head.weight [V, d] (logits = h @ W^T)

Shapes in comments use B (batch), T (time), d (width), H (heads), hd = d / H, V (vocabulary). Everything runs in
float32; Python floats are cast before they meet arrays (numpy 2 promotes float32 with a float64 scalar array).
`python3 testbed/gpt.py` runs a finite-difference gradient check in float64.
"""
from __future__ import annotations

import numpy as np

C_GELU = float(np.sqrt(2.0 / np.pi))
EPS = 1e-5


def param_shapes(V: int, P: int, d: int, L: int) -> dict[str, tuple[int, ...]]:
    s = {"transformer.wte.weight": (V, d), "transformer.wpe.weight": (P, d)}
    for i in range(L):
        h = f"transformer.h.{i}."
        s |= {h + "ln_1.weight": (d,), h + "ln_1.bias": (d,),
              h + "attn.c_attn.weight": (d, 3 * d), h + "attn.c_attn.bias": (3 * d,),
              h + "attn.c_proj.weight": (d, d), h + "attn.c_proj.bias": (d,),
              h + "ln_2.weight": (d,), h + "ln_2.bias": (d,),
              h + "mlp.c_fc.weight": (d, 4 * d), h + "mlp.c_fc.bias": (4 * d,),
              h + "mlp.c_proj.weight": (4 * d, d), h + "mlp.c_proj.bias": (d,)}
    s |= {"transformer.ln_f.weight": (d,), "transformer.ln_f.bias": (d,), "lm_head.weight": (V, d)}
    return s


def init_params(V: int, P: int, d: int, L: int, seed: int, dtype=np.float32) -> dict[str, np.ndarray]:
    """GPT-2's initialisation: N(0, 0.02) weights, residual projections scaled by 1/sqrt(2L), zero biases, unit gains."""
    rng = np.random.default_rng([seed, 3])
    p = {}
    for name, shape in param_shapes(V, P, d, L).items():
        if name.endswith(("ln_1.weight", "ln_2.weight", "ln_f.weight")):
            p[name] = np.ones(shape)
        elif name.endswith(".bias"):
            p[name] = np.zeros(shape)
        elif name.endswith("c_proj.weight"):
            p[name] = rng.normal(0, 0.02 / np.sqrt(2 * L), shape)
        else:
            p[name] = rng.normal(0, 0.02, shape)
    return {k: v.astype(dtype) for k, v in p.items()}


def dims(p: dict) -> tuple[int, int, int, int]:
    V, d = p["transformer.wte.weight"].shape
    P = p["transformer.wpe.weight"].shape[0]
    L = sum(1 for k in p if k.endswith("ln_1.weight"))
    return V, P, d, L


def layer_norm(x, g, b):
    mu = x.mean(-1, keepdims=True)
    xc = x - mu
    rstd = 1.0 / np.sqrt((xc * xc).mean(-1, keepdims=True) + x.dtype.type(EPS))
    xh = xc * rstd
    return xh * g + b, (xh, rstd, g)


def layer_norm_backward(dy, cache):
    xh, rstd, g = cache
    D = xh.shape[-1]
    dg = (dy * xh).reshape(-1, D).sum(0)
    db = dy.reshape(-1, D).sum(0)
    dxh = dy * g
    dx = rstd * (dxh - dxh.mean(-1, keepdims=True) - xh * (dxh * xh).mean(-1, keepdims=True))
    return dx, dg, db


def gelu(u):
    t = np.tanh(u.dtype.type(C_GELU) * (u + u.dtype.type(0.044715) * u * u * u))
    return 0.5 * u * (1 + t), t


def forward(p: dict, idx: np.ndarray, H: int, train: bool = False, hidden: bool = False):
    """Logits [B, T, V] of token ids idx [B, T] (positions 0..T-1); with train, the caches for `backward`;
    with hidden, also the residual stream after the embeddings and after every block, [L+1, B, T, d]."""
    V, P, d, L = dims(p)
    B, T = idx.shape
    hd = d // H
    dt = p["transformer.wte.weight"].dtype.type
    x = p["transformer.wte.weight"][idx] + p["transformer.wpe.weight"][:T]  # B,T,d
    mask = np.triu(np.full((T, T), -1e9, dtype=x.dtype), 1)
    caches, hiddens = [], [x]
    for i in range(L):
        w = lambda n: p[f"transformer.h.{i}.{n}"]  # noqa: E731
        h, c1 = layer_norm(x, w("ln_1.weight"), w("ln_1.bias"))
        qkv = h.reshape(-1, d) @ w("attn.c_attn.weight") + w("attn.c_attn.bias")  # B*T,3d
        q, k, v = (t.reshape(B, T, H, hd).transpose(0, 2, 1, 3) for t in np.split(qkv, 3, axis=-1))  # B,H,T,hd
        att = (q @ k.transpose(0, 1, 3, 2)) * dt(1.0 / np.sqrt(hd)) + mask  # B,H,T,T
        att -= att.max(-1, keepdims=True)
        Pm = np.exp(att)
        Pm /= Pm.sum(-1, keepdims=True)
        o = (Pm @ v).transpose(0, 2, 1, 3).reshape(B * T, d)
        x = x + (o @ w("attn.c_proj.weight") + w("attn.c_proj.bias")).reshape(B, T, d)
        h2, c2 = layer_norm(x, w("ln_2.weight"), w("ln_2.bias"))
        u = h2.reshape(-1, d) @ w("mlp.c_fc.weight") + w("mlp.c_fc.bias")  # B*T,4d
        g, t = gelu(u)
        x = x + (g @ w("mlp.c_proj.weight") + w("mlp.c_proj.bias")).reshape(B, T, d)
        if hidden:
            hiddens.append(x)
        if train:
            caches.append((c1, h, q, k, v, Pm, o, c2, h2, u, t, g))
    hf, cf = layer_norm(x, p["transformer.ln_f.weight"], p["transformer.ln_f.bias"])
    logits = (hf.reshape(-1, d) @ p["lm_head.weight"].T).reshape(B, T, V)
    out = [logits]
    if train:
        out.append((idx, caches, hf, cf))
    if hidden:
        out.append(np.stack(hiddens))
    return out[0] if len(out) == 1 else tuple(out)


def loss_and_grad(p: dict, idx: np.ndarray, tgt: np.ndarray, wt: np.ndarray, H: int):
    """Mean cross-entropy over the targets with weight 1 (wt [B, T] of 0/1), and its gradient for every parameter."""
    V, P, d, L = dims(p)
    B, T = idx.shape
    hd = d // H
    dt = p["transformer.wte.weight"].dtype.type
    logits, (idx, caches, hf, cf) = forward(p, idx, H, train=True)
    n = max(1.0, float(wt.sum()))
    z = logits - logits.max(-1, keepdims=True)
    ez = np.exp(z)
    se = ez.sum(-1, keepdims=True)
    logp_t = np.take_along_axis(z, tgt[..., None], -1)[..., 0] - np.log(se[..., 0])
    loss = float(-(logp_t * wt).sum() / n)
    dlog = ez / se
    np.put_along_axis(dlog, tgt[..., None], np.take_along_axis(dlog, tgt[..., None], -1) - 1, -1)
    dlog *= (wt / dt(n)).astype(dlog.dtype)[..., None]
    g = {}
    g["lm_head.weight"] = dlog.reshape(-1, V).T @ hf.reshape(-1, d)
    dx, g["transformer.ln_f.weight"], g["transformer.ln_f.bias"] = layer_norm_backward(
        (dlog.reshape(-1, V) @ p["lm_head.weight"]).reshape(B, T, d), cf)
    for i in reversed(range(L)):
        pre = f"transformer.h.{i}."
        c1, h, q, k, v, Pm, o, c2, h2, u, t, gl = caches[i]
        dx2 = dx.reshape(-1, d)
        g[pre + "mlp.c_proj.weight"] = gl.T @ dx2
        g[pre + "mlp.c_proj.bias"] = dx2.sum(0)
        dgl = dx2 @ p[pre + "mlp.c_proj.weight"].T
        du = dgl * (0.5 * (1 + t) + 0.5 * u * (1 - t * t) * dt(C_GELU) * (1 + dt(3 * 0.044715) * u * u))
        g[pre + "mlp.c_fc.weight"] = h2.reshape(-1, d).T @ du
        g[pre + "mlp.c_fc.bias"] = du.sum(0)
        dxl, g[pre + "ln_2.weight"], g[pre + "ln_2.bias"] = layer_norm_backward(
            (du @ p[pre + "mlp.c_fc.weight"].T).reshape(B, T, d), c2)
        dx = dx + dxl
        dx2 = dx.reshape(-1, d)
        g[pre + "attn.c_proj.weight"] = o.T @ dx2
        g[pre + "attn.c_proj.bias"] = dx2.sum(0)
        do = (dx2 @ p[pre + "attn.c_proj.weight"].T).reshape(B, T, H, hd).transpose(0, 2, 1, 3)
        dP = do @ v.transpose(0, 1, 3, 2)
        dv = Pm.transpose(0, 1, 3, 2) @ do
        dA = Pm * (dP - (dP * Pm).sum(-1, keepdims=True)) * dt(1.0 / np.sqrt(hd))
        dq = dA @ k
        dk = dA.transpose(0, 1, 3, 2) @ q
        dqkv = np.concatenate([a.transpose(0, 2, 1, 3).reshape(B * T, d) for a in (dq, dk, dv)], -1)
        g[pre + "attn.c_attn.weight"] = h.reshape(-1, d).T @ dqkv
        g[pre + "attn.c_attn.bias"] = dqkv.sum(0)
        dxl, g[pre + "ln_1.weight"], g[pre + "ln_1.bias"] = layer_norm_backward(
            (dqkv @ p[pre + "attn.c_attn.weight"].T).reshape(B, T, d), c1)
        dx = dx + dxl
    g["transformer.wpe.weight"] = np.zeros_like(p["transformer.wpe.weight"])
    g["transformer.wpe.weight"][:T] = dx.sum(0)
    g["transformer.wte.weight"] = np.zeros_like(p["transformer.wte.weight"])
    np.add.at(g["transformer.wte.weight"], idx.reshape(-1), dx.reshape(-1, d))
    return loss, g


class AdamW:
    """Adam with decoupled weight decay on matrices only (biases, gains and nothing else are not decayed)."""

    def __init__(self, p: dict, b1=0.9, b2=0.98, eps=1e-8, wd=0.0):
        self.m = {k: np.zeros_like(v) for k, v in p.items()}
        self.v = {k: np.zeros_like(v) for k, v in p.items()}
        self.t, self.b1, self.b2, self.eps, self.wd = 0, b1, b2, eps, wd

    def step(self, p: dict, g: dict, lr: float):
        self.t += 1
        c1, c2 = 1 - self.b1 ** self.t, 1 - self.b2 ** self.t
        for k in p:
            dt = p[k].dtype.type
            self.m[k] *= dt(self.b1)
            self.m[k] += dt(1 - self.b1) * g[k]
            self.v[k] *= dt(self.b2)
            self.v[k] += dt(1 - self.b2) * g[k] * g[k]
            upd = (self.m[k] / dt(c1)) / (np.sqrt(self.v[k] / dt(c2)) + dt(self.eps))
            if self.wd and p[k].ndim == 2:
                upd += dt(self.wd) * p[k]
            p[k] -= dt(lr) * upd


# ----------------------------------------------------------------------------------------------------------------
# Inference with a KV cache, for evaluation (one forward over new tokens appended to cached keys and values)

class Cache:
    """Keys and values per layer, [B, H, t, hd], for a batch whose sequences all have the same length."""

    def __init__(self, L: int):
        self.k = [None] * L
        self.v = [None] * L
        self.length = 0

    def truncate(self, n: int):
        self.k = [None if a is None else a[:, :, :n] for a in self.k]
        self.v = [None if a is None else a[:, :, :n] for a in self.v]
        self.length = min(self.length, n)


def forward_cached(p: dict, idx: np.ndarray, H: int, cache: Cache, hidden: bool = False):
    """Logits [B, T, V] of the new tokens idx [B, T] at positions cache.length..; extends the cache. With hidden,
    also the residual streams [L+1, B, T, d]."""
    V, P, d, L = dims(p)
    B, T = idx.shape
    hd = d // H
    t0 = cache.length
    if t0 + T > P:
        raise ValueError(f"context overflow: {t0 + T} positions, the model has {P}")
    dt = p["transformer.wte.weight"].dtype.type
    x = p["transformer.wte.weight"][idx] + p["transformer.wpe.weight"][t0:t0 + T]
    mask = np.triu(np.full((T, t0 + T), -1e9, dtype=x.dtype), t0 + 1)
    hiddens = [x]
    for i in range(L):
        w = lambda n: p[f"transformer.h.{i}.{n}"]  # noqa: E731
        h, _ = layer_norm(x, w("ln_1.weight"), w("ln_1.bias"))
        qkv = h.reshape(-1, d) @ w("attn.c_attn.weight") + w("attn.c_attn.bias")
        q, k, v = (a.reshape(B, T, H, hd).transpose(0, 2, 1, 3) for a in np.split(qkv, 3, axis=-1))
        if cache.k[i] is not None:
            k = np.concatenate([cache.k[i], k], 2)
            v = np.concatenate([cache.v[i], v], 2)
        cache.k[i], cache.v[i] = k, v
        att = (q @ k.transpose(0, 1, 3, 2)) * dt(1.0 / np.sqrt(hd)) + mask
        att -= att.max(-1, keepdims=True)
        Pm = np.exp(att)
        Pm /= Pm.sum(-1, keepdims=True)
        o = (Pm @ v).transpose(0, 2, 1, 3).reshape(B * T, d)
        x = x + (o @ w("attn.c_proj.weight") + w("attn.c_proj.bias")).reshape(B, T, d)
        h2, _ = layer_norm(x, w("ln_2.weight"), w("ln_2.bias"))
        g, _ = gelu(h2.reshape(-1, d) @ w("mlp.c_fc.weight") + w("mlp.c_fc.bias"))
        x = x + (g @ w("mlp.c_proj.weight") + w("mlp.c_proj.bias")).reshape(B, T, d)
        hiddens.append(x)
    cache.length = t0 + T
    hf, _ = layer_norm(x, p["transformer.ln_f.weight"], p["transformer.ln_f.bias"])
    logits = (hf.reshape(-1, d) @ p["lm_head.weight"].T).reshape(B, T, V)
    return (logits, np.stack(hiddens)) if hidden else logits


def log_softmax(z: np.ndarray) -> np.ndarray:
    z = z.astype(np.float64)
    z = z - z.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def entropy(logp: np.ndarray) -> np.ndarray:
    """Full-distribution entropy in nats of log-probabilities [..., V]."""
    return -(np.exp(logp) * logp).sum(-1)


def sample(logp: np.ndarray, temperature: float, top_p: float, u: float) -> int:
    """One draw from log-probabilities [V]: greedy at temperature 0; else softmax(logp / T), restricted to the
    smallest set of most probable tokens whose mass reaches top_p, drawn with the uniform u in [0, 1)."""
    if temperature <= 0:
        return int(np.argmax(logp))
    z = logp / temperature
    pr = np.exp(z - z.max())
    pr /= pr.sum()
    order = np.argsort(-pr, kind="stable")
    cum = np.cumsum(pr[order])
    keep = order[: int(np.searchsorted(cum, top_p)) + 1]
    q = pr[keep] / pr[keep].sum()
    return int(keep[min(int(np.searchsorted(np.cumsum(q), u, side="right")), len(keep) - 1)])


# ----------------------------------------------------------------------------------------------------------------

if __name__ == "__main__":
    V, P, d, L, H = 11, 8, 8, 2, 2
    p = init_params(V, P, d, L, seed=1, dtype=np.float64)
    rng = np.random.default_rng(5)
    for k in p:  # move away from the symmetric initialisation so every path carries gradient
        p[k] = p[k] * 20 if p[k].ndim == 2 else p[k] + rng.normal(0, 0.3, p[k].shape)
    idx = rng.integers(0, V, (3, 6))
    tgt = rng.integers(0, V, (3, 6))
    wt = (rng.random((3, 6)) < 0.7).astype(np.float64)
    loss, g = loss_and_grad(p, idx, tgt, wt, H)
    worst, checked = 0.0, 0
    for k in p:
        flat = p[k].reshape(-1)
        for j in rng.choice(flat.size, min(4, flat.size), replace=False):
            old = flat[j]
            flat[j] = old + 1e-6
            lp, _ = loss_and_grad(p, idx, tgt, wt, H)
            flat[j] = old - 1e-6
            lm, _ = loss_and_grad(p, idx, tgt, wt, H)
            flat[j] = old
            num, an = (lp - lm) / 2e-6, g[k].reshape(-1)[j]
            # (the key bias has a zero gradient: softmax ignores a shift shared by a row; compare it absolutely)
            rel = abs(num - an) / (abs(num) + abs(an)) if abs(num) + abs(an) > 1e-6 else 0.0
            worst = max(worst, rel)
            checked += rel > 0
            if rel > 1e-5:
                print("MISMATCH", k, j, num, an, rel)
    # the cached forward equals the full forward
    full = forward(p, idx, H)
    c = Cache(L)
    part = np.concatenate([forward_cached(p, idx[:, :4], H, c), forward_cached(p, idx[:, 4:], H, c)], 1)
    print(f"gradcheck: {checked} entries, worst relative error {worst:.2e}; cached vs full max |diff| {np.abs(full - part).max():.2e}")
    assert worst < 1e-5 and np.abs(full - part).max() < 1e-9
