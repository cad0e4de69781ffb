"""Measures the trained testbed model and writes `testbed/eval.json` and the reference outputs of the ONNX test.

    OPENBLAS_NUM_THREADS=2 python3 testbed/evaluate.py

1. Single-turn accuracy: every question of dataset.jsonl as the runner asks it at turn 0 ([system, user
   "Question: <q>"], chat template, generation prompt), greedy, labelled by the testbed's value rule (the Python twin
   of `testbedLabel`). Per tier and split, per exposure count; plus how often the answer is the well-formed fact
   sentence about the asked country ("format"), and the mean answer-token entropy's AUROC.
2. A first look at trajectories: 21-turn dialogues run as the dialogue runner runs them (the progressive schedule,
   temperature 0.2, top-p 0.7, the whole history re-rendered with the chat template each turn, the response decoded
   and re-encoded), with the mean token entropy and NLL per turn; SpikeScore = max |Δ²S| of each; AUROC against
   the turn-0 label (hallucination positive).
3. `testbed/reference.safetensors` + `testbed/reference.json`: token ids, logits and residual streams of a few
   sequences under the fp16 weights, for the test that checks the ONNX model against this forward pass.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kb  # noqa: E402
import st  # noqa: E402
from gpt import Cache, entropy, forward, forward_cached, log_softmax, sample  # noqa: E402

DOMAINS = {a: {v.lower(): v for v in kb.value_domain(a)} for a in kb.ATTRIBUTES}


def judge(item: dict, answer: str) -> tuple[int, str, list[str]]:
    """(label, reason, values found): 1 when the answer states values of the item's attribute and all are the gold
    value; 0 otherwise ('wrong_value', 'several_values', 'no_value'). Words are runs of letters and digits, compared
    without case. The twin of src/lib/engine/testbed/label.ts."""
    dom = DOMAINS[item["attribute"]]
    found = [dom[w] for w in re.findall(r"[A-Za-z0-9]+", answer.lower()) if w in dom]
    if not found:
        return 0, "no_value", found
    if len(set(found)) > 1:
        return 0, "several_values", found
    return (1, "correct", found) if found[0] == item["answer"] else (0, "wrong_value", found)


def auroc(score, positive) -> float:
    """P(score of a positive > score of a negative), ties counting 1/2 (Mann-Whitney); NaN with one class."""
    from scipy.stats import rankdata
    s, y = np.asarray(score, float), np.asarray(positive, bool)
    n1, n0 = int(y.sum()), int((~y).sum())
    if n1 == 0 or n0 == 0:
        return float("nan")
    r = rankdata(s)
    return float((r[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def spike(s) -> float:
    s = np.asarray(s, float)
    return float(np.abs(s[2:] - 2 * s[1:-1] + s[:-2]).max()) if len(s) >= 3 else float("nan")


def load_model(path):
    w, meta = st.load(path)
    summary = json.loads(meta["spikescore_testbed"])
    return {k: v.astype(np.float32) for k, v in w.items()}, summary


# ----------------------------------------------------------------------------------------------------------------

def single_turn(p, H, tok, items, max_new=24):
    """Greedy answers to every item's turn-0 prompt, batched by prompt length."""
    prompts = [tok.encode(kb.render_chat([{"role": "system", "content": kb.SYSTEM_PROMPT},
                                          {"role": "user", "content": "Question: " + it["question"]}], True))
               for it in items]
    out = [None] * len(items)
    by_len = {}
    for i, pr in enumerate(prompts):
        by_len.setdefault(len(pr), []).append(i)
    for _, group in sorted(by_len.items()):
        for j in range(0, len(group), 256):
            idx = group[j:j + 256]
            L = sum(1 for k in p if k.endswith("ln_1.weight"))
            cache = Cache(L)
            logits = forward_cached(p, np.array([prompts[i] for i in idx]), H, cache)[:, -1]
            gen = [[] for _ in idx]
            ents = [[] for _ in idx]
            nlls = [[] for _ in idx]
            done = np.zeros(len(idx), bool)
            for _ in range(max_new):
                lp = log_softmax(logits)
                nxt = lp.argmax(-1)
                H_ = entropy(lp)
                for r in range(len(idx)):
                    if done[r]:
                        continue
                    gen[r].append(int(nxt[r]))
                    ents[r].append(float(H_[r]))
                    nlls[r].append(float(-lp[r, nxt[r]]))
                    done[r] = nxt[r] == kb.END
                if done.all():
                    break
                logits = forward_cached(p, nxt[:, None], H, cache)[:, -1]
            for r, i in enumerate(idx):
                ids = [t for t in gen[r] if t != kb.END]
                out[i] = dict(text=tok.decode(ids).strip(), ids=gen[r], entropy=ents[r], nll=nlls[r])
    return out


