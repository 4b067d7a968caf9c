"""How the registry calls a factory and reads plugins: devices, errors, threads, laziness.

Kills mutants of ``_registry.py`` that the other registry tests let through (see
docs/mutation.md). Each test registers what it needs on a scratch registry
(tests/conftest.py) and asserts through the public API.
"""

# The fake entry points replace importlib.metadata's and reset the registry's read flag.
# pyright: reportPrivateUsage=false

from __future__ import annotations

import sys
import threading
import types
from collections.abc import Hashable, Sequence
from importlib.metadata import EntryPoint
from typing import Any

import numpy as np
import pytest

import arraybackend as ab
from arraybackend import _registry
from arraybackend.backends.numpy import NumPyBackend

pytestmark = pytest.mark.usefixtures("scratch_registry")


class Minimal:
    """The smallest backend: the ``Backend`` members and nothing else (no ``device``)."""

    name = "minimal"

    def matrix_multiply(self, x: Any, w: Any, /, *, out: Any = None) -> Any:
        return np.matmul(x, w, out=out)

    def transpose(self, x: Any, /, axes: Sequence[int] | None = None) -> Any:
        return np.transpose(x, axes)

    def dot(self, u: Any, v: Any, /) -> Any:
        return np.dot(u, v)

    def to_numpy(self, x: Any, /) -> Any:
        return np.asarray(x)


def test_a_factory_gets_a_device_only_if_it_takes_one() -> None:
    calls: list[dict[str, object]] = []

    def named(device: Hashable = None) -> NumPyBackend:
        calls.append({"device": device})
        return NumPyBackend()

    def open_ended(**options: object) -> NumPyBackend:
        calls.append(options)
        return NumPyBackend()

    def without(flavour: str = "plain") -> NumPyBackend:
        calls.append({"flavour": flavour})
        return NumPyBackend()

    ab.register_backend("named", named)
    ab.register_backend("open-ended", open_ended)
    ab.register_backend("without", without)
    ab.get_backend("named", device=3)
    ab.get_backend("open-ended", device=4)  # **options takes device= too
    assert calls == [{"device": 3}, {"device": 4}]
    with pytest.raises(ab.ArgumentError, match=r"the without backend has no devices"):
        ab.get_backend("without", device=5)
    assert calls == [{"device": 3}, {"device": 4}]  # refused before the factory ran
    ab.get_backend("without")
    assert calls[-1] == {"flavour": "plain"}


class Opaque:
    """A callable whose signature ``inspect`` cannot read (as for some C extensions)."""

    __signature__ = "not a signature"  # inspect.signature raises TypeError on it

    def __init__(self) -> None:
        self.devices: list[object] = []

    def __call__(self, *, device: Hashable = None) -> NumPyBackend:
        self.devices.append(device)
        return NumPyBackend()


def test_a_factory_whose_signature_cannot_be_read_is_asked_with_the_device() -> None:
    factory = Opaque()
    ab.register_backend("opaque", factory)
    ab.get_backend("opaque", device="gpu1")
    assert factory.devices == ["gpu1"]


@pytest.mark.parametrize("error", [ValueError, TypeError])
def test_a_factorys_own_refusal_of_a_device_reaches_the_caller(error: type[Exception]) -> None:
    def factory(device: Hashable = None) -> NumPyBackend:
        if device is not None:
            raise error(f"no device {device!r} here; devices: 0")
        return NumPyBackend()

    ab.register_backend("picky", factory)
    with pytest.raises(error, match=r"^no device 7 here; devices: 0$") as info:
        ab.get_backend("picky", device=7)
    assert not isinstance(info.value, ab.ArrayBackendError)  # the factory's error, as raised
    assert isinstance(ab.get_backend("picky"), NumPyBackend)


@pytest.mark.parametrize("error", [ValueError, TypeError, RuntimeError])
def test_a_factory_failing_without_a_device_is_a_broken_backend(error: type[Exception]) -> None:
    def factory(device: Hashable = None) -> NumPyBackend:
        raise error("boom")

    ab.register_backend("failing", factory)
    with pytest.raises(ab.BrokenBackendError, match=f"its factory raised {error.__name__}: boom"):
        ab.get_backend("failing")


