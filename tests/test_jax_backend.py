"""The JAX backend: NumPy's semantics on ``jax.Array``, and JAX's own rules made explicit."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from importlib.metadata import entry_points
from typing import Any

import numpy as np
import pytest

import arraybackend as ab
from arraybackend import _registry

pytest.importorskip("jax", reason="JAX is not installed: pip install 'arraybackend[jax]'")

import jax
import jax.numpy as jnp

from arraybackend.backends.jax import JaxBackend, matmul_for

# JAX's transformations are partly unannotated (pyright: partially unknown).
_jit: Callable[..., Any] = jax.jit  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
_grad: Callable[..., Any] = jax.grad  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
_vmap: Callable[..., Any] = jax.vmap


@pytest.fixture(autouse=True)
def x64() -> Iterator[None]:
    """NumPy's dtypes need JAX's 64-bit mode; tests of the mode off turn it off themselves."""
    with jax.enable_x64(True):
        yield


@pytest.fixture
def be() -> JaxBackend:
    backend = ab.get_backend("jax")
    assert isinstance(backend, JaxBackend)
    return backend


def test_registered_through_the_entry_point(be: JaxBackend) -> None:
    names = {ep.name: ep.value for ep in entry_points(group=_registry.ENTRY_POINT_GROUP)}
    assert names["jax"] == "arraybackend.backends._lazy:jax"
    assert "jax" in ab.available_backends()
    typed: ab.Backend[jax.Array] = be  # the static proof (mypy and pyright check this line)
    assert isinstance(typed, ab.Backend)
    assert isinstance(be, ab.LocatesDevice)
    assert isinstance(be, ab.SupportsDevice)
    assert be.name == "jax"


def test_products_and_views(be: JaxBackend) -> None:
    x = be.asarray([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    z = be.matrix_multiply(x, be.transpose(x))
    assert isinstance(z, jax.Array)
    np.testing.assert_array_equal(be.to_numpy(z), [[14.0, 32.0], [32.0, 77.0]])
    v = be.dot(be.asarray([1, 2, 3]), be.asarray([4, 5, 6]))
    assert v.shape == ()  # a 0-d array on the device, not a host scalar
    assert v.dtype == np.int64
    assert be.transpose(be.asarray(np.ones((2, 3, 4)))).shape == (
        4,
        3,
        2,
    )  # all axes, as NumPy's x.T
    assert be.transpose(x, (-1, 0)).shape == (3, 2)
    assert ab.backend_of(z) is be


def test_promotion_follows_numpy_not_jax(be: JaxBackend) -> None:
    i32 = be.asarray(np.ones((2, 2), np.int32))
    f32 = be.asarray(np.ones((2, 2), np.float32))
    assert jnp.matmul(i32, f32).dtype == np.float32  # JAX's own lattice
    assert be.matrix_multiply(i32, f32).dtype == np.float64  # NumPy's np.result_type
    assert be.dot(f32[0], i32[0]).dtype == np.float64
    b = be.asarray(np.array([[True, False]]))
    assert be.matrix_multiply(b, be.asarray([[1], [2]])).dtype == np.int64
    with pytest.raises(ab.DTypeError, match="both bool"):
        be.matrix_multiply(b, be.transpose(b))  # JAX would return a logical product


def test_64_bit_dtypes_are_refused_with_x64_off(be: JaxBackend) -> None:
    with jax.enable_x64(False):
        with pytest.raises(ab.DTypeError, match=r"'float64', but jax_enable_x64 is off.*'float32'"):
            be.asarray(np.ones((2, 2)))
        with pytest.raises(ab.DTypeError, match=r"'int64', but jax_enable_x64 is off.*'int32'"):
            be.asarray([[1, 2]])
        with pytest.raises(ab.DTypeError, match="jax_enable_x64"):
            be.asarray(np.ones(2, np.float32), dtype=np.complex128)
        i32 = be.asarray(np.ones((2, 2), np.int32))
        f32 = be.asarray(np.ones((2, 2), np.float32))
        # NumPy's result is float64; JAX would silently give float32: refused instead.
        with pytest.raises(ab.DTypeError, match="result has dtype 'float64'"):
            be.matrix_multiply(i32, f32)
        assert be.matrix_multiply(f32, f32).dtype == np.float32
        assert be.asarray([[1.0]], dtype=np.float32).dtype == np.float32


def test_out_is_refused_after_the_usual_checks(be: JaxBackend) -> None:
    x = be.asarray(np.ones((2, 2)))
    with pytest.raises(ab.OutputError, match="JAX arrays are immutable"):
        be.matrix_multiply(x, x, out=be.asarray(np.zeros((2, 2))))
    with pytest.raises(ab.ShapeError, match="out has shape"):
        be.matrix_multiply(x, x, out=be.asarray(np.zeros((3, 2))))


def test_no_implicit_conversion(be: JaxBackend) -> None:
    mine, host = be.asarray(np.ones((2, 2))), np.ones((2, 2))
    with pytest.raises(ab.BackendMismatchError, match="from numpy"):
        be.matrix_multiply(mine, host)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    with pytest.raises(ab.BackendMismatchError, match="from numpy"):
        be.transpose(host)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    with pytest.raises(ab.BackendMismatchError, match=r"from jax.*or use the 'jax' backend"):
        ab.get_backend("numpy").matrix_multiply(mine, mine)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]


def test_conversions_are_copies(be: JaxBackend) -> None:
    host = np.ones((2, 2))
    x = be.asarray(host)
    host[0, 0] = 7.0
    assert float(be.to_numpy(x)[0, 0]) == 1.0
    back = be.to_numpy(x)
    back[0, 0] = 5.0  # writable, and not JAX's buffer
    assert float(be.to_numpy(x)[0, 0]) == 1.0
    assert be.asarray(x) is x
    with pytest.raises(ab.ShapeError):
        be.asarray(jnp.float32(1.0))


@pytest.mark.parametrize(
    ("platform", "precision", "expected"),
    [("gpu", "highest", "highest"), ("tpu", None, None), ("cpu", "highest", "not passed")],
)
def test_full_precision_unless_asked(
    monkeypatch: pytest.MonkeyPatch, platform: str, precision: str | None, expected: str | None
) -> None:
    seen: list[Any] = []

    def matmul(a: Any, b: Any, **kwargs: Any) -> Any:
        seen.append(kwargs.get("precision", "not passed"))
        return a @ b

    monkeypatch.setattr(jnp, "matmul", matmul)
    x = JaxBackend().asarray(np.ones((2, 2), np.float32))
    matmul_for(platform, precision)(x, x)
    assert seen == [expected]


def test_the_cpu_ignores_precision() -> None:
    """Why matmul_for passes none on the CPU: every precision gives the same float32 bits."""
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((8, 64), np.float32), rng.standard_normal((64, 8), np.float32)
    cpu = JaxBackend("cpu")
    results: list[ab.HostArray] = []
    for precision in ("bfloat16", "tensorfloat32", "highest"):
        with jax.default_matmul_precision(precision):
            z = cpu.matrix_multiply(cpu.asarray(a), cpu.asarray(b))
            results.append(cpu.to_numpy(z))
    assert all(np.array_equal(results[0], r) for r in results)


def test_unknown_device_lists_the_valid_ones() -> None:
    with pytest.raises(ab.DeviceError, match=r"unknown device 'tpu:3'; valid here: cpu:0"):
        JaxBackend("tpu:3")


DEVICES = """\
import jax, numpy as np, pytest
jax.config.update("jax_enable_x64", True)
import arraybackend as ab

