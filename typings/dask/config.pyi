import threading
from collections.abc import Mapping
from types import TracebackType
from typing import Any

def get(
    key: str,
    default: Any = ...,
    config: dict[str, Any] | None = None,
    override_with: Any = None,
) -> Any: ...

class set:
    """``with dask.config.set({"scheduler": "threads"}):`` (or a plain call)."""

    def __init__(
        self,
        arg: Mapping[str, Any] | None = None,
        config: dict[str, Any] | None = None,
        lock: threading.Lock = ...,
        **kwargs: Any,
    ) -> None: ...
    def __enter__(self) -> dict[str, Any]: ...
    def __exit__(
        self,
        type: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...
