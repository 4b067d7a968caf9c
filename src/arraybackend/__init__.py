"""Typed ``matrix_multiply`` / ``transpose`` / ``dot`` for NumPy and CuPy.

``import arraybackend`` imports NumPy only: optional libraries (CuPy, ...) are imported
when their backend is first asked for.
"""

from __future__ import annotations

from arraybackend._api import dot, matrix_multiply, transpose
from arraybackend._protocol import (
    Backend,
    HostArray,
    LocatesDevice,
    SupportsAsarray,
    SupportsDevice,
)
from arraybackend._registry import (
    available_backends,
    backend_of,
    backend_status,
    get_backend,
    ignored_entry_points,
    known_backends,
    register_backend,
    unregister_backend,
)
from arraybackend._selection import current_backend, set_backend, use_backend
from arraybackend._types import Matrix, NDArray, Vector
from arraybackend.errors import (
    ArgumentError,
    ArrayBackendError,
    ArrayTypeError,
    BackendMismatchError,
    BackendUnavailableError,
    BrokenBackendError,
    DeviceError,
    DTypeError,
    OutputError,
    ShapeError,
    UnknownBackendError,
)

__version__ = "0.1.0"

__all__ = [
    "ArgumentError",
    "ArrayBackendError",
    "ArrayTypeError",
    "Backend",
    "BackendMismatchError",
    "BackendUnavailableError",
    "BrokenBackendError",
    "DTypeError",
    "DeviceError",
    "HostArray",
    "LocatesDevice",
    "Matrix",
    "NDArray",
    "OutputError",
    "ShapeError",
    "SupportsAsarray",
    "SupportsDevice",
    "UnknownBackendError",
    "Vector",
    "__version__",
    "available_backends",
    "backend_of",
    "backend_status",
    "current_backend",
    "dot",
    "get_backend",
    "ignored_entry_points",
    "known_backends",
    "matrix_multiply",
    "register_backend",
    "set_backend",
    "transpose",
    "unregister_backend",
    "use_backend",
]
