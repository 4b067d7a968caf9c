from collections.abc import Hashable, Mapping
from typing import Any

def get_dependencies(
    dsk: Mapping[Any, Any],
    key: Hashable | None = None,
    task: object = ...,
    as_list: bool = False,
) -> set[Any] | list[Any]: ...
