# Only what arraybackend uses (`arraybackend info`, the benchmark). threadpoolctl ships no types.
from typing import Any

def threadpool_info() -> list[dict[str, Any]]: ...
