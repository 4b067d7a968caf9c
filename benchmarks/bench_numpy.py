"""Overhead of arraybackend's NumPy backend against raw NumPy, measured in one run.

Each case times the raw NumPy call and the arraybackend call in alternating rounds, each
side first in every other round (so drift, noise and order effects hit both alike), and
prints the median time of each and the median of the per-round ratios. Run with
``nox -s bench`` or ``python benchmarks/bench_numpy.py``.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import timeit
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

import arraybackend as ab
from arraybackend._blas import blas_description

be = ab.get_backend("numpy")


@dataclass(frozen=True)
class Case:
    name: str
    raw_label: str
    raw: Callable[[], object]
    ours: Callable[[], object]
    goal: float | None  # the ratio the foundation issue asks for


@dataclass(frozen=True)
class Result:
    case: Case
    raw_s: float
    ours_s: float
    ratio: float


def _per_call(fn: Callable[[], object], number: int) -> float:
    return timeit.timeit(fn, number=number) / number


def measure(case: Case, rounds: int, budget_s: float) -> Result:
    case.raw()
    case.ours()
    # Calls per round: enough for ~budget_s / rounds / 2 per side.
    once = max(_per_call(case.raw, 3), 1e-9)
    number = max(1, int(budget_s / rounds / 2 / once))
    raw_times: list[float] = []
    our_times: list[float] = []
    ratios: list[float] = []
    for i in range(rounds):
        # Alternate which side goes first: the second of a pair inherits warm caches and
        # the allocator state the first left behind.
        if i % 2:
            o = _per_call(case.ours, number)
            r = _per_call(case.raw, number)
        else:
            r = _per_call(case.raw, number)
            o = _per_call(case.ours, number)
        raw_times.append(r)
        our_times.append(o)
        ratios.append(o / r)
    return Result(
        case, statistics.median(raw_times), statistics.median(our_times), statistics.median(ratios)
    )


def cases(rng: np.random.Generator) -> list[Case]:
    out: list[Case] = []
    for n, goal in ((4, 1.05), (64, 1.01), (256, 1.01), (1024, 1.01)):
        x, w = rng.standard_normal((n, n)), rng.standard_normal((n, n))
        out.append(
            Case(
                f"be.matrix_multiply {n}x{n} f64",
                "np.matmul",
                partial(np.matmul, x, w),
                partial(be.matrix_multiply, x, w),
                goal,
            )
        )
    x4, w4 = rng.standard_normal((4, 4)), rng.standard_normal((4, 4))
    out.append(
        Case(
            "ab.matrix_multiply 4x4 f64 (module-level)",
            "np.matmul",
            lambda: np.matmul(x4, w4),
            lambda: ab.matrix_multiply(x4, w4),
            1.10,
        )
    )
    out.append(
        Case(
            "be.matrix_multiply 4x4 f64, overhead only",
            "ndarray.dot",
            lambda: x4.dot(w4),
            lambda: be.matrix_multiply(x4, w4),
            None,
        )
    )
    x32, w32 = x4.astype(np.float32), w4.astype(np.float32)
    out.append(
        Case(
            "be.matrix_multiply 4x4 f32",
            "np.matmul",
            lambda: np.matmul(x32, w32),
            lambda: be.matrix_multiply(x32, w32),
            1.05,
        )
    )
    xb, db = rng.standard_normal((512, 256)), rng.standard_normal((512, 64))
    out.append(
        Case(
            "be.matrix_multiply(transpose(x), delta) 512x256",
            "np.matmul(x.T, d)",
            lambda: np.matmul(xb.T, db),
            lambda: be.matrix_multiply(be.transpose(xb), db),
            1.01,
        )
    )
    batch_x, batch_w = rng.standard_normal((8, 32, 32)), rng.standard_normal((8, 32, 32))
    out.append(
        Case(
            "be.matrix_multiply 8x32x32 batched",
            "np.matmul",
            lambda: np.matmul(batch_x, batch_w),
            lambda: be.matrix_multiply(batch_x, batch_w),
            None,
        )
    )
    out.append(Case("be.transpose 4x4", "x.T", lambda: x4.T, lambda: be.transpose(x4), 2.0))
    u, v = rng.standard_normal(4), rng.standard_normal(4)
    out.append(
        Case("be.dot length-4 vectors", "np.dot", lambda: np.dot(u, v), lambda: be.dot(u, v), 1.05)
    )
    out.append(
        Case(
            "ab.dot length-4 vectors (module-level)",
            "np.dot",
            lambda: np.dot(u, v),
            lambda: ab.dot(u, v),
            None,
        )
    )
    return out


def peak_bytes(fn: Callable[[], object]) -> int:
    fn()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--rounds", type=int, default=21, help="alternating rounds per case (median taken)"
    )
    parser.add_argument(
        "--budget", type=float, default=2.0, help="seconds per case, both sides together"
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when a ratio misses its goal (noisy machines: off)",
    )
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    print(
        f"arraybackend {ab.__version__}, numpy {np.__version__}, Python {platform.python_version()}, {platform.machine()}"
    )
    print(f"BLAS: {blas_description()}")
    print(f"{args.rounds} alternating rounds per case; medians\n")
    print("| case | raw | raw median | arraybackend median | ratio (median of rounds) | goal |")
    print("|---|---|---:|---:|---:|---|")
    failed = 0
    for case in cases(rng):
        r = measure(case, args.rounds, args.budget)
        verdict = (
            ""
            if case.goal is None
            else (
                f"<= {case.goal:.2f} met" if r.ratio <= case.goal else f"<= {case.goal:.2f} MISSED"
            )
        )
        failed += "MISSED" in verdict
        print(
            f"| {case.name} | {case.raw_label} | {_fmt(r.raw_s)} | {_fmt(r.ours_s)} | {r.ratio:.3f} | {verdict} |"
        )
    xb, db = rng.standard_normal((4000, 300)), rng.standard_normal((4000, 10))
    raw_peak = peak_bytes(lambda: np.matmul(xb.T, db))
    our_peak = peak_bytes(lambda: be.matrix_multiply(be.transpose(xb), db))
    print(
        f"\nPeak traced memory of transpose(x) @ delta, x 4000x300 ({xb.nbytes / 2**20:.1f} MiB): raw {raw_peak} B, arraybackend {our_peak} B (result {300 * 10 * 8} B): no copy of x"
    )
    return 1 if failed and args.strict else 0


def _fmt(seconds: float) -> str:
    if seconds < 1e-6:
        return f"{seconds * 1e9:.0f} ns"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.2f} us"
    return f"{seconds * 1e3:.2f} ms"


if __name__ == "__main__":
    sys.exit(main())
