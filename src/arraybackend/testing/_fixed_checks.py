"""The conformance checks on fixed inputs: cases hypothesis would rarely or never draw.

Each runs on every dtype the backend supports (where the check means something for that
dtype) and stops at the first failure per dtype, so a broken backend gives one line per
dtype, not hundreds.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeGuard, cast

import numpy as np

from arraybackend._protocol import Backend, SupportsAsarray
from arraybackend.errors import ArrayBackendError, BackendMismatchError, DTypeError, ShapeError
from arraybackend.testing._exact import HostArray
from arraybackend.testing._report import ParityError

if TYPE_CHECKING:
    from arraybackend.testing._run import Run
    from arraybackend.testing.strategies import Layout

__all__ = [
    "check_errors",
    "check_no_conversion",
    "check_out",
    "check_overflow",
    "check_unchanged",
    "check_view",
]


def _pair(x: HostArray, w: HostArray) -> tuple[HostArray, HostArray]:
    return x, w


def _pair_out(x: HostArray, w: HostArray, _: object) -> tuple[HostArray, HostArray]:
    return x, w


def _values(dtype: np.dtype[Any], shape: tuple[int, ...], seed: int) -> HostArray:
    """Small values whose products are exact in every dtype (quarters for floats)."""
    rng = np.random.default_rng(seed)
    low = 0 if dtype.kind == "u" else -4
    ints = rng.integers(low, 5, size=shape)
    if dtype.kind in "fc":
        return (ints / 4).astype(dtype)
    return ints.astype(dtype)


def _quiet_mm(be: Backend[Any], x: Any, w: Any) -> object:
    with np.errstate(all="ignore"):
        return be.matrix_multiply(x, w)


def _quiet_dot(be: Backend[Any], x: Any, w: Any) -> object:
    with np.errstate(all="ignore"):
        return be.dot(x, w)


def _tr(be: Backend[Any], x: Any, axes: Any = None) -> object:
    return be.transpose(x, axes)


def _filled(shape: tuple[int, ...], dtype: np.dtype[Any]) -> HostArray:
    """An array no correct product equals: NaN, or the dtype's largest integer."""
    fill: object = math.nan if dtype.kind in "fc" else np.iinfo(dtype).max
    return np.full(shape, fill, dtype=dtype)


def _asarray(be: Backend[Any], host: HostArray) -> Any:
    """``be.asarray(host)``; the kit checked up front that ``be`` has it."""
    if not isinstance(be, SupportsAsarray):
        raise TypeError(f"{be.name}: no asarray method: the kit needs one")
    return cast("SupportsAsarray[Any]", be).asarray(host)


# TypeGuards rather than isinstance: pyright narrows to ndarray[Unknown, Unknown].
def _is_host(x: object) -> TypeGuard[HostArray]:
    return isinstance(x, np.ndarray)


def _is_scalar(x: object) -> TypeGuard[np.generic[Any]]:
    return isinstance(x, np.generic)


def _mm_out(be: Backend[Any], x: Any, w: Any, spec: tuple[tuple[int, ...], Any]) -> object:
    """``matrix_multiply(x, w, out=out)`` into a fresh ``out``; it must return ``out``."""
    shape, dtype = spec
    out = _asarray(be, _filled(shape, np.dtype(dtype)))
    with np.errstate(all="ignore"):
        result = be.matrix_multiply(x, w, out=out)
    if result is not out:
        msg = f"{be.name}: matrix_multiply(x, w, out=out) returned a new array, not out"
        raise ParityError(msg)
    return out