def well_formed(item, text) -> bool:
    a, b = kb.FACTS[item["attribute"]]
    pat = re.escape(a.format(e=item["entity"])) + r" (\S+?)" + re.escape(b) + "$"
    m = re.match(pat, text)
    return bool(m) and m.group(1) in kb.value_domain(item["attribute"])


# ----------------------------------------------------------------------------------------------------------------

def run_dialogue(p, H, tok, item, seed, steps=20, temperature=0.2, top_p=0.7, max_new=24):
    """One dialogue as the runner runs it. Returns the turns with their text and per-token entropy and NLL."""
    L = sum(1 for k in p if k.endswith("ln_1.weight"))
    P = p["transformer.wpe.weight"].shape[0]
    messages = [{"role": "system", "content": kb.SYSTEM_PROMPT},
                {"role": "user", "content": "Question: " + item["question"]}]
    cache, cached = Cache(L), []
    turns = []
    for k in range(steps + 1):
        if k:
            messages.append({"role": "user", "content": kb.progressive(k)[1]})
        prompt = tok.encode(kb.render_chat(messages, True))
        common = 0
        while common < min(len(cached), len(prompt) - 1) and cached[common] == prompt[common]:
            common += 1
        cache.truncate(common)
        cached = cached[:common]
        logits = forward_cached(p, np.array([prompt[common:]]), H, cache)[0, -1]
        cached = list(prompt)
        rng = np.random.default_rng([seed, k])
        gen, ents, nlls, stop = [], [], [], "length"
        for _ in range(max_new):
            lp = log_softmax(logits)
            t = sample(lp, temperature, top_p, float(rng.random()))
            gen.append(t)
            ents.append(float(entropy(lp)))
            nlls.append(float(-lp[t]))
            if t == kb.END:
                stop = "eos"
                break
            if len(cached) + 1 >= P:
                stop = "context"
                break
            logits = forward_cached(p, np.array([[t]]), H, cache)[0, -1]
            cached.append(t)
        text = tok.decode([t for t in gen if t != kb.END]).strip()
        reencoded = tok.encode(text)
        turns.append(dict(step=k, prompt_tokens=len(prompt), text=text, entropy=ents, nll=nlls, stop=stop,
                          roundtrip=reencoded == [t for t in gen if t != kb.END]))
        messages.append({"role": "assistant", "content": text})
    final = tok.encode(kb.render_chat(messages, False))
    return turns, len(final)


