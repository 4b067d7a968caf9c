"""Backend names -> backend objects: one mechanism for built-ins, ``register_backend`` and plugins.

Every backend, built-in or not, is a *factory* registered under a name and called on first
use, so nothing here imports an optional library. Entry points (group
``arraybackend.backends``) are read the first time a name is missing or the list is asked
for; a plugin that fails in any way is recorded as unavailable with its reason and never
hides the others. Ownership of arrays is by class (see ``_ownership``).
"""

from __future__ import annotations

import _thread
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, cast, overload

from arraybackend import _ownership
from arraybackend._protocol import Backend, LocatesDevice, SupportsDevice
from arraybackend.backends._lazy import BUILTINS, LazyBackend
from arraybackend.errors import (
    ArgumentError,
    ArrayTypeError,
    BackendMismatchError,
    BackendUnavailableError,
    BrokenBackendError,
    UnknownBackendError,
)

if TYPE_CHECKING:
    import torch

    from arraybackend.backends.cupy import CuPyBackend
    from arraybackend.backends.dask import DaskBackend
    from arraybackend.backends.jax import JaxBackend
    from arraybackend.backends.numpy import NumPyBackend
    from arraybackend.backends.torch import TorchBackend

__all__ = [
    "ENTRY_POINT_GROUP",
    "available_backends",
    "backend_of",
    "backend_status",
    "get_backend",
    "ignored_entry_points",
    "known_backends",
    "register_backend",
    "unregister_backend",
]

ENTRY_POINT_GROUP = "arraybackend.backends"


def describe(x: object) -> str:
    """``diagnostics.describe``, imported at the first error: ~0.6 ms off ``import arraybackend``."""
    from arraybackend.diagnostics import describe as describe_value

    return describe_value(x)


#: The reference every other backend is compared with: it can be neither replaced nor removed.
REFERENCE = "numpy"

#: A backend factory: called with no argument, or with ``device=`` when one is asked for.
Factory = Callable[..., Backend[Any]]


class _Entry(NamedTuple):
    factory: Factory | None  # None: a plugin that could not be loaded
    origin: str  # "built-in", "register_backend", or the entry point and its distribution
    problem: str | None = None


_lock = _thread.RLock()  # threading's RLock is this C class; importing threading costs ~1 ms
_entries: dict[str, _Entry] = {}
_instances: dict[tuple[str, Hashable], Backend[Any]] = {}
_ignored: dict[str, str] = {}
_entry_points_read = False


def _check_name(caller: str, name: object) -> None:
    if not isinstance(name, str) or not name:
        msg = f"{caller}: the backend name must be a non-empty str, got {describe(name)}"
        raise ArgumentError(msg)


def _array_type_of(factory: object, array_type: object) -> tuple[str, str] | None:
    spec = array_type if array_type is not None else getattr(factory, "array_type", None)
    return None if spec is None else _ownership.parse_spec(spec)


def _add(name: str, entry: _Entry, array_type: tuple[str, str] | None) -> None:
    _entries[name] = entry
    for key in [key for key in _instances if key[0] == name]:
        del _instances[key]
    _ownership.declare(name, array_type)


def register_backend(
    name: str, factory: Factory, *, array_type: type | str | None = None, replace: bool = False
) -> None:
    """Register a backend under ``name``.

    Parameters
    ----------
    name
        The name ``get_backend`` and ``use_backend`` accept.
    factory
        Called as ``factory()`` (or ``factory(device=...)``, if it takes ``device``) the
        first time the backend is asked for. It may raise ``BackendUnavailableError`` with
        the reason it cannot run here; anything else it raises is reported the same way,
        as a broken backend. It must return a ``Backend`` instance.
    array_type
        The class of the backend's arrays, or ``"module:Class"`` so that the library is
        not imported to name it; ``backend_of`` uses it. Defaults to
        ``factory.array_type``; None for a backend whose arrays are NumPy arrays (they
        stay owned by the NumPy reference backend).
    replace
        Replace a backend already registered under ``name``; without it that is an error.

    Raises
    ------
    ArgumentError
        ``name`` is not a non-empty str or ``factory`` is not callable.
    ValueError
        ``name`` is taken (pass ``replace=True``), is the reference ``"numpy"``, or
        ``array_type`` is malformed.
    """
    _check_name("register_backend", name)
    given: object = factory  # callers without a type checker pass anything
    if not callable(given):
        msg = f"register_backend: factory must be callable, got {describe(factory)}"
        raise ArgumentError(msg)
    spec = _array_type_of(factory, array_type)
    with _lock:
        _read_entry_points()
        if name == REFERENCE:
            msg = f"register_backend: {name!r} is the reference backend and cannot be replaced"
            raise ValueError(msg)
        if name in _entries and not replace:
            msg = (
                f"register_backend: a backend named {name!r} is already registered "
                f"({_entries[name].origin}); pass replace=True to replace it"
            )
            raise ValueError(msg)
        _add(name, _Entry(factory, "register_backend"), spec)


