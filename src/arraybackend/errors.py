"""The public exceptions of arraybackend.

Every class also subclasses the builtin a caller would already catch::

    ArrayBackendError
    ├── ShapeError              (ValueError)
    ├── OutputError             (ValueError)
    ├── DTypeError              (TypeError)
    ├── ArrayTypeError          (TypeError)
    │   └── BackendMismatchError
    ├── ArgumentError           (TypeError)
    ├── DeviceError             (ValueError)
    ├── UnknownBackendError     (ValueError)
    └── BackendUnavailableError (ImportError)
        └── BrokenBackendError
"""

from __future__ import annotations

__all__ = [
    "ArgumentError",
    "ArrayBackendError",
    "ArrayTypeError",
    "BackendMismatchError",
    "BackendUnavailableError",
    "BrokenBackendError",
    "DTypeError",
    "DeviceError",
    "OutputError",
    "ShapeError",
    "UnknownBackendError",
]


class ArrayBackendError(Exception):
    """Base class of every error arraybackend raises on purpose."""


class ShapeError(ArrayBackendError, ValueError):
    """Operand shapes (or ranks, or axes) do not fit the operation."""


class OutputError(ArrayBackendError, ValueError):
    """``out`` cannot receive the result: it is read-only or its elements overlap."""


class DTypeError(ArrayBackendError, TypeError):
    """An operand's dtype is not numeric, or a result cannot be cast to ``out``."""


class ArrayTypeError(ArrayBackendError, TypeError):
    """An operand is not an array of the backend that was asked to use it."""


class BackendMismatchError(ArrayTypeError):
    """An array belongs to another array library, or to another device."""


class ArgumentError(ArrayBackendError, TypeError):
    """A non-array argument has the wrong type (``axes``, ``dtype``, ``device``, a name)."""


class DeviceError(ArrayBackendError, ValueError):
    """A device given to a backend is not one it can compute on (``"cuda:7"`` on a machine
    with one GPU, ``"meta"``, a device of another library)."""


class UnknownBackendError(ArrayBackendError, ValueError):
    """No backend is registered under this name."""


class BackendUnavailableError(ArrayBackendError, ImportError):
    """A known backend cannot run on this machine; ``reason`` says why."""

    def __init__(self, backend: str, reason: str) -> None:
        self.backend = backend
        self.reason = reason
        super().__init__(f"the {backend} backend is unavailable: {reason}")


class BrokenBackendError(BackendUnavailableError):
    """A backend is installed but broken: its plugin failed to load, or its factory raised
    or returned something that is not a backend (a bug to report to its authors)."""
