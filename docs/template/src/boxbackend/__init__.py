"""An arraybackend backend in one module: the template of docs/writing-a-backend.md.

``Box`` stands in for your library's array class (it holds a NumPy array); replace it,
and the NumPy calls on ``.data``, with your library's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

import arraybackend as ab
from arraybackend.diagnostics import Operand, diagnose_product, foreign_array, transpose_axes

__all__ = ["Box", "BoxBackend"]


class Box:
    """The array type of this backend: not a NumPy array, so nothing converts implicitly."""

    __slots__ = ("data",)

    def __init__(self, data: ab.HostArray, /) -> None:
        self.data = data

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype[Any]:
        return self.data.dtype


class BoxBackend:
    """``Box`` arrays: ``get_backend("box")`` builds it through the entry point."""

    #: The array class as "module:Class": the registry reads it without importing anything.
    array_type = "boxbackend:Box"

    @property
    def name(self) -> str:
        return "box"

    def read_operand(self, op: str, arg: str, a: object) -> Operand:
        """What the shared checks need to know of ``a``; the error for anything not a Box."""
        if not isinstance(a, Box):
            raise foreign_array(op, arg, a, backend="box", array_type="boxbackend.Box")
        return Operand(arg, a.shape, a.dtype, writable=a.data.flags.writeable)

    def matrix_multiply(self, x: Box, w: Box, /, *, out: Box | None = None) -> Box:
        """``x @ w`` with ``np.matmul`` semantics."""
        # Check first, then compute: the checks cost O(1) and give the reference's errors.
        problem = diagnose_product("matrix_multiply", self.read_operand, ("x", x), ("w", w), out)
        if problem is not None:
            raise problem
        if out is not None:
            np.matmul(x.data, w.data, out=out.data)
            return out
        return Box(np.asarray(np.matmul(x.data, w.data)))

    def dot(self, u: Box, v: Box, /) -> Box:
        """Vectors and matrices only; vector . vector is a 0-d Box."""
        problem = diagnose_product("dot", self.read_operand, ("u", u), ("v", v))
        if problem is not None:
            raise problem
        return Box(np.asarray(np.matmul(u.data, v.data)))

    def transpose(self, x: Box, /, axes: Sequence[int] | None = None) -> Box:
        """All axes reversed (as NumPy's ``x.T``), or permuted by ``axes``."""
        self.read_operand("transpose", "x", x)
        return Box(x.data.transpose(transpose_axes(x.shape, axes)))

    def asarray(self, obj: npt.ArrayLike, /) -> Box:
        """Host data as a Box: read (and refused) as the NumPy reference reads it, copied."""
        return Box(ab.get_backend("numpy").asarray(obj).copy())

    def to_numpy(self, x: Box, /) -> ab.HostArray:
        """A host copy of ``x``, also of the 0-d Box that ``dot`` of two vectors returns."""
        self.read_operand("to_numpy", "x", x)
        return x.data.copy()


if TYPE_CHECKING:  # mypy and pyright prove that the class matches the contract
    _contract: ab.Backend[Box] = BoxBackend()
    _conversion: ab.SupportsAsarray[Box] = BoxBackend()
