"""The ``Backend`` protocol every backend satisfies structurally."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, TypeVar, runtime_checkable

import numpy as np

__all__ = ["ArrayT", "Backend"]

# One invariant, unbounded parameter: a bound here would be forced on every caller.
ArrayT = TypeVar("ArrayT")


@runtime_checkable
class Backend(Protocol[ArrayT]):
    """What code written once for every array library may call.

    ``ArrayT`` is the backend's array type. Concrete backends are more precise than
    this protocol (they keep rank and dtype); generic code written against
    ``Backend[A]`` keeps whatever ``A`` the caller has.
    """

    @property
    def name(self) -> str:
        """The registry name, e.g. ``"numpy"``."""
        ...

    def matrix_multiply(self, x: ArrayT, w: ArrayT, /, *, out: ArrayT | None = None) -> ArrayT:
        """``x @ w`` with ``np.matmul`` semantics."""
        ...

    def transpose(self, x: ArrayT, /, axes: Sequence[int] | None = None) -> ArrayT:
        """A view of ``x`` with its axes reversed or permuted."""
        ...

    def dot(self, u: ArrayT, v: ArrayT, /) -> ArrayT:
        """The inner product of vectors, or the product of matrices."""
        ...

    def to_numpy(self, x: ArrayT, /) -> np.ndarray[tuple[Any, ...], np.dtype[Any]]:
        """``x`` as a NumPy array on the host."""
        ...
