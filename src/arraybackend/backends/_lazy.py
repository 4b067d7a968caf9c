"""Backend factories that import their backend module only when first called.

Every built-in backend is registered through one of these, exactly as a plugin's entry
point would be: listing the backends then imports no backend module, and a missing
library becomes ``BackendUnavailableError`` with the install command rather than an
``ImportError`` escaping from the registry.
"""

from __future__ import annotations

import importlib
from collections.abc import Hashable
from typing import Any

from arraybackend._protocol import Backend
from arraybackend.errors import BackendUnavailableError

__all__ = ["BUILTINS", "LazyBackend", "array_api_strict", "dask", "jax", "torch"]


class LazyBackend:
    """A backend factory: ``module:Class`` is imported on the first call.

    Parameters
    ----------
    name
        The registry name, for the error message.
    target
        ``"package.module:Class"``; the class is called with ``device=`` when one is given.
    array_type
        ``"module:Class"`` of the backend's arrays (read by the registry, never imported).
    requirement
        What to install when the library is missing.
    has_devices
        Whether the backend accepts ``device=``.
    """

    __slots__ = ("array_type", "has_devices", "name", "requirement", "target")

    def __init__(
        self, name: str, target: str, *, array_type: str, requirement: str, has_devices: bool
    ) -> None:
        self.name = name
        self.target = target
        self.array_type = array_type
        self.requirement = requirement
        self.has_devices = has_devices

    def __repr__(self) -> str:
        return f"LazyBackend({self.name!r}, {self.target!r})"

    def __call__(self, *, device: Hashable = None) -> Backend[Any]:
        """Import the backend module and build the backend (for ``device`` if given)."""
        module, _, attribute = self.target.partition(":")
        try:
            cls = getattr(importlib.import_module(module), attribute)
        except ImportError as err:
            reason = f"{err.name or err} is not installed: pip install {self.requirement}"
            raise BackendUnavailableError(self.name, reason) from err
        backend: Backend[Any] = cls() if device is None else cls(device=device)
        return backend


#: The built-in backends, registered by the registry at import (nothing imported yet).
BUILTINS = {
    "numpy": LazyBackend(
        "numpy",
        "arraybackend.backends.numpy:NumPyBackend",
        array_type="numpy:ndarray",
        requirement="numpy",
        has_devices=False,
    ),
    "cupy": LazyBackend(
        "cupy",
        "arraybackend.backends.cupy:CuPyBackend",
        array_type="cupy:ndarray",
        requirement='"arraybackend[cupy]"',
        has_devices=True,
    ),
}

#: The ``arraybackend.backends`` entry point of the array-api-strict backend.
array_api_strict = LazyBackend(
    "array-api-strict",
    "arraybackend.backends.array_api_strict:ArrayAPIStrictBackend",
    array_type="array_api_strict._array_object:Array",
    requirement='"arraybackend[array-api-strict]"',
    has_devices=True,
)

#: The ``arraybackend.backends`` entry point of the Dask backend.
dask = LazyBackend(
    "dask",
    "arraybackend.backends.dask:DaskBackend",
    array_type="dask.array.core:Array",
    requirement='"arraybackend[dask]"',
    has_devices=False,
)

#: The ``arraybackend.backends`` entry point of the JAX backend (``jax.Array``).
jax = LazyBackend(
    "jax",
    "arraybackend.backends.jax:JaxBackend",
    array_type="jax:Array",
    requirement='"arraybackend[jax]"',
    has_devices=True,
)

#: The ``arraybackend.backends`` entry point of the PyTorch backend (``torch.Tensor``).
torch = LazyBackend(
    "torch",
    "arraybackend.backends.torch:TorchBackend",
    array_type="torch:Tensor",
    requirement='"arraybackend[torch]"',
    has_devices=True,
)
