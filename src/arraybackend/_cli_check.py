"""``arraybackend check``: every available backend against the exact product, on a grid.

Deterministic (fixed seed) and needs neither pytest nor hypothesis: it is the quick field
check; the hypothesis-driven conformance run is ``arraybackend.testing.check_backend``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import arraybackend as ab
from arraybackend.testing._exact import check_product

__all__ = ["run_check"]

SHAPES: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...] = (
    ((1, 1), (1, 1)),
    ((4, 2), (2, 3)),
    ((3, 17), (17, 5)),
    ((16, 64), (64, 16)),
    ((7,), (7, 3)),
    ((3, 7), (7,)),
    ((9,), (9,)),
    ((2, 3, 4), (4, 5)),
    ((0, 3), (3, 2)),
)
DTYPES = ("int32", "int64", "float16", "float32", "float64", "complex64", "complex128")


def _operands(
    rng: np.random.Generator, shape: tuple[int, ...], dtype: np.dtype[Any]
) -> np.ndarray[Any, Any]:
    if dtype.kind in "iu":
        return rng.integers(-50, 50, shape).astype(dtype)
    real = rng.uniform(-1, 1, shape)
    if dtype.kind == "c":
        return (real + 1j * rng.uniform(-1, 1, shape)).astype(dtype)
    return real.astype(dtype)


def _check_one(
    be: ab.Backend[Any], dtype: np.dtype[Any], rng: np.random.Generator
) -> tuple[str, float]:
    """The largest error/bound ratio of this backend for this dtype over the grid."""
    asarray = getattr(be, "asarray", None)
    if asarray is None:
        return "skipped: the backend has no asarray()", 0.0
    worst = 0.0
    for xs, ws in SHAPES:
        x, w = _operands(rng, xs, dtype), _operands(rng, ws, dtype)
        try:
            z = be.to_numpy(be.matrix_multiply(asarray(x), asarray(w)))
        except ab.DTypeError as err:  # a backend may not support a dtype (e.g. float16)
            return f"unsupported: {err}", worst
        if z.dtype != dtype:
            return f"FAIL: {xs} @ {ws} gave dtype {z.dtype}", worst
        try:
            result = check_product(z, x, w, who=f"{be.name} {xs} @ {ws}")
        except AssertionError as err:
            return f"FAIL: {err}", worst
        worst = max(worst, result.max_ratio)
    return "ok", worst


def run_check(backends: list[str] | None) -> int:
    """Print a table of backend x dtype; 1 if any value or dtype is wrong, else 0."""
    names = backends or list(ab.available_backends())
    print(f"{'backend':<18} {'dtype':<11} {'max error/bound':>15}  result")
    failed = False
    for name in names:
        be = ab.get_backend(name)
        for dtype_name in DTYPES:
            rng = np.random.default_rng(0)  # the same data for every backend
            verdict, worst = _check_one(be, np.dtype(dtype_name), rng)
            failed |= verdict.startswith("FAIL")
            print(f"{name:<18} {dtype_name:<11} {worst:>15.3g}  {verdict}")
    print(
        f"\n{len(SHAPES)} shape pairs per row; a ratio <= 1 is within the floating-point error bound."
    )
    return 1 if failed else 0
