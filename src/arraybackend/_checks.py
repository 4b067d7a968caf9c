"""Library-neutral diagnosis of bad operands, shared by every backend.

Backends call these only on the slow path, after the library failed or before an
operation the library would get silently wrong, so the hot path pays nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import SupportsIndex

import numpy as np

from arraybackend.errors import ArrayTypeError, BackendMismatchError, DTypeError, ShapeError

__all__ = [
    "NUMERIC_KINDS",
    "SupportsShapeDType",
    "array_type_error",
    "describe",
    "device_mismatch",
    "dtype_problem",
    "matmul_problem",
    "matmul_result_shape",
    "out_dtype_problem",
    "product_problem",
    "rank_problem",
    "transpose_problem",
]

#: dtype kinds arraybackend accepts as numbers: bool, int, uint, float, complex.
NUMERIC_KINDS = "biufc"


class SupportsShapeDType(Protocol):
    @property
    def shape(self) -> tuple[int, ...]: ...
    @property
    def dtype(self) -> Any: ...


def describe(obj: object) -> str:
    """A short description of ``obj`` for an error message."""
    cls = type(obj)
    if obj is None:
        return "None"
    shape = getattr(obj, "shape", None)
    name = f"{cls.__module__.partition('.')[0]}.{cls.__qualname__}"
    if cls.__module__ == "builtins":
        name = cls.__qualname__
    article = "an" if name[:1].lower() in "aeiou" else "a"
    if isinstance(shape, tuple):
        return f"{article} {name} of shape {shape!r}"
    return f"{article} {name}"


def _library_of(obj: object) -> str | None:
    """The array library ``obj`` belongs to, or None when it is not an array at all."""
    if hasattr(obj, "__array_namespace__") or (hasattr(obj, "shape") and hasattr(obj, "dtype")):
        return type(obj).__module__.partition(".")[0]
    return None


def array_type_error(
    op: str, arg: str, obj: object, *, backend: str, array_type: str
) -> ArrayTypeError:
    """The error for an operand that is not this backend's array."""
    library = _library_of(obj)
    if library is None:
        return ArrayTypeError(
            f"{op}: {arg} is {describe(obj)}, not a {array_type}; convert it first with "
            f"get_backend({backend!r}).asarray({arg})"
        )
    from arraybackend._registry import backend_name_for_library  # the registry imports us

    owner = backend_name_for_library(library)
    fix = f" or use the {owner!r} backend" if owner is not None else ""
    return BackendMismatchError(
        f"{op}: {arg} is {describe(obj)} from {library}, but the {backend} backend works on "
        f"{array_type}; arraybackend never copies between libraries implicitly: convert it "
        f"with get_backend({backend!r}).asarray(...){fix}"
    )


def device_mismatch(
    op: str, arg: str, *, found: str, expected: str, copy: str, other: str
) -> BackendMismatchError:
    """The error for an array on another device of the backend's own library.

    ``found``/``expected`` describe the devices; ``copy`` is the explicit copy to suggest
    and ``other`` the backend bound to the array's device.
    """
    return BackendMismatchError(
        f"{op}: {arg} is on {found}, but this backend computes on {expected}; arraybackend "
        f"never moves arrays between devices implicitly: copy it with {copy}, or use {other}"
    )


def rank_problem(
    op: str, arg: str, shape: tuple[int, ...], *, most: int | None = None
) -> ShapeError | None:
    """A 0-d operand (or one of rank above ``most``) is refused."""
    if not shape:
        return ShapeError(
            f"{op}: {arg} is 0-d (a scalar); {op} needs arrays of rank 1 or more: "
            f"multiply by a scalar with *"
        )
    if most is not None and len(shape) > most:
        return ShapeError(
            f"{op}: {arg} has shape {shape!r} (rank {len(shape)}); {op} takes vectors and "
            f"matrices only: use matrix_multiply for stacks of matrices"
        )
    return None


def matmul_result_shape(xs: tuple[int, ...], ws: tuple[int, ...]) -> tuple[int, ...] | None:
    """The shape of ``x @ w``, or None when the batch dimensions do not broadcast."""
    xb, wb = xs[:-2], ws[:-2]
    batch: list[int] = []
    for i in range(max(len(xb), len(wb)), 0, -1):
        a = xb[-i] if i <= len(xb) else 1
        b = wb[-i] if i <= len(wb) else 1
        if a != b and 1 not in (a, b):
            return None
        batch.append(max(a, b) if 0 not in (a, b) else 0)
    rows = (xs[-2],) if len(xs) >= 2 else ()
    cols = (ws[-1],) if len(ws) >= 2 else ()
    return (*batch, *rows, *cols)


