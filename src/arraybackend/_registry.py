"""Backend names -> backend objects: built-ins, ``register_backend`` and entry points.

Nothing here imports an optional library: a backend module is imported when its name is
first asked for, and it imports its array library itself.
"""

from __future__ import annotations

import difflib
import importlib
import sys
import threading
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, Literal, Protocol, overload, runtime_checkable

import numpy as np

from arraybackend._checks import describe
from arraybackend._protocol import Backend
from arraybackend.errors import BackendMismatchError, BackendUnavailableError, UnknownBackendError

if TYPE_CHECKING:
    from arraybackend.backends.cupy import CuPyBackend
    from arraybackend.backends.dask import DaskBackend
    from arraybackend.backends.numpy import NumPyBackend

__all__ = [
    "available_backends",
    "backend_name_for_library",
    "backend_of",
    "backend_status",
    "get_backend",
    "known_backends",
    "register_backend",
]

ENTRY_POINT_GROUP = "arraybackend.backends"

#: A backend factory: called with no argument, or with ``device=`` when one is asked for.
Factory = Callable[..., Backend[Any]]

# name -> (module, attribute, array library): imported on first use only.
_BUILTIN: dict[str, tuple[str, str, str]] = {
    "numpy": ("arraybackend.backends.numpy", "NumPyBackend", "numpy"),
    "cupy": ("arraybackend.backends.cupy", "CuPyBackend", "cupy"),
}

_lock = threading.RLock()
_factories: dict[str, Factory] = {}
_array_modules: dict[str, str] = {lib: name for name, (_, _, lib) in _BUILTIN.items()}
_instances: dict[tuple[str, object], Backend[Any]] = {}
_entry_points_loaded = False


@runtime_checkable
class _Locates(Protocol):
    """Backends with several devices say which of their instances owns an array."""

    def owner_of(self, x: Any, /) -> Backend[Any]: ...


def register_backend(name: str, factory: Factory, *, array_module: str | None = None) -> None:
    """Register a backend under ``name``.

    Parameters
    ----------
    name
        The name ``get_backend`` and ``use_backend`` accept.
    factory
        Called as ``factory()`` (or ``factory(device=...)``) the first time the backend is
        asked for; it may raise ``BackendUnavailableError`` with the reason.
    array_module
        The top-level module of the array type the backend works on (e.g. ``"cupy"``), so
        ``backend_of`` can tell whose array it is; defaults to ``factory.array_module``.
    """
    # Callers without a type checker may pass a non-str: the check is for them.
    if not name or not isinstance(name, str):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f"register_backend: name must be a non-empty str, got {name!r}")
    if not callable(factory):
        raise TypeError(f"register_backend: factory must be callable, got {describe(factory)}")
    module = array_module if array_module is not None else getattr(factory, "array_module", None)
    with _lock:
        _factories[name] = factory
        for key in [key for key in _instances if key[0] == name]:
            del _instances[key]
        if isinstance(module, str):
            _array_modules[module] = name


def _load_entry_points() -> None:
    global _entry_points_loaded
    with _lock:
        if _entry_points_loaded:
            return
        _entry_points_loaded = True
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if ep.name not in _factories and ep.name not in _BUILTIN:
                register_backend(ep.name, ep.load())


def known_backends() -> tuple[str, ...]:
    """Every registered name, available here or not: built-ins first."""
    _load_entry_points()
    return (*_BUILTIN, *(name for name in _factories if name not in _BUILTIN))


def _factory(name: str) -> Factory:
    if name in _factories:
        return _factories[name]
    if name in _BUILTIN:
        module, attribute, _ = _BUILTIN[name]
        factory: Factory = getattr(importlib.import_module(module), attribute)
        return factory
    _load_entry_points()
    if name in _factories:
        return _factories[name]
    known = known_backends()
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    names = ", ".join(repr(k) for k in known)
    msg = f"unknown backend {name!r}; available: {names}{hint}"
    raise UnknownBackendError(msg)


# A literal built-in name gives its class, precise in rank and dtype. Any other ``str`` (a
# registered or entry-point backend, or a name only known at run time) gives the documented
# fallback ``Backend[Any]``: its array type is not knowable statically.
@overload
def get_backend(name: Literal["numpy"], /, *, device: object = None) -> NumPyBackend: ...
@overload
def get_backend(name: Literal["cupy"], /, *, device: int | None = None) -> CuPyBackend: ...
@overload
def get_backend(name: Literal["dask"], /, *, device: None = None) -> DaskBackend: ...
@overload
def get_backend(name: str, /, *, device: object = None) -> Backend[Any]: ...
def get_backend(name: str, /, *, device: object = None) -> Backend[Any]:
    """The backend registered as ``name`` (one instance per name and device).

    Raises
    ------
    UnknownBackendError
        No backend has this name; the message lists those that do.
    BackendUnavailableError
        The backend is known but cannot run here; ``.reason`` says why.

    Examples
    --------
    >>> import arraybackend as ab
    >>> ab.get_backend("numpy").name
    'numpy'
    """
    key = (name, device)
    backend = _instances.get(key)
    if backend is not None:
        return backend
    with _lock:
        backend = _instances.get(key)
        if backend is None:
            factory = _factory(name)
            backend = factory() if device is None else factory(device=device)
            _instances[key] = backend
    return backend


def backend_status() -> dict[str, BackendUnavailableError | Backend[Any]]:
    """Every known backend with its instance, or the error that says why it cannot run."""
    status: dict[str, BackendUnavailableError | Backend[Any]] = {}
    for name in known_backends():
        try:
            status[name] = get_backend(name)
        except BackendUnavailableError as err:
            status[name] = err
    return status


def available_backends() -> tuple[str, ...]:
    """The names of the backends that can run on this machine, ``"numpy"`` first."""
    return tuple(name for name, s in backend_status().items() if not isinstance(s, Exception))


def backend_name_for_library(library: str) -> str | None:
    """The registered backend whose arrays come from ``library`` (a top-level module)."""
    if library not in _array_modules and not _entry_points_loaded:
        _load_entry_points()
    return _array_modules.get(library)


def _owner(x: object) -> Backend[Any]:
    if isinstance(x, np.ndarray):
        return get_backend("numpy")
    library = type(x).__module__.partition(".")[0]
    name = backend_name_for_library(library)
    if name is None or library not in sys.modules:
        msg = f"backend_of: {describe(x)} is not an array of any registered backend"
        raise TypeError(msg)
    backend = get_backend(name)
    return backend.owner_of(x) if isinstance(backend, _Locates) else backend


def backend_of(*arrays: object) -> Backend[Any]:
    """The backend that owns all ``arrays`` (same library and device).

    Raises
    ------
    BackendMismatchError
        The arrays belong to different libraries or devices.

    Examples
    --------
    >>> import numpy as np
    >>> import arraybackend as ab
    >>> ab.backend_of(np.ones(2), np.zeros((2, 2))).name
    'numpy'
    """
    if not arrays:
        raise TypeError("backend_of() needs at least one array")
    first = _owner(arrays[0])
    for i, x in enumerate(arrays[1:], start=1):
        other = _owner(x)
        if other is not first:
            msg = (
                f"backend_of: argument 0 ({describe(arrays[0])}) belongs to {first!r} but "
                f"argument {i} ({describe(x)}) belongs to {other!r}; move one explicitly with "
                f"its backend's to_numpy() and the other's asarray()"
            )
            raise BackendMismatchError(msg)
    return first
