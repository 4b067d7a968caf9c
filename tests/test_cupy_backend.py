"""The CuPy backend: parity with NumPy, devices, ``out=`` and errors.

Every test runs twice:

* ``cupy-gpu``: the real CuPy on a real GPU; skipped, with CuPy's reason, where there is
  none (``nox -s parity-cupy`` runs these on a GPU machine);
* ``emulated``: a stand-in ``cupy`` module whose arrays are NumPy arrays tagged with a
  device number, so the backend's own logic (type and device checks, error translation,
  the overlapping-``out`` fix) is tested on every machine. It proves nothing about CUDA.
"""

from __future__ import annotations

import os
import sys
import types
from fractions import Fraction
from typing import Any, ClassVar, NoReturn, Self

import numpy as np
import pytest

import arraybackend as ab
from arraybackend import _registry
from arraybackend.backends.cupy import CuPyBackend

rng = np.random.default_rng(20261125)


def _gpu() -> tuple[str, int]:
    """Why the real CuPy cannot run here ("" if it can), and the number of devices."""
    try:
        ab.get_backend("cupy")
    except ab.BackendUnavailableError as err:
        return f"no usable GPU here: {err.reason}", 0
    import cupy

    return "", cupy.cuda.runtime.getDeviceCount()


NO_GPU, GPU_DEVICES = _gpu()
if NO_GPU and os.environ.get("ARRAYBACKEND_REQUIRE_GPU") == "1":  # set by nox -s parity-cupy
    raise RuntimeError(f"ARRAYBACKEND_REQUIRE_GPU=1 but {NO_GPU}")


# -- the emulated cupy ----------------------------------------------------------------------


class _State:
    current = 0


class _EmulatedDevice:
    def __init__(self, device: int | None = None) -> None:
        self.id = _State.current if device is None else device
        self._saved: list[int] = []

    def __enter__(self) -> Self:
        self._saved.append(_State.current)
        _State.current = self.id
        return self

    def __exit__(self, *args: object) -> None:
        _State.current = self._saved.pop()


class _EmulatedArray(np.ndarray[Any, Any]):
    """A NumPy array that says it is a ``cupy.ndarray`` on device ``device_id``."""

    device_id: int

    def __array_finalize__(self, obj: object) -> None:
        self.device_id = getattr(obj, "device_id", _State.current)

    # NumPy's own ndarray.device is the string "cpu"; CuPy's is a Device object.
    @property
    def device(self) -> _EmulatedDevice:  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        return _EmulatedDevice(self.device_id)

    # CuPy's data is a MemoryPointer; NumPy's is a memoryview.
    @property
    def data(self) -> types.SimpleNamespace:  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        return types.SimpleNamespace(device_id=self.device_id)

    def get(self) -> np.ndarray[Any, Any]:
        return np.array(self, copy=True)


_EmulatedArray.__module__ = "cupy"
_EmulatedArray.__qualname__ = "ndarray"


def _on_device(z: object) -> _EmulatedArray:
    return z if isinstance(z, _EmulatedArray) else np.asarray(z).view(_EmulatedArray)


def _matmul(x: Any, w: Any, out: Any = None) -> _EmulatedArray:
    if out is None:
        return _on_device(np.matmul(x, w))
    if x.ndim == w.ndim == 2:
        # Like cuBLAS, write into out while still reading x and w: wrong if they overlap.
        out[...] = 0
        for k in range(x.shape[1]):
            out += np.multiply.outer(x[:, k], w[k, :])
        return _on_device(out)
    return _on_device(np.matmul(x, w, out=out))


def _dot(a: Any, b: Any) -> _EmulatedArray:
    return _on_device(np.dot(a, b))


def _asarray(a: object, dtype: Any = None) -> _EmulatedArray:
    if (
        isinstance(a, _EmulatedArray)
        and a.device_id == _State.current
        and (dtype is None or a.dtype == dtype)
    ):
        return a
    z = np.array(a, dtype=dtype, copy=True)
    if z.dtype.kind not in "biufc":
        raise ValueError(f"Unsupported dtype {z.dtype}")
    return z.view(_EmulatedArray)