def unregister_backend(name: str) -> None:
    """Remove the backend ``name`` (and its cached instances).

    Raises
    ------
    UnknownBackendError
        No backend has this name.
    ValueError
        ``name`` is the reference ``"numpy"``.
    """
    _check_name("unregister_backend", name)
    with _lock:
        if name == REFERENCE:
            msg = f"unregister_backend: {name!r} is the reference backend and cannot be removed"
            raise ValueError(msg)
        if name not in _entries:
            raise _unknown(name)
        del _entries[name]
        for key in [key for key in _instances if key[0] == name]:
            del _instances[key]
        _ownership.forget(name)


def _read_entry_points() -> None:
    """Register every plugin once; a broken one is recorded, never raised."""
    global _entry_points_read
    with _lock:
        if _entry_points_read:
            return
        _entry_points_read = True
        # Imported here: importlib.metadata costs ~25 ms (email, zipfile, csv, ...).
        from importlib.metadata import entry_points

        for ep in entry_points(group=ENTRY_POINT_GROUP):
            dist = ep.dist.name if ep.dist is not None else "an unknown distribution"
            origin = f"entry point {ep.value!r} of {dist}"
            if ep.name in _entries:
                _ignored[f"{ep.name} ({dist})"] = (
                    f"{origin} is ignored: the name {ep.name!r} is already taken "
                    f"({_entries[ep.name].origin})"
                )
                continue
            try:
                loaded: object = ep.load()
                spec = _array_type_of(loaded, None)
                if not callable(loaded):
                    msg = f"it names {describe(loaded)}, which is not callable"
                    raise TypeError(msg)
                factory = cast("Factory", loaded)
            except Exception as err:  # any failure of a plugin is its own, reported
                problem = f"broken plugin: {origin} failed to load: {type(err).__name__}: {err}"
                _add(ep.name, _Entry(None, origin, problem), None)
                continue
            _add(ep.name, _Entry(factory, origin), spec)


def ignored_entry_points() -> dict[str, str]:
    """Plugins not registered because their name was taken, with the reason."""
    _read_entry_points()
    return dict(_ignored)


def known_backends() -> tuple[str, ...]:
    """Every registered name, available here or not: built-ins first."""
    _read_entry_points()
    return tuple(_entries)


def _unknown(name: str) -> UnknownBackendError:
    import difflib  # only for this message

    status = backend_status()
    names = ", ".join(
        repr(k) + (" (unavailable here)" if isinstance(s, Exception) else "")
        for k, s in status.items()
    )
    close = difflib.get_close_matches(name, list(status), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return UnknownBackendError(f"unknown backend {name!r}; known: {names}{hint}")


def _takes_device(factory: Factory) -> bool:
    if isinstance(factory, LazyBackend):
        return factory.has_devices
    import inspect  # only for third-party factories asked for a device

    try:
        parameters = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):
        return True  # cannot tell: let the call decide
    return any(p.name == "device" or p.kind is p.VAR_KEYWORD for p in parameters)


def _build(name: str, entry: _Entry, device: Hashable) -> Backend[Any]:
    if entry.factory is None:
        raise BrokenBackendError(name, entry.problem or "broken plugin")
    if device is not None and not _takes_device(entry.factory):
        msg = f"get_backend: the {name} backend has no devices; call get_backend({name!r})"
        raise ArgumentError(msg)
    try:
        backend: object = entry.factory() if device is None else entry.factory(device=device)
    except BackendUnavailableError:
        raise
    except Exception as err:
        if device is not None and isinstance(err, (TypeError, ValueError)):
            raise  # the backend's own refusal of this device
        reason = f"broken backend ({entry.origin}): its factory raised {type(err).__name__}: {err}"
        raise BrokenBackendError(name, reason) from err
    # pyright narrows the declared object to the factory's return type; untyped factories
    # return anything.
    if isinstance(backend, type) or not isinstance(backend, Backend):  # pyright: ignore[reportUnnecessaryIsInstance]
        missing = [m for m in ("name", "matrix_multiply", "transpose", "dot", "to_numpy")
                   if not hasattr(backend, m)]  # fmt: skip
        why = f"lacks {', '.join(missing)}" if missing else "is a class, not an instance"
        reason = f"broken backend: its factory returned {describe(backend)}, which {why}"
        raise BrokenBackendError(name, reason)
    return backend


