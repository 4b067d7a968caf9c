"""The registry: names, factories, entry points, backend_of."""

# These tests set up and tear down the registry's private state on purpose.
# pyright: reportPrivateUsage=false

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from importlib.metadata import EntryPoint
from typing import Any

import numpy as np
import pytest

import arraybackend as ab
from arraybackend import _registry
from arraybackend.backends.numpy import NumPyBackend


class ToyArray:
    """An array type of a pretend third-party library, with a device."""

    __module__ = "toylib.core"

    def __init__(self, device: int) -> None:
        self.device = device
        self.shape = (2,)
        self.dtype = np.dtype(np.float64)


class ToyBackend(NumPyBackend):
    __slots__ = ("_device",)
    array_module = "toylib"

    def __init__(self, device: int = 0) -> None:
        self._device = device

    def owner_of(self, x: ToyArray, /) -> ab.Backend[Any]:
        return ab.get_backend("toy", device=x.device)


@pytest.fixture
def toy() -> Iterator[None]:
    sys.modules.setdefault("toylib", type(sys)("toylib"))
    ab.register_backend("toy", ToyBackend)
    yield
    _registry._factories.pop("toy", None)
    _registry._array_modules.pop("toylib", None)
    for key in [k for k in _registry._instances if k[0] == "toy"]:
        del _registry._instances[key]
    sys.modules.pop("toylib", None)


def test_register_backend_and_devices(toy: None) -> None:
    be = ab.get_backend("toy")
    assert isinstance(be, ToyBackend)
    assert ab.get_backend("toy") is be
    assert ab.get_backend("toy", device=1) is not be
    assert ab.get_backend("toy", device=1) is ab.get_backend("toy", device=1)
    assert "toy" in ab.known_backends()
    assert "toy" in ab.available_backends()


def test_backend_of_finds_owner_and_device(toy: None) -> None:
    assert ab.backend_of(np.ones(2), np.ones((2, 2))) is ab.get_backend("numpy")
    assert ab.backend_of(ToyArray(1), ToyArray(1)) is ab.get_backend("toy", device=1)
    with pytest.raises(
        ab.BackendMismatchError,
        match=r"argument 1 \(a toylib.ToyArray of shape \(2,\)\) belongs to",
    ):
        ab.backend_of(ToyArray(0), ToyArray(1))
    with pytest.raises(ab.BackendMismatchError, match="argument 1"):
        ab.backend_of(np.ones(2), ToyArray(0))


def test_backend_of_rejects_non_arrays() -> None:
    with pytest.raises(TypeError, match="a list is not an array of any registered backend"):
        ab.backend_of([1, 2])
    with pytest.raises(TypeError, match="needs at least one array"):
        ab.backend_of()


def test_unknown_backend_lists_the_known_ones() -> None:
    with pytest.raises(
        ab.UnknownBackendError, match=r"^unknown backend 'cuda'; available: 'numpy', 'cupy'"
    ):
        ab.get_backend("cuda")


def test_register_backend_validates_its_arguments() -> None:
    with pytest.raises(TypeError, match="factory must be callable"):
        ab.register_backend("bad", 3)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    with pytest.raises(TypeError, match="name must be a non-empty str"):
        ab.register_backend("", NumPyBackend)


def test_entry_points_are_loaded_lazily(monkeypatch: pytest.MonkeyPatch) -> None:
    ep = EntryPoint(
        name="from-entry-point",
        value="arraybackend.backends.numpy:NumPyBackend",
        group=_registry.ENTRY_POINT_GROUP,
    )

    def fake_entry_points(group: str) -> list[EntryPoint]:
        return [ep] if group == _registry.ENTRY_POINT_GROUP else []

    monkeypatch.setattr(_registry, "entry_points", fake_entry_points)
    monkeypatch.setattr(_registry, "_entry_points_loaded", False)
    monkeypatch.setattr(_registry, "_factories", dict(_registry._factories))
    monkeypatch.setattr(_registry, "_instances", dict(_registry._instances))
    assert isinstance(ab.get_backend("from-entry-point"), NumPyBackend)
    assert "from-entry-point" in ab.known_backends()


def test_unavailable_backend_reports_its_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> ab.Backend[Any]:
        raise ab.BackendUnavailableError("broken", "no device here")

    monkeypatch.setattr(_registry, "_factories", dict(_registry._factories))
    ab.register_backend("broken", broken)
    status = ab.backend_status()["broken"]
    assert isinstance(status, ab.BackendUnavailableError)
    assert status.reason == "no device here"
    assert "broken" not in ab.available_backends()
    assert ab.available_backends()[0] == "numpy"
    with pytest.raises(
        ab.BackendUnavailableError, match="the broken backend is unavailable: no device here"
    ):
        ab.get_backend("broken")


def test_import_pulls_in_no_optional_library() -> None:
    code = (
        "import sys, arraybackend as ab\n"
        "ab.matrix_multiply(ab.get_backend('numpy').asarray([[1.0]]), ab.get_backend('numpy').asarray([[2.0]]))\n"
        "heavy = {'cupy', 'dask', 'pytest', 'hypothesis', 'array_api_strict', 'cupy_backends'}\n"
        "print(sorted(m for m in sys.modules if m.partition('.')[0] in heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_public_surface() -> None:
    expected = {
        "ArgumentError", "ArrayBackendError", "ArrayTypeError", "Backend", "HostArray", "LocatesDevice",
        "OutputError", "SupportsAsarray", "SupportsDevice", "BackendMismatchError", "BackendUnavailableError",
        "DTypeError", "Matrix", "NDArray", "ShapeError", "UnknownBackendError", "Vector", "__version__",
        "available_backends", "backend_of", "backend_status", "current_backend", "dot", "get_backend",
        "known_backends", "matrix_multiply", "register_backend", "set_backend", "transpose", "use_backend",
    }  # fmt: skip
    assert set(ab.__all__) == expected
    for name in ab.__all__:
        assert hasattr(ab, name), name
