import numpy.typing as npt
from dask.array.core import Array

def matmul(a: Array | npt.ArrayLike, b: Array | npt.ArrayLike) -> Array: ...
