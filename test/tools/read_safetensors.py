#!/usr/bin/env python3
"""An independent safetensors reader, written from the specification with the standard library only.

Prints a JSON object {"metadata": {...}, "tensors": {name: {"dtype", "shape", "values": [...]}}} so that tests can
check what our TypeScript writer produced. F16 values are decoded with struct's 'e' format.
"""
import json
import struct
import sys

FORMATS = {"F16": ("e", 2), "F32": ("f", 4), "F64": ("d", 8), "I64": ("q", 8), "I32": ("i", 4), "I16": ("h", 2),
           "I8": ("b", 1), "U8": ("B", 1), "BOOL": ("?", 1)}


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    base = 8 + n
    out = {"metadata": header.pop("__metadata__", {}), "tensors": {}}
    for name, info in header.items():
        fmt, size = FORMATS[info["dtype"]]
        begin, end = info["data_offsets"]
        count = 1
        for d in info["shape"]:
            count *= d
        assert end - begin == count * size, f"{name}: byte length does not match shape"
        values = list(struct.unpack("<" + fmt * count, data[base + begin:base + end]))
        out["tensors"][name] = {"dtype": info["dtype"], "shape": info["shape"], "values": values}
    return out


if __name__ == "__main__":
    print(json.dumps(read(sys.argv[1])))
