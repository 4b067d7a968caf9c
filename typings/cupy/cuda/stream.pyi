class Stream:
    def __init__(
        self,
        null: bool = False,
        non_blocking: bool = False,
        ptds: bool = False,
        priority: int | None = None,
    ) -> None: ...
    def synchronize(self) -> None: ...
