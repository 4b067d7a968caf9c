"""The CuPy backend (placeholder until the CuPy issue lands)."""

from __future__ import annotations

from typing import Literal

from arraybackend.errors import BackendUnavailableError

__all__ = ["CuPyBackend"]


class CuPyBackend:
    """Arrays on a CUDA device, through CuPy."""

    array_module = "cupy"

    def __init__(self, device: int | None = None) -> None:
        raise BackendUnavailableError("cupy", "the CuPy backend is not implemented yet")

    @property
    def name(self) -> Literal["cupy"]:
        return "cupy"
