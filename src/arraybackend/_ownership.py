"""Which registered backend owns an array, found from the array's class.

Each backend declares its array class as ``"module:Class"``. The class is looked up in
``sys.modules`` only, never imported: an array of a library that is not imported cannot
exist. Answers are cached per class (a dict look-up after the first call).
"""

from __future__ import annotations

import _thread
import sys

__all__ = ["declare", "forget", "instance_owner_name", "owner_name", "parse_spec"]

_lock = _thread.allocate_lock()  # not threading: ~1 ms of import time
# backend name -> (module, qualified class name)
_specs: dict[str, tuple[str, str]] = {}
_cache: dict[type, str | None] = {}


def parse_spec(spec: object) -> tuple[str, str]:
    """``"module:Class"`` (or a class) as ``(module, qualname)``; ValueError otherwise."""
    if isinstance(spec, type):
        return spec.__module__, spec.__qualname__
    if isinstance(spec, str):
        module, sep, qualname = spec.partition(":")
        if sep and module and qualname:
            return module, qualname
    msg = f"array_type must be a class or a 'module:Class' string, got {spec!r}"
    raise ValueError(msg)


def declare(name: str, spec: tuple[str, str] | None) -> None:
    """Record (or with None, drop) the array class of backend ``name``."""
    with _lock:
        if spec is None:
            _specs.pop(name, None)
        else:
            _specs[name] = spec
        _cache.clear()


def forget(name: str) -> None:
    """Drop backend ``name``."""
    declare(name, None)


def _resolve(module: str, qualname: str) -> type | None:
    target: object = sys.modules.get(module)
    for part in qualname.split("."):
        if target is None:
            return None
        target = getattr(target, part, None)
    return target if isinstance(target, type) else None


def owner_name(cls: type) -> str | None:
    """The backend whose declared array class is ``cls`` or its nearest base, or None."""
    try:
        return _cache[cls]
    except KeyError:
        pass
    with _lock:
        targets: dict[type, str] = {}
        for name, spec in _specs.items():
            target = _resolve(*spec)
            if target is not None:
                targets.setdefault(target, name)
        # The nearest class in the MRO wins: a backend over an ndarray subclass owns it,
        # the NumPy backend owns plain ndarrays.
        found = next((targets[c] for c in cls.__mro__ if c in targets), None)
        _cache[cls] = found
    return found


def instance_owner_name(x: object) -> str | None:
    """The backend whose declared array class admits ``x`` by ``isinstance`` only, or None.

    For arrays whose class does not derive from the declared one: ``jax.Array``'s
    metaclass admits JAX's tracers (the operands under ``jax.jit``, ``grad``, ``vmap``).
    Not cached (the answer is the instance's); asked only where ``owner_name`` found none.
    """
    with _lock:
        specs = list(_specs.items())
    for name, spec in specs:
        target = _resolve(*spec)
        if target is not None and isinstance(x, target):
            return name
    return None
