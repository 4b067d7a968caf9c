"""Print the parity figures: hypothesis examples run and the largest error/bound ratio per dtype.

Usage: ``python benchmarks/parity_report.py [BACKEND ...] [--examples N]`` (default: every
available backend, 100 examples per check and dtype). The reference column is NumPy checked
against exact arithmetic on the same inputs. Output is a Markdown table, ready to quote.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import arraybackend as ab
from arraybackend.testing import BackendReport, check_backend, check_product

LOOSENESS_K = (1, 16, 256, 1024)
LOOSENESS_DTYPES = ("float16", "float32", "float64", "complex64", "complex128")


def _table(reports: list[BackendReport]) -> str:
    lines = [
        "| backend | dtype | max error/bound (backend) | max error/bound (numpy vs exact) |",
        "| --- | --- | ---: | ---: |",
    ]
    for report in reports:
        for dtype in sorted(report.max_ratio):
            ref = report.reference_max_ratio.get(dtype, float("nan"))
            lines.append(
                f"| {report.backend} | {dtype} | {report.max_ratio[dtype]:.3g} | {ref:.3g} |"
            )
    return "\n".join(lines)


def _looseness(name: str) -> str:
    """Max error/bound of (4, k) @ (k, 4) standard-normal products, by inner length k.

    The bound grows like k (worst case, every rounding in the same direction); typical
    errors grow like sqrt(k), so the ratio falls as k grows: that is how loose it is.
    """
    backend = ab.get_backend(name)
    assert isinstance(backend, ab.SupportsAsarray)
    rng = np.random.default_rng(0)
    lines = [
        f"| {name}: dtype | " + " | ".join(f"k = {k}" for k in LOOSENESS_K) + " |",
        "| --- |" + " ---: |" * len(LOOSENESS_K),
    ]
    for dtype in LOOSENESS_DTYPES:
        cells: list[str] = []
        for k in LOOSENESS_K:
            x = rng.standard_normal((4, k)) + (
                1j * rng.standard_normal((4, k)) if "c" in dtype else 0
            )
            w = rng.standard_normal((k, 4)) + (
                1j * rng.standard_normal((k, 4)) if "c" in dtype else 0
            )
            x, w = x.astype(dtype), w.astype(dtype)
            try:
                z = backend.to_numpy(
                    backend.matrix_multiply(backend.asarray(x), backend.asarray(w))
                )
            except ab.DTypeError:
                cells.append("n/a")
                continue
            cells.append(f"{check_product(z, x, w).max_ratio:.3g}")
        lines.append(f"| {dtype} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    """Run ``check_backend`` on each backend and print the figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("backends", nargs="*", help="default: every available backend")
    parser.add_argument("--examples", type=int, default=100, help="per check (and dtype)")
    args = parser.parse_args()
    names: list[str] = args.backends or list(ab.available_backends())
    reports: list[BackendReport] = []
    for name in names:
        start = time.perf_counter()
        report = check_backend(ab.get_backend(name), max_examples=args.examples)
        seconds = time.perf_counter() - start
        reports.append(report)
        total = sum(report.examples.values())
        checks = ", ".join(f"{check} {n}" for check, n in report.examples.items())
        print(f"{name}: {total} examples in {seconds:.1f} s ({checks})")
        if report.unsupported:
            print(f"{name}: dtypes it does not support: {', '.join(report.unsupported)}")
    print()
    print(_table(reports))
    for name in names:
        print()
        print(_looseness(name))


if __name__ == "__main__":
    main()
