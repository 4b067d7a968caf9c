"""``check_backend``: the whole conformance run a backend author calls in one line."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from arraybackend._protocol import Backend
from arraybackend.errors import ArrayBackendError, BackendMismatchError, DTypeError, ShapeError
from arraybackend.testing._exact import HostArray
from arraybackend.testing._parity import ParityError, ParityResult, SupportsAsarray, assert_parity

if TYPE_CHECKING:
    from hypothesis import strategies as st

__all__ = ["BackendReport", "check_backend"]


@dataclass
class BackendReport:
    """What ``check_backend`` ran and the largest error-to-bound ratio seen per dtype.

    A ratio is the worst ``|computed - exact| / bound`` over all elements of that dtype;
    below 1 passes. A ratio far below 1 means the bound is loose for these data (it is a
    worst case over every summation order), not that the check is weak: the error of a
    wrong result (a wrong element, a transposed operand) is many times the bound.
    """

    backend: str
    examples: dict[str, int] = field(default_factory=dict[str, int])
    max_ratio: dict[str, float] = field(default_factory=dict[str, float])
    reference_max_ratio: dict[str, float] = field(default_factory=dict[str, float])
    unsupported: list[str] = field(default_factory=list[str])
    failures: list[str] = field(default_factory=list[str])

    def record(self, check: str, result: ParityResult) -> None:
        """Count one example of ``check`` and keep the largest ratios per dtype."""
        self.examples[check] = self.examples.get(check, 0) + 1
        for ratios, value in (
            (self.max_ratio, result.backend),
            (self.reference_max_ratio, result.reference),
        ):
            if value is not None:
                ratios[value.dtype] = max(ratios.get(value.dtype, 0.0), value.max_ratio)

    def summary(self) -> str:
        """A readable table: examples per check, then ratios per dtype, then failures."""
        lines = [f"arraybackend conformance of {self.backend!r}:"]
        lines += [f"  {check:<24} {n:>6} examples" for check, n in self.examples.items()]
        lines.append("  max error/bound ratio   backend  reference(numpy)")
        for dtype in sorted(self.max_ratio):
            ref = self.reference_max_ratio.get(dtype, float("nan"))
            lines.append(f"  {dtype:<22} {self.max_ratio[dtype]:>8.3g}  {ref:>8.3g}")
        if self.unsupported:
            lines.append(f"  not supported by the backend: {', '.join(self.unsupported)}")
        lines += [f"  FAILED {failure}" for failure in self.failures]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _supported(backend: SupportsAsarray, report: BackendReport) -> list[np.dtype[Any]]:
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


def _error_cases() -> list[tuple[str, Callable[..., object], tuple[object, ...], type[Exception]]]:
    ones = np.ones
    return [
        ("inner dimensions differ", _mm, (ones((2, 3)), ones((2, 3))), ShapeError),
        ("batch does not broadcast", _mm, (ones((2, 2, 3)), ones((3, 3, 4))), ShapeError),
        ("dot of rank 3", _dot, (ones((2, 2, 2)), ones((2, 2))), ShapeError),
        ("bool @ bool", _mm, (ones((2, 2), bool), ones((2, 2), bool)), DTypeError),
        ("transpose axes (0, 0)", _tr, (ones((2, 3)), (0, 0)), ShapeError),
        ("a list, not an array", _mm, ([[1.0]], [[1.0]]), ArrayBackendError),
    ]


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


def _static_checks(backend: Backend[Any], report: BackendReport) -> None:
    """The error table and the no-implicit-conversion rule (no hypothesis needed)."""
    for label, fn, args, expected in _error_cases():
        try:
            result = assert_parity(fn, *args, backend=backend)
            if result.error is None or not issubclass(result.error, expected):
                raise ParityError(f"{label}: expected {expected.__name__}, got {result.error}")
            report.record("errors", result)
        except ParityError as err:
            report.failures.append(f"errors: {label}: {err}")
    if not isinstance(backend, SupportsAsarray):
        return
    host = np.ones((2, 2))
    mine = backend.asarray(host)
    if isinstance(mine, np.ndarray):
        return  # a backend over NumPy arrays: there is nothing to convert implicitly
    numpy = _reference()
    cases: list[tuple[str, Backend[Any], tuple[object, ...]]] = [
        (f"numpy arrays to {backend.name}", backend, (host, host)),
        (f"numpy and {backend.name} arrays mixed", backend, (mine, host)),
        (f"{backend.name} arrays to numpy", numpy, (mine, mine)),
    ]
    for label, be, args in cases:
        for op, fn in (("matrix_multiply", _mm), ("dot", _dot), ("transpose", _tr)):
            if op == "transpose" and args[0] is mine and be is backend:
                continue  # transpose takes one array: nothing is mixed
            report.examples["no implicit conversion"] = (
                report.examples.get("no implicit conversion", 0) + 1
            )
            try:
                fn(be, *args[: 1 if op == "transpose" else 2])
            except BackendMismatchError:
                continue
            except Exception as err:
                report.failures.append(
                    f"no implicit conversion: {label}: {op} raised {type(err).__name__} "
                    f"({err}), not BackendMismatchError"
                )
            else:
                report.failures.append(
                    f"no implicit conversion: {label}: {op} converted silently instead of "
                    f"raising BackendMismatchError"
                )


def _reference() -> Backend[Any]:
    from arraybackend.testing._parity import reference_backend

    return reference_backend()


def check_backend(
    backend: Backend[Any],
    *,
    max_examples: int = 25,
    accumulate: Mapping[np.dtype[Any], np.dtype[Any]] | None = None,
) -> BackendReport:
    """Run the whole conformance suite on ``backend`` and report; raise if anything failed.

    Checks, each against the NumPy reference through ``assert_parity``: values of
    ``matrix_multiply`` and ``dot`` against exact arithmetic for every dtype the backend
    supports (all shapes of ``matmul_shapes``, all memory layouts), ``transpose`` bit for
    bit, products of transposed views, NaN/±Inf as IEEE 754 or the reference has them, the error
    table (same public error class), that no input is modified, and for a non-NumPy
    backend that NumPy arrays are refused with ``BackendMismatchError`` both ways.

    Parameters
    ----------
    backend
        The backend; it must also offer ``asarray(numpy_array)``.
    max_examples
        Hypothesis examples per check (the runs are derandomized: the same every time).
    accumulate
        Result dtype -> accumulation dtype (see ``DEFAULT_ACCUMULATE``).

    Returns
    -------
    BackendReport

    Raises
    ------
    ParityError
        With ``report.summary()`` listing every failed check.
    """
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from arraybackend.testing import strategies as abst

    if not isinstance(backend, SupportsAsarray):
        msg = f"check_backend: {backend!r} has no asarray(numpy_array) method; the kit needs one"
        raise TypeError(msg)
    report = BackendReport(backend.name)
    dtypes = _supported(backend, report)
    floats = [d for d in dtypes if d.kind in "fc"]
    run = settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        print_blob=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )

    def hypothesis_check(
        check: str, strategy: st.SearchStrategy[Any], body: Callable[..., ParityResult]
    ) -> None:
        @run
        @given(strategy)
        def example(args: Any) -> None:
            report.record(check, body(*args))

        try:
            example()
        except Exception as err:  # any exception from a backend is a finding, not a crash
            group: tuple[BaseException, ...] = (err,)
            if isinstance(err, BaseExceptionGroup):
                group = tuple(cast("BaseExceptionGroup[BaseException]", err).exceptions)
            for one in group:
                notes = " ".join(" ".join(getattr(one, "__notes__", [])).split())
                report.failures.append(f"{check}: {type(one).__name__}: {one} [{notes}]")

    def product(
        fn: Callable[..., object], pair: Callable[..., tuple[HostArray, HostArray]] = _pair
    ) -> Callable[..., ParityResult]:
        def body(*args: object) -> ParityResult:
            return assert_parity(fn, *args, backend=backend, product=pair, accumulate=accumulate)

        return body

    def transposed_pair(x: HostArray, w: HostArray) -> tuple[HostArray, HostArray]:
        return x.T, w

    def transpose_body(x: HostArray, axes: tuple[int, ...] | None) -> ParityResult:
        return assert_parity(_tr, x, axes, backend=backend)

    if not dtypes:
        report.failures.append("asarray: the backend accepts none of the numeric dtypes")
        raise ParityError(report.summary())
    dtype_st = st.sampled_from(dtypes)
    for dtype in dtypes:  # every dtype gets max_examples: a sampled dtype may never be drawn
        operands = abst.matmul_operands(dtypes=st.just(dtype))
        hypothesis_check("matrix_multiply", operands, product(_mm))
    no_batch = abst.matmul_shapes(batched=False)
    hypothesis_check("dot", abst.matmul_operands(dtypes=dtype_st, shapes=no_batch), product(_dot))
    transposed = abst.matmul_shapes(batched=False).map(
        lambda s: ((s[0][::-1] if len(s[0]) == 2 else s[0]), s[1])
    )
    hypothesis_check(
        "transposed views",
        abst.matmul_operands(dtypes=dtype_st, shapes=transposed),
        product(_views, transposed_pair),
    )
    if floats:
        hypothesis_check(
            "NaN and Inf",
            abst.matmul_operands(dtypes=st.sampled_from(floats), nonfinite=True),
            product(_quiet_mm),
        )
    hypothesis_check(
        "transpose",
        _transpose_cases(dtype_st),
        transpose_body,
    )
    _static_checks(backend, report)
    if report.failures:
        raise ParityError(report.summary())
    return report


def _transpose_cases(dtypes: st.SearchStrategy[np.dtype[Any]]) -> st.SearchStrategy[Any]:
    from hypothesis import strategies as st

    from arraybackend.testing import strategies as abst

    @st.composite
    def cases(draw: st.DrawFn) -> tuple[HostArray, tuple[int, ...] | None]:
        shape = tuple(draw(st.lists(st.integers(0, 3), min_size=1, max_size=3)))
        x = draw(abst.arrays(draw(dtypes), shape))
        axes = draw(st.none() | st.permutations(range(len(shape))).map(tuple))
        return x, axes

    return cases()