def trajectories(p, H, tok, items, per_tier, seed):
    rng = np.random.default_rng([seed, 7])
    chosen = []
    for tier, n in per_tier.items():
        pool = [i for i, it in enumerate(items) if it["tier"] == tier and it["split"] == "heldout"]
        chosen += [pool[j] for j in rng.permutation(len(pool))[:n]]
    rows = []
    t0 = time.time()
    for c, i in enumerate(chosen):
        it = items[i]
        turns, total = run_dialogue(p, H, tok, it, seed=[seed, i])
        label, reason, _ = judge(it, turns[0]["text"])
        stated = [judge(it, t["text"])[2] for t in turns]
        vals = [s[-1] if s else None for s in stated]
        changes = sum(1 for a, b in zip(vals, vals[1:]) if a and b and a != b)
        rows.append(dict(id=it["id"], tier=it["tier"], exposures=it["exposures"], label=label, reason=reason,
                         entropy=[float(np.mean(t["entropy"])) for t in turns],
                         nll=[float(np.mean(t["nll"])) for t in turns],
                         tokens=[len(t["entropy"]) for t in turns], total_tokens=total,
                         changes=changes, distinct=len({v for v in vals if v}),
                         wrong_at_13=kb.WRONG in turns[13]["text"] if len(turns) > 13 else None,
                         roundtrip=all(t["roundtrip"] for t in turns), stops=[t["stop"] for t in turns],
                         texts=[t["text"] for t in turns]))
        if c % 25 == 0:
            print(f"dialogue {c}/{len(chosen)} {time.time() - t0:.0f} s", flush=True)
    return rows


def summarise_trajectories(rows):
    y = np.array([r["label"] == 0 for r in rows])
    out = dict(n=len(rows), hallucinated=int(y.sum()))
    for key in ("entropy", "nll"):
        S = np.array([r[key] for r in rows])
        out[key] = dict(
            auroc_spikescore=auroc([spike(s) for s in S], y),
            auroc_turn0=auroc(S[:, 0], y),
            auroc_mean_over_turns=auroc(S.mean(1), y),
            auroc_var_plus_sum_abs_d2=auroc([np.var(s) + np.abs(np.diff(s, 2)).sum() for s in S], y),
            mean_trajectory_correct=[round(float(v), 4) for v in S[~y].mean(0)] if (~y).any() else None,
            mean_trajectory_hallucinated=[round(float(v), 4) for v in S[y].mean(0)] if y.any() else None,
        )
    rare = np.array([r["tier"] == "rare" for r in rows])
    S = np.array([r["entropy"] for r in rows])
    out["rare_only"] = dict(n=int(rare.sum()), hallucinated=int(y[rare].sum()),
                            auroc_spikescore_entropy=auroc([spike(s) for s in S[rare]], y[rare]),
                            auroc_turn0_entropy=auroc(S[rare, 0], y[rare]))
    for tier in ("frequent", "rare", "never"):
        sel = [r for r in rows if r["tier"] == tier]
        if not sel:
            continue
        out[tier] = dict(
            n=len(sel), turn0_accuracy=round(float(np.mean([r["label"] for r in sel])), 3),
            mean_stance_changes=round(float(np.mean([r["changes"] for r in sel])), 2),
            mean_distinct_values=round(float(np.mean([r["distinct"] for r in sel])), 2),
            said_wrong_at_step13=round(float(np.mean([bool(r["wrong_at_13"]) for r in sel])), 3),
            mean_spikescore_entropy=round(float(np.mean([spike(r["entropy"]) for r in sel])), 4),
            mean_entropy_per_turn=[round(float(v), 3) for v in np.mean([r["entropy"] for r in sel], 0)])
    out["max_dialogue_tokens"] = int(max(r["total_tokens"] for r in rows))
    out["all_roundtrip"] = bool(all(r["roundtrip"] for r in rows))
    out["stops"] = {s: int(sum(r["stops"].count(s) for r in rows)) for s in ("eos", "length", "context")}
    return out


# ----------------------------------------------------------------------------------------------------------------

def label_examples(items, answers, rows):
    """Items with model answers (turn 0 of every tier, and corrections from dialogues) and the Python labels, so the
    TypeScript labeller can be checked against this one; plus a few written by hand for the rarer reasons."""
    out, rng = [], np.random.default_rng(11)
    for tier in ("frequent", "rare", "never"):
        idx = [i for i, it in enumerate(items) if it["tier"] == tier]
        for i in rng.permutation(idx)[:8]:
            out.append((items[int(i)], answers[int(i)]))
    by_id = {it["id"]: it for it in items}
    for r in rows or []:
        for t in r["texts"]:
            if kb.WRONG in t:
                out.append((by_id[r["id"]], t))
                break
        if len(out) > 30:
            break
    it = items[0]
    other = next(v for v in kb.value_domain(it["attribute"]) if v != it["answer"])
    out += [(it, ""), (it, "I do not know."), (it, f"{it['answer']} or {other}"), (it, it["answer"].upper()),
            (it, it["answer"] + "s")]
    res = []
    for item, answer in out:
        label, reason, _ = judge(item, answer)
        res.append(dict(item=item, answer=answer, label=label, reason=reason))
    return res


