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

import _thread
from collections.abc import Callable, Sequence
from typing import Any, Literal, TypeAlias, TypeVar, cast, overload

import numpy as np
import numpy.typing as npt

from arraybackend._types import Matrix, NDArray, ScalarT, Vector
from arraybackend.diagnostics import (
    NUMERIC_KINDS,
    Operand,
    describe,
    diagnose_product,
    foreign_array,
    rank_problem,
    resolve_dtype,
    transpose_axes,
    unexplained,
)
from arraybackend.errors import ArrayBackendError, ArrayTypeError, BackendMismatchError, DTypeError

__all__ = ["NumPyBackend", "read_operand"]

AnyArray: TypeAlias = np.ndarray[Any, Any]

# Bound once: a lookup through numpy's module __getattr__ costs 35-60 ns a call.
_ndarray = np.ndarray
_matmul = np.matmul
_dot = np.ndarray.dot
_np_dot = np.dot
# np.vdot without its __array_function__ dispatch (~150 ns): only exact ndarrays reach it.
# ``_implementation`` is the undispatched function every dispatched NumPy function carries
# (NumPy >= 1.25); should it go, np.vdot itself is used, which gives the same values.
_vdot: Callable[[AnyArray, AnyArray], Any] = getattr(np.vdot, "_implementation", np.vdot)
_asarray = np.asarray
# For ranks 1 and 2, ndarray.dot and np.matmul give the same product; ndarray.dot skips
# about 0.5 us of generalized-ufunc set-up, which matters for small operands. From about
# 96 x 96 np.matmul measured as fast or faster here (2 % at 128 x 128, 4 % at 192 x 192).
# One-element operands stay with np.matmul: ndarray.dot scales by them with BLAS axpy,
# which skips a 0 factor (0 * NaN would give 0).
_DOT_MAX_SIZE = 80 * 80
# ndarray.dot releases and re-takes the GIL around every BLAS call, whatever the size: with
# other Python threads running, small products then ping-pong the GIL (1.5-1.65x slower in
# aggregate with two threads), where the np.matmul gufunc keeps it for tiny loops. So
# ndarray.dot only while this is the only Python thread (a C call, ~25 ns), or for operands
# that are not C- or Fortran-ordered: np.matmul loops over those where ndarray.dot gathers
# them for BLAS (other bits), and a call must give the same bits whether or not another
# thread is alive. The two flags cost ~100 ns, paid only while other threads are alive.
# threading.active_count() takes a lock and a Python frame: the private C function is the
# only cheap way to ask (present and unchanged since Python 3.2).
_other_threads = _thread._count  # pyright: ignore[reportPrivateUsage]
# The dtypes the hot paths take, tested before any work (a set look-up, ~25 ns): an object
# array would run user __mul__ for every element before being refused. Real dtypes only go
# to ndarray.dot: for complex outer products with an infinite component it gives NaN where
# np.matmul (the promised semantics) keeps the infinity. bool goes to the slow path, which
# refuses bool @ bool; non-native byte orders too.
_REAL = frozenset(np.dtype(c) for c in "bhilqBHILQefdg")
_NUMERIC = _REAL | frozenset(np.dtype(c) for c in "FDG")
_ARRAY_TYPE = "numpy.ndarray"

ArrayT = TypeVar("ArrayT", bound=np.ndarray[Any, np.dtype[np.number[Any]]])


def read_operand(op: str, arg: str, a: object) -> Operand:
    """A NumPy array (or NumPy scalar, which the checks refuse as 0-d) as an ``Operand``."""
    if isinstance(a, np.generic):
        scalar: np.generic[Any] = a  # pyright: ignore[reportUnknownVariableType]
        return Operand(arg, (), scalar.dtype, writable=False)
    if isinstance(a, _ndarray):
        array: AnyArray = a  # pyright: ignore[reportUnknownVariableType]
        # Elements overlap where a stride is 0 along an axis longer than 1 (and some exist).
        writable = bool(array.flags.writeable) and (
            array.size == 0
            or all(stride or n <= 1 for stride, n in zip(array.strides, array.shape, strict=True))
        )
        return Operand(arg, array.shape, array.dtype, writable)
    raise foreign_array(op, arg, a, backend="numpy", array_type=_ARRAY_TYPE)


