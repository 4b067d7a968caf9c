# cupy.ndarray is defined here (its methods on the base class _ndarray_base) and re-exported
# as cupy.ndarray. Type parameters in the order of the run-time cupy.ndarray[shape, dtype].
from collections.abc import Sequence
from typing import Any, Generic, Literal, Self, TypeVar, overload

import numpy as np
from cupy.cuda.device import Device
from cupy.cuda.memory import MemoryPointer
from cupy.cuda.stream import Stream
from typing_extensions import disjoint_base

_ShapeT_co = TypeVar("_ShapeT_co", bound=tuple[int, ...], covariant=True)
_DTypeT_co = TypeVar("_DTypeT_co", bound=np.dtype[Any], covariant=True)
# An array of a floating or complex dtype: with a Python scalar it keeps its dtype (CuPy 14
# follows NumPy 2's NEP 50: `float32 array * 0.5` is float32), and its shape.
_InexactArrayT = TypeVar("_InexactArrayT", bound=ndarray[Any, np.dtype[np.inexact[Any]]])

@disjoint_base
class _ndarray_base(Generic[_ShapeT_co, _DTypeT_co]):
    @property
    def shape(self) -> _ShapeT_co: ...
    @property
    def ndim(self) -> int: ...
    @property
    def size(self) -> int: ...
    @property
    def strides(self) -> tuple[int, ...]: ...
    @property
    def dtype(self) -> _DTypeT_co: ...
    @property
    def device(self) -> Device: ...
    @property
    def data(self) -> MemoryPointer: ...
    @property
    def T(self) -> Self: ...
    def get(
        self,
        stream: Stream | None = None,
        order: Literal["C", "F", "A"] = "C",
        out: np.ndarray[Any, Any] | None = None,
        blocking: bool = True,
    ) -> np.ndarray[_ShapeT_co, _DTypeT_co]: ...
    def transpose(self, *axes: int | Sequence[int] | None) -> Self: ...
    def item(self) -> Any: ...

class ndarray(_ndarray_base[_ShapeT_co, _DTypeT_co]):
    # Operators are declared here, on the class users hold, so that `Self` is an ndarray.
    def __matmul__(
        self, other: _ndarray_base[Any, Any], /
    ) -> ndarray[tuple[Any, ...], np.dtype[Any]]: ...
    @overload
    def __add__(self, other: Self, /) -> Self: ...
    @overload
    def __add__(
        self, other: _ndarray_base[Any, Any] | complex, /
    ) -> ndarray[tuple[Any, ...], np.dtype[Any]]: ...
    # `-` and `*`: the same array type, or a Python scalar with a floating/complex array, keep
    # shape and dtype (the scalar overload also takes the same array type, so that one overload
    # matches a protocol member `(Self | float) -> Self`); anything else is a general array.
    @overload
    def __sub__(self, other: Self, /) -> Self: ...
    @overload
    def __sub__(self: _InexactArrayT, other: _InexactArrayT | float, /) -> _InexactArrayT: ...
    @overload
    def __sub__(
        self, other: _ndarray_base[Any, Any] | complex, /
    ) -> ndarray[tuple[Any, ...], np.dtype[Any]]: ...
    @overload
    def __mul__(self, other: Self, /) -> Self: ...
    @overload
    def __mul__(self: _InexactArrayT, other: _InexactArrayT | float, /) -> _InexactArrayT: ...
    @overload
    def __mul__(
        self, other: _ndarray_base[Any, Any] | complex, /
    ) -> ndarray[tuple[Any, ...], np.dtype[Any]]: ...