def _emulated_cupy() -> types.ModuleType:
    _State.current = 0
    runtime = types.SimpleNamespace(
        CUDARuntimeError=RuntimeError,
        driverGetVersion=lambda: 12080,
        getDeviceCount=lambda: 2,
        getDevice=lambda: _State.current,
    )
    module = types.ModuleType("cupy")
    vars(module).update(
        ndarray=_EmulatedArray,
        matmul=_matmul,
        dot=_dot,
        asarray=_asarray,
        copyto=np.copyto,
        may_share_memory=np.may_share_memory,
        cuda=types.SimpleNamespace(runtime=runtime, Device=_EmulatedDevice),
    )
    return module


@pytest.fixture(
    params=[
        pytest.param("cupy-gpu", marks=pytest.mark.skipif(bool(NO_GPU), reason=NO_GPU)),
        "emulated",
    ]
)
def env(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """The ``cupy`` module in use (real or emulated); the backend is ``ab.get_backend``'s."""
    if request.param == "cupy-gpu":
        import cupy

        return cupy
    module = _emulated_cupy()
    monkeypatch.setitem(sys.modules, "cupy", module)
    monkeypatch.setattr(_registry, "_instances", {})  # backends built on the emulation
    return module


@pytest.fixture
def be(env: types.ModuleType) -> CuPyBackend:
    return ab.get_backend("cupy")


@pytest.fixture
def be1(env: types.ModuleType) -> CuPyBackend:
    """A backend bound to device 1."""
    if env.ndarray is not _EmulatedArray and GPU_DEVICES < 2:
        pytest.skip(f"needs two CUDA devices, {GPU_DEVICES} here")
    return ab.get_backend("cupy", device=1)


# -- values ---------------------------------------------------------------------------------

U = {np.dtype(np.float32): Fraction(2) ** -24, np.dtype(np.float64): Fraction(2) ** -53}


def _assert_close(
    z: np.ndarray[Any, Any], x: np.ndarray[Any, Any], w: np.ndarray[Any, Any]
) -> None:
    """``z`` is within ``gamma_k |x| @ |w|`` of the exact product (integers: exactly)."""
    exact = np.asarray(x.astype(object) @ w.astype(object))
    if x.dtype.kind in "iu":
        assert np.array_equal(z, exact.astype(z.dtype))
        return
    k = x.shape[-1]
    u = U[z.dtype]
    gamma = float(k * u / (1 - k * u))
    magnitude = np.abs(x).astype(np.float64) @ np.abs(w).astype(np.float64)
    assert np.all(np.abs(z.astype(np.float64) - exact.astype(np.float64)) <= gamma * magnitude)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64])
@pytest.mark.parametrize(
    ("xs", "ws"),
    [((5, 3), (3, 4)), ((3,), (3, 4)), ((5, 3), (3,)), ((3,), (3,)), ((2, 5, 3), (3, 4))],
    ids=["matrix", "vector-matrix", "matrix-vector", "vector-vector", "stack"],
)
def test_matrix_multiply_agrees_with_numpy(
    be: CuPyBackend, dtype: Any, xs: tuple[int, ...], ws: tuple[int, ...]
) -> None:
    x = (rng.standard_normal(xs) * 8).astype(dtype)
    w = (rng.standard_normal(ws) * 8).astype(dtype)
    z = be.matrix_multiply(be.asarray(x), be.asarray(w))
    assert type(z) is type(be.asarray(x))  # still on the device
    host = be.to_numpy(z)
    expected = np.matmul(x, w)
    assert host.shape == expected.shape
    assert host.dtype == expected.dtype
    _assert_close(host, x, w)


def test_dot_of_vectors_is_a_0d_device_array(be: CuPyBackend, env: types.ModuleType) -> None:
    hu: ab.Vector[np.float64] = np.array([1.0, 2.0, 3.0])
    hv: ab.Vector[np.float64] = np.array([4.0, 5.0, 6.0])
    u, v = be.asarray(hu), be.asarray(hv)
    s = be.dot(u, v)
    assert isinstance(s, env.ndarray)
    assert s.shape == ()
    assert float(be.to_numpy(s)) == 32.0


def test_dot_of_matrices(be: CuPyBackend) -> None:
    x = rng.standard_normal((4, 3))
    z = be.to_numpy(be.dot(be.asarray(x), be.transpose(be.asarray(x))))
    _assert_close(z, x, x.T)


