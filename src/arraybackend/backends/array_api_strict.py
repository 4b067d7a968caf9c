"""A backend over array-api-strict: a second, genuinely different array type on the CPU.

It is registered only through the ``arraybackend.backends`` entry point, exactly as a third
party's backend would be. It is one instance of the array-API adapter
(:mod:`arraybackend.backends._array_api`); what is particular to array-api-strict is here:

- its dtypes are not NumPy's (and warn when compared with them): mapped by name once;
- it has no float16; it refuses ``bool`` operands and mixed kinds (``int @ float``), which
  NumPy promotes: such calls take the checked path, which casts to ``np.result_type``;
- its devices (``CPU_DEVICE``, ``device1``, ...) stand in for a GPU library's, so the
  device rules run in CI without a GPU. Devices compare by name: the hot path tests
  identity with the backend's own device object, the checked path equality. It refuses
  operands on two devices itself, so the hot path tests the first operand's only;
- its ``x.T`` refuses anything but a matrix, so the hot path of ``transpose`` reads no
  rank: other ranks go to the checked path when it refuses.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, Literal

import array_api_strict as xp
import numpy as np

# The array class is not re-exported by array_api_strict (its functions are annotated with
# this class), so the private module is the only place to name it for the type checkers.
from array_api_strict._array_object import Array

from arraybackend._protocol import HostArray
from arraybackend.backends._array_api import ArrayAPIBackend
from arraybackend.errors import DeviceError, DTypeError

__all__ = ["Array", "ArrayAPIStrictBackend"]

_INFO = xp.__array_namespace_info__()
# array-api-strict dtypes compare unequal to NumPy's (and warn when compared): map them by
# name once, so the library-neutral checks in diagnostics can read a NumPy dtype's ``kind``.
_NP_DTYPES: dict[object, np.dtype[Any]] = {dt: np.dtype(n) for n, dt in _INFO.dtypes().items()}
_XP_DTYPES: dict[np.dtype[Any], Any] = {np.dtype(n): dt for n, dt in _INFO.dtypes().items()}
# Bound once for the hot paths (module globals are cheaper than attribute chains).
_ARRAY = Array
_matmul = xp.matmul


def _device_name(device: object) -> str:
    # repr is "array_api_strict.Device('device1')": the name is what Device() accepts.
    return repr(device).partition("'")[2].rpartition("'")[0]


class ArrayAPIStrictBackend(ArrayAPIBackend[Array]):
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

    __slots__ = ()
    library = "array-api-strict"
    array_type = "array_api_strict.Array"

    def __init__(self, device: xp.Device | str | None = None) -> None:
        if device is None:
            device = _INFO.default_device()
        elif not isinstance(device, xp.Device) or device not in _INFO.devices():
            names = [_device_name(d) for d in _INFO.devices()]
            if device not in names:
                valid = ", ".join(map(repr, names))
                msg = f"array-api-strict backend: unknown device {device!r}; valid: {valid}"
                raise DeviceError(msg)
            device = xp.Device(str(device))
        super().__init__(Array, device, xp.matmul)

    @property
    def name(self) -> Literal["array-api-strict"]:
        """``"array-api-strict"``."""
        return "array-api-strict"

    @property
    def device(self) -> xp.Device:
        """The device this backend's arrays live on."""
        device: xp.Device = self._device  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
        return device

    def device_of(self, x: Array, /) -> xp.Device:
        """The device ``x`` lives on (used by ``backend_of``)."""
        return x.device

    # The hot paths: an exact-type check, the first operand's device (a Python property
    # here), one call; anything else, or a refusal, goes to the adapter's checked path.
    def matrix_multiply(self, x: Array, w: Array, /, *, out: Array | None = None) -> Array:
        if type(x) is _ARRAY is type(w) and out is None and x.device is self._device:
            try:
                return _matmul(x, w)
            except Exception:  # the checked path says why
                return self._checked_product("matrix_multiply", ("x", "w"), x, w, None)
        return self._checked_product("matrix_multiply", ("x", "w"), x, w, out)

    def dot(self, u: Array, v: Array, /) -> Array:
        # matmul would take stacks (rank 3 and more): the two rank reads stay here.
        if type(u) is _ARRAY is type(v) and u.device is self._device and u.ndim < 3 > v.ndim:
            try:
                return _matmul(u, v)
            except Exception:  # see matrix_multiply
                return self._checked_product("dot", ("u", "v"), u, v, None)
        return self._checked_product("dot", ("u", "v"), u, v, None)

    def transpose(self, x: Array, /, axes: Sequence[int] | None = None) -> Array:
        if type(x) is _ARRAY and axes is None and x.device is self._device:
            try:
                return x.T
            except ValueError:  # not a matrix: the checked path reverses all axes
                pass
        return self._checked_transpose(x, axes)

    def _device_of(self, x: Array, /) -> Hashable:
        return x.device

    def _device_spec(self, device: Hashable, /) -> str:
        return _device_name(device)

    def _copy_hint(self, arg: str, /) -> str:
        return f"{arg}.to_device(...)"

    def _np_dtype(self, x: Array, /) -> np.dtype[Any]:
        return _NP_DTYPES[x.dtype]

    def _dtype_refusal(self, op: str, what: str, dtype: np.dtype[Any], /) -> DTypeError | None:
        if dtype in _XP_DTYPES:
            return None
        supported = ", ".join(_INFO.dtypes())
        return DTypeError(
            f"{op}: {what} gives dtype {str(dtype)!r}, which array-api-strict does not "
            f"support; pass one of {supported}"
        )

    def _astype(self, x: Array, dtype: np.dtype[Any], /) -> Array:
        return xp.astype(x, _XP_DTYPES[dtype])

    def _permute(self, x: Array, axes: tuple[int, ...], /) -> Array:
        return xp.permute_dims(x, axes)

    def _from_host(self, host: np.ndarray[Any, np.dtype[Any]], /) -> Array:
        return xp.asarray(host, device=self.device, copy=True)

    def _to_host(self, x: Array, /) -> HostArray:
        # A copy: np.asarray would share the array's buffer, and mutating the host copy
        # must never change the device array.
        copied: HostArray = np.array(x.to_device(_INFO.default_device()), copy=True)
        return copied

    def _write(self, out: Array, z: Array, /) -> None:
        out[...] = z
