# pyright: reportPrivateUsage=false
# (CuPy's own names are private: the stubs must use them where CuPy does.)
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from cupy._core.core import _ndarray_base, ndarray

class _GUFunc:
    """A generalized ufunc such as ``cupy.matmul``."""

    def __call__(
        self,
        *args: _ndarray_base[Any, Any],
        axes: list[tuple[int, ...]] | None = None,
        axis: int | None = None,
        keepdims: bool = False,
        casting: Literal["no", "equiv", "safe", "same_kind", "unsafe"] = "same_kind",
        dtype: npt.DTypeLike | None = None,
        signature: str | tuple[npt.DTypeLike, ...] | None = None,
        order: Literal["C", "F", "A", "K"] = "K",
        out: _ndarray_base[Any, Any] | None = None,
    ) -> ndarray[tuple[Any, ...], np.dtype[Any]]: ...
