"""Deterministic test data shared with test/tools/hashData.ts: a 32-bit integer hash mapped to float32 in [-1, 1).

Both sides compute the same bits, so a golden script and a TypeScript test see identical inputs without
committing them.
"""
import numpy as np

M32 = 0xFFFFFFFF


def hash_u32(seed, i):
    h = (seed * 0x9E3779B1 + i * 0x85EBCA77) & M32
    h ^= h >> 16
    h = (h * 0x7FEB352D) & M32
    h ^= h >> 15
    h = (h * 0x846CA68B) & M32
    h ^= h >> 16
    return h


def uniform(seed, count):
    """float32 values in [-1, 1): element i is hash_u32(seed, i) / 2^32 * 2 - 1, rounded to float32."""
    return np.array([np.float32(hash_u32(seed, i) / 2**32 * 2 - 1) for i in range(count)], dtype=np.float32)
