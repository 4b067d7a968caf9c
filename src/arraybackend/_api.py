"""Module-level ``matrix_multiply`` / ``transpose`` / ``dot``: dispatch to ``current_backend()``.

They are typed for NumPy arrays, as precisely as the NumPy backend. The selection is
runtime state, so a NumPy array reaching a CuPy current backend is caught at run time
(``BackendMismatchError``), never converted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, overload

from arraybackend._selection import current_backend
from arraybackend._types import Matrix, NDArray, ScalarT, Vector

__all__ = ["dot", "matrix_multiply", "transpose"]


@overload
def matrix_multiply(
    x: Matrix[ScalarT], w: Matrix[ScalarT], /, *, out: Matrix[ScalarT] | None = None
) -> Matrix[ScalarT]: ...
@overload
def matrix_multiply(
    x: Vector[ScalarT], w: Matrix[ScalarT], /, *, out: Vector[ScalarT] | None = None
) -> Vector[ScalarT]: ...
@overload
def matrix_multiply(
    x: Matrix[ScalarT], w: Vector[ScalarT], /, *, out: Vector[ScalarT] | None = None
) -> Vector[ScalarT]: ...
@overload
def matrix_multiply(  # type: ignore[overload-overlap]
    x: Vector[ScalarT], w: Vector[ScalarT], /, *, out: None = None
) -> ScalarT: ...
@overload
def matrix_multiply(
    x: NDArray[ScalarT], w: NDArray[ScalarT], /, *, out: NDArray[ScalarT] | None = None
) -> NDArray[ScalarT]: ...
def matrix_multiply(x: Any, w: Any, /, *, out: Any = None) -> Any:
    """``x @ w`` on the current backend (see ``NumPyBackend.matrix_multiply``).

    Examples
    --------
    >>> import numpy as np
    >>> import arraybackend as ab
    >>> ab.matrix_multiply(np.array([[1.0, 2.0]]), np.array([[3.0], [4.0]]))
    array([[11.]])
    """
    return current_backend().matrix_multiply(x, w, out=out)


@overload
def transpose(x: Matrix[ScalarT], /, axes: Sequence[int] | None = None) -> Matrix[ScalarT]: ...
@overload
def transpose(x: Vector[ScalarT], /, axes: Sequence[int] | None = None) -> Vector[ScalarT]: ...
@overload
def transpose(x: NDArray[ScalarT], /, axes: Sequence[int] | None = None) -> NDArray[ScalarT]: ...
def transpose(x: Any, /, axes: Sequence[int] | None = None) -> Any:
    """A view of ``x`` with reversed (or permuted) axes, on the current backend.

    Examples
    --------
    >>> import numpy as np
    >>> import arraybackend as ab
    >>> ab.transpose(np.array([[1, 2, 3], [4, 5, 6]])).shape
    (3, 2)
    """
    return current_backend().transpose(x, axes)


@overload
def dot(u: Matrix[ScalarT], v: Matrix[ScalarT], /) -> Matrix[ScalarT]: ...
@overload
def dot(u: Vector[ScalarT], v: Matrix[ScalarT], /) -> Vector[ScalarT]: ...
@overload
def dot(u: Matrix[ScalarT], v: Vector[ScalarT], /) -> Vector[ScalarT]: ...
@overload
def dot(u: Vector[ScalarT], v: Vector[ScalarT], /) -> ScalarT: ...
def dot(u: Any, v: Any, /) -> Any:
    """The inner product of vectors, or the product of matrices, on the current backend.

    Examples
    --------
    >>> import numpy as np
    >>> import arraybackend as ab
    >>> ab.dot(np.array([1, 2, 3]), np.array([4, 5, 6]))
    np.int64(32)
    """
    return current_backend().dot(u, v)
