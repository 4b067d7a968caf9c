"""A backend over PyTorch (``torch.Tensor``): one instance of the array-API adapter.

What is particular to PyTorch, and what the backend does about it:

- **Promotion.** ``torch.matmul`` refuses operands of different dtypes, and PyTorch's own
  promotion differs from NumPy's (``torch.promote_types(int64, float32)`` is float32; NumPy
  gives float64). The backend follows **NumPy's** rule: mixed operands are cast to
  ``np.result_type`` on the checked path, so results match the reference.
- **Unsigned integers.** PyTorch has uint16/32/64 tensors but cannot multiply them: they
  are multiplied as int64 and cast back, which wraps exactly as NumPy does.
- **bfloat16** and other dtypes NumPy lacks: multiplied by PyTorch on the hot path (there
  is no reference to differ from), refused by the checked path and ``to_numpy``.
- **Devices.** One backend per device: ``"cpu"`` (default) or ``"cuda:N"``; ``"cpu"`` and
  ``torch.device("cpu")`` give one instance. PyTorch itself refuses operands on two
  devices; the hot path checks that the first is on the backend's (not needed, and not
  done, in a process without an accelerator, where every tensor that computes is on the
  CPU).
- **Precision.** PyTorch computes float32 products at full precision unless the user opts in
  to TF32 (``torch.set_float32_matmul_precision("high")`` or
  ``torch.backends.cuda.matmul.allow_tf32 = True``): the backend follows that setting and
  never changes it.
- **Autograd.** Products stay differentiable; ``to_numpy`` detaches. An ``out`` that is a
  leaf requiring grad cannot be written (``OutputError``), as in PyTorch.
- **Transforms.** Under ``torch.func`` (``vmap``, ``grad``, ``jacrev``...) operands are
  wrapped tensors: products and transposes work on them, ``to_numpy`` of one is refused
  (it holds no data of its own), and an ``out`` PyTorch cannot write (an unbatched one
  under ``vmap``) is an ``OutputError``.
  Under ``torch.compile`` the hot path is traced as ``torch.matmul``, whose tracing does
  not check dtypes: operands of two dtypes fail when the compiled code runs (PyTorch's
  error); cast them first. Checking dtypes on the hot path would cost two attribute reads
  (~1,000 instructions, 10 % of a 4 x 4 product) on every eager call.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from importlib import import_module
from typing import Any, Literal, cast, overload

import numpy as np
import torch

from arraybackend._protocol import HostArray
from arraybackend.backends._array_api import ArrayAPIBackend
from arraybackend.errors import (
    ArrayTypeError,
    BackendUnavailableError,
    DeviceError,
    DTypeError,
    OutputError,
)

__all__ = ["TorchBackend"]

_NAMES = "bool int8 int16 int32 int64 uint8 uint16 uint32 uint64 float16 float32 float64"
_NP_DTYPES: dict[torch.dtype, np.dtype[Any]] = {
    getattr(torch, n): np.dtype(n) for n in [*_NAMES.split(), "complex64", "complex128"]
}
_TORCH_DTYPES = {v: k for k, v in _NP_DTYPES.items()}
# PyTorch has no matmul kernel for these: multiply as int64, which wraps modulo 2**64, then
# cast back (a cast to a narrower unsigned type keeps the low bits, as NumPy's product does).
_COMPUTE = {np.dtype(n): np.dtype(np.int64) for n in ("uint16", "uint32", "uint64")}
# Bound once for the hot paths: a module global is cheaper than torch.matmul's two
# attribute loads, and ``torch.Tensor`` is the exact class of plain tensors (a Parameter,
# or any other subclass, takes the checked path).
_TENSOR = torch.Tensor
_matmul = torch.matmul
# True for a tensor that torch.func's transforms wrap (batched, grad-tracking): it has no
# storage of its own. Private to PyTorch and absent from typings/torch, so looked up; a
# release without it gets PyTorch's own error from to_numpy, not a backend that fails to load.
_transformed: Callable[[torch.Tensor], bool] = getattr(
    import_module("torch._C._functorch"), "is_functorch_wrapped_tensor", lambda x: False
)


def _canonical(device: object) -> torch.device:
    """``device`` as the one ``torch.device`` that names it (``cuda`` gets its index)."""
    try:
        resolved = torch.device(device)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType]
    except (RuntimeError, TypeError) as err:
        msg = f"torch backend: {device!r} is not a device: {err}; pass 'cpu' or 'cuda:N'"
        raise DeviceError(msg) from None
    if resolved.type == "cpu":
        return torch.device("cpu")
    if resolved.type != "cuda":
        msg = f"torch backend: device {device!r} is not supported; pass 'cpu' or 'cuda:N'"
        raise DeviceError(msg)
    if not torch.cuda.is_available():
        reason = f"device {device!r}: PyTorch sees no CUDA device (torch.cuda.is_available())"
        raise BackendUnavailableError("torch", reason)
    # PyTorch annotates index as int; it is None for a device string without one.
    given = cast("int | None", resolved.index)
    index = torch.cuda.current_device() if given is None else given
    if index >= torch.cuda.device_count():
        msg = f"torch backend: no device {device!r}; cuda:0 to cuda:{torch.cuda.device_count() - 1}"
        raise DeviceError(msg)
    return torch.device("cuda", index)


class TorchBackend(ArrayAPIBackend[torch.Tensor]):
    """``torch.Tensor`` on one device (the CPU unless given).

    Parameters
    ----------
    device
        ``"cpu"``, ``"cuda"`` (the current CUDA device), ``"cuda:N"`` or a ``torch.device``.

    Examples
    --------
    >>> import arraybackend as ab
    >>> be = ab.get_backend("torch")
    >>> x = be.asarray([[1.0, 2.0], [3.0, 4.0]])
    >>> be.to_numpy(be.matrix_multiply(x, be.transpose(x)))
    array([[ 5., 11.],
           [11., 25.]])
    """

    __slots__ = ("_alone", "_cpu", "_index")
    library = "PyTorch"
    array_type = "torch.Tensor"

    def __init__(self, device: str | int | torch.device | None = None) -> None:
        resolved = torch.device("cpu") if device is None else _canonical(device)
        # Without an accelerator every tensor that computes is on the CPU: no device test.
        # (``meta`` tensors, which hold no data, are not caught by the hot path then.)
        self._alone = resolved.type == "cpu" and not torch.accelerator.is_available()
        super().__init__(torch.Tensor, resolved, torch.matmul)
        self._cpu = resolved.type == "cpu"
        self._index = resolved.index if resolved.type == "cuda" else -1

    @property
    def name(self) -> Literal["torch"]:
        """``"torch"``."""
        return "torch"

    @property
    def device(self) -> torch.device:
        """The ``torch.device`` this backend computes on."""
        device: torch.device = self._device  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
        return device

    def device_of(self, x: torch.Tensor, /) -> torch.device:
        """The device ``x`` lives on (used by ``backend_of``)."""
        return x.device

    # The hot paths: an exact-type check, the device of the first operand (PyTorch refuses
    # two devices, mixed dtypes and bool itself), one call; anything else, or a refusal,
    # goes to the adapter's checked path, which says why or computes what PyTorch would not
    # (NumPy's promotion). Written out, not shared: each Python call costs ~0.1 us here,
    # where torch.matmul of 4 x 4 costs ~1.5 us.
    @overload
    def matrix_multiply(self, x: torch.Tensor, w: torch.Tensor, /) -> torch.Tensor: ...
    @overload
    def matrix_multiply(
        self, x: torch.Tensor, w: torch.Tensor, /, *, out: torch.Tensor | None = None
    ) -> torch.Tensor: ...
    # `out` is keyword-only in the overloads (the typed API) but not here: CPython 3.11 does
    # not specialise calls to functions with keyword-only parameters (~220 instructions a
    # call, 2 % of torch.matmul's at 4 x 4), as in the NumPy backend.
    def matrix_multiply(
        self, x: torch.Tensor, w: torch.Tensor, /, out: torch.Tensor | None = None
    ) -> torch.Tensor:
        if type(x) is _TENSOR is type(w) and out is None and (self._alone or self._here(x)):
            try:
                return _matmul(x, w)
            except Exception:  # the checked path says why
                return self._checked_product("matrix_multiply", ("x", "w"), x, w, None)
        return self._checked_product("matrix_multiply", ("x", "w"), x, w, out)

    def dot(self, u: torch.Tensor, v: torch.Tensor, /) -> torch.Tensor:
        # torch.matmul would take stacks (rank 3 and more): the two rank reads stay here.
        if type(u) is _TENSOR is type(v) and u.ndim < 3 > v.ndim and (self._alone or self._here(u)):
            try:
                return _matmul(u, v)
            except Exception:  # see matrix_multiply
                return self._checked_product("dot", ("u", "v"), u, v, None)
        return self._checked_product("dot", ("u", "v"), u, v, None)

    def transpose(self, x: torch.Tensor, /, axes: Sequence[int] | None = None) -> torch.Tensor:
        # For rank 2, x.mT is the same view as x.T (and NumPy's x.T), and cheaper: x.T goes
        # through PyTorch's all-axes reversal, deprecated for other ranks (x.mT measured 6 %
        # fewer instructions at 4 x 4). Other ranks take the checked path: the rank is read.
        if type(x) is _TENSOR and axes is None and x.ndim == 2 and (self._alone or self._here(x)):
            return x.mT
        return self._checked_transpose(x, axes)

    def _unreadable(self, op: str, arg: str, x: torch.Tensor, /) -> ArrayTypeError | None:
        if x.is_nested:
            return ArrayTypeError(
                f"{op}: {arg} is a nested (ragged) tensor, which has no one shape; "
                f"pad it ({arg}.to_padded_tensor(0.0)) or pass its components one by one"
            )
        if x.layout != torch.strided:
            return ArrayTypeError(
                f"{op}: {arg} is a {x.layout} tensor; arraybackend reads dense tensors: "
                f"convert with {arg}.to_dense()"
            )
        return None

    def _here(self, x: torch.Tensor, /) -> bool:
        return x.is_cpu if self._cpu else x.get_device() == self._index

    def _device_of(self, x: torch.Tensor, /) -> Hashable:
        return x.device

    def _device_spec(self, device: Hashable, /) -> str:
        return str(device)

    def _copy_hint(self, arg: str, /) -> str:
        return f"{arg}.to({str(self._device)!r})"

    def _np_dtype(self, x: torch.Tensor, /) -> np.dtype[Any]:
        dtype = _NP_DTYPES.get(x.dtype)
        if dtype is None:
            msg = (
                f"{x.dtype} has no NumPy equivalent, so arraybackend cannot check or convert "
                f"it; convert with x.to(torch.float32)"
            )
            raise DTypeError(msg)
        return dtype

    def _dtype_refusal(self, op: str, what: str, dtype: np.dtype[Any], /) -> DTypeError | None:
        if dtype in _TORCH_DTYPES:
            return None
        supported = ", ".join(str(d) for d in _TORCH_DTYPES)
        return DTypeError(
            f"{op}: {what} has dtype {str(dtype)!r}, which PyTorch does not have; "
            f"convert to one of {supported}"
        )

    def _compute_dtype(self, dtype: np.dtype[Any], /) -> np.dtype[Any]:
        return _COMPUTE.get(dtype, dtype)

    def _astype(self, x: torch.Tensor, dtype: np.dtype[Any], /) -> torch.Tensor:
        return x.to(_TORCH_DTYPES[dtype])

    def _permute(self, x: torch.Tensor, axes: tuple[int, ...], /) -> torch.Tensor:
        return x.permute(axes)

    def _from_host(self, host: np.ndarray[Any, np.dtype[Any]], /) -> torch.Tensor:
        # A private, native-byte-order copy: PyTorch shares NumPy buffers on the CPU.
        private = np.array(host, dtype=host.dtype.newbyteorder("="), copy=True)
        return torch.as_tensor(private, device=self.device)

    def _to_host(self, x: torch.Tensor, /) -> HostArray:
        if _transformed(x):
            msg = (
                "to_numpy: x is a tensor inside a torch.func transform (vmap, grad, jacrev...): "
                "it holds no data of its own; return it from the transformed function and "
                "convert the result"
            )
            raise ArrayTypeError(msg)
        if x.is_meta:  # (the checked paths say BackendMismatchError: meta is a device)
            raise ArrayTypeError("to_numpy: x is a meta tensor, which holds no data to copy")
        self._np_dtype(x)  # DTypeError for a dtype NumPy lacks (bfloat16, float8...)
        host = x.detach().resolve_conj().resolve_neg().cpu().numpy()
        copied: HostArray = np.array(host, copy=True)
        return copied

    def _writable(self, x: torch.Tensor, /) -> bool:
        if x.requires_grad and x.is_leaf:
            return False  # PyTorch refuses in-place writes to such a tensor
        # Elements overlap where a stride is 0 along an axis longer than 1, and some exist
        # (as the NumPy backend reads it: an empty out is writable, whatever its strides).
        return x.numel() == 0 or all(
            stride or n <= 1 for stride, n in zip(x.stride(), x.shape, strict=True)
        )

    def _write(self, out: torch.Tensor, z: torch.Tensor, /) -> None:
        try:
            out.copy_(z)
        except RuntimeError as err:  # under vmap: a batched result and an unbatched out
            msg = f"PyTorch could not write out=: {err}; pass an out it can hold, or use the result"
            raise OutputError(msg) from err
