"""Entry-point factories that import their backend module only when first called.

An entry point is loaded whenever the registry lists its group, also where the optional
library is not installed. Pointing the entry point at this factory rather than at the
backend class keeps that listing cheap and turns a missing library into
``BackendUnavailableError`` with the install command, instead of an ``ImportError`` that
would break ``known_backends()`` for every backend.
"""

from __future__ import annotations

import importlib
from typing import Any

from arraybackend._protocol import Backend
from arraybackend.errors import BackendUnavailableError

__all__ = ["LazyBackend", "array_api_strict", "dask"]


class LazyBackend:
    """A backend factory: ``module:attribute`` is imported on the first call.

    Parameters
    ----------
    name
        The registry name, for the error message.
    target
        ``"package.module:Class"``; the class is called with ``device=`` when one is given.
    array_module
        The top-level module of the backend's array type (read by the registry).
    requirement
        What to install when the library is missing.
    """

    __slots__ = ("array_module", "name", "requirement", "target")

    def __init__(self, name: str, target: str, *, array_module: str, requirement: str) -> None:
        self.name = name
        self.target = target
        self.array_module = array_module
        self.requirement = requirement

    def __repr__(self) -> str:
        return f"LazyBackend({self.name!r}, {self.target!r})"

    def __call__(self, *, device: object = None) -> Backend[Any]:
        """Import the backend module and build the backend (for ``device`` if given)."""
        module, _, attribute = self.target.partition(":")
        try:
            cls = getattr(importlib.import_module(module), attribute)
        except ImportError as err:
            reason = f"{err.name or err} is not installed: pip install {self.requirement}"
            raise BackendUnavailableError(self.name, reason) from err
        backend: Backend[Any] = cls() if device is None else cls(device=device)
        return backend


#: The ``arraybackend.backends`` entry point of the array-api-strict backend.
array_api_strict = LazyBackend(
    "array-api-strict",
    "arraybackend.backends.array_api_strict:ArrayAPIStrictBackend",
    array_module="array_api_strict",
    requirement='"arraybackend[array-api-strict]"',
)

#: The ``arraybackend.backends`` entry point of the Dask backend.
dask = LazyBackend(
    "dask",
    "arraybackend.backends.dask:DaskBackend",
    array_module="dask",
    requirement='"arraybackend[dask]"',
)