def reference(p, H, tok, ents, out_dir, examples):
    """A short prompt, a never-seen country's prompt and a whole 21-turn training dialogue, with logits and residual
    streams at a few positions, under the fp16 weights; the follow-up texts; label examples."""
    freq = next(e for e in ents if e["tier"] == "frequent")
    never = next(e for e in ents if e["tier"] == "never")
    a0 = next(a for a in kb.ATTRIBUTES if a not in freq["heldout"])
    dialogue = kb.dialogue_turns(freq, a0, kb.PROGRESSIVE, None, True)
    seqs = [
        dict(messages=[{"role": "system", "content": kb.SYSTEM_PROMPT},
                       {"role": "user", "content": "Question: " + kb.question(a0, freq["name"])}],
             add_generation_prompt=True),
        dict(messages=[{"role": "user", "content": "Question: " + kb.question("capital", never["name"])}],
             add_generation_prompt=True),
        dict(messages=[{"role": r, "content": "".join(t for t, _ in pieces)} for r, pieces in dialogue],
             add_generation_prompt=False),
    ]
    tensors, meta = {}, []
    for i, s in enumerate(seqs):
        ids = tok.encode(kb.render_chat(s["messages"], s["add_generation_prompt"]))
        T = len(ids)
        pos = sorted(set(list(range(0, T, 97)) + [T - 3, T - 2, T - 1]))
        logits, hid = forward(p, np.array([ids]), H, hidden=True)
        tensors[f"seq{i}.logits"] = logits[0, pos].astype(np.float32)
        tensors[f"seq{i}.hidden"] = hid[:, 0, pos].astype(np.float32)
        meta.append(dict(messages=s["messages"], add_generation_prompt=s["add_generation_prompt"],
                         text=kb.render_chat(s["messages"], s["add_generation_prompt"]), ids=ids, positions=pos))
    st.save(os.path.join(out_dir, "reference.safetensors"), tensors,
            {"note": "logits [positions, V] and residual streams [L+1, positions, d] of reference.json's sequences"})
    with open(os.path.join(out_dir, "reference.json"), "w") as f:
        json.dump(dict(note="Sequences whose logits and hidden states are in reference.safetensors (fp16 weights, "
                            "float32 numpy forward), the follow-up prompts of the training dialogues, and model "
                            "answers with their labels. Written by testbed/evaluate.py.",
                       sequences=meta, followups=kb.FAMILIES, label_examples=examples), f)
        f.write("\n")


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", default=os.path.join(kb.HERE, "weights.safetensors"))
    ap.add_argument("--out", default=kb.HERE)
    ap.add_argument("--per_tier", default="frequent=60,rare=150,never=60")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--skip_dialogues", action="store_true")
    a = ap.parse_args(argv)
    p, summary = load_model(a.weights)
    H = summary["model"]["heads"]
    cfg, tok, ents = kb.world(**{k: v for k, v in summary["kb"].items() if k != "rare_counts"},
                              rare_counts=tuple(summary["kb"]["rare_counts"]))
    items = kb.dataset_items(ents, cfg["epochs"])
    t0 = time.time()
    res = single_turn(p, H, tok, items)
    t_single = time.time() - t0
    labels = np.array([judge(it, r["text"])[0] for it, r in zip(items, res)])
    fmt = np.array([well_formed(it, r["text"]) for it, r in zip(items, res)])
    ment = np.array([np.mean(r["entropy"]) for r in res])
    acc = {}
    for tier in ("frequent", "rare", "never"):
        for split in ("heldout", "train", "all"):
            sel = np.array([it["tier"] == tier and (split == "all" or it["split"] == split) for it in items])
            if sel.any():
                acc[f"{tier}/{split}"] = dict(n=int(sel.sum()), accuracy=round(float(labels[sel].mean()), 4),
                                              format=round(float(fmt[sel].mean()), 4))
    by_attr = {}
    for attr in kb.ATTRIBUTES:
        for tier in ("frequent", "rare", "never"):
            sel = np.array([it["tier"] == tier and it["attribute"] == attr and it["split"] == "heldout" for it in items])
            by_attr[f"{attr}/{tier}"] = round(float(labels[sel].mean()), 4)
    by_exp = {}
    for c in sorted({it["exposures"] for it in items if it["tier"] == "rare"}):
        for split in ("heldout", "train"):
            sel = np.array([it["tier"] == "rare" and it["exposures"] == c and it["split"] == split for it in items])
            if sel.any():
                by_exp[f"{c}/{split}"] = dict(n=int(sel.sum()), accuracy=round(float(labels[sel].mean()), 4))
    chance = {a: round(1 / len(kb.value_domain(a)), 4) for a in kb.ATTRIBUTES}
    never = [r["text"] for it, r in zip(items, res) if it["tier"] == "never"]
    halluc = labels == 0
    rare = np.array([it["tier"] == "rare" for it in items])
    out = dict(
        model=summary["model"], training={k: v for k, v in summary["training"].items() if k != "loss_curve"},
        corpus=summary["corpus"],
        single_turn=dict(
            protocol="turn-0 prompt [system, user 'Question: <q>'], greedy, at most 24 new tokens",
            accuracy=acc, heldout_accuracy_by_attribute=by_attr, rare_accuracy_by_exposures=by_exp,
            chance=chance, never_distinct_answers=len(set(never)), never_examples=never[:5],
            auroc_mean_entropy_all=auroc(ment, halluc), auroc_mean_entropy_rare=auroc(ment[rare], halluc[rare]),
            seconds=round(t_single, 1)),
    )
    rows = None
    if not a.skip_dialogues:
        per_tier = {k: int(v) for k, v in (x.split("=") for x in a.per_tier.split(","))}
        t0 = time.time()
        rows = trajectories(p, H, tok, items, per_tier, a.seed)
        out["trajectories"] = dict(protocol="progressive schedule, 20 follow-ups, temperature 0.2, top-p 0.7, "
                                            "max 24 new tokens per turn, held-out questions; per-turn score = "
                                            "mean over the turn's generated tokens (incl. the end token)",
                                   seconds=round(time.time() - t0, 1), **summarise_trajectories(rows))
        known = next((r for r in rows if r["tier"] == "frequent" and r["label"] == 1), None)
        unknown = next((r for r in rows if r["tier"] == "never"), None)
        out["trajectories"]["examples"] = [
            dict(id=r["id"], tier=r["tier"], label=r["label"], entropy=[round(v, 3) for v in r["entropy"]],
                 spikescore=round(spike(r["entropy"]), 4), texts=r["texts"]) for r in (known, unknown) if r]
        with open(os.path.join(a.out, "trajectories.jsonl"), "w") as f:
            for r in rows:
                f.write(json.dumps({k: v for k, v in r.items() if k != "stops"}) + "\n")
    reference(p, H, tok, ents, a.out, label_examples(items, [r["text"] for r in res], rows))
    with open(os.path.join(a.out, "eval.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(json.dumps(out["single_turn"]["accuracy"]))
    if "trajectories" in out:
        t = out["trajectories"]
        print(json.dumps({k: t[k] for k in ("n", "hallucinated", "rare_only", "max_dialogue_tokens", "all_roundtrip", "stops")}))
        print(json.dumps({k: {kk: vv for kk, vv in t[k].items() if kk.startswith("auroc")} for k in ("entropy", "nll")}))


if __name__ == "__main__":
    main()