# A literal built-in name gives its class, precise in rank and dtype. Any other ``str`` (a
# registered or entry-point backend, or a name only known at run time) gives the documented
# fallback ``Backend[Any]``: its array type is not knowable statically.
@overload
def get_backend(name: Literal["numpy"], /) -> NumPyBackend: ...
@overload
def get_backend(name: Literal["cupy"], /, *, device: int | None = None) -> CuPyBackend: ...
@overload
def get_backend(name: Literal["dask"], /) -> DaskBackend: ...
@overload
def get_backend(name: Literal["jax"], /, *, device: Hashable = None) -> JaxBackend: ...
@overload
def get_backend(
    name: Literal["torch"], /, *, device: str | int | torch.device | None = None
) -> TorchBackend: ...
@overload
def get_backend(name: str, /, *, device: Hashable = None) -> Backend[Any]: ...
def get_backend(name: str, /, *, device: Hashable = None) -> Backend[Any]:
    """The backend registered as ``name``: one instance per name and canonical device.

    ``device`` is accepted only by backends with devices (``cupy``, ``array-api-strict``,
    ``jax``, ``torch``).

    Raises
    ------
    UnknownBackendError
        No backend has this name; the message lists the known ones.
    BackendUnavailableError
        The backend is known but cannot run here; ``.reason`` says why. A
        ``BrokenBackendError`` when its plugin or factory is broken.
    ArgumentError
        ``name`` is not a str, or ``device`` is given to a backend without devices or is
        not hashable.

    Examples
    --------
    >>> import arraybackend as ab
    >>> ab.get_backend("numpy").name
    'numpy'
    """
    try:
        return _instances[name, device]
    except KeyError:
        pass
    except TypeError:
        msg = f"get_backend: device must be hashable, got {describe(device)}"
        raise ArgumentError(msg) from None
    given_name: object = name  # callers without a type checker pass anything
    if not isinstance(given_name, str):  # pyright: ignore[reportUnnecessaryIsInstance]
        msg = f"get_backend: the backend name must be a str, got {describe(name)}"
        raise ArgumentError(msg)
    with _lock:
        if (name, device) in _instances:
            return _instances[name, device]
        if name not in _entries:
            _read_entry_points()
        entry = _entries.get(name)
        if entry is None:
            raise _unknown(name)
        backend = _build(name, entry, device)
        given: object = backend
        if device is not None and isinstance(given, SupportsDevice):
            # "device1" and Device("device1") are one device: one instance for both.
            backend = _instances.setdefault((name, given.device), backend)
        _instances[name, device] = backend
    return backend


def backend_status() -> dict[str, BackendUnavailableError | Backend[Any]]:
    """Every known backend with its instance, or the error that says why it cannot run."""
    status: dict[str, BackendUnavailableError | Backend[Any]] = {}
    for name in known_backends():
        try:
            status[name] = get_backend(name)
        except BackendUnavailableError as err:
            status[name] = err
        except Exception as err:  # never let one backend break the listing
            status[name] = BrokenBackendError(name, f"{type(err).__name__}: {err}")
    return status


def available_backends() -> tuple[str, ...]:
    """The names of the backends that can run on this machine, ``"numpy"`` first."""
    return tuple(name for name, s in backend_status().items() if not isinstance(s, Exception))


def _owner(x: object) -> Backend[Any]:
    name = _ownership.owner_name(type(x))
    if name is None and not _entry_points_read:
        _read_entry_points()  # a plugin's array: its class is declared by its entry point
        name = _ownership.owner_name(type(x))
    if name is None:
        name = _ownership.instance_owner_name(x)  # e.g. a JAX tracer (jax.Array by its metaclass)
    if name is None:
        msg = f"backend_of: {describe(x)} is not an array of any registered backend"
        raise ArrayTypeError(msg)
    backend: object = get_backend(name)
    if isinstance(backend, LocatesDevice) and isinstance(backend, SupportsDevice):
        locates = cast("LocatesDevice[object]", backend)
        device = locates.device_of(x)
        if device != backend.device:
            try:
                return get_backend(name, device=device)
            except ValueError as err:  # a device no such backend computes on (torch's meta)
                msg = f"backend_of: {describe(x)} is on {device}, where {name!r} has no backend: {err}"
                raise ArrayTypeError(msg) from None
    return get_backend(name)


def backend_of(*arrays: object) -> Backend[Any]:
    """The backend that owns all ``arrays`` (same library and device).

    Raises
    ------
    ArrayTypeError
        An argument is not an array of any registered backend (or none is given).
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
        raise ArrayTypeError("backend_of() needs at least one array")
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


for _name, _factory in BUILTINS.items():
    _add(_name, _Entry(_factory, "built-in"), _array_type_of(_factory, None))
