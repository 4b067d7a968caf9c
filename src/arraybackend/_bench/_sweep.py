"""Throughput of ``be.matrix_multiply`` against matrix size: GFLOP/s and the fraction of peak.

An n x n product is counted as 2 n^3 floating-point operations (the classical algorithm:
n^3 multiply-adds). Each point: one warm call, then three batches of calls sized to fill
the point's budget, each batch ended by a device synchronisation (a no-op on the CPU);
the per-call time is the median batch's.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from arraybackend._bench._machine import Peak

__all__ = ["FULL_SIZES", "QUICK_SIZES", "Point", "estimate_seconds", "sweep"]

FULL_SIZES = (64, 128, 256, 512, 1024, 2048, 4096)
QUICK_SIZES = (64, 128, 256)
DTYPES = ("float32", "float64")


@dataclass(frozen=True)
class Point:
    """One size and dtype: seconds per product, GFLOP/s, and the fraction of the peak."""

    backend: str
    dtype: str
    n: int
    seconds: float

    @property
    def gflops(self) -> float:
        return 2 * self.n**3 / self.seconds / 1e9

    def fraction(self, peak: Peak | None) -> float | None:
        return None if peak is None else self.gflops * 1e9 / peak.flops[self.dtype]

    def as_json(self, peak: Peak | None) -> dict[str, object]:
        return {
            "dtype": self.dtype,
            "n": self.n,
            "seconds": self.seconds,
            "gflops": self.gflops,
            "fraction_of_peak": self.fraction(peak),
        }


def _guess_flops(peak: Peak | None, dtype: str) -> float:
    # Half the peak is a fair guess for a large product; 20 GFLOP/s when the peak is unknown.
    return 0.5 * peak.flops[dtype] if peak is not None else 20e9


def estimate_seconds(sizes: tuple[int, ...], budget_s: float, peak: Peak | None) -> float:
    """About how long :func:`sweep` takes (for the estimate printed before it starts)."""
    total = 0.0
    for dtype in DTYPES:
        for n in sizes:
            once = 2 * n**3 / _guess_flops(peak, dtype)
            total += max(budget_s, 4 * once) + n * n * 2e-8  # + making the operands
    return total


def _sync(backend: str) -> Callable[[], None]:
    if backend == "cupy":
        import cupy

        return cupy.cuda.Device().synchronize
    return lambda: None


def _point(be: Any, backend: str, dtype: str, n: int, budget_s: float) -> Point:
    rng = np.random.default_rng(n)
    asarray: Callable[[Any], Any] = getattr(be, "asarray", lambda a: a)
    x = asarray(rng.standard_normal((n, n)).astype(dtype))
    w = asarray(rng.standard_normal((n, n)).astype(dtype))
    sync = _sync(backend)
    matmul = be.matrix_multiply
    matmul(x, w)
    sync()
    start = time.perf_counter()
    matmul(x, w)
    sync()
    once = time.perf_counter() - start
    number = max(1, int(budget_s / 3 / max(once, 1e-9)))
    batches: list[float] = []
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(number):
            matmul(x, w)
        sync()
        batches.append((time.perf_counter() - start) / number)
    return Point(backend, dtype, n, statistics.median(batches))


def sweep(
    backend: str,
    sizes: tuple[int, ...],
    budget_s: float,
    tick: Callable[[], object] | None = None,
) -> list[Point]:
    """GFLOP/s of ``get_backend(backend).matrix_multiply`` at each size, float32 then float64."""
    import arraybackend as ab

    be = ab.get_backend(backend)
    points: list[Point] = []
    for dtype in DTYPES:
        for n in sizes:
            points.append(_point(be, backend, dtype, n, budget_s))
            if tick is not None:
                tick()
    return points
