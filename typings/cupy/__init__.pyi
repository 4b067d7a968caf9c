# pyright: reportPrivateUsage=false
# (CuPy's own names are private: the stubs must use them where CuPy does.)
# Hand-written stubs for the part of CuPy that arraybackend uses; checked against the real
# CuPy by `nox -s stubtest`. Names live where CuPy defines or re-exports them at run time.
from collections.abc import Sequence
from typing import Any, Literal, TypeVar, overload

import numpy as np
import numpy.typing as npt
from cupy import cuda as cuda
from cupy._core._gufuncs import _GUFunc
from cupy._core.core import ndarray as ndarray
from cupy._math.hyperbolic import tanh as tanh
from cupy.cuda.stream import Stream

_ShapeT = TypeVar("_ShapeT", bound=tuple[int, ...])
_ScalarT = TypeVar("_ScalarT", bound=np.generic)
_ArrayT = TypeVar("_ArrayT", bound=ndarray[Any, Any])

_Order = Literal["C", "F", "A", "K"] | None
_AnyArray = ndarray[tuple[Any, ...], np.dtype[Any]]

# A generalized ufunc object at run time (cupy._core._gufuncs._GUFunc), not a function.
__version__: str

matmul: _GUFunc

@overload
def asarray(
    a: ndarray[_ShapeT, np.dtype[_ScalarT]] | np.ndarray[_ShapeT, np.dtype[_ScalarT]],
    dtype: None = None,
    order: _Order = None,
    *,
    copy: bool | None = None,
    blocking: bool = False,
) -> ndarray[_ShapeT, np.dtype[_ScalarT]]: ...
@overload
def asarray(
    a: object,
    dtype: type[_ScalarT] | np.dtype[_ScalarT],
    order: _Order = None,
    *,
    copy: bool | None = None,
    blocking: bool = False,
) -> ndarray[tuple[Any, ...], np.dtype[_ScalarT]]: ...
@overload
def asarray(
    a: object,
    dtype: npt.DTypeLike | None = None,
    order: _Order = None,
    *,
    copy: bool | None = None,
    blocking: bool = False,
) -> _AnyArray: ...
def asnumpy(
    a: ndarray[_ShapeT, np.dtype[_ScalarT]],
    stream: Stream | None = None,
    order: _Order = "C",
    out: np.ndarray[Any, Any] | None = None,
    *,
    blocking: bool = True,
) -> np.ndarray[_ShapeT, np.dtype[_ScalarT]]: ...
def dot(a: _AnyArray, b: _AnyArray, out: _AnyArray | None = None) -> _AnyArray: ...
def transpose(a: _ArrayT, axes: Sequence[int] | None = None) -> _ArrayT: ...
def may_share_memory(a: _AnyArray, b: _AnyArray, max_work: int | None = None) -> bool: ...
def copyto(
    dst: _AnyArray,
    src: _AnyArray | complex,
    casting: Literal["no", "equiv", "safe", "same_kind", "unsafe"] = "same_kind",
    where: _AnyArray | None = None,
) -> None: ...
