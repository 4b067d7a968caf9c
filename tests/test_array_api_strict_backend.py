"""The array-api-strict backend: registered by entry point, mirrors the NumPy reference."""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

import numpy as np
import pytest

import arraybackend as ab
from arraybackend import _registry
from arraybackend.backends._lazy import BUILTINS

xp = pytest.importorskip("array_api_strict")

from arraybackend.backends.array_api_strict import Array, ArrayAPIStrictBackend  # noqa: E402

NAME = "array-api-strict"


def _on(device: str | None = None) -> ArrayAPIStrictBackend:
    backend = ab.get_backend(NAME, device=device)
    assert isinstance(backend, ArrayAPIStrictBackend)
    return backend


@pytest.fixture
def be() -> ArrayAPIStrictBackend:
    return _on()


def test_registered_only_through_the_entry_point() -> None:
    assert NAME not in BUILTINS
    names = {ep.name: ep.value for ep in entry_points(group=_registry.ENTRY_POINT_GROUP)}
    assert names[NAME] == "arraybackend.backends._lazy:array_api_strict"
    assert NAME in ab.known_backends()
    assert NAME in ab.available_backends()


def test_satisfies_the_protocol(be: ArrayAPIStrictBackend) -> None:
    typed: ab.Backend[Array] = be  # the static proof (mypy and pyright check this line)
    assert typed is be
    assert isinstance(be, ab.Backend)
    assert be.name == NAME
    assert isinstance(be, ab.LocatesDevice)
    assert isinstance(be, ab.SupportsDevice)
    assert isinstance(be, ab.SupportsAsarray)


def test_products_and_views(be: ArrayAPIStrictBackend) -> None:
    x = be.asarray([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    z = be.matrix_multiply(x, be.transpose(x))
    np.testing.assert_array_equal(be.to_numpy(z), [[14.0, 32.0], [32.0, 77.0]])
    v = be.dot(be.asarray([1, 2, 3]), be.asarray([4, 5, 6]))
    assert v.shape == ()  # a 0-d array, not a Python or NumPy scalar
    assert int(be.to_numpy(v)) == 32
    assert be.transpose(xp.ones((2, 3, 4))).shape == (4, 3, 2)  # all axes reversed, as x.T


def test_out_and_promotion(be: ArrayAPIStrictBackend) -> None:
    x = be.asarray([[1.0, 2.0], [3.0, 4.0]])
    out = be.asarray(np.zeros((2, 2), dtype=np.float32))
    assert be.matrix_multiply(x, x, out=out) is out
    assert out.dtype == xp.float32
    with pytest.raises(
        ab.DTypeError,
        match="'float64', which cannot be cast to out's dtype 'int64' under NumPy's 'same_kind' rule",
    ):
        be.matrix_multiply(x, x, out=be.asarray(np.zeros((2, 2), dtype=np.int64)))
    mixed = be.matrix_multiply(be.asarray([[True, False]]), be.asarray([[1], [2]]))
    assert mixed.dtype == xp.int64  # as NumPy: bool @ int64 -> int64


def _numpy_operands(be: ArrayAPIStrictBackend, case: str) -> tuple[Any, ...]:
    mine, host = be.asarray(np.ones((2, 2))), np.ones((2, 2))
    return {"x": (host, mine), "w": (mine, host), "both": (host, host), "one": (host,)}[case]


@pytest.mark.parametrize(
    ("op", "case"),
    [("matrix_multiply", "x"), ("matrix_multiply", "w"), ("dot", "both"), ("transpose", "one")],
)
def test_numpy_arrays_are_refused(be: ArrayAPIStrictBackend, op: str, case: str) -> None:
    with pytest.raises(ab.BackendMismatchError, match="from numpy"):
        getattr(be, op)(*_numpy_operands(be, case))


def test_its_arrays_are_refused_by_numpy(be: ArrayAPIStrictBackend) -> None:
    x = be.asarray(np.ones((2, 2)))
    with pytest.raises(
        ab.BackendMismatchError,
        match=r"from array_api_strict.*or use the .array-api-strict. backend",
    ):
        ab.get_backend("numpy").matrix_multiply(x, x)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]
    # NumPy's asarray is an explicit conversion: it reads CPU_DEVICE arrays (through
    # __array__) but not arrays on array-api-strict's other devices.
    on_device1 = _on("device1").asarray(np.ones((2, 2)))
    with pytest.raises(ab.BackendMismatchError, match="to_numpy"):
        ab.get_backend("numpy").asarray(on_device1)


def test_other_devices_are_refused_naming_both(be: ArrayAPIStrictBackend) -> None:
    other = _on("device1")
    x, y = be.asarray(np.ones((2, 2))), other.asarray(np.ones((2, 2)))
    with pytest.raises(ab.BackendMismatchError, match=r"device1.*CPU_DEVICE"):
        be.matrix_multiply(x, y)
    with pytest.raises(ab.BackendMismatchError, match=r"CPU_DEVICE.*device1"):
        other.dot(x, y)
    assert ab.backend_of(y) is other
    assert ab.backend_of(x) is be
    with pytest.raises(ab.BackendMismatchError):
        ab.backend_of(x, y)
    # The explicit transfer works from any device, and is a copy.
    host = other.to_numpy(y)
    host[0, 0] = 5.0
    assert float(other.to_numpy(y)[0, 0]) == 1.0


def test_unknown_device_lists_the_valid_ones() -> None:
    with pytest.raises(ab.DeviceError, match="valid: 'CPU_DEVICE', 'device1'"):
        ArrayAPIStrictBackend("nope")


@pytest.mark.parametrize(
    ("obj", "error"),
    [
        (np.ones(2, dtype=np.float16), ab.DTypeError),  # array-api-strict has no float16
        (np.array(["a"]), ab.DTypeError),
        (np.float64(1.0), ab.ShapeError),
        (object(), ab.DTypeError),
    ],
)
def test_asarray_errors(be: ArrayAPIStrictBackend, obj: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        be.asarray(obj)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


def test_hot_path_refuses_arrays_on_another_device(be: ArrayAPIStrictBackend) -> None:
    """array-api-strict multiplies two arrays of one other device without complaint: the hot
    path tests the first operand's device (and the library the second's against it)."""
    y = _on("device1").asarray(np.ones((2, 2)))
    x = be.asarray(np.ones((2, 2)))
    calls: tuple[Callable[[], object], ...] = (
        lambda: be.matrix_multiply(y, y),
        lambda: be.dot(y, y),
        lambda: be.transpose(y),
        lambda: be.matrix_multiply(x, y),
        lambda: be.dot(x, y),
    )
    for call in calls:
        with pytest.raises(ab.BackendMismatchError, match="device1"):
            call()


def test_hot_path_refusals_are_the_checked_paths(
    be: ArrayAPIStrictBackend, hot_path_refusals: Callable[[Any, int], tuple[Any, Any, Any]]
) -> None:
    _, v, _ = hot_path_refusals(be, 1)
    # x.T refuses anything but a matrix: the checked path reverses all axes instead.
    np.testing.assert_array_equal(be.to_numpy(be.transpose(v)), np.ones(2))
    cube = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(be.to_numpy(be.transpose(be.asarray(cube))), cube.T)
    i32, f32 = be.asarray(np.ones(2, np.int32)), be.asarray(np.ones(2, np.float32))
    assert be.dot(i32, f32).dtype == xp.float64  # NumPy's promotion
