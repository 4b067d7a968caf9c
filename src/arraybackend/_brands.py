"""Protocols that only one optional library's arrays satisfy: the module-level API's parameters.

The module-level functions accept the arrays of every library ``use_backend`` can select.
Typing their parameters with the libraries' own classes (``torch.Tensor``...) breaks where
the library is not installed: the checkers then read the class as ``Any``, an overload
taking ``Any`` accepts every call, and a call mixing two libraries would pass. These
protocols live here, so they always resolve; each asks for members that only its library's
arrays have, so a NumPy array (or another library's) never satisfies it. Return types still
name the library's own class, which is harmless as ``Any``.

Checked only: nothing here is used at run time.
"""

from __future__ import annotations

from typing import Any, Protocol, Self, TypeVar

import numpy as np

__all__ = ["CuPyArray", "JaxArray", "TorchTensor"]

_ShapeT_co = TypeVar("_ShapeT_co", bound=tuple[int, ...], covariant=True)
_DTypeT_co = TypeVar("_DTypeT_co", bound=np.dtype[Any], covariant=True)


class CuPyArray(Protocol[_ShapeT_co, _DTypeT_co]):
    """``cupy.ndarray[shape, dtype]``: its ``get()`` (the device -> host copy) is the brand."""

    @property
    def shape(self) -> _ShapeT_co: ...
    @property
    def dtype(self) -> _DTypeT_co: ...
    def get(self) -> np.ndarray[_ShapeT_co, _DTypeT_co]: ...


class TorchTensor(Protocol):
    """``torch.Tensor``: autograd's ``is_leaf`` and ``requires_grad`` are the brand."""

    @property
    def is_leaf(self) -> bool: ...
    @property
    def requires_grad(self) -> bool: ...


class JaxArray(Protocol):
    """``jax.Array``: ``block_until_ready()`` and ``committed`` are the brand."""

    def block_until_ready(self) -> Self: ...
    @property
    def committed(self) -> bool: ...
