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

# A deterministic hash of the arguments (dask's names for graph layers are built from it).
def tokenize(*args: object, ensure_deterministic: bool | None = None, **kwargs: object) -> str: ...
