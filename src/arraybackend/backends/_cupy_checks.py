"""Checks of the CuPy backend that need no CuPy: host data, ``out`` dtypes, library loads."""

from __future__ import annotations

from typing import Any

import numpy as np

from arraybackend._checks import describe, rank_problem
from arraybackend.errors import (
    ArrayTypeError,
    BackendMismatchError,
    BackendUnavailableError,
    DTypeError,
)

__all__ = ["host_asarray", "library_failure", "out_dtype_problem"]

_NUMERIC_KINDS = "biufc"


def host_asarray(obj: object, dtype: Any) -> np.ndarray[Any, Any]:
    """``obj`` as a numeric NumPy array of rank 1 or more, or the NumPy backend's error."""
    if hasattr(obj, "__cuda_array_interface__"):  # device memory of another library
        msg = (
            f"asarray: {describe(obj)} is device memory of another library; arraybackend "
            f"converts host data only: go through the host with its own to_numpy()"
        )
        raise BackendMismatchError(msg)
    try:
        a = np.asarray(obj, dtype=dtype)
    except (TypeError, ValueError) as err:
        msg = f"asarray: cannot make a numeric array from {describe(obj)}: {err}"
        raise ArrayTypeError(msg) from err
    if a.dtype.kind not in _NUMERIC_KINDS:
        raise DTypeError(
            f"asarray: {describe(obj)} gives dtype {str(a.dtype)!r}, which is not numeric; "
            f"pass numbers, or dtype=np.float32"
        )
    if not a.ndim:
        raise rank_problem("asarray", "obj", ()) or AssertionError
    return a


def out_dtype_problem(op: str, x: Any, w: Any, out: Any) -> DTypeError | None:
    """NumPy's rule, checked before CuPy runs: the result must cast to ``out`` 'same_kind'."""
    if out is None:
        return None
    result = np.result_type(x.dtype, w.dtype)
    if np.can_cast(result, out.dtype, "same_kind"):
        return None
    return DTypeError(
        f"{op}: the result has dtype {str(result)!r}, which cannot be cast to out's dtype "
        f"{str(out.dtype)!r} under NumPy's 'same_kind' rule; pass an out of dtype {str(result)!r}"
    )


def library_failure(op: str, err: BaseException) -> BackendUnavailableError:
    """CuPy loads cuBLAS and friends at first use: a missing one surfaces here."""
    return BackendUnavailableError(
        "cupy",
        f"{op}: CuPy could not load a CUDA library: {type(err).__name__}: {err}; install the "
        f'CUDA libraries its wheel needs (e.g. pip install "cupy-cuda12x[ctk]") or a CUDA toolkit',
    )
