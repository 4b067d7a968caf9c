"""Library-neutral diagnosis of bad operands: the public toolkit for backend authors.

A backend calls these only on its slow path (after its library failed, or before an
operation the library would get silently wrong), so its hot path pays nothing. Each
backend describes its arrays to the checks the same way, as :class:`Operand` records made
by a *reader* it supplies; the checks then speak with one voice for every backend.

A reader is ``read(op, arg, value) -> Operand``: it returns the shape and NumPy dtype of
one of the backend's arrays, and raises the error from :func:`foreign_array` (or
:func:`device_mismatch`) for anything else.

Examples
--------
>>> import numpy as np
>>> from arraybackend.diagnostics import Operand, product_problem
>>> x = Operand("x", (4, 2), np.dtype("float64"))
>>> w = Operand("w", (3, 3), np.dtype("float64"))
>>> print(product_problem("matrix_multiply", x, w))
matrix_multiply: x (4, 2) @ w (3, 3): inner dimensions 2 and 3 differ
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping
from collections.abc import Set as AbstractSet
from typing import Any, NamedTuple, SupportsIndex, cast

import numpy as np

from arraybackend import _ownership
from arraybackend.errors import (
    ArgumentError,
    ArrayBackendError,
    ArrayTypeError,
    BackendMismatchError,
    DTypeError,
    OutputError,
    ShapeError,
)

__all__ = [
    "NUMERIC_KINDS",
    "Operand",
    "Reader",
    "describe",
    "device_mismatch",
    "diagnose_product",
    "foreign_array",
    "matmul_shape",
    "numeric_dtype",
    "product_problem",
    "rank_problem",
    "resolve_dtype",
    "transpose_axes",
    "unexplained",
]

#: dtype kinds arraybackend accepts as numbers: bool, int, uint, float, complex.
NUMERIC_KINDS = "biufc"


# A NamedTuple, not a dataclass: dataclasses imports inspect (~5 ms at `import arraybackend`).
class Operand(NamedTuple):
    """What the checks need to know of one array argument.

    Parameters
    ----------
    name
        The argument's name in messages (``"x"``, ``"w"``, ``"u"``, ``"v"``, ``"out"``).
    shape
        Its shape.
    dtype
        Its dtype as a NumPy dtype (map library dtypes by name: ``np.dtype("float32")``).
    writable
        False for an ``out`` that cannot be written: read-only, or with overlapping
        elements (a stride of 0 along an axis longer than 1).
    """

    name: str
    shape: tuple[int, ...]
    dtype: np.dtype[Any]
    writable: bool = True


#: ``read(op, arg, value)``: the backend's own array as an :class:`Operand`, or raise.
Reader = Callable[[str, str, object], Operand]


def describe(obj: object) -> str:
    """A short description of ``obj`` for an error message; never raises."""
    if obj is None:
        return "None"
    cls = type(obj)
    module = getattr(cls, "__module__", "") or ""
    name = (
        cls.__qualname__
        if module == "builtins"
        else f"{module.partition('.')[0]}.{cls.__qualname__}"
    )
    article = "an" if name[:1].lower() in "aeiou" else "a"
    try:
        shape = getattr(obj, "shape", None)
    except Exception:  # a broken property must not hide the error being reported
        shape = None
    if isinstance(shape, tuple):
        return f"{article} {name} of shape {shape!r}"
    return f"{article} {name}"


def _library_of(obj: object) -> str | None:
    """The array library ``obj`` belongs to, or None when it does not look like an array."""
    try:
        looks_like_array = hasattr(obj, "__array_namespace__") or (
            hasattr(obj, "shape") and hasattr(obj, "dtype")
        )
    except Exception:
        return None
    return type(obj).__module__.partition(".")[0] if looks_like_array else None


def foreign_array(
    op: str, arg: str, obj: object, *, backend: str, array_type: str
) -> ArrayTypeError:
    """The error for an operand that is not an array of ``backend``.

    ``BackendMismatchError`` (naming the owning backend, when one is registered) for an
    array of another library; ``ArrayTypeError`` for anything else.
    """
    library = _library_of(obj)
    convert = f"get_backend({backend!r}).asarray({arg})"
    if library is None:
        return ArrayTypeError(
            f"{op}: {arg} is {describe(obj)}, not a {array_type}; convert it first with {convert}"
        )
    owner = _ownership.owner_name(type(obj))
    if owner is not None and owner not in (backend, "numpy"):
        # The owner's to_numpy is the one way out of a library (device memory included).
        fix = (
            f"move it with get_backend({backend!r}).asarray(get_backend({owner!r})."
            f"to_numpy({arg})), or use the {owner!r} backend"
        )
    else:
        fix = f"convert it with {convert}"
    return BackendMismatchError(
        f"{op}: {arg} is {describe(obj)} from {library}, but the {backend} backend works on "
        f"{array_type}; arraybackend never copies between libraries implicitly: {fix}"
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


def numeric_dtype(op: str, arg: str, dtype: np.dtype[Any]) -> DTypeError | None:
    """``dtype`` is not one arraybackend multiplies (object, string, datetime, void...)."""
    if dtype.kind in NUMERIC_KINDS:
        return None
    return DTypeError(
        f"{op}: {arg} has dtype {str(dtype)!r}, which is not numeric; arraybackend "
        f"multiplies integer, floating and complex arrays: convert it with "
        f"{arg}.astype(np.float64) or another numeric dtype"
    )


def resolve_dtype(op: str, dtype: object) -> np.dtype[Any]:
    """``dtype`` (anything ``np.dtype`` reads) as a numeric NumPy dtype, or ``DTypeError``."""
    try:
        resolved: np.dtype[Any] = np.dtype(cast("Any", dtype))
    except (TypeError, ValueError) as err:
        msg = f"{op}: dtype={dtype!r} is not a dtype NumPy knows ({err}); pass e.g. np.float64"
        raise DTypeError(msg) from err
    if resolved.kind not in NUMERIC_KINDS:
        msg = (
            f"{op}: dtype={dtype!r} is not numeric; pass an integer, floating or complex "
            f"dtype such as np.float64"
        )
        raise DTypeError(msg)
    return resolved


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


def matmul_shape(xs: tuple[int, ...], ws: tuple[int, ...]) -> tuple[int, ...] | None:
    """The shape of ``x @ w`` (ranks >= 1), or None when the batch dimensions do not broadcast.

    Inner dimensions are not compared here (see :func:`product_problem`).
    """
    xb, wb = xs[:-2], ws[:-2]
    batch: list[int] = []
    for i in range(max(len(xb), len(wb)), 0, -1):
        a = xb[-i] if i <= len(xb) else 1
        b = wb[-i] if i <= len(wb) else 1
        if a != b and a != 1 and b != 1:
            return None
        batch.append(b if a == 1 else a)
    rows = (xs[-2],) if len(xs) >= 2 else ()
    cols = (ws[-1],) if len(ws) >= 2 else ()
    return (*batch, *rows, *cols)


def _dtype_problem(op: str, x: Operand, w: Operand, out: Operand | None) -> DTypeError | None:
    for a in (x, w) if out is None else (x, w, out):
        if (problem := numeric_dtype(op, a.name, a.dtype)) is not None:
            return problem
    if x.dtype.kind == "b" and w.dtype.kind == "b":
        return DTypeError(
            f"{op}: {x.name} and {w.name} are both bool, and NumPy would return a logical "
            f"(or-of-and) product rather than counts; cast one with .astype(np.int64)"
        )
    if out is None:
        return None
    result = np.result_type(x.dtype, w.dtype)
    if out.dtype.kind == "b" or not np.can_cast(result, out.dtype, "same_kind"):
        return DTypeError(
            f"{op}: the result has dtype {str(result)!r}, which cannot be cast to out's dtype "
            f"{str(out.dtype)!r} under NumPy's 'same_kind' rule; pass an out of dtype "
            f"{str(result)!r}"
        )
    return None


def _shape_problem(op: str, x: Operand, w: Operand, out: Operand | None) -> ShapeError | None:
    most = 2 if op == "dot" else None
    for a in (x, w):
        if (problem := rank_problem(op, a.name, a.shape, most=most)) is not None:
            return problem
    xs, ws = x.shape, w.shape
    # Both shapes are non-empty here; a vector's only axis is its inner one. Indexed as
    # ws[-2:][0] rather than behind a len() test, which narrows ws for the checkers.
    k_x, k_w = xs[-1], ws[-2:][0]
    if k_x != k_w:
        hint = ""
        if len(ws) >= 2 and ws[-1] == k_x:
            hint = f"; did you mean transpose({w.name})?"
        elif len(xs) >= 2 and xs[-2] == k_w:
            hint = f"; did you mean transpose({x.name})?"
        return ShapeError(
            f"{op}: {x.name} {xs!r} @ {w.name} {ws!r}: inner dimensions {k_x} and {k_w} differ{hint}"
        )
    expected = matmul_shape(xs, ws)
    if expected is None:
        return ShapeError(
            f"{op}: the batch dimensions {xs[:-2]!r} of {x.name} and {ws[:-2]!r} of {w.name} "
            f"do not broadcast: {x.name} {xs!r} @ {w.name} {ws!r}"
        )
    if out is not None and out.shape != expected:
        return ShapeError(
            f"{op}: out has shape {out.shape!r}, but {x.name} {xs!r} @ {w.name} {ws!r} has "
            f"shape {expected!r}"
        )
    return None


def product_problem(
    op: str, x: Operand, w: Operand, out: Operand | None = None
) -> ArrayBackendError | None:
    """What is wrong with ``x @ w`` (into ``out``), or None.

    The order every backend reports in: dtypes (non-numeric, ``bool @ bool``, a result
    ``out`` cannot hold), then ranks (``dot`` takes ranks 1 and 2 only), inner and batch
    dimensions, the shape of ``out``, and last whether ``out`` can be written.
    """
    problem: ArrayBackendError | None = _dtype_problem(op, x, w, out) or _shape_problem(
        op, x, w, out
    )
    if problem is None and out is not None and not out.writable:
        problem = OutputError(
            f"{op}: out cannot receive the result: it is read-only (in PyTorch, also a leaf "
            f"tensor that requires grad) or its elements overlap (a stride of 0); pass a "
            f"fresh array, e.g. out=np.empty(...)"
        )
    return problem


def diagnose_product(
    op: str,
    read: Reader,
    x: tuple[str, object],
    w: tuple[str, object],
    out: object = None,
) -> ArrayBackendError | None:
    """Read the operands (each ``(name, value)``) with the backend's ``read`` and check them.

    Returns the first problem in the documented order: an operand that is not this
    backend's array, then :func:`product_problem`.
    """
    try:
        xo = read(op, x[0], x[1])
        wo = read(op, w[0], w[1])
        oo = None if out is None else read(op, "out", out)
    except ArrayBackendError as err:
        return err
    return product_problem(op, xo, wo, oo)


def unexplained(op: str, library: str, cause: BaseException) -> ArrayBackendError:
    """A library failure the checks found no reason for, in the matching public class."""
    msg = f"{op}: {library} refused the operands: {type(cause).__name__}: {cause}"
    if isinstance(cause, TypeError):
        return DTypeError(msg)
    if isinstance(cause, ValueError):
        return ShapeError(msg)
    return ArrayBackendError(msg)


def _unordered(value: object) -> bool:
    """A mapping or a set: it iterates, but in no order the caller wrote (NumPy refuses it)."""
    return isinstance(value, (Mapping, AbstractSet))


def transpose_axes(shape: tuple[int, ...], axes: object) -> tuple[int, ...]:
    """``axes`` checked against an array of ``shape``, as a tuple of non-negative ints.

    ``None`` means all axes reversed. ``axes`` is read once (an iterator is fine).

    Raises
    ------
    ShapeError
        A 0-d array, or ``axes`` that is not a permutation of the array's axes.
    ArgumentError
        ``axes`` that is not a sequence of integers (floats, strings and bools refused).
    """
    if (problem := rank_problem("transpose", "x", shape)) is not None:
        raise problem
    ndim = len(shape)
    if axes is None:
        return tuple(range(ndim - 1, -1, -1))
    if _unordered(axes) or isinstance(axes, (str, bytes)) or not isinstance(axes, Iterable):
        raise ArgumentError(f"transpose: axes must be a sequence of ints, got {describe(axes)}")
    given: list[int] = []
    for a in cast("Iterable[object]", axes):
        refusal = ArgumentError(
            f"transpose: axes must be a sequence of ints, got {describe(a)} in it"
        )
        if isinstance(a, bool) or not isinstance(a, SupportsIndex):
            raise refusal
        try:  # __index__ may still refuse (a float torch.Tensor has one that raises)
            given.append(operator.index(a))
        except TypeError:
            raise refusal from None
    normalised = tuple(a + ndim if a < 0 else a for a in given)
    if sorted(normalised) != list(range(ndim)):
        raise ShapeError(
            f"transpose: axes {tuple(given)!r} are not a permutation of the {ndim} axes of x "
            f"(shape {shape!r}); pass a reordering of {tuple(range(ndim))!r}"
        )
    return normalised