def test_a_factory_failing_otherwise_with_a_device_is_a_broken_backend() -> None:
    def factory(device: Hashable = None) -> NumPyBackend:
        raise RuntimeError("driver crashed")

    ab.register_backend("crashing", factory)
    with pytest.raises(ab.BrokenBackendError, match="RuntimeError: driver crashed"):
        ab.get_backend("crashing", device=0)


class _Announcing:
    """A device that says when a given thread hashes it (a registry look-up)."""

    def __init__(self, thread: list[threading.Thread], looked_up: threading.Event) -> None:
        self.thread, self.looked_up = thread, looked_up

    def __hash__(self) -> int:
        if self.thread and threading.current_thread() is self.thread[0]:
            self.looked_up.set()
        return 1


def test_two_threads_asking_at_once_get_one_backend_from_one_factory_call() -> None:
    looked_up = threading.Event()
    second: list[threading.Thread] = []
    device = _Announcing(second, looked_up)
    got: list[object] = []
    built: list[Minimal] = []

    def factory(device: Hashable = None) -> Minimal:
        if not built:  # the first call: another thread asks while this one builds
            second.append(threading.Thread(target=lambda: got.append(ask())))
            second[0].start()
            assert looked_up.wait(10)  # its look-up has missed: it now waits for the lock
        built.append(Minimal())
        return built[-1]

    def ask() -> object:
        return ab.get_backend("slow", device=device)

    ab.register_backend("slow", factory)
    first = ask()
    second[0].join(10)
    assert got == [first]
    assert built == [first]  # the factory ran once


def test_unregister_backend_validates_the_name() -> None:
    for bad in ("", 3, None):
        with pytest.raises(ab.ArgumentError, match="name must be a non-empty str"):
            ab.unregister_backend(bad)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


# Plugins: fake entry points, on a scratch registry that has not read them yet.

_LOADED: list[str] = []


def _plugin_attribute(name: str) -> object:
    """A plugin module's attribute, recorded: the entry point was loaded."""
    _LOADED.append(name)
    return NumPyBackend


@pytest.fixture
def plugins(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Entry points ``good``, ``numpy`` (taken) and ``not-callable``; returns the loads."""
    import importlib.metadata

    module = types.ModuleType("fake_plugin")
    module.__dict__["__getattr__"] = _plugin_attribute  # PEP 562: a lazy module attribute
    monkeypatch.setitem(sys.modules, "fake_plugin", module)
    group = _registry.ENTRY_POINT_GROUP
    eps = [
        EntryPoint(name="good", value="fake_plugin:Good", group=group),
        EntryPoint(name="numpy", value="fake_plugin:Numpy", group=group),
        EntryPoint(name="not-callable", value="arraybackend._registry:REFERENCE", group=group),
    ]

    def fake(group: str) -> list[EntryPoint]:
        return eps if group == _registry.ENTRY_POINT_GROUP else []

    monkeypatch.setattr(importlib.metadata, "entry_points", fake)
    monkeypatch.setattr(_registry, "_entry_points_read", False)
    _LOADED.clear()
    return _LOADED


def test_ignored_entry_points_reads_the_plugins_itself(plugins: list[str]) -> None:
    ignored = ab.ignored_entry_points()  # the first question asked
    assert list(ignored) == ["numpy (an unknown distribution)"]
    assert (
        "the name 'numpy' is already taken (built-in)" in ignored["numpy (an unknown distribution)"]
    )


def test_plugins_are_read_once(plugins: list[str]) -> None:
    known = ab.known_backends()
    good = ab.get_backend("good")
    assert plugins == ["Good"]
    # Asking again reads nothing again: no plugin counts as taken by itself.
    assert ab.known_backends() == known
    assert list(ab.ignored_entry_points()) == ["numpy (an unknown distribution)"]
    assert ab.get_backend("good") is good
    assert plugins == ["Good"]


def test_a_plugin_naming_something_not_callable_is_broken(plugins: list[str]) -> None:
    assert "not-callable" in ab.known_backends()
    with pytest.raises(ab.BrokenBackendError) as info:
        ab.get_backend("not-callable")
    assert "failed to load: TypeError: it names a str, which is not callable" in info.value.reason


def test_backend_of_a_numpy_array_loads_no_plugin(plugins: list[str]) -> None:
    assert ab.backend_of(np.ones(2)) is ab.get_backend("numpy")
    assert ab.get_backend("numpy").name == "numpy"
    assert plugins == []  # still unread: a NumPy array needs none
    assert "good" in ab.known_backends()
    assert plugins == ["Good"]