def _overflow_cases(dtype: np.dtype[Any]) -> list[tuple[str, HostArray, HostArray]]:
    if dtype.kind in "iu":
        a = int(np.iinfo(dtype).max) // 2 + 1
        cases = [("wraps around", np.array([[a, a]], dtype), np.array([[3], [1]], dtype))]
        if dtype.kind == "i":
            cases.append(("wraps below", np.array([[-a]], dtype), np.array([[3]], dtype)))
        return cases
    # big * big overflows. No inf - inf case: with an FMA, big*big + big*-big may be inf
    # rather than NaN, so a correct backend could differ from the reference there.
    big = 2.0 ** (int(np.finfo(dtype).maxexp) // 2 + 1)
    return [
        ("to +inf", np.array([[big, 1.0]], dtype), np.array([[big], [1.0]], dtype)),
        ("to -inf", np.array([[big, big]], dtype), np.array([[-big], [-big]], dtype)),
    ]


def check_overflow(run: Run) -> None:
    """Integer products that wrap around and floating ones that overflow, as the reference.

    Complex dtypes are left out: how an overflowed complex product splits into NaN and
    Inf components differs between correct BLAS implementations.
    """
    for dtype in run.dtypes:
        if dtype.kind == "c":
            continue
        for label, x, w in _overflow_cases(dtype):
            if run.parity("overflow", _quiet_mm, x, w, product=_pair, label=label, dtype=dtype):
                v, u = x[0], w[:, 0]
                run.parity("overflow", _quiet_dot, v, u, product=_pair, label=label, dtype=dtype)


def _shares_memory(x: object, t: object) -> bool | None:
    """Whether ``t`` views ``x``'s memory; None where the arrays do not say."""
    if _is_host(x) and _is_host(t):
        return bool(np.shares_memory(x, t))
    cuda_x: Any = getattr(x, "__cuda_array_interface__", None)
    cuda_t: Any = getattr(t, "__cuda_array_interface__", None)
    if cuda_x is not None and cuda_t is not None:
        # A transposed view starts at the same element: the same data pointer.
        return bool(cuda_x["data"][0] == cuda_t["data"][0])
    try:  # DLPack: zero-copy host views of CPU arrays of any library
        return bool(np.shares_memory(np.from_dlpack(x), np.from_dlpack(t)))  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    except Exception:
        return None


_VIEW_CASES: tuple[tuple[tuple[int, ...], tuple[int, ...] | None], ...] = (
    ((3,), None),
    ((2, 3), None),
    ((2, 3, 4), None),
    ((2, 3, 4), (1, 0, 2)),
)


def check_view(run: Run) -> None:
    """``transpose`` returns a view (it shares the input's memory), in every layout."""
    from arraybackend.testing.strategies import LAYOUTS, arrange

    backend = run.backend
    if getattr(backend, "mutable", True) is False:
        # Immutable arrays (JAX): nothing can write through a view, so a copy cannot be
        # told from one, and XLA is free to materialise the transpose.
        run.report.notes.append(
            f"transpose is a view: not checked: {backend.name} arrays are immutable "
            f"(its `mutable` attribute is False), so a copy is indistinguishable from a view"
        )
        return
    cases: list[tuple[Layout, tuple[int, ...], tuple[int, ...] | None]] = [
        (layout, shape, axes) for layout in LAYOUTS for shape, axes in _VIEW_CASES
    ]
    unknown = 0
    for dtype in run.dtypes:
        for layout, shape, axes in cases:
            x: object = _asarray(backend, arrange(_values(dtype, shape, 0), layout))
            try:
                t: object = backend.transpose(x, axes)
            except Exception as err:
                run.report.fail("transpose is a view", f"{type(err).__name__}: {err}", str(dtype))
                break
            shared = _shares_memory(x, t)
            if shared is None:
                unknown += 1
                continue
            run.report.count("transpose is a view")
            if not shared:
                msg = f"transpose of a {layout} {shape} array (axes {axes}) returned a copy"
                run.report.fail("transpose is a view", msg, str(dtype))
                break
    if unknown:
        run.report.notes.append(
            f"transpose is a view: {unknown} case(s): {backend.name} arrays expose no "
            f"memory to compare (NumPy arrays, __cuda_array_interface__ or CPU DLPack)"
        )


_OUT_SHAPES: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...] = (
    ((2, 3), (3, 4)),
    ((3,), (3, 2)),
    ((2, 3), (3,)),
    ((2, 1, 3), (3, 2)),
    ((2, 2, 3), (1, 3, 2)),
    ((1, 3, 4), (6, 4, 2)),
    ((2, 0), (0, 3)),
    ((0, 2, 3), (3, 2)),
)


