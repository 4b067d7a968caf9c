"""A backend over JAX (``jax.Array``): one instance of the array-API adapter.

What is particular to JAX, and what the backend does about it:

- **64-bit dtypes.** With ``jax_enable_x64`` off (JAX's default), JAX silently turns
  float64 into float32 (int64 into int32, complex128 into complex64). The backend never
  does: ``asarray`` of 64-bit data, and a product whose NumPy result type is 64-bit (such as
  ``int32 @ float32``, float64 in NumPy), raise ``DTypeError`` naming the flag. Turn it on
  (``jax.config.update("jax_enable_x64", True)`` or ``JAX_ENABLE_X64=1``, before making
  arrays) for NumPy's dtypes, or convert explicitly (``dtype=np.float32``).
- **Immutability.** JAX arrays cannot be written: ``out=`` raises ``OutputError`` (after the
  usual checks of ``out``'s shape and dtype); use the returned array.
- **Promotion.** ``jnp.matmul`` promotes mixed dtypes by JAX's lattice (``int32 @ float32``
  is float32), so the hot path takes equal, non-bool dtypes only; anything else is computed
  in ``np.result_type``, NumPy's rule.
- **The hot path** is one type check and one call of a function jitted here, which tests
  dtypes and ranks while JAX traces it, once per signature (dtypes, shapes, devices), and
  returns None for what it does not compute; JAX's C++ dispatch then finds the signature
  in its cache, so the tests cost nothing a call (an ``x.dtype`` read costs ~0.1 us, an
  ``x.ndim`` ~0.15 us). The same holds for ``transpose``, where it is cheaper than JAX's
  own ``x.T`` (which goes through ``jnp.transpose``'s Python layers before dispatch).
- **Precision.** On GPUs and TPUs JAX's default float32 matmul precision is reduced
  (TF32 / bfloat16 passes). The backend passes ``precision="highest"`` on every call unless
  built with another: ``ab.use_backend(JaxBackend(precision="default"))`` opts in to JAX's
  default. On the CPU every precision is full precision, and none is passed.
- **Devices.** One backend per device (``"cpu"``, ``"cpu:1"``, ``"gpu:0"``/``"cuda:0"``, an
  index, or a ``jax.Device``; ``jax.Device`` objects are the canonical form). JAX would move
  an uncommitted operand to the other's device silently: the hot path compares both
  operands' shardings with the backend's (skipped when the process has one device only).
- **Transformations.** Inside ``jax.jit``, ``jax.grad``, ``jax.vmap``, operands are tracers:
  values without a device until the transformed function runs (JAX places them). They
  take the hot path as arrays do (a tracer counts as on the backend's device), then the
  checked path for what it does not compute: the checks of shapes and dtypes hold as for
  arrays, what computes outside a transformation computes inside (bfloat16 products), and
  products stay differentiable. ``to_numpy`` of
  a tracer is refused (it has no values yet): convert what the transformed function returns.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from functools import partial
from typing import Any, Literal

import jax
import jax.numpy as jnp
import numpy as np
from jax.core import Tracer
from jax.sharding import SingleDeviceSharding

from arraybackend._protocol import HostArray
from arraybackend.backends._array_api import ArrayAPIBackend
from arraybackend.errors import ArrayTypeError, DeviceError, DTypeError

__all__ = ["JaxBackend", "matmul_for"]

#: The NumPy dtypes JAX arrays can have (with 64-bit mode on).
_SUPPORTED = frozenset(np.dtype(c) for c in "?bhilqBHILQefdFD")
_BOOL = np.dtype(bool)
_X64 = "jax_enable_x64"
# jaxlib's Device class comes from a compiled module without annotations, so pyright calls
# every JAX function that mentions it "partially unknown": these names are typed once here.
_DEVICE: type[Hashable] = jax.Device  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
_asarray: Callable[..., jax.Array] = jnp.asarray  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
_device_count: Callable[[], int] = jax.device_count  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
_jax_devices: Callable[..., list[Hashable]] = jax.devices  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
_jit: Callable[..., Any] = jax.jit  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]


def _devices(platform: str | None = None) -> list[Hashable]:
    return _jax_devices(platform)


def matmul_for(platform: str, precision: str | None) -> Callable[[jax.Array, jax.Array], jax.Array]:
    """``jnp.matmul``, with ``precision`` bound except on the CPU.

    XLA computes float32 products in float32 on the CPU whatever the precision (measured:
    identical results for "bfloat16", "tensorfloat32" and "highest"), and passing it costs
    ~0.5 us a call; on GPUs and TPUs it decides between full and reduced precision.
    """
    if platform == "cpu":
        return jnp.matmul
    return partial(jnp.matmul, precision=precision)


def _checked_in_trace(
    matmul: Callable[[jax.Array, jax.Array], jax.Array], max_rank: int | None
) -> Callable[[jax.Array, jax.Array], jax.Array | None]:
    """``matmul`` jitted, or None (cached per signature, like a result) where the hot path
    must not take it: different dtypes (JAX's promotion is not NumPy's), bool (NumPy
    refuses ``bool @ bool``, JAX computes a logical product), or a rank above ``max_rank``.
    """

    def product(x: jax.Array, w: jax.Array) -> jax.Array | None:
        # Runs while JAX traces: x and w are tracers, their dtype and rank are static.
        dtype = x.dtype
        if dtype != w.dtype or dtype == _BOOL:
            return None
        if max_rank is not None and max(x.ndim, w.ndim) > max_rank:
            return None
        return matmul(x, w)

    jitted: Callable[[jax.Array, jax.Array], jax.Array | None] = _jit(product)
    return jitted


def _reversed_in_trace(x: jax.Array) -> jax.Array | None:
    """All axes of ``x`` reversed (NumPy's ``x.T``), or None for a 0-d array (refused)."""
    return jnp.transpose(x) if x.ndim else None


_transposed: Callable[[jax.Array], jax.Array | None] = _jit(_reversed_in_trace)


def _resolve_device(device: object) -> Hashable:
    """``device`` as a ``jax.Device``; ValueError listing the valid ones otherwise."""
    if device is None:
        return _devices()[0]
    if isinstance(device, _DEVICE):
        return device
    platform, index = "", -1
    if isinstance(device, int) and not isinstance(device, bool):
        platform, index = jax.default_backend(), device
    elif isinstance(device, str):
        name, _, number = device.partition(":")
        platform = "gpu" if name == "cuda" else name
        index = int(number) if number.isdigit() else 0 if not number else -1
    try:
        devices = _devices(platform) if platform else []
    except RuntimeError:  # a platform JAX does not have here
        devices = []
    if 0 <= index < len(devices):
        return devices[index]
    valid = ", ".join(f"{jax.default_backend()}:{i}" for i in range(len(_devices())))
    msg = f"jax backend: unknown device {device!r}; valid here: {valid} (or a jax.Device)"
    raise DeviceError(msg)


class JaxBackend(ArrayAPIBackend[jax.Array]):
    """``jax.Array`` on one JAX device (JAX's default device unless given).

    Parameters
    ----------
    device
        ``"cpu"``, ``"cpu:1"``, ``"gpu:0"`` (or ``"cuda:0"``), an index into
        ``jax.devices()``, or a ``jax.Device``.
    precision
        Passed to ``jnp.matmul``: ``"highest"`` (default: full float32 precision on every
        device), or ``"default"`` / ``None`` to follow JAX's own default.

    Examples
    --------
    >>> import numpy as np
    >>> from arraybackend.backends.jax import JaxBackend
    >>> be = JaxBackend()
    >>> x = be.asarray(np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32))
    >>> be.to_numpy(be.matrix_multiply(x, be.transpose(x)))
    array([[ 5., 11.],
           [11., 25.]], dtype=float32)
    """

    __slots__ = ("_array", "_dot", "_only_device", "_product", "_sharding")
    library = "JAX"
    mutable = False
    array_type = "jax.Array"

    def __init__(self, device: object = None, *, precision: str | None = "highest") -> None:
        resolved = _resolve_device(device)
        self._sharding = SingleDeviceSharding(resolved)
        # jax.Array is an ABC (isinstance against it costs ~1 us): the hot paths compare
        # with the concrete class by identity.
        self._array: type = type(_asarray(np.zeros(1, np.float32), device=self._sharding))
        platform: str = getattr(resolved, "platform", "cpu")
        matmul = matmul_for(platform, precision)
        super().__init__(jax.Array, resolved, matmul)
        self._product = _checked_in_trace(matmul, max_rank=None)
        self._dot = _checked_in_trace(matmul, max_rank=2)
        # With one device in the process, no array can be elsewhere: no device test.
        self._only_device = jax.default_backend() == "cpu" and _device_count() == 1

    @property
    def name(self) -> Literal["jax"]:
        """``"jax"``."""
        return "jax"

    def device_of(self, x: jax.Array, /) -> Hashable:
        """The device ``x`` lives on (used by ``backend_of``); a tracer's is the backend's."""
        return self._device_of(x)

    # The hot paths (see the module docstring): a None from the jitted function, or an
    # error, sends the call to the adapter's checked path.
    def matrix_multiply(
        self, x: jax.Array, w: jax.Array, /, *, out: jax.Array | None = None
    ) -> jax.Array:
        # JAX would move an uncommitted operand to the other's device silently: with more
        # than one device, both are compared with this backend's (inline: a call is ~0.1 us).
        if (
            type(x) is self._array is type(w)
            and out is None
            and (self._only_device or x.sharding == self._sharding == w.sharding)
        ) or (out is None and self._traced(x, w)):
            product = self._product
            try:
                z = product(x, w)
            except Exception:  # the checked path says why
                return self._checked_product("matrix_multiply", ("x", "w"), x, w, None)
            if z is not None:
                return z
        return self._checked_product("matrix_multiply", ("x", "w"), x, w, out)

    def dot(self, u: jax.Array, v: jax.Array, /) -> jax.Array:
        if (
            type(u) is self._array is type(v)
            and (self._only_device or u.sharding == self._sharding == v.sharding)
        ) or self._traced(u, v):
            dot = self._dot
            try:
                z = dot(u, v)
            except Exception:  # see matrix_multiply
                return self._checked_product("dot", ("u", "v"), u, v, None)
            if z is not None:
                return z
        return self._checked_product("dot", ("u", "v"), u, v, None)

    def transpose(self, x: jax.Array, /, axes: Sequence[int] | None = None) -> jax.Array:
        if (
            type(x) is self._array
            and axes is None
            and (self._only_device or x.sharding == self._sharding)
        ):
            z = _transposed(x)
            if z is not None:
                return z
        return self._checked_transpose(x, axes)

    def _traced(self, x: jax.Array, w: jax.Array, /) -> bool:
        """Whether JAX is tracing ``x`` or ``w`` (under jit, grad, vmap) and the other is a
        tracer too or an array on this backend's device: then the hot path takes them, so
        what computes outside a transformation computes inside (bfloat16 products)."""
        traced_x, traced_w = isinstance(x, Tracer), isinstance(w, Tracer)
        if traced_x is traced_w:
            return traced_x
        other = w if traced_x else x
        return type(other) is self._array and (
            self._only_device or other.sharding == self._sharding
        )

    def _device_of(self, x: jax.Array, /) -> Hashable:
        # A tracer (under jit, grad, vmap) has no device: it is placed where it runs.
        return self._device if isinstance(x, Tracer) else x.device

    def _copy_hint(self, arg: str, /) -> str:
        return f"jax.device_put({arg}, device)"

    def _np_dtype(self, x: jax.Array, /) -> np.dtype[Any]:
        return np.dtype(x.dtype)

    def _dtype_refusal(self, op: str, what: str, dtype: np.dtype[Any], /) -> DTypeError | None:
        if dtype not in _SUPPORTED:
            supported = ", ".join(sorted(str(d) for d in _SUPPORTED))
            return DTypeError(
                f"{op}: {what} has dtype {str(dtype)!r}, which JAX does not support; "
                f"convert to one of {supported}"
            )
        # What JAX would turn it into: itself, unless 64-bit mode is off.
        narrow = np.dtype(jax.dtypes.canonicalize_dtype(dtype))
        if narrow == dtype:
            return None
        return DTypeError(
            f"{op}: {what} has dtype {str(dtype)!r}, but {_X64} is off and JAX would "
            f"silently compute in {str(narrow)!r}; turn it on before making arrays "
            f"(jax.config.update({_X64!r}, True) or JAX_ENABLE_X64=1), or convert "
            f"explicitly to {str(narrow)!r}"
        )

    def _astype(self, x: jax.Array, dtype: np.dtype[Any], /) -> jax.Array:
        return x.astype(dtype)

    def _permute(self, x: jax.Array, axes: tuple[int, ...], /) -> jax.Array:
        return jnp.transpose(x, axes)

    def _from_host(self, host: np.ndarray[Any, np.dtype[Any]], /) -> jax.Array:
        # JAX may alias a host buffer on the CPU: give it a private copy.
        return _asarray(np.array(host, copy=True), device=self._sharding)

    def _to_host(self, x: jax.Array, /) -> HostArray:
        if isinstance(x, Tracer):
            # Tracer is generic in JAX's annotations: pyright sees type[Tracer[Unknown]].
            kind: str = type(x).__name__  # pyright: ignore[reportUnknownArgumentType]
            msg = (
                f"to_numpy: x is a value JAX is tracing ({kind}, inside jax.jit, "
                f"grad or vmap): it has no values yet; return it from the transformed "
                f"function and convert the result"
            )
            raise ArrayTypeError(msg)
        # np.asarray would be a read-only view of JAX's buffer on the CPU: copy.
        copied: HostArray = np.array(x, copy=True)
        return copied