def matmul_problem(
    op: str,
    xs: tuple[int, ...],
    ws: tuple[int, ...],
    out: tuple[int, ...] | None = None,
    *,
    names: tuple[str, str] = ("x", "w"),
) -> ShapeError | None:
    """Why ``x @ w`` (into ``out``) cannot be computed, or None if the shapes fit."""
    x, w = names
    for arg, shape in ((x, xs), (w, ws)):
        if (problem := rank_problem(op, arg, shape)) is not None:
            return problem
    # Both shapes are non-empty here (rank_problem above); a vector's only axis is its
    # inner one. Indexed as ws[-2:][0] rather than behind a len() test, which narrows ws
    # to tuple[()] | tuple[int] for the checkers.
    k_x, k_w = xs[-1], ws[-2:][0]
    if k_x != k_w:
        hint = ""
        if len(ws) >= 2 and ws[-1] == k_x:
            hint = f"; did you mean transpose({w})?"
        elif len(xs) >= 2 and xs[-2] == k_w:
            hint = f"; did you mean transpose({x})?"
        return ShapeError(
            f"{op}: {x} {xs!r} @ {w} {ws!r}: inner dimensions {k_x} and {k_w} differ{hint}"
        )
    expected = matmul_result_shape(xs, ws)
    if expected is None:
        return ShapeError(
            f"{op}: the batch dimensions {xs[:-2]!r} of {x} and {ws[:-2]!r} of {w} do not "
            f"broadcast: {x} {xs!r} @ {w} {ws!r}"
        )
    if out is not None and out != expected:
        return ShapeError(
            f"{op}: out has shape {out!r}, but {x} {xs!r} @ {w} {ws!r} has shape {expected!r}"
        )
    return None


def dtype_problem(op: str, operands: dict[str, Any]) -> DTypeError | None:
    """Why these dtypes (by argument name) cannot be multiplied, or None."""
    for arg, dtype in operands.items():
        if dtype.kind not in NUMERIC_KINDS:
            return DTypeError(
                f"{op}: {arg} has dtype {str(dtype)!r}, which is not numeric; arraybackend "
                f"multiplies integer, floating and complex arrays: convert it with "
                f"{arg}.astype(np.float64) or another numeric dtype"
            )
    if operands and all(dtype.kind == "b" for dtype in operands.values()):
        names = " and ".join(operands)
        return DTypeError(
            f"{op}: {names} are both bool, and NumPy would return a logical (or-of-and) product "
            f"rather than counts; cast one with .astype(np.int64)"
        )
    return None


def out_dtype_problem(op: str, x_dtype: Any, w_dtype: Any, out_dtype: Any) -> DTypeError | None:
    """NumPy's rule for every backend: the product's dtype must cast to ``out``'s 'same_kind'.

    The dtypes are NumPy dtypes (or what ``np.dtype`` accepts); ``out_dtype`` None means no out.
    """
    if out_dtype is None:
        return None
    result = np.result_type(x_dtype, w_dtype)
    if np.can_cast(result, out_dtype, "same_kind"):
        return None
    return DTypeError(
        f"{op}: the result has dtype {str(result)!r}, which cannot be cast to out's dtype "
        f"{str(np.dtype(out_dtype))!r} under NumPy's 'same_kind' rule; pass an out of dtype "
        f"{str(result)!r}"
    )


def product_problem(
    op: str,
    x: tuple[str, tuple[int, ...], Any],
    w: tuple[str, tuple[int, ...], Any],
    out_shape: tuple[int, ...] | None = None,
) -> ShapeError | DTypeError | None:
    """What is wrong with the factors of ``x @ w``, each given as (name, shape, NumPy dtype).

    The order every backend reports in: dtypes, then ranks (``dot`` takes ranks 1 and 2
    only), then inner and batch dimensions and the shape of ``out``.
    """
    (x_name, xs, x_dtype), (w_name, ws, w_dtype) = x, w
    most = 2 if op == "dot" else None
    return (
        dtype_problem(op, {x_name: x_dtype, w_name: w_dtype})
        or rank_problem(op, x_name, xs, most=most)
        or rank_problem(op, w_name, ws, most=most)
        or matmul_problem(op, xs, ws, out_shape, names=(x_name, w_name))
    )


def transpose_problem(shape: tuple[int, ...], axes: object) -> ShapeError | None:
    """Why ``axes`` is not a permutation of the axes of an array of this ``shape``."""
    if (problem := rank_problem("transpose", "x", shape)) is not None:
        return problem
    if axes is None:
        return None
    try:
        # Untyped callers may pass anything: a non-iterable raises the TypeError caught below.
        given = tuple(int(a) for a in cast("Iterable[SupportsIndex]", axes))
    except TypeError:
        return ShapeError(f"transpose: axes must be a sequence of ints, got {describe(axes)}")
    ndim = len(shape)
    normalised = sorted(a + ndim if a < 0 else a for a in given)
    if normalised != list(range(ndim)):
        return ShapeError(
            f"transpose: axes {given!r} are not a permutation of the {ndim} axes of x "
            f"(shape {shape!r}); pass a reordering of {tuple(range(ndim))!r}"
        )
    return None
