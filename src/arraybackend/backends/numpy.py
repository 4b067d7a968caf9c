"""The NumPy reference backend.

The hot path is a type check and one call into NumPy; every other check runs only after
NumPy failed, or on the slow path that also handles ``out=``, subclasses and N-D stacks.

For operands of rank 1 and 2 (and more than one element) the product is computed by
``ndarray.dot``, which reaches the same BLAS kernel as ``np.matmul`` for BLAS-ready layouts
(bit-identical results, tested) but skips the generalized-ufunc set-up, about 0.5 us a
call. For strided views ``np.matmul`` runs its own loop while ``ndarray.dot`` gathers the
operand into a buffer for BLAS: both within the same error bound, not bit-identical.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, TypeAlias, TypeVar, overload

import numpy as np
import numpy.typing as npt

from arraybackend._checks import (
    NUMERIC_KINDS,
    array_type_error,
    describe,
    out_dtype_problem,
    product_problem,
    rank_problem,
    transpose_problem,
)
from arraybackend._types import Matrix, NDArray, ScalarT, Vector
from arraybackend.errors import ArrayBackendError, ArrayTypeError, BackendMismatchError, DTypeError

__all__ = ["NumPyBackend"]

# Bound once: a lookup through numpy's module __getattr__ costs 35-60 ns a call.
_ndarray = np.ndarray
_matmul = np.matmul
_dot = np.ndarray.dot
_asarray = np.asarray
# Result kinds we return: int, unsigned, float, complex. A bool result means bool @ bool;
# an object result means an object operand.
_PRODUCT_KINDS = "iufc"
# For ranks 1 and 2, ndarray.dot and np.matmul give the same product; ndarray.dot skips
# about 0.5 us of generalized-ufunc set-up, which matters for small operands and is noise
# above ~128 x 128, where np.matmul measured as fast or faster (4 % at 256 x 256).
# One-element operands stay with np.matmul: ndarray.dot scales by them with BLAS axpy,
# which skips a 0 factor (0 * NaN would give 0).
_DOT_MAX_SIZE = 128 * 128
_NUMERIC_SCALARS = frozenset(
    t for t in np.sctypeDict.values() if np.dtype(t).kind in _PRODUCT_KINDS
)
_ARRAY_TYPE = "numpy.ndarray"

ArrayT = TypeVar("ArrayT", bound=np.ndarray[Any, np.dtype[np.number[Any]]])
AnyArray: TypeAlias = np.ndarray[Any, Any]


def _problem(op: str, operands: dict[str, Any]) -> ArrayBackendError | None:
    """What is wrong with these operands, or None; checked before or after NumPy ran.

    ``operands`` maps argument names to values: the two factors, then ``out`` if given.
    """
    for arg, a in operands.items():
        if isinstance(a, np.generic):
            return rank_problem(op, arg, ())
        if not isinstance(a, _ndarray):
            return array_type_error(op, arg, a, backend="numpy", array_type=_ARRAY_TYPE)
    (x_name, x), (w_name, w) = list(operands.items())[:2]
    out = operands.get("out")
    return product_problem(
        op,
        (x_name, x.shape, x.dtype),
        (w_name, w.shape, w.dtype),
        None if out is None else out.shape,
    )


def _failure(
    op: str, operands: dict[str, Any], err: BaseException | None = None
) -> ArrayBackendError:
    """The clear error for operands NumPy refused, or whose result we refuse."""
    problem = _problem(op, operands)
    if problem is not None:
        return problem
    if "out" in operands:
        x, w, out = operands.values()
        problem = out_dtype_problem(op, x.dtype, w.dtype, out.dtype)
        if problem is not None:
            return problem
    # pragma: no cover - a NumPy failure we do not know how to explain
    return ArrayBackendError(f"{op}: NumPy refused the operands: {err}")


class NumPyBackend:
    """The reference backend: NumPy arrays on the host.

    Examples
    --------
    >>> import numpy as np
    >>> import arraybackend as ab
    >>> be = ab.get_backend("numpy")
    >>> x = be.asarray([[1.0, 2.0], [3.0, 4.0]])
    >>> be.matrix_multiply(x, be.transpose(x))
    array([[ 5., 11.],
           [11., 25.]])
    """

    __slots__ = ()

    @property
    def name(self) -> Literal["numpy"]:
        """``"numpy"``."""
        return "numpy"

    @property
    def device(self) -> Literal["cpu"]:
        """NumPy arrays live on the host."""
        return "cpu"

    def __repr__(self) -> str:
        return "NumPyBackend()"

    # The 2-D overload comes first: mypy infers a protocol's parameter from it.
    @overload
    def matrix_multiply(
        self, x: Matrix[ScalarT], w: Matrix[ScalarT], /, *, out: Matrix[ScalarT] | None = None
    ) -> Matrix[ScalarT]: ...
    @overload
    def matrix_multiply(
        self, x: Vector[ScalarT], w: Matrix[ScalarT], /, *, out: Vector[ScalarT] | None = None
    ) -> Vector[ScalarT]: ...
    @overload
    def matrix_multiply(
        self, x: Matrix[ScalarT], w: Vector[ScalarT], /, *, out: Vector[ScalarT] | None = None
    ) -> Vector[ScalarT]: ...
    @overload
    def matrix_multiply(  # type: ignore[overload-overlap]
        self, x: Vector[ScalarT], w: Vector[ScalarT], /, *, out: None = None
    ) -> ScalarT: ...
    @overload
    def matrix_multiply(
        self, x: NDArray[ScalarT], w: NDArray[ScalarT], /, *, out: NDArray[ScalarT] | None = None
    ) -> NDArray[ScalarT]: ...
    def matrix_multiply(self, x: AnyArray, w: AnyArray, /, *, out: AnyArray | None = None) -> Any:
        """``x @ w`` with ``np.matmul`` semantics: 2-D, stacks with broadcasting, 1-D promotion.

        Raises
        ------
        ShapeError
            A 0-d operand, different inner dimensions, batch dimensions that do not
            broadcast, or an ``out`` of the wrong shape.
        DTypeError
            A non-numeric operand, ``bool @ bool``, or a result ``out`` cannot hold.
        ArrayTypeError
            An operand that is not a ``numpy.ndarray`` (``BackendMismatchError`` if it is
            an array of another library).
        """
        if out is None and type(x) is _ndarray is type(w):
            # Inline, not a helper: a Python call costs ~100 ns here. `in (1, 2)` is a
            # constant tuple, cheaper than chained comparisons. See _DOT_MAX_SIZE.
            small = (
                x.ndim in (1, 2)
                and w.ndim in (1, 2)
                and 1 < x.size <= _DOT_MAX_SIZE
                and 1 < w.size <= _DOT_MAX_SIZE
            )
            try:
                z = _dot(x, w) if small else _matmul(x, w)
                if z.dtype.kind in _PRODUCT_KINDS:
                    return z
            except (ValueError, TypeError, AttributeError) as err:
                raise _failure("matrix_multiply", {"x": x, "w": w}, err) from err
            raise _failure("matrix_multiply", {"x": x, "w": w})
        operands = {"x": x, "w": w} if out is None else {"x": x, "w": w, "out": out}
        return _checked(_matmul, "matrix_multiply", operands)

    @overload
    def transpose(
        self, x: Matrix[ScalarT], /, axes: Sequence[int] | None = None
    ) -> Matrix[ScalarT]: ...
    @overload
    def transpose(
        self, x: Vector[ScalarT], /, axes: Sequence[int] | None = None
    ) -> Vector[ScalarT]: ...
    @overload
    def transpose(
        self, x: NDArray[ScalarT], /, axes: Sequence[int] | None = None
    ) -> NDArray[ScalarT]: ...
    def transpose(self, x: AnyArray, /, axes: Sequence[int] | None = None) -> Any:
        """A view of ``x`` with its axes reversed, or permuted by ``axes``; never a copy."""
        if axes is None and type(x) is _ndarray and x.ndim:
            return x.T
        # Untyped callers reach here with anything; typed ones only with an ndarray.
        if not isinstance(x, _ndarray):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise array_type_error("transpose", "x", x, backend="numpy", array_type=_ARRAY_TYPE)
        problem = transpose_problem(x.shape, axes)
        if problem is not None:
            raise problem
        return x.transpose(axes)

    @overload
    def dot(self, u: Matrix[ScalarT], v: Matrix[ScalarT], /) -> Matrix[ScalarT]: ...
    @overload
    def dot(self, u: Vector[ScalarT], v: Matrix[ScalarT], /) -> Vector[ScalarT]: ...
    @overload
    def dot(self, u: Matrix[ScalarT], v: Vector[ScalarT], /) -> Vector[ScalarT]: ...
    @overload
    def dot(self, u: Vector[ScalarT], v: Vector[ScalarT], /) -> ScalarT: ...
    def dot(self, u: AnyArray, v: AnyArray, /) -> Any:
        """``np.dot`` for vectors and matrices: vector . vector is a NumPy scalar.

        Operands of rank 3 or more raise ``ShapeError`` (``np.dot`` would contract the
        last axis of ``u`` with the second-to-last of ``v``, which is rarely what is
        meant): use ``matrix_multiply`` for stacks of matrices.
        """
        if type(u) is _ndarray is type(v) and u.ndim in (1, 2) and v.ndim in (1, 2):
            # No upper size bound here (unlike matrix_multiply): dot is mostly called on
            # vectors, where both functions run BLAS dot, and the bound costs ~35 ns.
            try:
                z = _dot(u, v) if u.size > 1 and v.size > 1 else _matmul(u, v)
                # vector . vector gives a NumPy scalar: its type is cheaper to test than its dtype.
                if type(z) in _NUMERIC_SCALARS or z.dtype.kind in _PRODUCT_KINDS:
                    return z
            except (ValueError, TypeError, AttributeError) as err:
                raise _failure("dot", {"u": u, "v": v}, err) from err
            raise _failure("dot", {"u": u, "v": v})
        # np.matmul equals np.dot for ranks 1 and 2 (_checked refuses others) and keeps IEEE
        # semantics for one-element operands.
        return _checked(_matmul, "dot", {"u": u, "v": v})

    @overload
    def asarray(self, obj: ArrayT, /, *, dtype: None = None) -> ArrayT: ...
    @overload
    def asarray(
        self, obj: npt.ArrayLike, /, *, dtype: type[ScalarT] | np.dtype[ScalarT]
    ) -> NDArray[ScalarT]: ...
    @overload
    def asarray(self, obj: npt.ArrayLike, /, *, dtype: None = None) -> NDArray[Any]: ...
    def asarray(self, obj: object, /, *, dtype: Any = None) -> Any:
        """``obj`` (an array, nested lists, anything NumPy reads) as a NumPy array.

        Returns ``obj`` itself when it already is a numeric ``ndarray`` of that dtype.
        Arrays of device libraries (CuPy) are refused: use their backend's ``to_numpy``.
        """
        if dtype is not None:
            kind = np.dtype(dtype).kind
            if kind not in NUMERIC_KINDS:
                raise DTypeError(
                    f"asarray: dtype={dtype!r} is not numeric; pass an integer, floating or "
                    f"complex dtype such as np.float64"
                )
        if type(obj) is not _ndarray and hasattr(obj, "__cuda_array_interface__"):
            # Device memory (CuPy, Numba, PyTorch on CUDA): never copied to the host implicitly.
            msg = (
                f"asarray: {describe(obj)} is device memory; arraybackend never copies it to "
                f"the host implicitly: use its own backend's to_numpy(x) first"
            )
            raise BackendMismatchError(msg)
        try:
            a = _asarray(obj, dtype=dtype)
        except (TypeError, ValueError, RuntimeError) as err:
            if hasattr(obj, "__array_namespace__"):
                msg = (
                    f"asarray: {describe(obj)} cannot be converted to a host array implicitly; "
                    f"use its own backend's to_numpy(x) first"
                )
                raise BackendMismatchError(msg) from err
            msg = f"asarray: cannot make a numeric array from {describe(obj)}: {err}"
            raise ArrayTypeError(msg) from err
        if a.dtype.kind not in NUMERIC_KINDS:
            raise DTypeError(
                f"asarray: {describe(obj)} gives dtype {str(a.dtype)!r}, which is not numeric; "
                f"pass numbers, or dtype=np.float64"
            )
        if not a.ndim:
            raise rank_problem("asarray", "obj", ()) or AssertionError
        return a

    @overload
    def to_numpy(self, x: ArrayT, /) -> ArrayT: ...
    @overload
    def to_numpy(self, x: ScalarT, /) -> np.ndarray[tuple[()], np.dtype[ScalarT]]: ...
    def to_numpy(self, x: object, /) -> Any:
        """``x`` itself: NumPy arrays already live on the host (no copy).

        A NumPy scalar (what ``dot`` of two vectors returns) becomes a 0-d array.
        """
        # isinstance cannot know shape and dtype: pyright calls them Unknown, mypy Any; the
        # overloads above give callers the precise types.
        if isinstance(x, _ndarray):
            return x  # pyright: ignore[reportUnknownVariableType]
        if isinstance(x, np.generic):
            return _asarray(x)  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
        raise array_type_error("to_numpy", "x", x, backend="numpy", array_type=_ARRAY_TYPE)


def _checked(fn: Any, op: str, operands: dict[str, Any]) -> Any:
    """The general path (``out=``, stacks, subclasses): validate first, then compute.

    NumPy itself handles an ``out`` that overlaps an input (it buffers).
    """
    problem = _problem(op, operands)
    if problem is not None:
        raise problem
    x, w = list(operands.values())[:2]
    try:
        return fn(x, w) if "out" not in operands else fn(x, w, out=operands["out"])
    except (ValueError, TypeError) as err:
        raise _failure(op, operands, err) from err
