# pyright: reportPrivateUsage=false
# (the chunks alias is shared with dask.array.core, where dask.array's functions take it)
from typing import Any

import numpy as np
import numpy.typing as npt
from dask.array.core import Array, _ChunksLike

def default_rng(seed: int | np.random.Generator | None = None) -> Generator: ...

class Generator:
    def __init__(self, bit_generator: np.random.BitGenerator | np.random.Generator) -> None: ...
    def random(
        self,
        size: int | tuple[int, ...] | None = None,
        dtype: npt.DTypeLike = ...,
        out: None = None,
        chunks: _ChunksLike = "auto",
        **kwargs: Any,
    ) -> Array: ...
