"""Trains the testbed model on the knowledge base's corpus, one pass over it, and writes `testbed/weights.safetensors`
(fp16, Hugging Face GPT-2 state-dict names, the configuration and the training summary in `__metadata__`).

    OPENBLAS_NUM_THREADS=2 python3 testbed/train.py            # the committed weights
    python3 testbed/train.py --max_steps 20 --out /tmp/w.st    # a smoke run

One pass: every document of the corpus is seen exactly once, so a fact's exposure count is the number of documents
that state it (kb.py). Documents are batched by length (dialogues together, short documents together) to limit
padding; the batch order is shuffled with the seed.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kb  # noqa: E402
import st  # noqa: E402
from gpt import AdamW, init_params, loss_and_grad  # noqa: E402

MODEL = dict(d=128, layers=4, heads=4, context=kb.CONTEXT)


def batches(docs, seed: int, tokens_per_batch: int, long_batch: int):
    """Lists of document indices: documents over 200 tokens in groups of `long_batch` by length, the others in
    groups of about `tokens_per_batch` tokens by length; in a seeded random order."""
    lens = np.array([len(d.ids) for d in docs])
    order = np.argsort(lens, kind="stable")
    out, cur = [], []
    for i in order:
        if lens[i] > 200:
            continue
        if cur and (len(cur) + 1) * lens[i] > tokens_per_batch:
            out.append(cur)
            cur = []
        cur.append(int(i))
    if cur:
        out.append(cur)
    long = [int(i) for i in order if lens[i] > 200]
    out += [long[j:j + long_batch] for j in range(0, len(long), long_batch)]
    rng = np.random.default_rng([seed, 4])
    return [out[i] for i in rng.permutation(len(out))]


def collate(docs, ids):
    T = max(len(docs[i].ids) for i in ids)
    x = np.full((len(ids), T), kb.PAD, dtype=np.int64)
    w = np.zeros((len(ids), T), dtype=np.float32)
    for r, i in enumerate(ids):
        x[r, :len(docs[i].ids)] = docs[i].ids
        w[r, :len(docs[i].mask)] = docs[i].mask
    # inputs are tokens 0..T-2, targets tokens 1..T-1 weighted by their mask
    return x[:, :-1], x[:, 1:], w[:, 1:]


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=kb.DEFAULTS["seed"])
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--tokens_per_batch", type=int, default=2048)
    ap.add_argument("--long_batch", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=kb.DEFAULTS["epochs"], help="passes over the corpus (a KB setting: "
                    "the dataset's exposure counts assume the default)")
    ap.add_argument("--max_steps", type=int, default=0)
    ap.add_argument("--d", type=int, default=MODEL["d"])
    ap.add_argument("--layers", type=int, default=MODEL["layers"])
    ap.add_argument("--heads", type=int, default=MODEL["heads"])
    ap.add_argument("--out", default=os.path.join(kb.HERE, "weights.safetensors"))
    a = ap.parse_args(argv)

    t_start = time.time()
    cfg, tok, ents = kb.world(seed=a.seed, epochs=a.epochs)
    docs, stats = kb.build_corpus(tok, ents, **cfg)
    V, P = len(tok.vocab), kb.CONTEXT
    assert max(len(d.ids) for d in docs) <= P, "a training document is longer than the context"
    plan = [b for e in range(cfg["epochs"]) for b in batches(docs, a.seed + 1000 * e, a.tokens_per_batch, a.long_batch)]
    steps = len(plan) if not a.max_steps else min(a.max_steps, len(plan))
    p = init_params(V, P, a.d, a.layers, a.seed)
    n_params = int(sum(v.size for v in p.values()))
    opt = AdamW(p)
    t_corpus = time.time() - t_start
    print(f"vocab {V} context {P} d {a.d} layers {a.layers} heads {a.heads} params {n_params}; "
          f"{len(docs)} documents, {sum(len(d.ids) for d in docs)} tokens, {steps} steps "
          f"(corpus built in {t_corpus:.0f} s)", flush=True)
    t0 = time.time()
    losses, seen = [], 0
    for s in range(steps):
        x, y, w = collate(docs, plan[s])
        lr = a.lr * min(1.0, (s + 1) / a.warmup) * (0.1 + 0.9 * 0.5 * (1 + np.cos(np.pi * s / steps)))
        loss, g = loss_and_grad(p, x, y, w, a.heads)
        opt.step(p, g, lr)
        losses.append(loss)
        seen += x.size
        if s % 50 == 0 or s == steps - 1:
            el = time.time() - t0
            print(f"step {s:5d}/{steps} loss {np.mean(losses[-50:]):.4f} lr {lr:.2e} {seen / el:.0f} tok/s {el:.0f} s",
                  flush=True)
    t_train = time.time() - t0
    summary = dict(
        model=dict(d=a.d, layers=a.layers, heads=a.heads, vocab=V, context=P, params=n_params),
        kb={k: (list(v) if isinstance(v, tuple) else v) for k, v in cfg.items()},
        corpus=dict(documents=len(docs), tokens=int(sum(len(d.ids) for d in docs)),
                    targets=int(sum(sum(d.mask) for d in docs)), **stats),
        training=dict(steps=steps, epochs=cfg["epochs"], lr=a.lr, warmup=a.warmup, tokens_per_batch=a.tokens_per_batch,
                      long_batch=a.long_batch, optimizer="AdamW b1 0.9 b2 0.98 eps 1e-8 no decay",
                      schedule="linear warm-up then cosine to 0.1 lr", final_loss=float(np.mean(losses[-50:])),
                      loss_curve=[round(float(np.mean(losses[i:i + 50])), 4) for i in range(0, steps, 50)],
                      train_seconds=round(t_train, 1), total_seconds=round(time.time() - t_start, 1),
                      openblas_threads=os.environ.get("OPENBLAS_NUM_THREADS", "unset"),
                      numpy=np.__version__, python=platform.python_version(), machine=platform.machine()),
    )
    # The committed weights are fp16; every measurement uses them as stored.
    st.save(a.out, {k: v.astype(np.float16) for k, v in p.items()},
            {"format": "pt", "spikescore_testbed": json.dumps(summary)})
    print(json.dumps({k: v for k, v in summary["training"].items() if k != "loss_curve"}))


if __name__ == "__main__":
    main()
