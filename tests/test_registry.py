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

    def __init__(self, device: int) -> None:
        self.device = device
        self.shape = (2,)
        self.dtype = np.dtype(np.float64)


ToyArray.__module__ = "toylib.core"


class ToyBackend(NumPyBackend):
    __slots__ = ("_toy_device",)

    def __init__(self, device: int = 0) -> None:
        self._toy_device = device

    @property
    def device(self) -> int:  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        return self._toy_device

    def device_of(self, x: ToyArray, /) -> int:
        return x.device


@pytest.fixture
def registry(scratch_registry: None) -> None:
    """The registry restored afterwards (tests/conftest.py)."""


@pytest.fixture
def toy(registry: None) -> Iterator[None]:
    toylib = type(sys)("toylib.core")
    toylib.ToyArray = ToyArray  # type: ignore[attr-defined]
    sys.modules["toylib.core"] = toylib
    ab.register_backend("toy", ToyBackend, array_type="toylib.core:ToyArray")
    yield
    sys.modules.pop("toylib.core", None)


def test_register_backend_and_devices(toy: None) -> None:
    be = ab.get_backend("toy")
    assert isinstance(be, ToyBackend)
    assert ab.get_backend("toy") is be
    assert ab.get_backend("toy", device=1) is not be
    assert ab.get_backend("toy", device=1) is ab.get_backend("toy", device=1)
    assert "toy" in ab.known_backends()
    assert "toy" in ab.available_backends()
    ab.unregister_backend("toy")
    assert "toy" not in ab.known_backends()
    with pytest.raises(ab.UnknownBackendError):
        ab.get_backend("toy")
    with pytest.raises(ab.ArrayTypeError, match="not an array of any registered backend"):
        ab.backend_of(ToyArray(0))


def test_backend_of_finds_owner_and_device(toy: None) -> None:
    assert ab.backend_of(np.ones(2), np.ones((2, 2))) is ab.get_backend("numpy")
    assert ab.backend_of(ToyArray(1), ToyArray(1)) is ab.get_backend("toy", device=1)
    assert ab.backend_of(ToyArray(0)) is ab.get_backend("toy")
    with pytest.raises(
        ab.BackendMismatchError,
        match=r"argument 1 \(a toylib.ToyArray of shape \(2,\)\) belongs to",
    ):
        ab.backend_of(ToyArray(0), ToyArray(1))
    with pytest.raises(ab.BackendMismatchError, match="argument 1"):
        ab.backend_of(np.ones(2), ToyArray(0))


def test_ownership_is_by_class_not_by_module_name() -> None:
    # np.dtype and np.matmul live in numpy but are not arrays; an ndarray subclass is one.
    for not_an_array in (np.dtype("float64"), np.matmul, np.float64, 3.0):
        with pytest.raises(ab.ArrayTypeError, match="not an array of any registered backend"):
            ab.backend_of(not_an_array)
    masked = np.ma.masked_array([1.0, 2.0])
    assert ab.backend_of(masked) is ab.get_backend("numpy")


def test_registering_a_taken_name_needs_replace(registry: None) -> None:
    ab.register_backend("twice", NumPyBackend)
    with pytest.raises(ValueError, match=r"'twice' is already registered.*replace=True"):
        ab.register_backend("twice", NumPyBackend)
    ab.register_backend("twice", NumPyBackend, replace=True)
    for name in ("numpy",):
        with pytest.raises(ValueError, match="reference backend"):
            ab.register_backend(name, NumPyBackend, replace=True)
        with pytest.raises(ValueError, match="reference backend"):
            ab.unregister_backend(name)
    with pytest.raises(ab.UnknownBackendError):
        ab.unregister_backend("never-registered")


@pytest.mark.parametrize(
    ("result", "why"),
    [
        (42, "an int, which lacks name, matrix_multiply"),
        (None, "None, which lacks name"),
        (NumPyBackend, "is a class, not an instance"),
    ],
)
def test_a_factory_result_must_be_a_backend(registry: None, result: object, why: str) -> None:
    ab.register_backend("odd", lambda: result)  # type: ignore[arg-type, return-value]  # pyright: ignore[reportArgumentType]
    with pytest.raises(ab.BackendUnavailableError, match=f"broken backend: .*{why}"):
        ab.get_backend("odd")
    assert "odd" not in ab.available_backends()


def test_device_only_where_a_backend_has_devices(toy: None) -> None:
    with pytest.raises(ab.ArgumentError, match="the numpy backend has no devices"):
        # Both checkers accept it through the `str` fallback overload: refused at run time.
        ab.get_backend("numpy", device="cpu")
    with pytest.raises(ab.ArgumentError, match="device must be hashable"):
        ab.get_backend("toy", device=[1])  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]
    for bad in (None, 3, b"numpy"):
        with pytest.raises(ab.ArgumentError, match="name must be a str"):
            ab.get_backend(bad)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]


def test_one_instance_per_canonical_device() -> None:
    pytest.importorskip("array_api_strict")
    import array_api_strict as xp

    by_name = ab.get_backend("array-api-strict", device="device1")
    assert ab.get_backend("array-api-strict", device=xp.Device("device1")) is by_name


