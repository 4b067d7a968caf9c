"""``check_backend``: the conformance run, a table of named checks (``CHECKS``).

Each check is a function of one ``Run`` (``_run``: the backend, the dtypes it supports, the
settings and the report); ``CHECKS`` lists them in the order they run, with the one-line
summary that docs/parity.md's table repeats. The checks drawn by hypothesis live here; those
on fixed inputs in ``_fixed_checks``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from arraybackend._protocol import Backend, SupportsAsarray
from arraybackend.errors import ArrayBackendError
from arraybackend.testing import _fixed_checks as fixed
from arraybackend.testing._exact import HostArray
from arraybackend.testing._parity import assert_parity
from arraybackend.testing._report import BackendReport, ParityError, ParityResult
from arraybackend.testing._run import DTypeParityError, Run

if TYPE_CHECKING:
    from hypothesis import strategies as st

__all__ = ["CHECKS", "Check", "check_backend"]


@dataclass(frozen=True)
class Check:
    """A named conformance check: ``run(Run)`` records examples and failures."""

    name: str
    summary: str
    run: Callable[[Run], None] = field(repr=False, compare=False)


def _mm(be: Backend[Any], x: Any, w: Any) -> object:
    return be.matrix_multiply(x, w)


def _dot(be: Backend[Any], x: Any, w: Any) -> object:
    return be.dot(x, w)


def _tr(be: Backend[Any], x: Any, axes: Any = None) -> object:
    return be.transpose(x, axes)


def _quiet_mm(be: Backend[Any], x: Any, w: Any) -> object:
    # inf * 0 warns "invalid value" in NumPy (and in libraries built on it); the values
    # are compared with the reference, the warnings are not part of parity.
    with np.errstate(all="ignore"):
        return be.matrix_multiply(x, w)


def _views(be: Backend[Any], x: Any, w: Any) -> object:
    return be.matrix_multiply(be.transpose(x), w)


def _pair(x: HostArray, w: HostArray) -> tuple[HostArray, HostArray]:
    return x, w


def _transposed_pair(x: HostArray, w: HostArray) -> tuple[HostArray, HostArray]:
    return x.T, w


def _random_values(
    dtype: np.dtype[Any],
    shape: tuple[int, ...],
    k: int,
    rng: np.random.Generator,
    *,
    nonfinite: bool = False,
) -> HostArray:
    """Values with full significands (integers bounded as the strategies bound them).

    ``nonfinite`` makes about a third of the (real and imaginary) parts NaN or ±Inf.
    """
    from arraybackend.testing.strategies import integer_limit

    if dtype.kind in "iu":
        limit = integer_limit(dtype, k)
        return rng.integers(0 if dtype.kind == "u" else -limit, limit + 1, shape).astype(dtype)
    top = 2.0 ** (3 if dtype.itemsize <= 2 else 10)  # as the strategies bound floats
    size: tuple[int, ...] = (2, *shape)
    parts: HostArray = rng.uniform(-top, top, size)
    if nonfinite:
        special = rng.choice(np.array([np.nan, np.inf, -np.inf]), size)
        chosen: HostArray = rng.random(size) < 1 / 3
        parts = np.where(chosen, special, parts)
    values: HostArray
    if dtype.kind != "c":
        values = parts[0].astype(dtype)
        return values
    values = np.empty(shape, dtype)
    values.real, values.imag = parts
    return values


def _every_dtype(
    run: Run,
    check: str,
    fn: Callable[..., object],
    pair: Callable[..., tuple[HostArray, HostArray]],
    shapes: st.SearchStrategy[Any],
    *,
    floats_only: bool = False,
) -> None:
    """Shapes and layouts drawn by hypothesis; every example checks every supported dtype.

    Values come from a drawn seed: hypothesis's draws of values per dtype cost more than
    the checks themselves, and these checks are about paths (``dot``'s, transposed
    operands), which shapes and layouts choose.
    """
    from hypothesis import strategies as st

    from arraybackend.testing import strategies as abst

    structure = st.tuples(shapes, abst.layouts(), abst.layouts(), st.integers(0, 2**32 - 1))

    def body(
        shape_pair: tuple[tuple[int, ...], tuple[int, ...]],
        layout_x: abst.Layout,
        layout_w: abst.Layout,
        seed: int,
    ) -> list[ParityResult]:
        xs, ws = shape_pair
        k = max((*xs, *ws, 1))
        rng = np.random.default_rng(seed)
        results: list[ParityResult] = []
        for dtype in run.floats if floats_only else run.dtypes:
            x = abst.arrange(_random_values(dtype, xs, k, rng, nonfinite=floats_only), layout_x)
            w = abst.arrange(_random_values(dtype, ws, k, rng, nonfinite=floats_only), layout_w)
            try:
                results.append(
                    assert_parity(
                        fn, x, w, backend=run.backend, product=pair, accumulate=run.accumulate
                    )
                )
            except ParityError as err:
                raise DTypeParityError(str(err), dtype) from None
        return results

    run.drawn(check, None, structure, body)


def check_matrix_multiply(run: Run) -> None:
    """Products of every supported dtype against exact arithmetic, values by hypothesis.

    Each dtype gets ``max_examples`` of its own (values drawn per dtype).
    """
    from hypothesis import strategies as st

    from arraybackend.testing import strategies as abst

    def body(x: HostArray, w: HostArray) -> ParityResult:
        return assert_parity(
            _mm, x, w, backend=run.backend, product=_pair, accumulate=run.accumulate
        )

    for dtype in run.dtypes:
        run.drawn("matrix_multiply", dtype, abst.matmul_operands(dtypes=st.just(dtype)), body)


def check_dot(run: Run) -> None:
    """``dot`` of every supported dtype against exact arithmetic (no batches)."""
    from arraybackend.testing import strategies as abst

    _every_dtype(run, "dot", _dot, _pair, abst.matmul_shapes(batched=False))


def check_transposed_views(run: Run) -> None:
    """``matrix_multiply(transpose(x), w)`` for every supported dtype."""
    from arraybackend.testing import strategies as abst

    shapes = abst.matmul_shapes(batched=False).map(
        lambda s: ((s[0][::-1] if len(s[0]) == 2 else s[0]), s[1])
    )
    _every_dtype(run, "transposed views", _views, _transposed_pair, shapes)


def check_nan_and_inf(run: Run) -> None:
    """Products with NaN and +-Inf among the values, for every floating dtype."""
    from arraybackend.testing import strategies as abst

    _every_dtype(run, "NaN and Inf", _quiet_mm, _pair, abst.matmul_shapes(), floats_only=True)


def check_transpose(run: Run) -> None:
    """``transpose`` of every supported dtype, bit for bit."""
    from hypothesis import strategies as st

    from arraybackend.testing import strategies as abst

    @st.composite
    def cases(draw: st.DrawFn) -> tuple[tuple[int, ...], tuple[int, ...] | None, Any, int]:
        shape = tuple(draw(st.lists(st.integers(0, 3), min_size=1, max_size=3)))
        axes = draw(st.none() | st.permutations(range(len(shape))).map(tuple))
        return shape, axes, draw(abst.layouts()), draw(st.integers(0, 2**32 - 1))

    def body(
        shape: tuple[int, ...], axes: tuple[int, ...] | None, layout: abst.Layout, seed: int
    ) -> list[ParityResult]:
        rng = np.random.default_rng(seed)
        results: list[ParityResult] = []
        for dtype in run.dtypes:
            x = abst.arrange(_random_values(dtype, shape, 1, rng), layout)
            try:
                results.append(assert_parity(_tr, x, axes, backend=run.backend))
            except ParityError as err:
                raise DTypeParityError(str(err), dtype) from None
        return results

    run.drawn("transpose", None, cases(), body)


#: The conformance checks, in the order ``check_backend`` runs them (docs/parity.md).
CHECKS: tuple[Check, ...] = (
    Check("matrix_multiply", "values of every supported dtype", check_matrix_multiply),
    Check("dot", "as matrix_multiply, without batches", check_dot),
    Check("transposed views", "matrix_multiply(transpose(x), w)", check_transposed_views),
    Check("NaN and Inf", "floating dtypes with NaN and +-Inf values", check_nan_and_inf),
    Check("overflow", "integer wrap-around and floating overflow", fixed.check_overflow),
    Check("transpose", "every dtype, bit for bit", check_transpose),
    Check("transpose is a view", "the result shares the input's memory", fixed.check_view),
    Check("out=", "out is written and returned", fixed.check_out),
    Check("inputs unchanged", "signed zeros and NaN payloads, bytes", fixed.check_unchanged),
    Check("errors", "the same public error class as the reference", fixed.check_errors),
    Check("no implicit conversion", "NumPy arrays refused", fixed.check_no_conversion),
)


def _supported(backend: SupportsAsarray[Any], report: BackendReport) -> list[np.dtype[Any]]:
    from arraybackend.testing.strategies import FLOAT_DTYPES, INTEGER_DTYPES

    dtypes: list[np.dtype[Any]] = []
    for dtype in FLOAT_DTYPES + INTEGER_DTYPES:
        try:
            backend.asarray(np.zeros((1, 1), dtype=dtype))
        except ArrayBackendError:
            report.unsupported.append(str(dtype))
        else:
            dtypes.append(dtype)
    return dtypes


def _selected(checks: Collection[str] | None) -> list[Check]:
    if checks is None:
        return list(CHECKS)
    if isinstance(checks, str):
        checks = [checks]  # one name, not its letters
    names = [c.name for c in CHECKS]
    unknown = [c for c in checks if c not in names]
    if unknown:
        msg = (
            f"check_backend: unknown check(s) {unknown!r}; the checks are "
            f"{', '.join(map(repr, names))}"
        )
        raise ValueError(msg)
    return [c for c in CHECKS if c.name in checks]


def check_backend(
    backend: Backend[Any],
    *,
    max_examples: int = 25,
    accumulate: Mapping[np.dtype[Any], np.dtype[Any]] | None = None,
    checks: Collection[str] | None = None,
    raise_on_failure: bool = True,
) -> BackendReport:
    """Run the conformance checks (``CHECKS``, docs/parity.md) on ``backend`` and report.

    Every check compares with the NumPy reference through ``assert_parity``: values
    against exact arithmetic within their error bound for every dtype the backend supports
    (all shapes of ``matmul_shapes``, all memory layouts), ``transpose`` bit for bit and as
    a view, NaN/±Inf and overflow as the reference has them, ``out=``, the error table
    (same public error class), that no input changes by a single byte, and for a
    non-NumPy backend that NumPy arrays are refused with ``BackendMismatchError``.

    Parameters
    ----------
    backend
        The backend; it must also offer ``asarray(numpy_array)`` (``SupportsAsarray``).
    max_examples
        Hypothesis examples per drawn check and dtype (derandomized: the same every run).
    accumulate
        Result dtype -> accumulation dtype (see ``DEFAULT_ACCUMULATE``).
    checks
        Names of the checks to run (default: all of ``CHECKS``).
    raise_on_failure
        Raise ``ParityError`` when a check failed (default); with False, return the report
        and let the caller read ``report.failures``.

    Returns
    -------
    BackendReport
        ``failures`` is empty exactly when every check passed.

    Raises
    ------
    ParityError
        With ``raise_on_failure``, when a check failed: the message is ``report.summary()``
        and ``.report`` the report.
    TypeError
        ``backend`` has no ``asarray`` method.
    ValueError
        An unknown name in ``checks``.
    """
    if not isinstance(backend, SupportsAsarray):
        msg = f"check_backend: {backend!r} has no asarray(numpy_array) method; the kit needs one"
        raise TypeError(msg)
    selected = _selected(checks)
    report = BackendReport(backend.name)
    dtypes = _supported(cast("SupportsAsarray[Any]", backend), report)
    if not dtypes:
        report.fail("asarray", "the backend accepts none of the numeric dtypes")
    else:
        run = Run(backend, report, dtypes, max_examples=max_examples, accumulate=accumulate)
        for check in selected:
            check.run(run)
    if report.failures and raise_on_failure:
        raise ParityError(report.summary(), report=report)
    return report
