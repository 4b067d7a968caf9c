"""``arraybackend check``: every backend against the exact product, on a fixed grid.

Deterministic (fixed seed) and needs neither pytest nor hypothesis: it is the quick field
check; the hypothesis-driven conformance run is ``arraybackend.testing.check_backend``.
A backend that raises gets a FAIL row and the run goes on; one that cannot run here gets a
"skipped" row with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

import arraybackend as ab
from arraybackend.testing._exact import check_product


class Sink(Protocol):
    """Where the table goes: written row by row, flushed after each."""

    def write(self, text: str, /) -> object: ...
    def flush(self) -> object: ...


__all__ = ["DTYPES", "SHAPES", "Sink", "run_check"]

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
    be: ab.Backend[Any],
    asarray: Callable[[np.ndarray[Any, Any]], Any],
    name: str,
    dtype: np.dtype[Any],
    rng: np.random.Generator,
) -> tuple[str, float | None]:
    """The verdict and largest error/bound ratio of one backend and dtype over the grid."""
    worst = 0.0
    for xs, ws in SHAPES:
        x, w = _operands(rng, xs, dtype), _operands(rng, ws, dtype)
        try:
            z = be.to_numpy(be.matrix_multiply(asarray(x), asarray(w)))
        except ab.DTypeError as err:  # a backend may not support a dtype (e.g. float16)
            return f"unsupported: {err}", None
        if z.dtype != dtype:
            return f"FAIL: {xs} @ {ws} gave dtype {z.dtype}", None
        try:
            result = check_product(z, x, w, who=f"{name} {xs} @ {ws}")
        except AssertionError as err:
            return f"FAIL: {err}", None
        worst = max(worst, result.max_ratio)
    return "ok", worst


def _backends(requested: list[str] | None) -> list[tuple[str, ab.Backend[Any] | str]]:
    """Each name with its backend, or the reason it is skipped; raises before any output.

    Names asked for explicitly must exist and be able to run here (an unknown or unavailable
    one is an error); by default every known backend is listed, unavailable ones skipped.
    """
    if requested is None:
        found: list[tuple[str, ab.Backend[Any] | str]] = []
        for name in ab.known_backends():
            try:
                found.append((name, ab.get_backend(name)))
            except ab.BrokenBackendError as err:  # a bug in the plugin: a failure, not a skip
                found.append((name, f"FAIL: {err.reason}"))
            except ab.BackendUnavailableError as err:
                found.append((name, f"skipped: unavailable: {err.reason}"))
            except Exception as err:  # a broken third-party factory: a row, not a crash
                found.append((name, f"FAIL: creating it raised {type(err).__name__}: {err}"))
        return found
    return [(name, ab.get_backend(name)) for name in dict.fromkeys(requested)]


def run_check(requested: list[str] | None, out: Sink) -> int:
    """Print a table of backend x dtype to ``out``; 1 if anything failed, else 0."""
    backends = _backends(requested)  # errors about the names come before the header
    width = max(len("backend"), *(len(name) for name, _ in backends))
    print(f"{'backend':<{width}}  {'dtype':<10}  {'max error/bound':>15}  result", file=out)
    failed, skipped = set[str](), set[str]()

    def row(name: str, dtype: str, worst: float | None, verdict: str) -> None:
        ratio = "-" if worst is None else f"{worst:.3g}"
        print(f"{name:<{width}}  {dtype:<10}  {ratio:>15}  {verdict}", file=out)
        out.flush()  # each row as it is done, also through a pipe (a GPU run is slow)
        if verdict.startswith("FAIL"):
            failed.add(name)

    for name, be in backends:
        if isinstance(be, str):
            row(name, "-", None, be)
            if be.startswith("skipped"):
                skipped.add(name)
            continue
        if not isinstance(be, ab.SupportsAsarray):
            row(name, "-", None, "skipped: the backend has no asarray() to load test data")
            skipped.add(name)
            continue
        for dtype_name in DTYPES:
            rng = np.random.default_rng(0)  # the same data for every backend
            try:
                verdict, worst = _check_one(be, be.asarray, name, np.dtype(dtype_name), rng)
            except Exception as err:  # a broken backend: report it and go on
                verdict, worst = f"FAIL: raised {type(err).__name__}: {err}", None
            row(name, dtype_name, worst, verdict)
    checked = len(backends) - len(skipped)
    print(
        f"\n{checked} backend(s) checked, {len(failed)} failed, {len(skipped)} skipped; "
        f"{len(SHAPES)} shape pairs per row. A ratio <= 1 is within the floating-point "
        f"error bound.",
        file=out,
    )
    return 1 if failed else 0
