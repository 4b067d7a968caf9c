# pyright: reportPrivateUsage=false
# (CuPy's own names are private: the stubs must use them where CuPy does.)
# cupy._core._kernel defines `ufunc`, the class of CuPy's elementwise functions (cupy.tanh ...).
from typing import Any, Literal, TypeVar, overload, type_check_only

import numpy as np
import numpy.typing as npt
from cupy._core.core import _ndarray_base, ndarray
from typing_extensions import disjoint_base

_ShapeT = TypeVar("_ShapeT", bound=tuple[int, ...])
_InexactT = TypeVar("_InexactT", bound=np.inexact[Any])
_Casting = Literal["no", "equiv", "safe", "same_kind", "unsafe"]

@disjoint_base
class ufunc:
    """A CuPy universal function. Its run-time ``__call__(*args, **kwargs)`` is left out:
    each ufunc the stubs declare has a typed call on a stub-only subclass, and a ufunc
    without one is an error to call rather than an unchecked ``Any`` call."""

# Stub-only (stubtest checks a ufunc against `ufunc`): a one-input ufunc whose loops all map a
# floating or complex dtype to itself (cupy.tanh: e->e f->f d->d F->F D->D), so such an array
# keeps its shape and dtype; other inputs (integer arrays, which it casts, scalars, `out=`) give
# a general array.
@type_check_only
class _UFuncInexact1(ufunc):
    @overload
    def __call__(
        self,
        x: _ndarray_base[_ShapeT, np.dtype[_InexactT]],
        /,
        out: None = None,
        *,
        casting: _Casting = "same_kind",
        dtype: None = None,
    ) -> ndarray[_ShapeT, np.dtype[_InexactT]]: ...
    @overload
    def __call__(
        self,
        x: _ndarray_base[Any, Any] | complex,
        /,
        out: _ndarray_base[Any, Any] | None = None,
        *,
        casting: _Casting = "same_kind",
        dtype: npt.DTypeLike | None = None,
    ) -> ndarray[tuple[Any, ...], np.dtype[Any]]: ...