def _failure(
    op: str,
    names: tuple[str, str],
    x: object,
    w: object,
    out: object = None,
    err: BaseException | None = None,
) -> ArrayBackendError:
    """The clear error for operands NumPy refused (or that the hot path would not take)."""
    problem = diagnose_product(op, read_operand, (names[0], x), (names[1], w), out)
    if problem is not None:
        return problem
    return unexplained(op, "NumPy", err or RuntimeError("no reason found"))


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
    # `out` is keyword-only in the overloads (the typed API) but not here: CPython 3.11 does
    # not specialise calls to functions with keyword-only parameters (~200 instructions a
    # call). Passed by position it means what it means to np.matmul.
    def matrix_multiply(self, x: AnyArray, w: AnyArray, /, out: AnyArray | None = None) -> Any:
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
            # Inline, not a helper: a Python call costs ~100 ns here. One dtype test for both
            # operands on the common path; `1 < size` also keeps 0-d arrays off ndarray.dot.
            # See _DOT_MAX_SIZE, _other_threads and _REAL.
            xd = x.dtype
            try:
                if xd is w.dtype and xd in _REAL:
                    # With other threads, np.matmul: it keeps the GIL for small products
                    # (and gives ndarray.dot's bits for C- and Fortran-ordered operands).
                    if (_other_threads() and x.flags.forc and w.flags.forc) or not (
                        x.ndim < 3
                        and w.ndim < 3
                        and 1 < x.size <= _DOT_MAX_SIZE
                        and 1 < w.size <= _DOT_MAX_SIZE
                    ):
                        return _matmul(x, w)
                    return _dot(x, w)
                if xd in _NUMERIC and w.dtype in _NUMERIC:  # complex, mixed dtypes
                    return _matmul(x, w)
            except (ValueError, TypeError) as err:
                raise _failure("matrix_multiply", ("x", "w"), x, w, None, err) from err
        return _general(_matmul, "matrix_multiply", ("x", "w"), x, w, out)

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
        if axes is None and type(x) is _ndarray:
            try:
                len(x)  # raises TypeError for a 0-d array: cheaper than testing x.ndim
            except TypeError:
                pass  # the checked path below says ShapeError
            else:
                return x.T
        # Untyped callers reach here with anything; typed ones only with an ndarray.
        read_operand("transpose", "x", x)  # raises for anything but a NumPy array or scalar
        return x.transpose(transpose_axes(x.shape, axes))

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
        if type(u) is _ndarray is type(v):
            ud, vd = u.dtype, v.dtype
            try:
                if u.ndim == 1 == v.ndim:
                    # The common case, vector . vector: vdot (the C function, no dispatch)
                    # runs the same dtype dot kernel as np.dot, keeps the GIL below 500
                    # elements and has no one-element special case. Real dtypes only: vdot
                    # conjugates a complex u.
                    if ud in _REAL and vd in _REAL:
                        return _vdot(u, v)
                elif (
                    u.ndim in (1, 2)
                    and v.ndim in (1, 2)
                    and ud in _REAL
                    and vd in _REAL
                    and u.size > 1
                    and v.size > 1
                    and not (_other_threads() and u.flags.forc and v.flags.forc)
                ):
                    return _dot(u, v)
                if ud in _NUMERIC and vd in _NUMERIC and u.ndim in (1, 2) and v.ndim in (1, 2):
                    return _matmul(u, v)
            except (ValueError, TypeError) as err:
                raise _failure("dot", ("u", "v"), u, v, None, err) from err
        return _general(_dot_general, "dot", ("u", "v"), u, v, None)

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

        Returns ``obj`` itself when it already is a numeric ``ndarray`` of that dtype. An
        array of another library is copied, never viewed: ``asarray`` is the one explicit
        transfer, and the result never shares memory with the other library's array.
        Device memory (CuPy, PyTorch on CUDA) is refused: use its backend's ``to_numpy``.

        Raises
        ------
        DTypeError
            ``dtype`` is not a numeric dtype, or the data is not numeric, or a value does
            not fit ``dtype``.
        ShapeError
            The data is 0-d (a scalar).
        ArrayTypeError
            NumPy cannot read ``obj`` (``BackendMismatchError`` for device memory).
        """
        numeric = None if dtype is None else resolve_dtype("asarray", dtype)
        device_memory = type(obj) is not _ndarray and hasattr(obj, "__cuda_array_interface__")
        if device_memory:
            # Device memory (CuPy, Numba, PyTorch on CUDA): never copied to the host implicitly.
            msg = (
                f"asarray: {describe(obj)} is device memory; arraybackend never copies it to "
                f"the host implicitly: use its own backend's to_numpy(x) first"
            )
            raise BackendMismatchError(msg)
        foreign = _of_another_library(obj)
        data = cast("npt.ArrayLike", obj)
        try:
            a: AnyArray = (
                np.array(data, dtype=numeric, copy=True)
                if foreign
                else _asarray(data, dtype=numeric)
            )
        except OverflowError as err:
            msg = f"asarray: a value of {describe(obj)} does not fit dtype {str(numeric)!r}: {err}"
            raise DTypeError(msg) from err
        except (TypeError, ValueError, RuntimeError) as err:
            if foreign:
                msg = (
                    f"asarray: {describe(obj)} cannot be converted to a host array; "
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
        raise foreign_array("to_numpy", "x", x, backend="numpy", array_type=_ARRAY_TYPE)


def _of_another_library(obj: object) -> bool:
    """An array of another array library (array-api-strict, JAX, ...): copied, never viewed."""
    return not isinstance(obj, _ndarray) and hasattr(obj, "__array_namespace__")


def _dot_general(u: AnyArray, v: AnyArray) -> Any:
    """``np.dot`` (which honours ``__array_function__``: masked arrays, subclasses), except
    for one-element operands, where np.matmul keeps NaN * 0 (see _DOT_MAX_SIZE)."""
    if u.size > 1 and v.size > 1:
        return _np_dot(u, v)
    z: Any = _matmul(u, v)
    # np.dot returns a scalar for vector . vector, also for subclasses; np.matmul may not.
    return z[()] if isinstance(z, _ndarray) and not z.ndim else z  # pyright: ignore[reportUnknownVariableType]


def _general(fn: Any, op: str, names: tuple[str, str], x: object, w: object, out: object) -> Any:
    """The checked path (``out=``, stacks, subclasses, bool): validate first, then compute.

    NumPy itself handles an ``out`` that overlaps an input (it buffers).
    """
    problem = diagnose_product(op, read_operand, (names[0], x), (names[1], w), out)
    if problem is not None:
        raise problem
    try:
        return fn(x, w) if out is None else fn(x, w, out=out)
    except (ValueError, TypeError) as err:
        raise _failure(op, names, x, w, out, err) from err
