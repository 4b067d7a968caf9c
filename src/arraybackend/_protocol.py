"""The backend contract, in one place.

A backend is any object with the members of ``Backend[A]``, where ``A`` is its array type.
Every shipped backend also has the parts below, each a protocol of its own so that code
needing one of them (the CLI, the registry, the parity kit) asks for exactly that:

``Backend[A]``
    ``name``, ``matrix_multiply``, ``transpose``, ``dot``, ``to_numpy``: what code written
    once for every array library calls.
``SupportsAsarray[A]``
    ``asarray(host_array)``: the explicit host -> backend conversion. Kept off ``Backend``:
    a host-data parameter there makes the checkers infer ``A`` as a NumPy array.
``SupportsDevice``
    ``device``: where this backend instance computes (``"cpu"`` for NumPy).
``LocatesDevice[A]``
    ``device_of(x)``: the device an array of this library lives on, so that the registry's
    ``backend_of`` can return the instance bound to that device.

A backend satisfies them structurally: no base class to inherit.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, Protocol, TypeAlias, TypeVar, runtime_checkable

import numpy as np

__all__ = [
    "ArrayT",
    "Backend",
    "HostArray",
    "LocatesDevice",
    "SupportsAsarray",
    "SupportsDevice",
]

# One invariant, unbounded parameter: a bound here would be forced on every caller.
ArrayT = TypeVar("ArrayT")
ArrayT_co = TypeVar("ArrayT_co", covariant=True)
ArrayT_contra = TypeVar("ArrayT_contra", contravariant=True)

#: What ``to_numpy`` returns: a numeric host array. The dtype is ``np.number`` rather than
#: ``Any``: an ``Any`` in any member of ``Backend`` makes mypy solve every method's element
#: type to ``Any`` when a concrete backend object is passed where ``Backend[A]`` is expected.
HostArray: TypeAlias = np.ndarray[tuple[Any, ...], np.dtype[np.number[Any]]]


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

    def to_numpy(self, x: ArrayT, /) -> HostArray:
        """``x`` as a NumPy array on the host.

        It must also accept what ``dot`` of two vectors returns (a NumPy scalar for the
        NumPy backend, a 0-d array for device libraries).
        """
        ...


@runtime_checkable
class SupportsAsarray(Protocol[ArrayT_co]):
    """A backend that moves host data onto itself: the one explicit host -> backend copy."""

    def asarray(self, obj: np.ndarray[Any, Any], /) -> ArrayT_co:
        """``obj`` as an array of this backend (on its device)."""
        ...


@runtime_checkable
class SupportsDevice(Protocol):
    """A backend bound to a device; ``device`` is hashable and names it canonically."""

    @property
    def device(self) -> Hashable:
        """The device this backend instance computes on."""
        ...


@runtime_checkable
class LocatesDevice(Protocol[ArrayT_contra]):
    """A backend whose library has several devices and can tell which one an array is on."""

    def device_of(self, x: ArrayT_contra, /) -> Hashable:
        """The device ``x`` lives on, as ``get_backend(name, device=...)`` accepts it."""
        ...
