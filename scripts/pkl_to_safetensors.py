#!/usr/bin/env python3
"""Convert the SpikeScore seed's per-item hidden states (<safe_id>.pkl) to SpikeScore Lab's <safe_id>.safetensors.

The seed's reasoning_lite.py pickles, per item, {step: {position: tensor[n_layers + 1, H]}} of bf16 torch tensors,
positions last_token_embedding, sec_last_token_embedding and last_tok_bef_gen_embedding. This writes what the app
writes (design.md, "Hidden states"): F16 tensors named turn{k}.<position>, shape [n_stored_layers, H], and
__metadata__ {format_version: "1", model_id, layers: "[a,...]"} plus converted_from: "seed-pkl".

    python3 scripts/pkl_to_safetensors.py ITEM.pkl --model-id ID [--layers a,b] [--out ITEM.safetensors]
    python3 scripts/pkl_to_safetensors.py RUN_DIR --model-id ID [--layers a,b]      (every *.pkl in RUN_DIR)

Requirements: numpy, and torch to unpickle torch tensors (`pip install torch numpy`; torch is not installed in the
app's own environment and nothing else needs it). Pickles of numpy arrays load without torch.

Caveats, said once here and in the metadata:
  * Index 0 is the embedding output and index i the output of decoder layer i, as in the app. The seed's LAST index
    is Hugging Face's hidden_states[-1], which has the model's final norm applied; the app stores it before the
    final norm. Do not mix the last layer of converted files with the app's own.
  * A step whose tensors are None (a timed-out turn in reasoning_hidden.py) is skipped.
  * A position whose layer count differs from the others (reasoning_hidden.py keeps only the last layer of
    last_token_embedding) is skipped with a warning: one file stores one layer set.
  * bf16 -> float32 -> F16 is exact for values F16 can represent; larger magnitudes overflow to inf (warned).
"""
import argparse
import json
import pathlib
import pickle
import struct
import sys

import numpy as np

POSITIONS = ("last_token_embedding", "sec_last_token_embedding", "last_tok_bef_gen_embedding")


def load(path):
    try:
        import torch  # noqa: F401  (torch tensors unpickle only with torch importable)
        return torch.load(path, map_location="cpu", weights_only=False)
    except ImportError:
        with open(path, "rb") as f:
            return pickle.load(f)


def to_array(t):
    if hasattr(t, "detach"):  # a torch tensor (bf16 has no numpy dtype: go through float32)
        t = t.detach().float().cpu().numpy()
    a = np.asarray(t, dtype=np.float32)
    if a.ndim == 3 and a.shape[1] == 1:  # SEP-style [n_layers + 1, 1, H]
        a = a[:, 0, :]
    if a.ndim != 2:
        raise ValueError(f"expected a [n_layers + 1, H] tensor, got shape {list(a.shape)}")
    return a


def convert(steps, model_id, layers=None):
    """Returns the safetensors bytes for one item's {step: {position: tensor}} dict."""
    tensors = []
    for step in sorted(steps, key=int):
        entry = steps[step] or {}
        for pos in POSITIONS:
            if entry.get(pos) is not None:
                tensors.append((int(step), pos, to_array(entry[pos])))
    if not tensors:
        raise ValueError("no hidden states to convert")
    counts = {}
    for _, _, a in tensors:
        counts[a.shape[0]] = counts.get(a.shape[0], 0) + 1
    n_layers = max(counts, key=counts.get)
    kept = []
    for step, pos, a in tensors:
        if a.shape[0] != n_layers:
            print(f"warning: turn{step}.{pos} has {a.shape[0]} layers, not {n_layers}: skipped", file=sys.stderr)
            continue
        kept.append((step, pos, a))
    a0, a1 = layers if layers else (0, n_layers)
    if not (0 <= a0 < a1 <= n_layers):
        raise ValueError(f"--layers {a0},{a1} is outside the {n_layers} stored hidden-state indices [0, {n_layers})")
    header, blobs, offset = {}, [], 0
    for step, pos, a in kept:
        half = a[a0:a1].astype("<f2")
        if not np.all(np.isfinite(half[np.isfinite(a[a0:a1])])):
            print(f"warning: turn{step}.{pos} has values beyond the F16 range (stored as inf)", file=sys.stderr)
        data = half.tobytes()
        header[f"turn{step}.{pos}"] = {"dtype": "F16", "shape": list(half.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {
        "format_version": "1",
        "model_id": model_id,
        "layers": json.dumps(list(range(a0, a1)), separators=(",", ":")),
        "converted_from": "seed-pkl (last index has the final norm applied)",
    }
    text = json.dumps(header, separators=(",", ":"))
    text += " " * ((8 - len(text.encode("utf-8")) % 8) % 8)
    encoded = text.encode("utf-8")
    return struct.pack("<Q", len(encoded)) + encoded + b"".join(blobs)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("path", help="an item .pkl file, or a folder of them")
    p.add_argument("--model-id", required=True, help="the model the states came from (stored in the metadata)")
    p.add_argument("--layers", help="half-open range a,b of hidden-state indices to keep (default: all)")
    p.add_argument("--out", help="output file (single .pkl only; default: beside the input)")
    args = p.parse_args(argv)
    layers = tuple(int(x) for x in args.layers.split(",")) if args.layers else None
    src = pathlib.Path(args.path)
    files = sorted(src.glob("*.pkl")) if src.is_dir() else [src]
    if not files:
        p.error(f"no .pkl files in {src}")
    if args.out and len(files) > 1:
        p.error("--out needs a single .pkl input")
    for f in files:
        out = pathlib.Path(args.out) if args.out else f.with_suffix(".safetensors")
        tmp = out.with_name(f".{out.name}.tmp")
        tmp.write_bytes(convert(load(f), args.model_id, layers))
        tmp.replace(out)  # atomic, as the app writes
        print(f"{f} -> {out}")


if __name__ == "__main__":
    main()
