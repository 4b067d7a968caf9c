from typing import Any

import numpy.typing as npt

# An empty array of x's chunk library (NumPy, CuPy, ...) with this rank and dtype.
def meta_from_array(x: Any, ndim: int | None = None, dtype: npt.DTypeLike | None = None) -> Any: ...