def check_out(run: Run) -> None:
    """``matrix_multiply(..., out=out)`` writes the product into ``out`` and returns it.

    A backend of immutable arrays (``mutable`` False, JAX) must refuse ``out=`` with
    ``OutputError`` instead: it can neither write it nor silently ignore it.
    """
    if getattr(run.backend, "mutable", True) is False:
        _check_out_refused(run)
        return
    for dtype in run.dtypes:
        for i, (xs, ws) in enumerate(_OUT_SHAPES):
            x, w = _values(dtype, xs, 2 * i), _values(dtype, ws, 2 * i + 1)
            spec = (np.matmul(x, w).shape, dtype)
            label = f"x {xs} @ w {ws}"
            if not run.parity(
                "out=", _mm_out, x, w, spec, product=_pair_out, label=label, dtype=dtype
            ):
                break


def _check_out_refused(run: Run) -> None:
    from arraybackend.errors import OutputError

    backend = run.backend
    for dtype in run.dtypes:
        x = _asarray(backend, _values(dtype, (2, 3), 0))
        w = _asarray(backend, _values(dtype, (3, 4), 1))
        out = _asarray(backend, np.zeros((2, 4), dtype))
        try:
            backend.matrix_multiply(x, w, out=out)
        except OutputError:
            run.report.count("out=")
            continue
        except Exception as err:
            msg = f"out= on immutable arrays raised {type(err).__name__}: {err}, not OutputError"
            run.report.fail("out=", msg, str(dtype))
            break
        run.report.fail("out=", "out= on immutable arrays was accepted: never a no-op", str(dtype))
        break


def _specials(dtype: np.dtype[Any]) -> HostArray:
    """+0, -0, +-Inf, NaNs with a payload and either sign, and two ordinary values."""
    real = np.dtype(dtype.char.lower()) if dtype.kind == "c" else dtype
    bits = np.dtype(f"u{real.itemsize}")
    nan = np.array(np.nan, real).view(bits)
    sign = np.array(-0.0, real).view(bits)
    payload = np.array([nan | 1, nan | 1 | sign], bits).view(real)
    plain = np.array([0.0, -0.0, 1.5, -2.0, math.inf, -math.inf], real)
    values = np.concatenate([plain, payload])  # 8 values
    if dtype.kind == "c":
        both = np.empty(values.shape, dtype)
        both.real, both.imag = values, np.roll(values, 3)
        return both
    return values


def check_unchanged(run: Run) -> None:
    """No input changes by a byte: signed zeros and NaN payloads keep ``array_equal``."""
    from arraybackend.testing.strategies import arrange

    def views(be: Backend[Any], x: Any, w: Any) -> object:
        return _quiet_mm(be, be.transpose(x), w)

    def transposed(x: HostArray, w: HostArray) -> tuple[HostArray, HostArray]:
        return x.T, w

    for dtype in run.floats:
        values = _specials(dtype)
        for layout in ("C", "F"):
            x = arrange(values.reshape(2, 4), layout)
            w = arrange(np.concatenate([values, values[::-2]]).reshape(4, 3), layout)
            v = values[::-1].copy()
            spec = ((2, 3), dtype)
            calls: list[tuple[str, Callable[..., object], tuple[object, ...], Any]] = [
                ("matrix_multiply", _quiet_mm, (x, w), _pair),
                ("out=", _mm_out, (x, w, spec), _pair_out),
                ("dot", _quiet_dot, (x, w), _pair),
                ("dot of vectors", _quiet_dot, (v, v), _pair),
                ("transpose", _tr, (x,), None),
                ("transposed view", views, (x.T.copy(), w), transposed),
            ]
            if getattr(run.backend, "mutable", True) is False:  # out= is refused (check_out)
                calls = [call for call in calls if call[0] != "out="]
            if not all(
                run.parity("inputs unchanged", fn, *args, product=pair, label=label, dtype=dtype)
                for label, fn, args, pair in calls
            ):
                break


def _zero_d(be: Backend[Any], v: Any) -> Any:
    """A 0-d value of ``be``: ``dot`` of vectors (a NumPy scalar becomes a 0-d array)."""
    s: Any = be.dot(v, v)
    return np.asarray(s) if _is_scalar(s) else s


def _mm(be: Backend[Any], x: Any, w: Any) -> object:
    return be.matrix_multiply(x, w)


def _dot(be: Backend[Any], x: Any, w: Any) -> object:
    return be.dot(x, w)


