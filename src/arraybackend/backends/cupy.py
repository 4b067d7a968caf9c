"""The CuPy backend: arrays on a CUDA device.

CuPy is imported by ``CuPyBackend()``, never when this module is imported. The hot path is a
type check, a device check and one call into CuPy; every other check runs only after CuPy
failed, or on the slow path that also handles ``out=``, subclasses and 0-d operands.

Nothing moves between host and device, or between devices, unless asked for: a NumPy array
or an array on another device is refused (``BackendMismatchError``); ``asarray`` copies
host -> device and ``to_numpy`` device -> host. ``dot`` of two vectors is a 0-d device array,
so reading it is the caller's (synchronising) choice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, TypeVar, cast, overload

import numpy as np
import numpy.typing as npt

from arraybackend._types import Matrix, NDArray, ScalarT, Vector
from arraybackend.backends._cupy_diagnosis import check_cupy, library_failure
from arraybackend.backends.numpy import NumPyBackend
from arraybackend.diagnostics import (
    Operand,
    device_mismatch,
    diagnose_product,
    foreign_array,
    rank_problem,
    resolve_dtype,
    transpose_axes,
    unexplained,
)
from arraybackend.errors import ArrayBackendError

if TYPE_CHECKING:
    from collections.abc import Callable

    import cupy

    CuVector: TypeAlias = cupy.ndarray[tuple[int], np.dtype[ScalarT]]
    CuMatrix: TypeAlias = cupy.ndarray[tuple[int, int], np.dtype[ScalarT]]
    CuNDArray: TypeAlias = cupy.ndarray[tuple[int, *tuple[int, ...]], np.dtype[ScalarT]]
    #: What ``dot`` of two vectors returns: a 0-d array, still on the device.
    CuScalar: TypeAlias = cupy.ndarray[tuple[()], np.dtype[ScalarT]]
    AnyCuArray: TypeAlias = cupy.ndarray[Any, Any]
    CuArrayT = TypeVar("CuArrayT", bound=cupy.ndarray[Any, np.dtype[np.number[Any]]])

__all__ = ["CuPyBackend"]

ShapeT = TypeVar("ShapeT", bound=tuple[int, ...])
_ARRAY_TYPE = "cupy.ndarray"
# Host data is read (and checked) exactly as the NumPy backend reads it.
_HOST = NumPyBackend()
# The dtypes the hot path takes, tested before any work; bool (and bool @ bool) goes to
# the checked path.
_NUMERIC = frozenset(np.dtype(c) for c in "bhilqBHILQefdFD")


class CuPyBackend:
    """CuPy arrays on one CUDA device.

    Parameters
    ----------
    device
        The CUDA device index to bind; ``None`` follows CuPy's current device (the one a
        ``with cupy.cuda.Device(i):`` block selects) at each call.

    Raises
    ------
    BackendUnavailableError
        CuPy is missing or broken, or there is no driver, no device or no such device;
        ``.reason`` says which.
    """

    __slots__ = (
        "_Device",
        "_asarray",
        "_copyto",
        "_current",
        "_device",
        "_dot",
        "_matmul",
        "_may_share",
        "_ndarray",
    )

    def __init__(self, device: int | None = None) -> None:
        given: object = device  # callers without a type checker pass anything
        if given is not None and (not isinstance(given, int) or isinstance(given, bool)):  # pyright: ignore[reportUnnecessaryIsInstance]
            msg = f"CuPyBackend: device must be a CUDA device index (int) or None, got {device!r}"
            raise TypeError(msg)
        check_cupy(device)
        import cupy

        self._device = device
        # Bound once: each is one attribute lookup fewer on every call.
        self._ndarray = cupy.ndarray
        self._matmul = cupy.matmul
        self._dot = cupy.dot
        self._asarray = cupy.asarray
        self._copyto = cupy.copyto
        self._may_share = cupy.may_share_memory
        self._current: Callable[[], int] = cupy.cuda.runtime.getDevice
        self._Device = cupy.cuda.Device

    @property
    def name(self) -> Literal["cupy"]:
        """``"cupy"``."""
        return "cupy"

    @property
    def device(self) -> int:
        """The CUDA device index this backend computes on now."""
        return self._current() if self._device is None else self._device

    def __repr__(self) -> str:
        return f"CuPyBackend(device={self._device!r})"

    def device_of(self, x: AnyCuArray, /) -> int:
        """The CUDA device ``x`` lives on (used by ``backend_of``)."""
        return x.data.device_id

    # The 2-D overload comes first: mypy infers a protocol's parameter from it.
    @overload
    def matrix_multiply(
        self, x: CuMatrix[ScalarT], w: CuMatrix[ScalarT], /, *, out: CuMatrix[ScalarT] | None = None
    ) -> CuMatrix[ScalarT]: ...
    @overload
    def matrix_multiply(
        self, x: CuVector[ScalarT], w: CuMatrix[ScalarT], /, *, out: CuVector[ScalarT] | None = None
    ) -> CuVector[ScalarT]: ...
    @overload
    def matrix_multiply(
        self, x: CuMatrix[ScalarT], w: CuVector[ScalarT], /, *, out: CuVector[ScalarT] | None = None
    ) -> CuVector[ScalarT]: ...
    @overload
    def matrix_multiply(  # type: ignore[overload-overlap]
        self, x: CuVector[ScalarT], w: CuVector[ScalarT], /, *, out: CuScalar[ScalarT] | None = None
    ) -> CuScalar[ScalarT]: ...
    @overload
    def matrix_multiply(
        self,
        x: CuNDArray[ScalarT],
        w: CuNDArray[ScalarT],
        /,
        *,
        out: CuNDArray[ScalarT] | None = None,
    ) -> CuNDArray[ScalarT]: ...
    def matrix_multiply(
        self, x: AnyCuArray, w: AnyCuArray, /, *, out: AnyCuArray | None = None
    ) -> Any:
        """``x @ w`` with ``cupy.matmul`` semantics (those of ``np.matmul``), on the device.

        An ``out`` that overlaps ``x`` or ``w`` is handled: the product goes to a temporary
        first (cuBLAS results are undefined when output and input overlap).

        Raises
        ------
        ShapeError
            A 0-d operand, different inner dimensions, batch dimensions that do not
            broadcast, or an ``out`` of the wrong shape.
        DTypeError
            ``bool @ bool``, or a result ``out`` cannot hold.
        ArrayTypeError
            An operand that is not a ``cupy.ndarray``; ``BackendMismatchError`` if it is a
            NumPy (or other library's) array, or a CuPy array on another device.
        """
        if out is None:
            return self._product(self._matmul, "matrix_multiply", ("x", "w"), x, w)
        return self._checked(self._matmul, "matrix_multiply", ("x", "w"), x, w, out)

    @overload
    def transpose(
        self, x: CuMatrix[ScalarT], /, axes: Sequence[int] | None = None
    ) -> CuMatrix[ScalarT]: ...
    @overload
    def transpose(
        self, x: CuVector[ScalarT], /, axes: Sequence[int] | None = None
    ) -> CuVector[ScalarT]: ...
    @overload
    def transpose(
        self, x: CuNDArray[ScalarT], /, axes: Sequence[int] | None = None
    ) -> CuNDArray[ScalarT]: ...
    def transpose(self, x: AnyCuArray, /, axes: Sequence[int] | None = None) -> Any:
        """A view of ``x`` with its axes reversed, or permuted by ``axes``; never a copy."""
        self.read_operand("transpose", "x", x)  # raises for a foreign array or device
        if axes is None and x.ndim:
            return x.T
        return x.transpose(transpose_axes(x.shape, axes))

    @overload
    def dot(self, u: CuMatrix[ScalarT], v: CuMatrix[ScalarT], /) -> CuMatrix[ScalarT]: ...
    @overload
    def dot(self, u: CuVector[ScalarT], v: CuMatrix[ScalarT], /) -> CuVector[ScalarT]: ...
    @overload
    def dot(self, u: CuMatrix[ScalarT], v: CuVector[ScalarT], /) -> CuVector[ScalarT]: ...
    @overload
    def dot(self, u: CuVector[ScalarT], v: CuVector[ScalarT], /) -> CuScalar[ScalarT]: ...
    def dot(self, u: AnyCuArray, v: AnyCuArray, /) -> Any:
        """``cupy.dot`` for vectors and matrices: vector . vector is a 0-d device array.

        Operands of rank 3 or more raise ``ShapeError``: use ``matrix_multiply`` for stacks.
        """
        return self._product(self._dot, "dot", ("u", "v"), u, v)

    @overload
    def asarray(self, obj: CuArrayT, /, *, dtype: None = None) -> CuArrayT: ...
    @overload
    def asarray(self, obj: Matrix[ScalarT], /, *, dtype: None = None) -> CuMatrix[ScalarT]: ...
    @overload
    def asarray(self, obj: Vector[ScalarT], /, *, dtype: None = None) -> CuVector[ScalarT]: ...
    @overload
    def asarray(self, obj: NDArray[ScalarT], /, *, dtype: None = None) -> CuNDArray[ScalarT]: ...
    @overload
    def asarray(
        self, obj: npt.ArrayLike, /, *, dtype: type[ScalarT] | np.dtype[ScalarT]
    ) -> CuNDArray[ScalarT]: ...
    @overload
    def asarray(self, obj: npt.ArrayLike, /, *, dtype: None = None) -> CuNDArray[Any]: ...
    def asarray(self, obj: object, /, *, dtype: Any = None) -> Any:
        """``obj`` (a NumPy array, nested lists, ...) copied to this backend's device.

        A CuPy array already on the device (and of that dtype) is returned as it is; one on
        another device is copied to this one, since asking for it is explicit.

        Examples
        --------
        >>> import arraybackend as ab
        >>> be = ab.get_backend("cupy")  # doctest: +SKIP
        >>> be.to_numpy(be.asarray([[1.0, 2.0]]))  # doctest: +SKIP
        array([[1., 2.]])
        """
        if dtype is not None:
            dtype = resolve_dtype("asarray", dtype)
        device = self.device
        if isinstance(obj, self._ndarray):
            # isinstance cannot know the shape and dtype: pyright calls them unknown.
            array: AnyCuArray = obj  # pyright: ignore[reportUnknownVariableType]
            if not array.ndim:
                raise rank_problem("asarray", "obj", ()) or AssertionError
            return self._on(device, self._asarray, array, dtype)
        # Host data is read (and checked) by NumPy first, so the errors are the NumPy
        # backend's; a NumPy array costs nothing here, other data is read once either way.
        host = _HOST.asarray(cast("npt.ArrayLike", obj), dtype=dtype)
        return self._on(device, self._asarray, host)

    def to_numpy(
        self, x: cupy.ndarray[ShapeT, np.dtype[ScalarT]], /
    ) -> np.ndarray[ShapeT, np.dtype[ScalarT]]:
        """``x`` copied to the host (this waits for the device to finish computing ``x``)."""
        self.read_operand("to_numpy", "x", x)  # raises for a foreign array or device
        return x.get()

    # -- the slow path ------------------------------------------------------------------

    def _on(self, device: int, fn: Callable[..., Any], *args: object) -> Any:
        """``fn(*args)`` with ``device`` current (switching only when it is not)."""
        if self._device is None or self._current() == device:
            return fn(*args)
        with self._Device(device):
            return fn(*args)

    def read_operand(self, op: str, arg: str, a: object) -> Operand:
        """``a`` as an ``Operand``, or the error for a non-CuPy array or another device."""
        if not isinstance(a, self._ndarray):
            raise foreign_array(op, arg, a, backend="cupy", array_type=_ARRAY_TYPE)
        device = self.device
        if a.data.device_id != device:
            raise device_mismatch(
                op,
                arg,
                found=f"CUDA device {a.data.device_id}",
                expected=f"CUDA device {device}",
                copy=f"get_backend('cupy', device={device}).asarray({arg})",
                other=f"get_backend('cupy', device={a.data.device_id})",
            )
        array: AnyCuArray = a  # pyright: ignore[reportUnknownVariableType]
        # CuPy has no read-only arrays; a stride of 0 makes elements overlap.
        writable = array.size == 0 or all(
            stride or n <= 1 for stride, n in zip(array.strides, array.shape, strict=True)
        )
        return Operand(arg, array.shape, np.dtype(array.dtype), writable)

    def _product(
        self,
        fn: Callable[..., Any],
        op: str,
        names: tuple[str, str],
        x: AnyCuArray,
        w: AnyCuArray,
    ) -> Any:
        """The hot path of both products: a type, dtype and device test, then one call.

        One helper for both (a Python call costs ~0.1 us, ~1 % of a small cuBLAS call).
        """
        nd = self._ndarray
        if type(x) is nd is type(w) and x.dtype in _NUMERIC and w.dtype in _NUMERIC:
            device = self._current() if self._device is None else self._device
            # dot takes ranks 1 and 2; matrix_multiply any rank but 0.
            most = 2 if op == "dot" else 64
            if (
                0 < x.ndim <= most
                and 0 < w.ndim <= most
                and x.data.device_id == device == w.data.device_id
            ):
                try:
                    return self._on(device, fn, x, w)
                except (ValueError, TypeError) as err:
                    raise self._failure(op, names, x, w, None, err) from err
                except (ImportError, OSError) as err:
                    raise library_failure(op, err) from err
        return self._checked(fn, op, names, x, w, None)

    def _failure(
        self,
        op: str,
        names: tuple[str, str],
        x: object,
        w: object,
        out: object = None,
        err: BaseException | None = None,
    ) -> ArrayBackendError:
        """The clear error for operands CuPy refused, or that the hot path would not take."""
        problem = diagnose_product(op, self.read_operand, (names[0], x), (names[1], w), out)
        if problem is not None:
            return problem
        return unexplained(op, "CuPy", err or RuntimeError("no reason found"))

    def _checked(
        self,
        fn: Callable[..., Any],
        op: str,
        names: tuple[str, str],
        x: AnyCuArray,
        w: AnyCuArray,
        out: AnyCuArray | None,
    ) -> Any:
        """The general path (``out=``, subclasses, errors): validate first, then compute."""
        problem = diagnose_product(op, self.read_operand, (names[0], x), (names[1], w), out)
        if problem is not None:
            raise problem
        device = self.device
        try:
            if out is None:
                return self._on(device, fn, x, w)  # bool @ bool was refused above
            # cuBLAS leaves the result undefined when out overlaps an input, and CuPy has
            # refused an out of another dtype (NotImplementedError): go through a temporary
            # and cast on the copy, as NumPy would ('same_kind', checked above).
            if (
                out.dtype != np.result_type(x.dtype, w.dtype)
                or self._may_share(out, x)
                or self._may_share(out, w)
            ):
                self._on(device, self._copyto, out, self._on(device, fn, x, w))
                return out
            return self._on(device, _matmul_into, fn, x, w, out)
        except (ValueError, TypeError) as err:
            raise self._failure(op, names, x, w, out, err) from err
        except (ImportError, OSError) as err:
            raise library_failure(op, err) from err


def _matmul_into(fn: Callable[..., Any], x: object, w: object, out: object) -> Any:
    return fn(x, w, out=out)