def test_transpose_is_a_view(be: CuPyBackend, env: types.ModuleType) -> None:
    x = be.asarray(np.arange(6.0).reshape(2, 3))
    t = be.transpose(x)
    assert t.shape == (3, 2)
    assert env.may_share_memory(t, x)
    host = np.zeros(24).reshape(2, 3, 4)
    y = be.asarray(host)
    assert be.transpose(y, (1, 0, 2)).shape == (3, 2, 4)
    with pytest.raises(ab.ShapeError, match="not a permutation"):
        be.transpose(y, (0, 0, 1))


def test_seed_example_on_the_device(be: CuPyBackend) -> None:
    """The seed's first example, x (4x2, integers) @ w (2x3), as on the NumPy backend."""
    x = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]])
    w = np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])
    z = be.to_numpy(be.matrix_multiply(be.asarray(x), be.asarray(w)))
    _assert_close(z, x, w)
    np.testing.assert_allclose(z, ab.get_backend("numpy").matrix_multiply(x, w), rtol=1e-15)


# -- out= -----------------------------------------------------------------------------------


def test_out(be: CuPyBackend) -> None:
    x, w = rng.standard_normal((4, 3)), rng.standard_normal((3, 5))
    out = be.asarray(np.zeros((4, 5)))
    assert be.matrix_multiply(be.asarray(x), be.asarray(w), out=out) is out
    _assert_close(be.to_numpy(out), x, w)


def test_out_overlapping_an_input(be: CuPyBackend, env: types.ModuleType) -> None:
    a = rng.standard_normal((6, 6))
    x = be.asarray(a)
    assert be.matrix_multiply(x, x, out=x) is x
    _assert_close(be.to_numpy(x), a, a)
    if env.ndarray is _EmulatedArray:  # the emulation is as unsafe as cuBLAS
        y = be.asarray(a)
        env.matmul(y, y, out=y)
        assert not np.allclose(be.to_numpy(y), a @ a)


def test_out_errors(be: CuPyBackend) -> None:
    x, w = be.asarray(np.ones((4, 3))), be.asarray(np.ones((3, 5)))
    with pytest.raises(ab.ShapeError, match=r"out has shape \(5, 4\)"):
        be.matrix_multiply(x, w, out=be.asarray(np.zeros((5, 4))))
    with pytest.raises(ab.DTypeError, match="cannot be cast to out's dtype 'int64'"):
        be.matrix_multiply(x, w, out=be.asarray(np.zeros((4, 5), np.int64)))
    host: Any = np.zeros((4, 5))
    with pytest.raises(ab.BackendMismatchError, match=r"out is a numpy\.ndarray"):
        be.matrix_multiply(x, w, out=host)


# -- errors: the same classes and messages as the NumPy backend ---------------------------


def test_host_arrays_are_refused(be: CuPyBackend) -> None:
    host: Any = np.ones((2, 2))
    with pytest.raises(ab.BackendMismatchError, match=r"get_backend\('cupy'\)\.asarray"):
        be.matrix_multiply(host, be.asarray(np.ones((2, 2))))
    with pytest.raises(ab.BackendMismatchError, match="from numpy"):
        be.dot(be.asarray(np.ones(2)), host)
    with pytest.raises(ab.BackendMismatchError):
        be.transpose(host)
    with pytest.raises(ab.BackendMismatchError):
        be.to_numpy(host)
    listed: Any = [[1.0]]
    with pytest.raises(ab.ArrayTypeError, match="a list") as info:
        be.matrix_multiply(listed, be.asarray(np.ones((1, 1))))
    assert not isinstance(info.value, ab.BackendMismatchError)


def test_arrays_on_another_device_are_refused(
    be: CuPyBackend, be1: CuPyBackend, env: types.ModuleType
) -> None:
    assert be1.device == 1
    x1 = be1.asarray(np.ones((2, 2)))
    assert x1.device.id == 1
    with pytest.raises(ab.BackendMismatchError, match=r"on CUDA device 1.*device 0"):
        be.matrix_multiply(be.asarray(np.ones((2, 2))), x1)
    with pytest.raises(ab.BackendMismatchError, match=r"on CUDA device 0.*device 1"):
        be1.dot(x1, be.asarray(np.ones((2, 2))))
    assert be1.to_numpy(be1.matrix_multiply(x1, x1)).tolist() == [[2.0, 2.0], [2.0, 2.0]]
    if env.ndarray is not _EmulatedArray:  # emulated arrays are NumPy arrays to backend_of
        assert ab.backend_of(x1) is be1
    assert be.device_of(x1) == 1
    x0 = be.asarray(x1)  # an explicit copy between devices
    assert x0.device.id == 0


