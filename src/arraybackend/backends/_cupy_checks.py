"""Checks of the CuPy backend that need no CuPy: library loads."""

from __future__ import annotations

from arraybackend.errors import (
    BackendUnavailableError,
)

__all__ = ["library_failure"]

_NUMERIC_KINDS = "biufc"


def library_failure(op: str, err: BaseException) -> BackendUnavailableError:
    """CuPy loads cuBLAS and friends at first use: a missing one surfaces here."""
    return BackendUnavailableError(
        "cupy",
        f"{op}: CuPy could not load a CUDA library: {type(err).__name__}: {err}; install the "
        f'CUDA libraries its wheel needs (e.g. pip install "cupy-cuda12x[ctk]") or a CUDA toolkit',
    )
