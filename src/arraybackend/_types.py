"""Rank-aware NumPy array types.

NumPy's own stubs lose the rank through ``@`` and type ``np.matmul`` as ``Any``, so
arraybackend declares its own result types with these aliases.
"""

from __future__ import annotations

from typing import Any, TypeAlias, TypeVar

import numpy as np

__all__ = ["Matrix", "NDArray", "ScalarT", "Vector"]

#: A numeric element type. ``np.bool``, ``np.object_``, ``np.str_`` and datetimes are not numbers.
ScalarT = TypeVar("ScalarT", bound=np.number[Any])

Vector: TypeAlias = np.ndarray[tuple[int], np.dtype[ScalarT]]
Matrix: TypeAlias = np.ndarray[tuple[int, int], np.dtype[ScalarT]]
#: An array of rank one or more; 0-d arrays are rejected by every operation.
NDArray: TypeAlias = np.ndarray[tuple[int, *tuple[int, ...]], np.dtype[ScalarT]]
