"""Deterministic pseudo-random tensors, computed identically here and in the
Rust tests (crates/assay-embed/tests/common/seeded.rs), so that a fixture
only has to store each tensor's name, shape and range, never its values.

Value i of the tensor called `name` under `seed`:
    key   = seed ^ fnv1a64(name)
    state = key + (i + 1) * 0x9E3779B97F4A7C15        (mod 2^64)
    z     = splitmix64 finaliser of state
    u     = (z >> 40) / 2^24                          (24 bits, in [0, 1))
    value = float32(low + (high - low) * u)           (arithmetic in float64)
"""

import numpy as np

MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


def fnv1a64(text):
    h = 0xCBF29CE484222325
    for byte in text.encode("utf-8"):
        h ^= byte
        h = (h * 0x100000001B3) & MASK
    return h


def seeded_values(name, count, low, high, seed):
    """`count` float32 values in [low, high) for the tensor `name`."""
    key = np.uint64((seed ^ fnv1a64(name)) & MASK)
    with np.errstate(over="ignore"):
        idx = np.arange(1, count + 1, dtype=np.uint64)
        z = key + idx * np.uint64(GOLDEN)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    u = (z >> np.uint64(40)).astype(np.float64) / float(1 << 24)
    return (low + (high - low) * u).astype(np.float32)


def seeded_tensor(name, shape, low, high, seed):
    count = int(np.prod(shape)) if len(shape) else 1
    return seeded_values(name, count, low, high, seed).reshape(shape)
