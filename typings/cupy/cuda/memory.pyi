from typing_extensions import disjoint_base

@disjoint_base
class MemoryPointer:
    @property
    def device_id(self) -> int: ...
    @property
    def ptr(self) -> int: ...