def test_backend_of_rejects_non_arrays() -> None:
    with pytest.raises(TypeError, match="a list is not an array of any registered backend"):
        ab.backend_of([1, 2])
    with pytest.raises(ab.ArrayTypeError, match="needs at least one array"):
        ab.backend_of()


def test_unknown_backend_lists_the_known_ones() -> None:
    with pytest.raises(
        ab.UnknownBackendError,
        match=r"^unknown backend 'cuda'; known: 'numpy', 'cupy'( \(unavailable here\))?",
    ):
        ab.get_backend("cuda")
    with pytest.raises(ab.UnknownBackendError, match="did you mean 'numpy'"):
        ab.get_backend("nmupy")


def test_register_backend_validates_its_arguments() -> None:
    with pytest.raises(ab.ArgumentError, match="factory must be callable"):
        ab.register_backend("bad", 3)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    with pytest.raises(ab.ArgumentError, match="name must be a non-empty str"):
        ab.register_backend("", NumPyBackend)
    with pytest.raises(ValueError, match="'module:Class'"):
        ab.register_backend("bad", NumPyBackend, array_type="nocolon")


def _fake_entry_points(monkeypatch: pytest.MonkeyPatch, *eps: EntryPoint) -> None:
    import importlib.metadata

    def fake(group: str) -> list[EntryPoint]:
        return list(eps) if group == _registry.ENTRY_POINT_GROUP else []

    monkeypatch.setattr(importlib.metadata, "entry_points", fake)
    _registry._entry_points_read = False


def _ep(name: str, value: str) -> EntryPoint:
    return EntryPoint(name=name, value=value, group=_registry.ENTRY_POINT_GROUP)


def test_entry_points_are_loaded_lazily(registry: None, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_entry_points(
        monkeypatch, _ep("from-entry-point", "arraybackend.backends.numpy:NumPyBackend")
    )
    assert isinstance(ab.get_backend("from-entry-point"), NumPyBackend)
    assert "from-entry-point" in ab.known_backends()


def test_broken_plugins_are_listed_and_hide_nothing(
    registry: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = type(sys)("broken_factories")

    def raises() -> ab.Backend[Any]:
        raise RuntimeError("boom")

    module.raises = raises  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "broken_factories", module)
    _fake_entry_points(
        monkeypatch,
        _ep("missing-module", "no_such_module_anywhere:Backend"),
        _ep("missing-attr", "arraybackend.backends.numpy:NoSuchBackend"),
        _ep("raises", "broken_factories:raises"),
        _ep("good", "arraybackend.backends.numpy:NumPyBackend"),
        _ep("numpy", "arraybackend.backends.numpy:NumPyBackend"),
    )
    status = ab.backend_status()
    reasons = {
        name: s.reason for name, s in status.items() if isinstance(s, ab.BackendUnavailableError)
    }
    assert "ModuleNotFoundError" in reasons["missing-module"]
    assert "no_such_module_anywhere:Backend" in reasons["missing-module"]
    assert "AttributeError" in reasons["missing-attr"]
    assert "RuntimeError: boom" in reasons["raises"]
    assert "good" in ab.available_backends()
    assert ab.available_backends()[0] == "numpy"
    assert isinstance(ab.get_backend("numpy"), NumPyBackend)
    assert "numpy (an unknown distribution)" in ab.ignored_entry_points()
    with pytest.raises(ab.BackendUnavailableError, match="broken plugin"):
        ab.get_backend("missing-module")


def test_unavailable_backend_reports_its_reason(registry: None) -> None:
    def broken() -> ab.Backend[Any]:
        raise ab.BackendUnavailableError("broken", "no device here")

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


def test_no_backend_module_imports_the_registry() -> None:
    import ast
    from pathlib import Path

    folder = Path(ab.__file__).parent
    for path in [folder / "diagnostics.py", *(folder / "backends").glob("*.py")]:
        tree = ast.parse(path.read_text())
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert "arraybackend._registry" not in imported, path.name
        assert "arraybackend._selection" not in imported, path.name


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
        "OutputError", "SupportsAsarray", "SupportsDevice", "BrokenBackendError", "BackendMismatchError", "BackendUnavailableError",
        "DTypeError", "DeviceError", "Matrix", "NDArray", "ShapeError", "UnknownBackendError", "Vector", "__version__",
        "available_backends", "backend_of", "backend_status", "current_backend", "dot", "get_backend",
        "known_backends", "matrix_multiply", "register_backend", "set_backend", "transpose", "use_backend",
        "ignored_entry_points", "unregister_backend",
    }  # fmt: skip
    assert set(ab.__all__) == expected
    for name in ab.__all__:
        assert hasattr(ab, name), name


def test_info_and_check_list_broken_plugins_and_go_on(
    registry: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from arraybackend.__main__ import main

    _fake_entry_points(
        monkeypatch,
        _ep("missing-module", "no_such_module_anywhere:Backend"),
        _ep("numpy", "arraybackend.backends.numpy:NumPyBackend"),
    )
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "missing-module    unavailable: broken plugin: entry point" in out
    assert "ignored plugin numpy (an unknown distribution)" in out
    assert main(["check"]) == 1  # a broken plugin is a FAIL row, and the others still run
    rows = capsys.readouterr().out
    assert "missing-module" in rows
    assert "FAIL: broken plugin" in rows
    assert "numpy" in rows
