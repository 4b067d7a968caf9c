"""One adapter for every array library that follows the Python array API standard.

A library's backend is a subclass of :class:`ArrayAPIBackend` that says only what differs
(its array class, dtypes, devices, whether arrays can be written, how to cast, copy and
move); semantics, errors and the checked path are here, once.

The methods here are the checked path, correct for any such library: the operands are
diagnosed with :mod:`arraybackend.diagnostics` (so the errors are the reference's), then
computed with NumPy's type promotion (``np.result_type``), which no library here follows
exactly. Each library's module overrides ``matrix_multiply``, ``dot`` and ``transpose`` with
its hot path, the NumPy backend's: one exact-type check (``type(x) is cls``, never an
``isinstance`` against an ABC), only the checks the library cannot make for us, one call
into the library, and the checked path here when the library refused or the call is not
the common case (``out=``, subclasses, mixed dtypes, another device). The hot paths live in
the libraries' modules because CPython 3.11 specialises each instruction for the types it
meets: one shared hot path would flip between three array types, and module globals there
are cheaper than attribute chains (measured in benchmarks/bench_array_api.py).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar, cast

import numpy as np
import numpy.typing as npt

from arraybackend._protocol import HostArray
from arraybackend.backends.numpy import NumPyBackend
from arraybackend.diagnostics import (
    Operand,
    describe,
    device_mismatch,
    diagnose_product,
    foreign_array,
    rank_problem,
    resolve_dtype,
    transpose_axes,
    unexplained,
)
from arraybackend.errors import ArrayTypeError, DTypeError, OutputError

__all__ = ["ArrayAPIArray", "ArrayAPIBackend"]


class ArrayAPIArray(Protocol):
    """What the adapter reads of an array directly (jax.Array, torch.Tensor and
    array-api-strict's Array all have it, under these annotations)."""

    @property
    def shape(self) -> tuple[int, ...]: ...
    @property
    def ndim(self) -> int: ...
    @property
    def T(self) -> Self: ...


ArrayT = TypeVar("ArrayT", bound=ArrayAPIArray)
# Host data is read (and checked) exactly as the NumPy backend reads it.
_HOST = NumPyBackend()


class ArrayAPIBackend(Generic[ArrayT]):
    """The shared part of the array-api-strict, JAX and PyTorch backends.

    Subclasses set ``library`` and ``array_type`` (for messages), give ``name`` as a
    ``Literal``, call ``super().__init__`` with their array class, canonical device and
    matmul function, implement the hooks below (each a line or two), and override
    ``matrix_multiply``, ``dot`` and ``transpose`` with their hot path, which ends in
    ``_checked_product`` / ``_checked_transpose`` here.
    """

    __slots__ = ("_cls", "_device", "_matmul")

    #: Who refused, in messages (``"torch"``).
    library: ClassVar[str]
    #: The array class as users know it (``"torch.Tensor"``), in messages.
    array_type: ClassVar[str]
    #: False for a library whose arrays can never be written (``out=`` is then refused).
    mutable: ClassVar[bool] = True

    def __init__(
        self,
        cls: type[ArrayT],
        device: Hashable,
        matmul: Callable[[ArrayT, ArrayT], ArrayT],
    ) -> None:
        """``cls`` is the public array class (subclasses accepted on the checked path);
        ``matmul`` the library's product of two arrays of one dtype, on the checked path."""
        self._cls = cls
        self._device = device
        self._matmul = matmul

    @property
    def name(self) -> str:
        """The registry name."""
        raise NotImplementedError

    @property
    def device(self) -> Hashable:
        """The device this backend computes on (canonical: one object per device)."""
        return self._device

    def __repr__(self) -> str:
        return f"{type(self).__name__}(device={self._device!r})"

    # -- what differs between libraries ------------------------------------------------
    def _device_of(self, x: ArrayT, /) -> Hashable:
        raise NotImplementedError

    def _device_spec(self, device: Hashable, /) -> object:
        """What ``get_backend(name, device=...)`` accepts for ``device``."""
        return device

    def _copy_hint(self, arg: str, /) -> str:
        """The explicit device copy to suggest for argument ``arg``."""
        raise NotImplementedError

    def _unreadable(self, op: str, arg: str, x: ArrayT, /) -> ArrayTypeError | None:
        """Why ``x``, an array of this library, is not a dense array this backend reads
        (a sparse or nested PyTorch tensor), or None."""
        return None

    def _np_dtype(self, x: ArrayT, /) -> np.dtype[Any]:
        raise NotImplementedError

    def _dtype_refusal(self, op: str, what: str, dtype: np.dtype[Any], /) -> DTypeError | None:
        """Why ``what`` (in ``op``) cannot have ``dtype`` here, or None."""
        raise NotImplementedError

    def _compute_dtype(self, dtype: np.dtype[Any], /) -> np.dtype[Any]:
        """The dtype the library multiplies in to give a ``dtype`` result (NumPy's wrap)."""
        return dtype

    def _astype(self, x: ArrayT, dtype: np.dtype[Any], /) -> ArrayT:
        raise NotImplementedError

    def _permute(self, x: ArrayT, axes: tuple[int, ...], /) -> ArrayT:
        raise NotImplementedError

    def _from_host(self, host: np.ndarray[Any, np.dtype[Any]], /) -> ArrayT:
        """A copy of ``host`` on this backend's device (never sharing its memory)."""
        raise NotImplementedError

    def _to_host(self, x: ArrayT, /) -> HostArray:
        """A NumPy copy of ``x`` (never sharing its memory)."""
        raise NotImplementedError

    def _writable(self, x: ArrayT, /) -> bool:
        return True

    def _write(self, out: ArrayT, z: ArrayT, /) -> None:
        """Store ``z`` (already of ``out``'s dtype) into ``out``."""
        raise NotImplementedError

    # -- the backend -------------------------------------------------------------------
    def device_of(self, x: ArrayT, /) -> Hashable:
        """The device ``x`` lives on (used by ``backend_of``)."""
        return self._device_of(x)

    def read_operand(self, op: str, arg: str, a: object) -> Operand:
        """``a`` as an ``Operand``, or the error for a foreign array or another device."""
        if not isinstance(a, self._cls):
            raise foreign_array(op, arg, a, backend=self.name, array_type=self.array_type)
        if (problem := self._unreadable(op, arg, a)) is not None:
            raise problem
        where = self._device_of(a)
        if where != self._device:
            raise device_mismatch(
                op,
                arg,
                found=str(where),
                expected=str(self._device),
                copy=self._copy_hint(arg),
                other=f"get_backend({self.name!r}, device={self._device_spec(where)!r})",
            )
        return Operand(arg, tuple(a.shape), self._np_dtype(a), self._writable(a))

    def matrix_multiply(self, x: ArrayT, w: ArrayT, /, *, out: ArrayT | None = None) -> ArrayT:
        """``x @ w`` with ``np.matmul`` semantics; vector @ vector is a 0-d array.

        Raises
        ------
        ShapeError
            A 0-d operand, different inner dimensions, batch dimensions that do not
            broadcast, or an ``out`` of the wrong shape.
        DTypeError
            ``bool @ bool``, a result ``out`` cannot hold, or a dtype the library lacks.
        OutputError
            ``out`` cannot be written (JAX arrays never can).
        ArrayTypeError
            An operand that is not an array of this library (``BackendMismatchError`` if
            it is an array of another library, or on another device).
        """
        return self._checked_product("matrix_multiply", ("x", "w"), x, w, out)

    def dot(self, u: ArrayT, v: ArrayT, /) -> ArrayT:
        """``np.dot`` for vectors and matrices; vector . vector is a 0-d array.

        Operands of rank 3 or more raise ``ShapeError``: use ``matrix_multiply``.
        """
        return self._checked_product("dot", ("u", "v"), u, v, None)

    def transpose(self, x: ArrayT, /, axes: Sequence[int] | None = None) -> ArrayT:
        """``x`` with its axes reversed (all of them, as NumPy's ``x.T``) or permuted."""
        return self._checked_transpose(x, axes)

    def asarray(
        self, obj: npt.ArrayLike | ArrayT, /, *, dtype: npt.DTypeLike | None = None
    ) -> ArrayT:
        """``obj`` (nested lists, a NumPy array) as an array on this backend's device.

        This is the explicit conversion: host data is copied (the result never shares
        memory with ``obj``) and read exactly as the NumPy backend reads it, so the
        errors are the same. An array of this library on another device is refused.

        Raises
        ------
        DTypeError
            ``dtype`` or the data's dtype is not numeric, or the library lacks it here.
        ShapeError
            The data is 0-d (a scalar).
        ArrayTypeError
            NumPy cannot read ``obj``; ``BackendMismatchError`` for device memory or an
            array of this library on another device.
        """
        resolved = None if dtype is None else resolve_dtype("asarray", dtype)
        if resolved is not None and (
            refusal := self._dtype_refusal("asarray", f"dtype={dtype!r}", resolved)
        ):
            raise refusal
        if isinstance(obj, self._cls):
            mine: ArrayT = obj
            operand = self.read_operand("asarray", "obj", mine)
            if (problem := rank_problem("asarray", "obj", operand.shape)) is not None:
                raise problem
            if resolved is None or resolved == operand.dtype:
                return mine
            return self._astype(mine, resolved)
        host = _HOST.asarray(cast("npt.ArrayLike", obj), dtype=resolved)
        if (refusal := self._dtype_refusal("asarray", describe(obj), host.dtype)) is not None:
            raise refusal
        return self._from_host(host)

    def to_numpy(self, x: ArrayT, /) -> HostArray:
        """A NumPy copy of ``x``, from any device: the explicit transfer to the host."""
        if not isinstance(x, self._cls):
            raise foreign_array("to_numpy", "x", x, backend=self.name, array_type=self.array_type)
        if (problem := self._unreadable("to_numpy", "x", x)) is not None:
            raise problem
        return self._to_host(x)

    def _checked_product(
        self, op: str, names: tuple[str, str], x: ArrayT, w: ArrayT, out: ArrayT | None
    ) -> ArrayT:
        """The checked path: diagnose, then compute in NumPy's result dtype, then ``out``."""
        problem = diagnose_product(op, self.read_operand, (names[0], x), (names[1], w), out)
        if problem is not None:
            raise problem
        if out is not None and not self.mutable:
            msg = (
                f"{op}: out= cannot be written: {self.library} arrays are immutable; use the "
                f"returned array instead (z = {op}({names[0]}, {names[1]}))"
            )
            raise OutputError(msg)
        result = np.result_type(self._np_dtype(x), self._np_dtype(w))
        if (refusal := self._dtype_refusal(op, "the result", result)) is not None:
            raise refusal
        compute = self._compute_dtype(result)
        try:
            z = self._matmul(self._cast(x, compute), self._cast(w, compute))
        except Exception as err:
            raise unexplained(op, self.library, err) from err
        z = self._cast(z, result)
        if out is None:
            return z
        self._write(out, self._cast(z, self._np_dtype(out)))
        return out

    def _checked_transpose(self, x: ArrayT, axes: Sequence[int] | None, /) -> ArrayT:
        """The checked path of ``transpose``: the operand and ``axes``, then a permutation."""
        operand = self.read_operand("transpose", "x", x)
        return self._permute(x, transpose_axes(operand.shape, axes))

    def _cast(self, x: ArrayT, dtype: np.dtype[Any]) -> ArrayT:
        return x if self._np_dtype(x) == dtype else self._astype(x, dtype)
