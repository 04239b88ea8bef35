"""The engine's seeded Gaussian noise (src/engine/random.ts), bit for bit, so that Python and the browser sample from
the same x_T for the same request and seed.

mulberry32 draws uint32s; the Marsaglia polar method turns pairs of them into normals, with a logarithm made of
+, -, *, / only (portable_log) so that every IEEE 754 platform rounds it the same way. mulberry32's state only
advances by a constant, so the k-th draw is a pure function of seed + (k + 1) * 0x6D2B79F5: numpy computes a
whole block at once, and the rejection step keeps the accepted pairs in order. testdata/noise.json proves that
TypeScript gives the same floats.
"""
from __future__ import annotations

import math

import numpy as np

M32 = np.uint64(0xFFFFFFFF)
STEP = 0x6D2B79F5
LN2 = 0.6931471805599453
SQRT1_2 = math.sqrt(0.5)  # the same double as JavaScript's Math.SQRT1_2


def _imul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Math.imul on uint32 bit patterns: the low 32 bits of the product."""
    lo = (a & np.uint64(0xFFFF)) * b
    hi = ((a >> np.uint64(16)) * b) & M32
    return (lo + (hi << np.uint64(16))) & M32


def mulberry32_block(seed: int, start: int, count: int) -> np.ndarray:
    """Draws start .. start+count-1 of mulberry32(seed), as uint64 holding uint32 values."""
    k = np.arange(start + 1, start + count + 1, dtype=np.uint64)
    state = (np.uint64(seed & 0xFFFFFFFF) + k * np.uint64(STEP)) & M32
    z = state
    z = _imul(z ^ (z >> np.uint64(15)), z | np.uint64(1))
    z = z ^ ((z + _imul(z ^ (z >> np.uint64(7)), z | np.uint64(61))) & M32)
    return (z ^ (z >> np.uint64(14))) & M32


def portable_log(x: np.ndarray) -> np.ndarray:
    """random.ts portableLog, elementwise: x = m 2^e with m in [sqrt(1/2), sqrt(2)), ln m by the atanh series."""
    f, e = np.frexp(x)  # x = f 2^e, f in [0.5, 1): exact
    low = f < SQRT1_2
    m = np.where(low, f * 2.0, f)
    e = np.where(low, e - 1, e).astype(np.float64)
    g = (m - 1.0) / (m + 1.0)
    g2 = g * g
    series = np.zeros_like(g)
    for k in range(25, 2, -2):
        series = (series + 1.0 / k) * g2
    return e * LN2 + 2.0 * g * (1.0 + series)


def gaussian_noise(seed: int, count: int) -> np.ndarray:
    """`count` float32 N(0, 1) values, identical to random.ts gaussianNoise(seed, count)."""
    out = np.empty(count, dtype=np.float32)
    filled, drawn = 0, 0
    while filled < count:
        pairs = max(16, int((count - filled) / 2 * 1.35) + 8)
        raw = mulberry32_block(seed, drawn, 2 * pairs).astype(np.float64)
        drawn += 2 * pairs
        uni = ((raw + 0.5) / 4294967296.0) * 2.0 - 1.0
        u, v = uni[0::2], uni[1::2]
        s = u * u + v * v
        ok = (s < 1.0) & (s != 0.0)
        u, v, s = u[ok], v[ok], s[ok]
        factor = np.sqrt((-2.0 * portable_log(s)) / s)
        values = np.stack([u * factor, v * factor], axis=1).reshape(-1)
        take = min(len(values), count - filled)
        out[filled:filled + take] = values[:take].astype(np.float32)
        filled += take
    return out
