# Only what arraybackend and its tests use, mirroring PyTorch 2.13's own annotations
# (torch/_C/__init__.pyi): Tensor is not generic there either, so rank and dtype are not
# in the types. Checked against the real torch by `nox -s stubtest-torch`. These stubs let
# the type checkers run where torch cannot be installed (CI: the registry's Linux wheel
# pulls the CUDA libraries).
import builtins
from collections.abc import Sequence
from typing import Any, final, overload

import numpy as np
from torch import accelerator as accelerator
from torch import cuda as cuda
from torch import nn as nn

@final
class dtype: ...

@final
class device:
    @property
    def type(self) -> str: ...
    @property
    def index(self) -> builtins.int: ...
    @overload
    def __new__(cls, device: device | str | builtins.int, /) -> device: ...
    @overload
    def __new__(cls, type: str, index: builtins.int, /) -> device: ...

@final
class Size(tuple[builtins.int, ...]): ...

class Tensor:
    dtype: dtype
    device: device
    requires_grad: builtins.bool
    is_leaf: builtins.bool
    is_cpu: builtins.bool
    shape: Size
    ndim: builtins.int
    T: Tensor
    def get_device(self) -> builtins.int: ...
    def to(self, *args: Any, **kwargs: Any) -> Tensor: ...
    def permute(self, dims: Sequence[builtins.int]) -> Tensor: ...
    def detach(self) -> Tensor: ...
    def resolve_conj(self) -> Tensor: ...
    def resolve_neg(self) -> Tensor: ...
    def conj(self) -> Tensor: ...
    def cpu(self) -> Tensor: ...
    def numpy(self, *, force: builtins.bool = False) -> np.ndarray[Any, Any]: ...
    def stride(self) -> tuple[builtins.int, ...]: ...
    def copy_(self, src: Tensor, non_blocking: builtins.bool = False) -> Tensor: ...
    def expand(self, *size: builtins.int) -> Tensor: ...
    def __getitem__(self, key: Any, /) -> Tensor: ...
    def __float__(self) -> builtins.float: ...

bool: dtype
int8: dtype
uint8: dtype
int16: dtype
uint16: dtype
int32: dtype
uint32: dtype
int64: dtype
uint64: dtype
float16: dtype
bfloat16: dtype
float32: dtype
float64: dtype
complex64: dtype
complex128: dtype

def matmul(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor: ...
def as_tensor(
    data: Any, dtype: dtype | None = None, device: device | str | builtins.int | None = None
) -> Tensor: ...
def zeros(
    size: Sequence[builtins.int],
    *,
    dtype: dtype | None = None,
    requires_grad: builtins.bool = False,
) -> Tensor: ...
def ones(
    size: Sequence[builtins.int],
    *,
    dtype: dtype | None = None,
    requires_grad: builtins.bool = False,
) -> Tensor: ...
def promote_types(type1: dtype, type2: dtype) -> dtype: ...
def get_float32_matmul_precision() -> str: ...
