from typing import Any

# The computed values, one per argument, in order (NumPy arrays for dask arrays).
def compute(
    *args: Any,
    traverse: bool = True,
    optimize_graph: bool = True,
    scheduler: Any = None,
    get: Any = None,
    **kwargs: Any,
) -> tuple[Any, ...]: ...