be0, be1 = ab.get_backend("jax"), ab.get_backend("jax", device="cpu:1")
assert ab.get_backend("jax", device=jax.devices()[1]) is be1  # one instance per device
assert be1.device is jax.devices()[1]
x0, x1 = be0.asarray(np.ones((2, 2))), be1.asarray(np.ones((2, 2)))
for call in (lambda: be0.matrix_multiply(x0, x1), lambda: be0.dot(x1, x1),
             lambda: be0.transpose(x1), lambda: be0.asarray(x1)):
    with pytest.raises(ab.BackendMismatchError, match=r"x|w|u|v|obj") as info:
        call()
    message = str(info.value)
    assert "TFRT_CPU_1" in message or "cpu:1" in message, message
# An uncommitted array (JAX would move it silently) is refused too.
with pytest.raises(ab.BackendMismatchError):
    be1.matrix_multiply(x1, jax.numpy.ones((2, 2)))
assert ab.backend_of(x1) is be1 and ab.backend_of(x0) is be0
with pytest.raises(ab.BackendMismatchError):
    ab.backend_of(x0, x1)
assert float(be0.to_numpy(x1)[0, 0]) == 1.0  # the explicit transfer, from any device
assert be1.matrix_multiply(x1, x1).device is be1.device
print("ok")
"""


def test_devices_are_never_mixed() -> None:
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=2"}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(DEVICES)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


# The hot paths test dtypes and ranks inside a jitted function, once per signature. Each
# case below would pass silently (a wrong answer, or no error) if those tests were skipped.
def test_hot_path_refusals_are_the_checked_paths(
    be: JaxBackend, hot_path_refusals: Callable[[Any, int], tuple[Any, Any, Any]]
) -> None:
    m, v, stack = hot_path_refusals(be, 2)  # the second call meets the cached signature
    assert be.matrix_multiply(stack, m).shape == (2, 2, 2)
    for _ in range(2):
        with pytest.raises(ab.ShapeError, match="inner dimensions"):
            be.matrix_multiply(m, be.asarray(np.ones((3, 2))))
    with pytest.raises(ab.BackendMismatchError, match="from numpy"):
        be.dot(v, np.ones(2))  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    i32, f32 = be.asarray(np.ones(2, np.int32)), be.asarray(np.ones(2, np.float32))
    for _ in range(2):  # JAX's lattice says float32; the cached "not here" is taken again
        assert be.dot(i32, f32).dtype == np.float64
        assert be.matrix_multiply(i32[None], f32[:, None]).dtype == np.float64


def test_hot_path_results_are_jax_own(be: JaxBackend) -> None:
    rng = np.random.default_rng(2)
    for dtype in (np.float32, np.float64, np.int32, np.complex64):
        a = rng.standard_normal((5, 7)).astype(dtype)
        c = rng.standard_normal((7, 3)).astype(dtype)
        x, w = be.asarray(a), be.asarray(c)
        want = np.asarray(jnp.matmul(x, w))
        for got in (be.matrix_multiply(x, w), be.dot(x, w)):
            assert got.dtype == want.dtype
            np.testing.assert_array_equal(np.asarray(got), want)  # bit for bit
        np.testing.assert_array_equal(be.to_numpy(be.transpose(x)), a.T)
    u = be.asarray(rng.standard_normal(4))
    np.testing.assert_array_equal(be.to_numpy(be.transpose(u)), be.to_numpy(u))
    cube = rng.standard_normal((2, 3, 4))
    np.testing.assert_array_equal(be.to_numpy(be.transpose(be.asarray(cube))), cube.T)


# -- under JAX's transformations (operands are tracers) ------------------------------------


def test_products_under_jit_grad_and_vmap(be: JaxBackend) -> None:
    rng = np.random.default_rng(3)
    hx, hw = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    x, w = be.asarray(hx), be.asarray(hw)

    def loss(a: jax.Array, b: jax.Array) -> jax.Array:
        return jnp.sum(be.matrix_multiply(be.transpose(be.transpose(a)), b) ** 2)

    np.testing.assert_allclose(_jit(be.matrix_multiply)(x, w), hx @ hw, rtol=1e-13)
    np.testing.assert_allclose(_jit(be.dot)(x, w), hx @ hw, rtol=1e-13)
    np.testing.assert_array_equal(_jit(be.transpose)(x), hx.T)
    # d/dx sum((x w)^2) = 2 (x w) w^T: the product stays differentiable through the backend.
    grad = _jit(_grad(loss))(x, w)
    np.testing.assert_allclose(grad, 2 * (hx @ hw) @ hw.T, rtol=1e-12)
    np.testing.assert_allclose(_vmap(be.dot, in_axes=(0, None))(x, w), hx @ hw, rtol=1e-13)


def test_checks_hold_while_tracing(be: JaxBackend) -> None:
    x = be.asarray(np.ones((3, 4)))
    with pytest.raises(ab.ShapeError, match="inner dimensions"):
        _jit(be.matrix_multiply)(x, x)
    with pytest.raises(ab.ShapeError, match="rank"):
        _jit(be.dot)(be.asarray(np.ones((2, 3, 4))), x)
    with pytest.raises(ab.OutputError, match="immutable"):
        _jit(_into_itself)(x)


def _into_itself(a: jax.Array) -> jax.Array:
    be = ab.get_backend("jax")
    return be.matrix_multiply(a.T, a, out=a.T @ a)


def test_to_numpy_of_a_tracer_says_what_to_do(be: JaxBackend) -> None:
    x = be.asarray(np.ones((2, 2)))
    with pytest.raises(ab.ArrayTypeError, match="return it from the transformed function"):
        _jit(be.to_numpy)(x)


def test_a_tracer_is_on_the_backends_device(be: JaxBackend) -> None:
    seen: list[object] = []

    def record(a: jax.Array) -> jax.Array:
        seen.append(be.device_of(a))  # runs once, while JAX traces
        return a

    _jit(record)(be.asarray(np.ones((2, 2))))
    assert seen == [be.device]


def test_backend_of_a_tracer_is_the_jax_backend(be: JaxBackend) -> None:
    # A tracer is a jax.Array by registration, not by inheritance: looking its class up by
    # its bases found no backend, so code written with backend_of failed under jit.
    seen: list[object] = []

    def generic(a: jax.Array) -> jax.Array:
        owner = ab.backend_of(a, a)
        seen.append(owner)
        product: jax.Array = owner.matrix_multiply(a, owner.transpose(a))
        return product

    def loss(a: jax.Array) -> jax.Array:
        return jnp.sum(generic(a))

    x = be.asarray(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(_jit(generic)(x), be.to_numpy(x) @ be.to_numpy(x).T)
    _grad(loss)(x)
    _vmap(generic)(be.asarray(np.ones((4, 2, 3))))
    assert seen == [be, be, be]


def test_what_computes_eagerly_computes_under_jit_and_vmap(be: JaxBackend) -> None:
    # bfloat16, JAX's own dtype, is multiplied by the hot path; tracers took the checked
    # path only, which refuses it, so moving working code into jax.jit made it fail.
    x = be.asarray(np.arange(6.0, dtype=np.float32).reshape(2, 3)).astype(jnp.bfloat16)
    w = be.transpose(x)
    want = np.asarray(be.matrix_multiply(x, w), dtype=np.float64)

    def closed_over(t: jax.Array) -> jax.Array:  # one operand traced, one a constant
        return be.matrix_multiply(t, w)

    for got in (
        _jit(be.matrix_multiply)(x, w),
        _jit(be.dot)(x, w),
        _jit(closed_over)(x),
        _vmap(be.dot, in_axes=(0, None))(x, w),
    ):
        np.testing.assert_array_equal(np.asarray(got, np.float64), want)
    # What the eager call refuses is refused alike under jit, with the same message.
    for op, a, b in (
        (be.matrix_multiply, x, w.astype(jnp.float32)),
        (be.matrix_multiply, x, x),
        (be.dot, x[None], w),
    ):
        with pytest.raises(ab.ArrayBackendError) as eager:
            op(a, b)
        with pytest.raises(type(eager.value), match=re.escape(str(eager.value))):
            _jit(op)(a, b)
