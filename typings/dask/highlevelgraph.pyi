from collections.abc import Hashable, Iterator, Mapping, Sequence
from typing import Any

class HighLevelGraph(Mapping[Hashable, Any]):
    """A graph of layers: one per collection, each a mapping of keys to tasks."""

    def __init__(
        self,
        layers: Mapping[str, Mapping[Any, Any]],
        dependencies: Mapping[str, set[str]],
        key_dependencies: dict[Any, set[Any]] | None = None,
    ) -> None: ...
    @classmethod
    def from_collections(
        cls,
        name: str,
        layer: Mapping[Any, Any],
        dependencies: Sequence[Any] = (),
    ) -> HighLevelGraph: ...
    def __getitem__(self, key: Hashable) -> Any: ...
    def __iter__(self) -> Iterator[Hashable]: ...
    def __len__(self) -> int: ...
