"""Module-level ``matrix_multiply`` / ``transpose`` / ``dot``: dispatch to ``current_backend()``.

They accept, statically, the arrays of every library ``use_backend`` can select and return
that library's type: NumPy as precisely as the NumPy backend (rank and dtype), CuPy with
rank and dtype (through ``typings/cupy``), PyTorch and JAX as their own classes (which
carry neither). Both operands must come from one library: a call mixing two is a type
error, also where the other library is not installed (see ``_brands``). Which backend is
current is run-time state, so a NumPy array reaching a CuPy current backend is caught at
run time (``BackendMismatchError``), never converted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar, overload

import numpy as np

from arraybackend import _selection
from arraybackend._selection import current_backend
from arraybackend._types import Matrix, NDArray, ScalarT, Vector

if TYPE_CHECKING:
    import cupy

    from arraybackend._brands import CuPyArray, JaxArray, TorchTensor

    _D: TypeAlias = np.dtype[ScalarT]
    _CuMatrix: TypeAlias = cupy.ndarray[tuple[int, int], np.dtype[ScalarT]]
    _CuVector: TypeAlias = cupy.ndarray[tuple[int], np.dtype[ScalarT]]
    _CuScalar: TypeAlias = cupy.ndarray[tuple[()], np.dtype[ScalarT]]
    _CuNDArray: TypeAlias = cupy.ndarray[tuple[int, *tuple[int, ...]], np.dtype[ScalarT]]

# One type variable per library, bound to its brand: both operands of one library, the
# result of the same class (a subclass of torch.Tensor in, that subclass's base join out).
# The bounds are strings: the brands are checked only, and importing them costs ~1 ms.
TorchT = TypeVar("TorchT", bound="TorchTensor")
JaxT = TypeVar("JaxT", bound="JaxArray")
ShapeT = TypeVar("ShapeT", bound=tuple[int, ...])

# ``current_backend()`` inlined in each function below: a Python call costs 60-80 ns here,
# as much again as the rest of the dispatch. None outside ``use_backend`` blocks.
_in_block = _selection.selected.get

__all__ = ["JaxT", "ShapeT", "TorchT", "dot", "matrix_multiply", "transpose"]


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
@overload
def matrix_multiply(
    x: CuPyArray[tuple[int, int], _D[ScalarT]],
    w: CuPyArray[tuple[int, int], _D[ScalarT]],
    /,
    *,
    out: CuPyArray[tuple[int, int], _D[ScalarT]] | None = None,
) -> _CuMatrix[ScalarT]: ...
@overload
def matrix_multiply(
    x: CuPyArray[tuple[int], _D[ScalarT]],
    w: CuPyArray[tuple[int, int], _D[ScalarT]],
    /,
    *,
    out: CuPyArray[tuple[int], _D[ScalarT]] | None = None,
) -> _CuVector[ScalarT]: ...
@overload
def matrix_multiply(
    x: CuPyArray[tuple[int, int], _D[ScalarT]],
    w: CuPyArray[tuple[int], _D[ScalarT]],
    /,
    *,
    out: CuPyArray[tuple[int], _D[ScalarT]] | None = None,
) -> _CuVector[ScalarT]: ...
@overload
def matrix_multiply(  # type: ignore[overload-overlap]
    x: CuPyArray[tuple[int], _D[ScalarT]],
    w: CuPyArray[tuple[int], _D[ScalarT]],
    /,
    *,
    out: CuPyArray[tuple[()], _D[ScalarT]] | None = None,
) -> _CuScalar[ScalarT]: ...
@overload
def matrix_multiply(
    x: CuPyArray[tuple[int, *tuple[int, ...]], _D[ScalarT]],
    w: CuPyArray[tuple[int, *tuple[int, ...]], _D[ScalarT]],
    /,
    *,
    out: CuPyArray[tuple[int, *tuple[int, ...]], _D[ScalarT]] | None = None,
) -> _CuNDArray[ScalarT]: ...
@overload
def matrix_multiply(x: TorchT, w: TorchT, /, *, out: TorchT | None = None) -> TorchT: ...
@overload
def matrix_multiply(x: JaxT, w: JaxT, /, *, out: JaxT | None = None) -> JaxT: ...
# `out` is keyword-only in the overloads but not here: see NumPyBackend.matrix_multiply.
def matrix_multiply(x: Any, w: Any, /, out: Any = None) -> Any:
    """``x @ w`` on the current backend (see ``NumPyBackend.matrix_multiply``).

    Examples
    --------
    >>> import numpy as np
    >>> import arraybackend as ab
    >>> ab.matrix_multiply(np.array([[1.0, 2.0]]), np.array([[3.0], [4.0]]))
    array([[11.]])
    """
    backend = _in_block()
    if backend is None:
        backend = _selection.fallback
        if backend is None:
            backend = current_backend()
    if out is None:  # a call without keywords is cheaper
        return backend.matrix_multiply(x, w)
    return backend.matrix_multiply(x, w, out=out)


@overload
def transpose(x: Matrix[ScalarT], /, axes: Sequence[int] | None = None) -> Matrix[ScalarT]: ...
@overload
def transpose(x: Vector[ScalarT], /, axes: Sequence[int] | None = None) -> Vector[ScalarT]: ...
@overload
def transpose(x: NDArray[ScalarT], /, axes: Sequence[int] | None = None) -> NDArray[ScalarT]: ...
@overload
def transpose(
    x: CuPyArray[ShapeT, _D[ScalarT]], /, axes: Sequence[int] | None = None
) -> cupy.ndarray[ShapeT, _D[ScalarT]]: ...
@overload
def transpose(x: TorchT, /, axes: Sequence[int] | None = None) -> TorchT: ...
@overload
def transpose(x: JaxT, /, axes: Sequence[int] | None = None) -> JaxT: ...
def transpose(x: Any, /, axes: Sequence[int] | None = None) -> Any:
    """A view of ``x`` with reversed (or permuted) axes, on the current backend.

    Examples
    --------
    >>> import numpy as np
    >>> import arraybackend as ab
    >>> ab.transpose(np.array([[1, 2, 3], [4, 5, 6]])).shape
    (3, 2)
    """
    backend = _in_block()
    if backend is None:
        backend = _selection.fallback
        if backend is None:
            backend = current_backend()
    return backend.transpose(x, axes)


@overload
def dot(u: Matrix[ScalarT], v: Matrix[ScalarT], /) -> Matrix[ScalarT]: ...
@overload
def dot(u: Vector[ScalarT], v: Matrix[ScalarT], /) -> Vector[ScalarT]: ...
@overload
def dot(u: Matrix[ScalarT], v: Vector[ScalarT], /) -> Vector[ScalarT]: ...
@overload
def dot(u: Vector[ScalarT], v: Vector[ScalarT], /) -> ScalarT: ...
@overload
def dot(
    u: CuPyArray[tuple[int, int], _D[ScalarT]], v: CuPyArray[tuple[int, int], _D[ScalarT]], /
) -> _CuMatrix[ScalarT]: ...
@overload
def dot(
    u: CuPyArray[tuple[int], _D[ScalarT]], v: CuPyArray[tuple[int, int], _D[ScalarT]], /
) -> _CuVector[ScalarT]: ...
@overload
def dot(
    u: CuPyArray[tuple[int, int], _D[ScalarT]], v: CuPyArray[tuple[int], _D[ScalarT]], /
) -> _CuVector[ScalarT]: ...
@overload
def dot(
    u: CuPyArray[tuple[int], _D[ScalarT]], v: CuPyArray[tuple[int], _D[ScalarT]], /
) -> _CuScalar[ScalarT]: ...
@overload
def dot(u: TorchT, v: TorchT, /) -> TorchT: ...
@overload
def dot(u: JaxT, v: JaxT, /) -> JaxT: ...
def dot(u: Any, v: Any, /) -> Any:
    """The inner product of vectors, or the product of matrices, on the current backend.

    Examples
    --------
    >>> import numpy as np
    >>> import arraybackend as ab
    >>> ab.dot(np.array([1, 2, 3]), np.array([4, 5, 6]))
    np.int64(32)
    """
    backend = _in_block()
    if backend is None:
        backend = _selection.fallback
        if backend is None:
            backend = current_backend()
    return backend.dot(u, v)