def _tr_first(be: Backend[Any], x: Any, _: Any) -> object:
    return be.transpose(x)


def _error_cases() -> list[tuple[str, Callable[..., object], tuple[object, ...], type[Exception]]]:
    ones = np.ones
    vector, matrix = ones(2), ones((2, 2))

    def zero_d_x(be: Backend[Any], v: Any, m: Any) -> object:
        return be.matrix_multiply(_zero_d(be, v), m)

    def zero_d_w(be: Backend[Any], v: Any, m: Any) -> object:
        return be.matrix_multiply(m, _zero_d(be, v))

    def zero_d_dot(be: Backend[Any], v: Any) -> object:
        return be.dot(_zero_d(be, v), v)

    def zero_d_transpose(be: Backend[Any], v: Any) -> object:
        return be.transpose(_zero_d(be, v))

    bad_out = ((3, 3), np.dtype(np.float64))
    return [
        ("inner dimensions differ", _mm, (ones((2, 3)), ones((2, 3))), ShapeError),
        ("batch does not broadcast", _mm, (ones((2, 2, 3)), ones((3, 3, 4))), ShapeError),
        ("dot of rank 3", _dot, (ones((2, 2, 2)), matrix), ShapeError),
        ("bool @ bool", _mm, (ones((2, 2), bool), ones((2, 2), bool)), DTypeError),
        ("transpose axes (0, 0)", _tr, (ones((2, 3)), (0, 0)), ShapeError),
        ("a list, not an array", _mm, ([[1.0]], [[1.0]]), ArrayBackendError),
        ("0-d x in matrix_multiply", zero_d_x, (vector, matrix), ShapeError),
        ("0-d w in matrix_multiply", zero_d_w, (vector, matrix), ShapeError),
        ("0-d u in dot", zero_d_dot, (vector,), ShapeError),
        ("0-d transpose", zero_d_transpose, (vector,), ShapeError),
        ("out of the wrong shape", _mm_out, (matrix, matrix, bad_out), ArrayBackendError),
    ]


def check_errors(run: Run) -> None:
    """Each case raises the reference's public error class (a subclass of the expected)."""
    for label, fn, args, expected in _error_cases():
        result = run.parity("errors", fn, *args, label=label)
        if result is not None and (result.error is None or not issubclass(result.error, expected)):
            got = "no error" if result.error is None else result.error.__name__
            run.report.fail("errors", f"{label}: expected {expected.__name__}, got {got}")


def check_no_conversion(run: Run) -> None:
    """NumPy arrays to the backend, mixed, and the backend's to NumPy: BackendMismatchError."""
    from arraybackend.testing._parity import reference_backend

    backend = run.backend
    host = np.ones((2, 2))
    mine: object = _asarray(backend, host)
    if isinstance(mine, np.ndarray):
        run.report.notes.append(
            f"no implicit conversion: {backend.name} arrays are NumPy arrays, "
            f"there is nothing to convert"
        )
        return
    numpy = reference_backend()
    cases: list[tuple[str, Backend[Any], tuple[object, ...]]] = [
        (f"numpy arrays to {backend.name}", backend, (host, host)),
        (f"numpy and {backend.name} arrays mixed", backend, (mine, host)),
        (f"{backend.name} arrays to numpy", numpy, (mine, mine)),
    ]
    ops: dict[str, Callable[[Backend[Any], Any, Any], object]] = {
        "matrix_multiply": _mm,
        "dot": _dot,
        "transpose": _tr_first,
    }
    for label, be, (x, w) in cases:
        for op, fn in ops.items():
            if op == "transpose" and x is mine and be is backend:
                continue  # transpose takes one array: nothing is mixed
            run.report.count("no implicit conversion")
            problem = _mismatch_problem(fn, be, x, w)
            if problem is not None:
                run.report.fail("no implicit conversion", f"{label}: {op} {problem}")


def _mismatch_problem(
    fn: Callable[..., object], be: Backend[Any], x: object, w: object
) -> str | None:
    try:
        fn(be, x, w)
    except BackendMismatchError:
        return None
    except Exception as err:
        return f"raised {type(err).__name__} ({err}), not BackendMismatchError"
    return "converted silently instead of raising BackendMismatchError"
