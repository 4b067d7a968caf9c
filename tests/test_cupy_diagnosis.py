"""Why the CuPy backend is unavailable, one failure mode at a time, without a GPU.

Each test puts a fake ``cupy`` (or none) in front of the real one, so these run wherever
the test suite runs. The real wheel on a GPU-less machine is checked end to end by
``tests/test_cupy_nogpu.py`` in ``nox -s cupy-nogpu``.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import subprocess
import sys
import types
from collections.abc import Callable
from typing import NoReturn

import pytest

import arraybackend as ab
from arraybackend import _registry
from arraybackend.backends.cupy import CuPyBackend


class FakeCUDARuntimeError(RuntimeError):
    """Like ``cupy.cuda.runtime.CUDARuntimeError``: carries the ``cudaError_t`` status."""

    def __init__(self, status: int, text: str) -> None:
        self.status = status
        super().__init__(text)


def _raises(status: int, text: str) -> Callable[[], NoReturn]:
    def fail() -> NoReturn:
        raise FakeCUDARuntimeError(status, text)

    return fail


def _fake_cupy(
    monkeypatch: pytest.MonkeyPatch,
    *,
    driver: Callable[[], int] = lambda: 12040,
    count: Callable[[], int] = lambda: 1,
) -> None:
    runtime = types.SimpleNamespace(
        CUDARuntimeError=FakeCUDARuntimeError,
        driverGetVersion=driver,
        getDeviceCount=count,
        getDevice=lambda: 0,
    )
    cupy = types.ModuleType("cupy")
    vars(cupy)["cuda"] = types.SimpleNamespace(runtime=runtime)
    monkeypatch.setitem(sys.modules, "cupy", cupy)


def _reason(device: int | None = None) -> str:
    with pytest.raises(ab.BackendUnavailableError) as info:
        CuPyBackend(device)
    assert info.value.backend == "cupy"
    assert str(info.value) == f"the cupy backend is unavailable: {info.value.reason}"
    return info.value.reason


def _no_spec(name: str, package: str | None = None) -> None:
    return None


def test_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "cupy", raising=False)
    monkeypatch.setattr(importlib.util, "find_spec", _no_spec)
    reason = _reason()
    assert reason.startswith("CuPy is not installed")
    assert 'pip install "arraybackend[cupy]"' in reason


class _BrokenCuPy(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``cupy`` and fails to import it, as a wheel missing a shared library does."""

    def find_spec(
        self, fullname: str, path: object = None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        return importlib.util.spec_from_loader(fullname, self) if fullname == "cupy" else None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        raise ImportError("libcudart.so.12: cannot open shared object file")


def test_installed_but_import_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "cupy", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_BrokenCuPy(), *sys.meta_path])
    reason = _reason()
    assert reason.startswith(
        "broken install: `import cupy` failed or gave an incomplete module (ImportError: "
    )
    assert "libcudart.so.12" in reason


def test_no_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_cupy(monkeypatch, driver=lambda: 0)
    assert _reason().startswith("no NVIDIA CUDA driver was found")


def test_driver_query_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_cupy(monkeypatch, driver=_raises(3, "cudaErrorInitializationError"))
    assert "cudaErrorInitializationError" in _reason()


@pytest.mark.parametrize(
    "count",
    [
        pytest.param(lambda: 0, id="zero"),
        pytest.param(_raises(100, "cudaErrorNoDevice: no CUDA-capable device"), id="status-100"),
    ],
)
def test_no_device(monkeypatch: pytest.MonkeyPatch, count: Callable[[], int]) -> None:
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    _fake_cupy(monkeypatch, count=count)
    assert _reason().startswith("no CUDA device is visible (CUDA_VISIBLE_DEVICES='')")


def test_driver_older_than_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_cupy(
        monkeypatch,
        driver=lambda: 11080,
        count=_raises(35, "cudaErrorInsufficientDriver: CUDA driver version is insufficient"),
    )
    reason = _reason()
    assert reason.startswith("the NVIDIA driver supports CUDA 11.8, older than the CUDA runtime")
    assert "cudaErrorInsufficientDriver" in reason


def test_other_runtime_error(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_cupy(monkeypatch, count=_raises(999, "cudaErrorUnknown"))
    assert _reason() == "CuPy could not count the CUDA devices: cudaErrorUnknown"


@pytest.mark.parametrize("device", [2, -1])
def test_device_out_of_range(monkeypatch: pytest.MonkeyPatch, device: int) -> None:
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    _fake_cupy(monkeypatch, count=lambda: 2)
    assert _reason(device) == (
        f"CUDA device {device} does not exist: 2 device(s) visible, numbered 0 to 1"
    )


@pytest.mark.parametrize("device", ["cuda:0", 1.0, True])
def test_device_must_be_an_index(device: object) -> None:
    with pytest.raises(TypeError, match="device must be a CUDA device index"):
        CuPyBackend(device)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


def test_unavailable_backend_is_listed_with_its_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_cupy(monkeypatch, driver=lambda: 0)
    monkeypatch.setattr(_registry, "_instances", {})  # a GPU machine may have one cached
    assert "cupy" not in ab.available_backends()
    status = ab.backend_status()["cupy"]
    assert isinstance(status, ab.BackendUnavailableError)
    assert status.reason.startswith("no NVIDIA CUDA driver")


def test_import_arraybackend_never_imports_cupy() -> None:
    code = (
        "import sys, arraybackend, arraybackend.backends.cupy\n"
        "assert 'cupy' not in sys.modules, 'cupy imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
