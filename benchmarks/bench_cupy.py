"""``matrix_multiply`` on the CuPy backend against raw ``cupy.matmul``, on one GPU.

Timing is GPU-synchronised with ``cupyx.profiler.benchmark``: CUDA events recorded before
and after each call, so a time covers the launch overhead and the kernel alike. Raw and
arraybackend are timed in alternating rounds (drift and clock boost hit both alike); each
line gives the median time of each side, the median of the per-round speed ratios
(raw time / arraybackend time: 1.00 is parity, the goal is >= 0.98 at n >= 1024) and
arraybackend's TFLOP/s (2 n^3 flops per product).

Needs an NVIDIA GPU: ``nox -s bench-cupy`` (or ``python benchmarks/bench_cupy.py``).
TF32 is whatever ``CUPY_TF32`` says (off unless set to 1); the header prints it.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np

import arraybackend as ab

SIZES = (64, 1024, 4096, 8192)
DTYPES: tuple[type[np.floating[Any]], ...] = (np.float32, np.float64)


@dataclass(frozen=True)
class Result:
    n: int
    dtype: str
    raw_s: float
    ours_s: float
    speed: float  # raw / ours, median of rounds

    @property
    def tflops(self) -> float:
        return 2 * self.n**3 / self.ours_s / 1e12


def measure(n: int, dtype: type[np.floating[Any]], rounds: int, budget_s: float) -> Result:
    import cupy
    from cupyx.profiler import benchmark

    be = ab.get_backend("cupy")
    rng = np.random.default_rng(n)
    x = be.asarray(rng.standard_normal((n, n)).astype(dtype))
    w = be.asarray(rng.standard_normal((n, n)).astype(dtype))
    matmul = cupy.matmul

    def raw() -> object:
        return matmul(x, w)

    def ours() -> object:
        return be.matrix_multiply(x, w)

    # Repeats per round: about budget_s / rounds / 2 of GPU time per side.
    once = float(np.median(benchmark(raw, n_repeat=5, n_warmup=3).gpu_times[0]))
    repeat = max(3, min(10_000, int(budget_s / rounds / 2 / max(once, 1e-6))))
    raw_times: list[float] = []
    our_times: list[float] = []
    speeds: list[float] = []
    for _ in range(rounds):
        r = float(np.median(benchmark(raw, n_repeat=repeat, n_warmup=2).gpu_times[0]))
        o = float(np.median(benchmark(ours, n_repeat=repeat, n_warmup=2).gpu_times[0]))
        raw_times.append(r)
        our_times.append(o)
        speeds.append(r / o)
    return Result(
        n,
        np.dtype(dtype).name,
        statistics.median(raw_times),
        statistics.median(our_times),
        statistics.median(speeds),
    )


def header() -> str:
    device = ab.get_backend("cupy").device  # first: says why if CuPy cannot run here
    import cupy

    runtime = cupy.cuda.runtime
    name = runtime.getDeviceProperties(device).get("name", b"?")
    gpu = name.decode() if isinstance(name, bytes) else str(name)
    return (
        f"arraybackend {ab.__version__}, CuPy {cupy.__version__}, numpy {np.__version__}, "
        f"Python {platform.python_version()}\n"
        f"GPU {device}: {gpu}; CUDA driver {runtime.driverGetVersion()}, "
        f"runtime {runtime.runtimeGetVersion()}; CUPY_TF32={os.environ.get('CUPY_TF32', 'unset')}"
    )


def _fmt(seconds: float) -> str:
    return f"{seconds * 1e6:.1f} us" if seconds < 1e-3 else f"{seconds * 1e3:.3f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=11, help="alternating rounds per case")
    parser.add_argument("--budget", type=float, default=4.0, help="GPU seconds per case")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    args = parser.parse_args(argv)
    try:
        print(header())
    except ab.BackendUnavailableError as err:
        print(f"cannot run: {err}", file=sys.stderr)
        return 2
    print(f"{args.rounds} alternating rounds per case; medians of cupyx.profiler.benchmark\n")
    print("| n | dtype | cupy.matmul | matrix_multiply | speed vs raw | TFLOP/s | goal >= 0.98 |")
    print("|---:|---|---:|---:|---:|---:|---|")
    missed = 0
    for n in args.sizes:
        for dtype in DTYPES:
            r = measure(n, dtype, args.rounds, args.budget)
            goal = "" if n < 1024 else ("met" if r.speed >= 0.98 else "MISSED")
            missed += goal == "MISSED"
            print(
                f"| {n} | {r.dtype} | {_fmt(r.raw_s)} | {_fmt(r.ours_s)} | {r.speed:.3f} "
                f"| {r.tflops:.2f} | {goal} |",
                flush=True,
            )
    return 0 if missed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