def test_shape_errors(be: CuPyBackend, env: types.ModuleType) -> None:
    x, w = be.asarray(np.ones((4, 2))), be.asarray(np.ones((3, 2)))
    hint = (
        r"x \(4, 2\) @ w \(3, 2\): inner dimensions 2 and 3 differ; did you mean transpose\(w\)\?"
    )
    with pytest.raises(ab.ShapeError, match=hint):
        be.matrix_multiply(x, w)
    with pytest.raises(ab.ShapeError, match="inner dimensions"):
        be.dot(x, w)
    scalar: Any = env.asarray(1.0)
    with pytest.raises(ab.ShapeError, match="x is 0-d"):
        be.matrix_multiply(scalar, w)
    with pytest.raises(ab.ShapeError, match="v is 0-d"):
        be.dot(x, scalar)
    stack: Any = be.asarray(np.ones((2, 3, 4)))  # a type error too: dot takes ranks 1, 2
    with pytest.raises(ab.ShapeError, match="takes vectors and matrices only"):
        be.dot(stack, stack)


def test_dtype_errors(be: CuPyBackend) -> None:
    b: Any = be.asarray(np.ones((2, 2), bool))
    with pytest.raises(ab.DTypeError, match="both bool"):
        be.matrix_multiply(b, b)
    with pytest.raises(ab.DTypeError, match="not numeric"):
        be.asarray(["a", "b"])
    bad_dtype: Any = np.str_
    with pytest.raises(ab.DTypeError, match="not numeric"):
        be.asarray([1, 2], dtype=bad_dtype)
    with pytest.raises(ab.ShapeError, match="0-d"):
        be.asarray(1.0)


def test_asarray_keeps_dtype_and_copies_host_data(be: CuPyBackend) -> None:
    host = np.arange(6, dtype=np.float32).reshape(2, 3)
    x = be.asarray(host)
    assert x.dtype == np.float32
    host[0, 0] = 99
    assert be.to_numpy(x)[0, 0] == 0
    assert be.asarray(x) is x
    assert be.asarray([[1, 2]], dtype=np.float64).dtype == np.float64


def test_repr_and_name(be: CuPyBackend) -> None:
    assert be.name == "cupy"
    assert repr(be) == "CuPyBackend(device=None)"
    assert be.device == 0
    assert isinstance(be, ab.Backend)


# -- emulated only: failures no real GPU can be asked to produce ------------------------------


def _missing_cublas(*args: object, **kwargs: object) -> NoReturn:
    raise OSError("libcublas.so.12: cannot open shared object file")


def test_a_library_missing_at_first_use(monkeypatch: pytest.MonkeyPatch) -> None:
    module = _emulated_cupy()
    vars(module)["matmul"] = _missing_cublas
    monkeypatch.setitem(sys.modules, "cupy", module)
    be = CuPyBackend()
    x = be.asarray(np.ones((2, 2)))
    with pytest.raises(ab.BackendUnavailableError, match=r"libcublas\.so\.12") as info:
        be.matrix_multiply(x, x)
    assert info.value.reason.startswith("matrix_multiply: CuPy could not load a CUDA library")


class _OtherDeviceArray:
    """Device memory of another library (as a torch CUDA tensor or a Numba array)."""

    shape = (2,)
    dtype = np.dtype(np.float32)
    __cuda_array_interface__: ClassVar[dict[str, object]] = {"shape": (2,), "typestr": "<f4"}


def test_asarray_refuses_device_memory_of_other_libraries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "cupy", _emulated_cupy())
    other: Any = _OtherDeviceArray()  # a type error too: asarray takes host data
    with pytest.raises(
        ab.BackendMismatchError,
        match="is device memory; arraybackend never copies it to the host implicitly",
    ):
        CuPyBackend().asarray(other)


def test_out_of_a_wider_dtype(be: CuPyBackend) -> None:
    x32 = rng.standard_normal((4, 3)).astype(np.float32)
    out = be.asarray(np.zeros((4, 4)))  # float64: float32 results cast 'same_kind'
    x = be.asarray(x32)
    z = be.matrix_multiply(x, be.transpose(x), out=out)
    assert z is out
    assert be.to_numpy(out).dtype == np.float64
    _assert_close(be.to_numpy(out).astype(np.float32), x32, x32.T)
