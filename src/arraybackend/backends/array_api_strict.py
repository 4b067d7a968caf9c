"""A backend over array-api-strict: a second, genuinely different array type on the CPU.

It is registered only through the ``arraybackend.backends`` entry point, exactly as a third
party's backend would be, and it is what the "write your own backend" guide walks through.
Semantics and errors mirror the NumPy reference backend; array-api-strict's own devices
(``CPU_DEVICE``, ``device1``, ...) stand in for the devices of a GPU library, so the device
checks run in CI without a GPU.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, cast

import array_api_strict as xp
import numpy as np
import numpy.typing as npt

# The array class is not re-exported by array_api_strict (its functions are annotated with
# this class), so the private module is the only place to name it for the type checkers.
from array_api_strict._array_object import Array

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
)
from arraybackend.errors import BackendMismatchError, DTypeError

__all__ = ["Array", "ArrayAPIStrictBackend"]

_NAME: Literal["array-api-strict"] = "array-api-strict"
_ARRAY_TYPE = "array_api_strict.Array"
_INFO = xp.__array_namespace_info__()
# Host data is read (and checked) exactly as the NumPy backend reads it.
_HOST = NumPyBackend()
# array-api-strict dtypes compare unequal to NumPy's (and warn when compared): map them by
# name once, so the library-neutral checks in diagnostics can read a NumPy dtype's ``kind``.
_NP_DTYPES: dict[object, np.dtype[Any]] = {dt: np.dtype(n) for n, dt in _INFO.dtypes().items()}
_XP_DTYPES: dict[np.dtype[Any], Any] = {np.dtype(n): dt for n, dt in _INFO.dtypes().items()}


def _np_dtype(x: Array) -> np.dtype[Any]:
    return _NP_DTYPES[x.dtype]


def _device_name(device: xp.Device) -> str:
    # repr is "array_api_strict.Device('device1')": the name is what Device() accepts.
    return repr(device).partition("'")[2].rpartition("'")[0]


def _unsupported(what: str, dtype: np.dtype[Any]) -> DTypeError:
    supported = ", ".join(_INFO.dtypes())
    return DTypeError(
        f"asarray: {what} gives dtype {str(dtype)!r}, which array-api-strict does not "
        f"support; pass one of {supported}"
    )


class ArrayAPIStrictBackend:
    """Arrays of array-api-strict on one of its devices (``CPU_DEVICE`` by default).

    Parameters
    ----------
    device
        An ``array_api_strict.Device`` or its name (``"device1"``); None is the default
        device. Arrays on another device are refused with ``BackendMismatchError``.

    Examples
    --------
    >>> import arraybackend as ab
    >>> be = ab.get_backend("array-api-strict")
    >>> x = be.asarray([[1.0, 2.0], [3.0, 4.0]])
    >>> be.to_numpy(be.matrix_multiply(x, be.transpose(x)))
    array([[ 5., 11.],
           [11., 25.]])
    """

    __slots__ = ("_device",)

    def __init__(self, device: xp.Device | str | None = None) -> None:
        if device is None:
            device = _INFO.default_device()
        elif not isinstance(device, xp.Device) or device not in _INFO.devices():
            names = [_device_name(d) for d in _INFO.devices()]
            if device not in names:
                valid = ", ".join(map(repr, names))
                msg = f"array-api-strict backend: unknown device {device!r}; valid: {valid}"
                raise ValueError(msg)
            device = xp.Device(str(device))
        self._device: xp.Device = device

    @property
    def name(self) -> Literal["array-api-strict"]:
        """``"array-api-strict"``."""
        return _NAME

    @property
    def device(self) -> xp.Device:
        """The device this backend's arrays live on."""
        return self._device

    def __repr__(self) -> str:
        return f"ArrayAPIStrictBackend(device={self._device!r})"

    def device_of(self, x: Array, /) -> xp.Device:
        """The device ``x`` lives on (used by ``backend_of``)."""
        return x.device

    def read_operand(self, op: str, arg: str, a: object) -> Operand:
        """``a`` as an ``Operand``, or the error for a foreign array or another device."""
        if not isinstance(a, Array):
            raise foreign_array(op, arg, a, backend=_NAME, array_type=_ARRAY_TYPE)
        if a.device != self._device:
            raise device_mismatch(
                op,
                arg,
                found=repr(a.device),
                expected=repr(self._device),
                copy=f"{arg}.to_device(...)",
                other=f"get_backend({_NAME!r}, device={_device_name(a.device)!r})",
            )
        return Operand(arg, a.shape, _np_dtype(a))

    def _matmul(
        self, op: str, names: tuple[str, str], x: Array, w: Array, out: Array | None
    ) -> Array:
        problem = diagnose_product(op, self.read_operand, (names[0], x), (names[1], w), out)
        if problem is not None:
            raise problem
        # array-api-strict refuses bool operands and some mixed kinds that NumPy promotes
        # (bool @ int): cast both to NumPy's result type so the two backends agree exactly.
        result = np.result_type(_np_dtype(x), _np_dtype(w))
        if _np_dtype(x) != result:
            x = xp.astype(x, _XP_DTYPES[result])
        if _np_dtype(w) != result:
            w = xp.astype(w, _XP_DTYPES[result])
        z = xp.matmul(x, w)
        if out is None:
            return z
        out[...] = xp.astype(z, out.dtype)
        return out

    def matrix_multiply(self, x: Array, w: Array, /, *, out: Array | None = None) -> Array:
        """``x @ w`` with ``np.matmul`` semantics; vector @ vector is a 0-d array.

        Raises
        ------
        ShapeError
            A 0-d operand, different inner dimensions, batch dimensions that do not
            broadcast, or an ``out`` of the wrong shape.
        DTypeError
            ``bool @ bool``, or a result ``out`` cannot hold.
        ArrayTypeError
            An operand that is not an array-api-strict array (``BackendMismatchError`` if it
            is an array of another library, or on another device).
        """
        return self._matmul("matrix_multiply", ("x", "w"), x, w, out)

    def transpose(self, x: Array, /, axes: Sequence[int] | None = None) -> Array:
        """``x`` with its axes reversed (all of them, as NumPy's ``x.T``) or permuted."""
        self.read_operand("transpose", "x", x)  # raises for a foreign array or device
        return xp.permute_dims(x, transpose_axes(x.shape, axes))

    def dot(self, u: Array, v: Array, /) -> Array:
        """``np.dot`` for vectors and matrices; vector . vector is a 0-d array."""
        return self._matmul("dot", ("u", "v"), u, v, None)

    def asarray(
        self, obj: npt.ArrayLike | Array, /, *, dtype: npt.DTypeLike | None = None
    ) -> Array:
        """``obj`` (nested lists, a NumPy array) as an array on this backend's device.

        NumPy arrays are accepted here: this is the explicit conversion, and it copies (the
        result never shares memory with ``obj``). Host data is read exactly as the NumPy
        backend reads it, so the errors are the same. Arrays already on another
        array-api-strict device are refused (move them with ``x.to_device``).
        """
        target = None
        resolved = None if dtype is None else resolve_dtype("asarray", dtype)
        if resolved is not None:
            target = _XP_DTYPES.get(resolved)
            if target is None:
                raise _unsupported(f"dtype={dtype!r}", resolved)
        if isinstance(obj, Array):
            if obj.device != self._device:
                msg = f"asarray: x is on {obj.device!r}, not {self._device!r}: use x.to_device"
                raise BackendMismatchError(msg)
            if not obj.ndim:
                raise rank_problem("asarray", "obj", ()) or AssertionError
            return obj if target is None or obj.dtype == target else xp.astype(obj, target)
        host: np.ndarray[Any, np.dtype[Any]] = _HOST.asarray(
            cast("npt.ArrayLike", obj), dtype=resolved
        )
        if host.dtype not in _XP_DTYPES:
            raise _unsupported(describe(obj), host.dtype)
        return xp.asarray(host, device=self._device, copy=True)

    def to_numpy(self, x: Array, /) -> np.ndarray[tuple[Any, ...], np.dtype[Any]]:
        """A NumPy copy of ``x`` (any device: this is the explicit transfer)."""
        # Callers without a type checker pass anything: the check is for them.
        if not isinstance(x, Array):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise foreign_array("to_numpy", "x", x, backend=_NAME, array_type=_ARRAY_TYPE)
        host = x.to_device(_INFO.default_device())
        # A copy: np.asarray would share the array's buffer, and mutating the host copy
        # must never change the device array.
        copied: np.ndarray[tuple[Any, ...], np.dtype[Any]] = np.array(host, copy=True)
        return copied
