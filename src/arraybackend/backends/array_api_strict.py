"""A backend over array-api-strict: a second, genuinely different array type on the CPU.

It is registered only through the ``arraybackend.backends`` entry point, exactly as a third
party's backend would be, and it is what the "write your own backend" guide walks through.
Semantics and errors mirror the NumPy reference backend; array-api-strict's own devices
(``CPU_DEVICE``, ``device1``, ...) stand in for the devices of a GPU library, so the device
checks run in CI without a GPU.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import array_api_strict as xp
import numpy as np
import numpy.typing as npt

# The array class is not re-exported by array_api_strict (its functions are annotated with
# this class), so the private module is the only place to name it for the type checkers.
from array_api_strict._array_object import Array

from arraybackend._checks import (
    NUMERIC_KINDS,
    array_type_error,
    describe,
    device_mismatch,
    out_dtype_problem,
    product_problem,
    rank_problem,
    transpose_problem,
)
from arraybackend.errors import ArrayBackendError, ArrayTypeError, BackendMismatchError, DTypeError

__all__ = ["Array", "ArrayAPIStrictBackend"]

_NAME: Literal["array-api-strict"] = "array-api-strict"
_ARRAY_TYPE = "array_api_strict.Array"
_INFO = xp.__array_namespace_info__()
# array-api-strict dtypes compare unequal to NumPy's (and warn when compared): map them by
# name once, so the library-neutral checks in _checks can read a NumPy dtype's ``kind``.
_NP_DTYPES: dict[object, np.dtype[Any]] = {dt: np.dtype(n) for n, dt in _INFO.dtypes().items()}
_XP_DTYPES: dict[np.dtype[Any], Any] = {np.dtype(n): dt for n, dt in _INFO.dtypes().items()}


def _np_dtype(x: Array) -> np.dtype[Any]:
    return _NP_DTYPES[x.dtype]


def _device_name(device: xp.Device) -> str:
    # repr is "array_api_strict.Device('device1')": the name is what Device() accepts.
    return repr(device).partition("'")[2].rpartition("'")[0]


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

    #: Read by the registry: arrays whose class lives in this module belong to this backend.
    array_module = "array_api_strict"

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

    def owner_of(self, x: Array, /) -> ArrayAPIStrictBackend:
        """The backend instance for the device ``x`` lives on (used by ``backend_of``)."""
        from arraybackend._registry import get_backend

        if x.device == self._device:
            return self
        # By name, the key users pass (get_backend(..., device="device1")): the registry
        # caches one instance per key, and backend_of compares instances.
        device = None if x.device == _INFO.default_device() else _device_name(x.device)
        owner = get_backend(_NAME, device=device)
        assert isinstance(owner, ArrayAPIStrictBackend)
        return owner

    def _foreign(self, op: str, arg: str, a: object) -> ArrayTypeError | None:
        """Why ``a`` is not an array of this backend and device, or None."""
        if not isinstance(a, Array):
            return array_type_error(op, arg, a, backend=_NAME, array_type=_ARRAY_TYPE)
        if a.device != self._device:
            return device_mismatch(
                op,
                arg,
                found=repr(a.device),
                expected=repr(self._device),
                copy=f"{arg}.to_device(...)",
                other=f"get_backend({_NAME!r}, device={_device_name(a.device)!r})",
            )
        return None

    def _problem(self, op: str, operands: dict[str, object]) -> ArrayBackendError | None:
        """What is wrong with these operands, or None (the order of the NumPy backend)."""
        for arg, a in operands.items():
            if (foreign := self._foreign(op, arg, a)) is not None:
                return foreign
        arrays: dict[str, Array] = {k: v for k, v in operands.items() if isinstance(v, Array)}
        (x_name, x), (w_name, w) = list(arrays.items())[:2]
        out = arrays.get("out")
        return product_problem(
            op,
            (x_name, x.shape, _np_dtype(x)),
            (w_name, w.shape, _np_dtype(w)),
            None if out is None else out.shape,
        )

    def _matmul(self, op: str, operands: dict[str, object]) -> Array:
        problem = self._problem(op, operands)
        if problem is not None:
            raise problem
        x, w, *rest = operands.values()
        assert isinstance(x, Array)
        assert isinstance(w, Array)
        # array-api-strict refuses bool operands and some mixed kinds that NumPy promotes
        # (bool @ int): cast both to NumPy's result type so the two backends agree exactly.
        result = np.result_type(_np_dtype(x), _np_dtype(w))
        if _np_dtype(x) != result:
            x = xp.astype(x, _XP_DTYPES[result])
        if _np_dtype(w) != result:
            w = xp.astype(w, _XP_DTYPES[result])
        z = xp.matmul(x, w)
        if not rest:
            return z
        out = rest[0]
        assert isinstance(out, Array)
        problem = out_dtype_problem(op, result, result, _np_dtype(out))
        if problem is not None:
            raise problem
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
        operands: dict[str, object] = {"x": x, "w": w}
        if out is not None:
            operands["out"] = out
        return self._matmul("matrix_multiply", operands)

    def transpose(self, x: Array, /, axes: Sequence[int] | None = None) -> Array:
        """``x`` with its axes reversed (all of them, as NumPy's ``x.T``) or permuted."""
        foreign = self._foreign("transpose", "x", x)
        if foreign is not None:
            raise foreign
        problem = transpose_problem(x.shape, axes)
        if problem is not None:
            raise problem
        ndim = x.ndim
        order = tuple(range(ndim))[::-1] if axes is None else tuple(a % ndim for a in axes)
        return xp.permute_dims(x, order)

    def dot(self, u: Array, v: Array, /) -> Array:
        """``np.dot`` for vectors and matrices; vector . vector is a 0-d array."""
        return self._matmul("dot", {"u": u, "v": v})

    def asarray(
        self, obj: npt.ArrayLike | Array, /, *, dtype: npt.DTypeLike | None = None
    ) -> Array:
        """``obj`` (nested lists, a NumPy array) as an array on this backend's device.

        NumPy arrays are accepted here: this is the explicit conversion. Arrays already on
        another array-api-strict device are refused (move them with ``x.to_device``).
        """
        if isinstance(obj, Array):
            if obj.device != self._device:
                msg = f"asarray: x is on {obj.device!r}, not {self._device!r}: use x.to_device"
                raise BackendMismatchError(msg)
            host: Any = obj
        else:
            try:
                host = np.asarray(obj, dtype=dtype)
            except (TypeError, ValueError, RuntimeError) as err:
                if hasattr(obj, "__array_namespace__") or hasattr(obj, "__cuda_array_interface__"):
                    msg = (
                        f"asarray: {describe(obj)} cannot be converted implicitly; use its own "
                        f"backend's to_numpy(x) first"
                    )
                    raise BackendMismatchError(msg) from err
                msg = f"asarray: cannot make a numeric array from {describe(obj)}: {err}"
                raise ArrayTypeError(msg) from err
            if host.dtype.kind not in NUMERIC_KINDS or host.dtype not in _XP_DTYPES:
                raise DTypeError(
                    f"asarray: {describe(obj)} gives dtype {str(host.dtype)!r}, which "
                    f"array-api-strict does not support; pass float32, float64, complex or "
                    f"integer data"
                )
            if not host.ndim:
                raise rank_problem("asarray", "obj", ()) or AssertionError
        target = None if dtype is None else _XP_DTYPES[np.dtype(dtype)]
        return xp.asarray(host, dtype=target, device=self._device)

    def to_numpy(self, x: Array, /) -> np.ndarray[tuple[Any, ...], np.dtype[Any]]:
        """A NumPy copy of ``x`` (any device: this is the explicit transfer)."""
        # Callers without a type checker pass anything: the check is for them.
        if not isinstance(x, Array):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise array_type_error("to_numpy", "x", x, backend=_NAME, array_type=_ARRAY_TYPE)
        host = x.to_device(_INFO.default_device())
        # A copy: np.asarray would share the array's buffer, and mutating the host copy
        # must never change the device array.
        copied: np.ndarray[tuple[Any, ...], np.dtype[Any]] = np.array(host, copy=True)
        return copied
