"""One module per array library. Each imports its library only when instantiated."""

__all__: list[str] = []
