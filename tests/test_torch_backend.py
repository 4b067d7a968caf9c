"""The PyTorch backend: NumPy's semantics on ``torch.Tensor``, and PyTorch's rules made explicit.

PyTorch is not installed in CI (see the README): ``nox -s "parity(backend='torch')"`` runs
this file, and its output is committed under docs/.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from importlib import import_module
from importlib.metadata import entry_points
from typing import Any, cast

import numpy as np
import pytest

import arraybackend as ab
from arraybackend import _registry

pytest.importorskip("torch", reason="PyTorch is not installed: see the README, 'PyTorch'")

import torch

from arraybackend.backends.torch import TorchBackend


@pytest.fixture
def be() -> TorchBackend:
    backend = ab.get_backend("torch")
    assert isinstance(backend, TorchBackend)
    return backend


def test_registered_through_the_entry_point(be: TorchBackend) -> None:
    names = {ep.name: ep.value for ep in entry_points(group=_registry.ENTRY_POINT_GROUP)}
    assert names["torch"] == "arraybackend.backends._lazy:torch"
    typed: ab.Backend[torch.Tensor] = be  # the static proof (mypy and pyright check this line)
    assert isinstance(typed, ab.Backend)
    assert isinstance(be, ab.LocatesDevice)
    assert isinstance(be, ab.SupportsDevice)
    assert be.name == "torch"


def test_one_instance_per_canonical_device(be: TorchBackend) -> None:
    on_cpu = ab.get_backend("torch", device="cpu")
    assert ab.get_backend("torch", device=torch.device("cpu")) is on_cpu
    assert on_cpu.device == torch.device("cpu") == be.device
    x = be.asarray(np.ones((2, 2)))
    assert ab.backend_of(x) is be


def test_products_and_views(be: TorchBackend) -> None:
    x = be.asarray([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    z = be.matrix_multiply(x, be.transpose(x))
    assert type(z) is torch.Tensor
    np.testing.assert_array_equal(be.to_numpy(z), [[14.0, 32.0], [32.0, 77.0]])
    v = be.dot(be.asarray([1, 2, 3]), be.asarray([4, 5, 6]))
    assert v.shape == ()
    assert v.dtype == torch.int64
    # All axes reversed (as NumPy's x.T), without PyTorch's deprecated x.T on rank != 2.
    assert be.transpose(be.asarray(np.ones((2, 3, 4)))).shape == (4, 3, 2)
    assert be.transpose(x, (-1, 0)).shape == (3, 2)


def test_promotion_follows_numpy_not_torch(be: TorchBackend) -> None:
    i64 = be.asarray(np.ones((2, 2), np.int64))
    f32 = be.asarray(np.ones((2, 2), np.float32))
    assert torch.promote_types(torch.int64, torch.float32) == torch.float32
    assert be.matrix_multiply(i64, f32).dtype == torch.float64  # np.result_type
    assert be.dot(f32[0], i64[0]).dtype == torch.float64
    b = be.asarray(np.array([[True, False]]))
    assert be.matrix_multiply(b, be.asarray([[1], [2]])).dtype == torch.int64
    with pytest.raises(ab.DTypeError, match="both bool"):
        be.matrix_multiply(b, be.transpose(b))


@pytest.mark.parametrize("dtype", [np.uint16, np.uint32, np.uint64])
def test_unsigned_products_wrap_as_in_numpy(
    be: TorchBackend, dtype: type[np.unsignedinteger]
) -> None:
    top = np.iinfo(dtype).max
    host = np.array([[top, 3, 2], [top - 7, 1, top // 3]], dtype=dtype)
    got = be.to_numpy(be.matrix_multiply(be.asarray(host), be.asarray(host.T.copy())))
    np.testing.assert_array_equal(got, host @ host.T)
    assert got.dtype == dtype


def test_out_follows_numpy_and_pytorch(be: TorchBackend) -> None:
    x = be.asarray([[1.0, 2.0], [3.0, 4.0]])
    out = be.asarray(np.zeros((2, 2), np.float32))
    assert be.matrix_multiply(x, x, out=out) is out
    np.testing.assert_array_equal(be.to_numpy(out), [[7.0, 10.0], [15.0, 22.0]])
    with pytest.raises(ab.DTypeError, match="same_kind"):
        be.matrix_multiply(x, x, out=be.asarray(np.zeros((2, 2), np.int64)))
    leaf = torch.zeros((2, 2), dtype=torch.float64, requires_grad=True)
    with pytest.raises(ab.OutputError, match="a leaf tensor that requires grad"):
        be.matrix_multiply(x, x, out=leaf)
    with pytest.raises(ab.OutputError):
        be.matrix_multiply(x, x, out=torch.zeros((2,), dtype=torch.float64).expand(2, 2))


def test_no_implicit_conversion(be: TorchBackend) -> None:
    mine, host = be.asarray(np.ones((2, 2))), np.ones((2, 2))
    with pytest.raises(ab.BackendMismatchError, match="from numpy"):
        be.matrix_multiply(mine, host)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]
    with pytest.raises(ab.BackendMismatchError, match="from numpy"):
        be.transpose(host)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    with pytest.raises(ab.BackendMismatchError, match=r"from torch.*or use the 'torch' backend"):
        ab.get_backend("numpy").matrix_multiply(mine, mine)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]


def test_conversions_are_copies_and_detach(be: TorchBackend) -> None:
    host = np.ones((2, 2))
    x = be.asarray(host)
    host[0, 0] = 7.0
    assert float(x[0, 0]) == 1.0
    back = be.to_numpy(x)
    back[0, 0] = 5.0
    assert float(x[0, 0]) == 1.0
    grad = torch.ones((2, 2), dtype=torch.float64, requires_grad=True)
    z = be.matrix_multiply(grad, grad)
    assert z.requires_grad  # still differentiable
    np.testing.assert_array_equal(be.to_numpy(z), [[2.0, 2.0], [2.0, 2.0]])
    np.testing.assert_array_equal(be.to_numpy(grad.conj()), np.ones((2, 2)))


def test_subclasses_take_the_checked_path(be: TorchBackend) -> None:
    weight = torch.nn.Parameter(torch.ones((2, 2), dtype=torch.float64))
    z = be.matrix_multiply(be.asarray(np.ones((1, 2))), weight)
    np.testing.assert_array_equal(be.to_numpy(z), [[2.0, 2.0]])


def test_dtypes_without_numpy_equivalent(be: TorchBackend) -> None:
    b16 = torch.ones((2, 2), dtype=torch.bfloat16)
    assert be.matrix_multiply(b16, b16).dtype == torch.bfloat16  # PyTorch's own product
    with pytest.raises(ab.DTypeError, match="no NumPy equivalent"):
        be.matrix_multiply(b16, torch.ones((2, 2)))
    with pytest.raises(ab.DTypeError, match="PyTorch does not have"):
        be.asarray(np.ones(2, np.longdouble))


def test_full_precision_by_default_and_untouched(be: TorchBackend) -> None:
    assert torch.get_float32_matmul_precision() == "highest"
    x = be.asarray(np.ones((2, 2), np.float32))
    be.matrix_multiply(x, x)
    assert torch.get_float32_matmul_precision() == "highest"


def test_devices() -> None:
    with pytest.raises(ab.DeviceError, match=r"'tpu' is not a device|not supported"):
        ab.get_backend("torch", device="tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ab.BackendUnavailableError, match="no CUDA device"):
            TorchBackend("cuda:0")
        pytest.skip("no CUDA device here: the cross-device checks need one")
    gpu = ab.get_backend("torch", device="cuda:0")
    assert ab.get_backend("torch", device=torch.device("cuda", 0)) is gpu
    cpu = ab.get_backend("torch")
    x, y = cpu.asarray(np.ones((2, 2))), gpu.asarray(np.ones((2, 2)))
    with pytest.raises(ab.BackendMismatchError, match=r"cpu.*cuda:0"):
        gpu.matrix_multiply(x, x)
    with pytest.raises(ab.BackendMismatchError, match=r"cuda:0.*cpu"):
        cpu.dot(y, y)
    assert ab.backend_of(y) is gpu
    np.testing.assert_array_equal(gpu.to_numpy(y), np.ones((2, 2)))


# The hot paths check only what PyTorch would not refuse by itself. Each case below would
# pass silently (a wrong answer, or no error) if the hot path skipped the check named.
def test_hot_path_refusals_are_the_checked_paths(
    be: TorchBackend, hot_path_refusals: Callable[[Any, int], tuple[Any, Any, Any]]
) -> None:
    m, v, stack = hot_path_refusals(be, 1)
    assert be.matrix_multiply(stack, m).shape == (2, 2, 2)
    with pytest.raises(ab.BackendMismatchError, match="from numpy"):
        be.matrix_multiply(np.ones((2, 2)), m)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]
    with pytest.raises(ab.BackendMismatchError, match="from numpy"):
        be.dot(v, np.ones(2))  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    with pytest.raises(ab.ShapeError, match="inner dimensions"):
        be.dot(v, be.asarray(np.ones(3)))


def test_hot_path_results(be: TorchBackend) -> None:
    rng = np.random.default_rng(1)
    a, c = rng.standard_normal((3, 4)), rng.standard_normal((4, 5))
    x, w = be.asarray(a), be.asarray(c)
    np.testing.assert_array_equal(
        be.to_numpy(be.matrix_multiply(x, w)), be.to_numpy(torch.matmul(x, w))
    )
    t = be.transpose(x)  # x.mT on the hot path: the same view as NumPy's x.T
    assert t.shape == (4, 3)
    assert t.stride() == x.T.stride()
    assert t.data_ptr() == x.data_ptr()
    np.testing.assert_array_equal(be.to_numpy(t), a.T)
    np.testing.assert_array_equal(be.to_numpy(be.transpose(be.asarray(a[0]))), a[0])
    assert float(be.dot(be.asarray(a[0]), be.asarray(c[:, 0]))) == pytest.approx(a[0] @ c[:, 0])
    weight = torch.nn.Parameter(torch.ones((4, 4), dtype=torch.float64))  # checked path
    np.testing.assert_array_equal(be.to_numpy(be.dot(x, weight)), a @ np.ones((4, 4)))
    np.testing.assert_array_equal(be.to_numpy(be.transpose(weight)), np.ones((4, 4)))
    # Both operands' types are tested: a subclass in either place takes the checked path,
    # which refuses what it cannot check (PyTorch alone would multiply these).
    b16 = torch.ones((2, 2), dtype=torch.bfloat16)
    p16 = torch.nn.Parameter(torch.ones((2, 2), dtype=torch.bfloat16))
    for pair in ((b16, p16), (p16, b16)):
        with pytest.raises(ab.DTypeError, match="no NumPy equivalent"):
            be.matrix_multiply(*pair)
        with pytest.raises(ab.DTypeError, match="no NumPy equivalent"):
            be.dot(*pair)


def test_hot_path_checks_the_device_where_tensors_can_be_elsewhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With an accelerator, a tensor may live off the backend's device: the hot path tests
    it. ``meta`` tensors (no data, no accelerator needed) stand in for a GPU's."""
    monkeypatch.setattr(torch.accelerator, "is_available", lambda: True)
    cpu = TorchBackend("cpu")  # a new instance that believes an accelerator exists
    meta = torch.ones((2, 2), device="meta")
    calls: tuple[Callable[[], object], ...] = (
        lambda: cpu.matrix_multiply(meta, meta),
        lambda: cpu.dot(meta, meta),
        lambda: cpu.transpose(meta),
    )
    for call in calls:
        with pytest.raises(ab.BackendMismatchError, match="meta"):
            call()
    x = cpu.asarray(np.ones((2, 2)))
    np.testing.assert_array_equal(cpu.to_numpy(cpu.matrix_multiply(x, x)), np.full((2, 2), 2.0))


def test_an_empty_out_is_writable(be: TorchBackend) -> None:
    """As in NumPy: an out with no elements has none that overlap, whatever its strides."""
    x, w = be.asarray(np.ones((0, 2, 3))), be.asarray(np.ones((3, 2)))
    out = be.asarray(np.zeros((0, 2, 2)))
    assert out.stride() == (0, 0, 0)  # PyTorch's strides for an empty tensor from NumPy
    assert be.matrix_multiply(x, w, out=out) is out


def test_out_passed_by_position_is_out(be: TorchBackend) -> None:
    # Keyword-only in the typed API; positional at run time (CPython 3.11 specialises the
    # call then), where it must still mean out, as in np.matmul.
    x, out = be.asarray(np.arange(4.0).reshape(2, 2)), be.asarray(np.zeros((2, 2)))
    assert be.matrix_multiply(x, x, out) is out  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
    np.testing.assert_array_equal(
        be.to_numpy(out), np.arange(4.0).reshape(2, 2) @ np.arange(4.0).reshape(2, 2)
    )


# -- under torch.func's transforms (operands are wrapped tensors) --------------------------
# typings/torch leaves torch.func out: its functions are untyped here.
func: Any = import_module("torch.func")


def _total(a: torch.Tensor) -> torch.Tensor:
    """A scalar function of ``a`` for torch.func.grad (typings/torch has no Tensor.sum)."""
    return torch.matmul(
        torch.matmul(torch.ones((1, a.shape[0]), dtype=a.dtype), a),
        torch.ones((a.shape[1], 1), dtype=a.dtype),
    )[0, 0]


def test_to_numpy_inside_vmap_says_what_to_do(be: TorchBackend) -> None:
    # A wrapped tensor has no storage of its own: PyTorch's own error was "Cannot access
    # data pointer of Tensor that doesn't have storage".
    x = torch.ones((3, 2, 2), dtype=torch.float64)
    with pytest.raises(ab.ArrayTypeError, match=r"torch\.func.*return it from the transformed"):
        func.vmap(be.to_numpy)(x)


def test_to_numpy_inside_grad_says_what_to_do(be: TorchBackend) -> None:
    def loss(a: torch.Tensor) -> torch.Tensor:
        return _total(torch.as_tensor(be.to_numpy(a)))

    with pytest.raises(ab.ArrayTypeError, match=r"torch\.func.*return it from the transformed"):
        func.grad(loss)(torch.ones((2, 2), dtype=torch.float64))


def test_products_and_transposes_work_inside_vmap_and_grad(be: TorchBackend) -> None:
    x = torch.as_tensor(np.arange(12.0).reshape(3, 2, 2))

    def layer(a: torch.Tensor) -> torch.Tensor:
        mixed = be.matrix_multiply(a, a.to(torch.int64))  # the checked path (promotion)
        return be.dot(be.transpose(a), mixed)

    def loss(a: torch.Tensor) -> torch.Tensor:
        return _total(layer(a))

    batched: torch.Tensor = func.vmap(layer)(x)
    for i in range(3):
        np.testing.assert_array_equal(batched[i].numpy(), be.to_numpy(layer(x[i])))

    def reference(a: torch.Tensor) -> torch.Tensor:  # PyTorch alone (no gradient through the cast)
        mixed = torch.matmul(a, a.to(torch.int64).to(torch.float64))
        return _total(torch.matmul(a.permute((1, 0)), mixed))

    want = func.grad(reference)(x[0])
    np.testing.assert_array_equal(func.grad(loss)(x[0]).numpy(), want.numpy())


def test_an_unbatched_out_inside_vmap_is_an_output_error(be: TorchBackend) -> None:
    # The batched result cannot go into one (unbatched) matrix: PyTorch's RuntimeError
    # came out of out.copy_ bare.
    x = torch.ones((3, 2, 2), dtype=torch.float64)
    out = torch.zeros((2, 2), dtype=torch.float64)

    def product(a: torch.Tensor) -> torch.Tensor:
        return be.matrix_multiply(a, a, out=out)

    with pytest.raises(ab.OutputError, match="PyTorch could not write out="):
        func.vmap(product)(x)


# -- tensors that are not dense arrays -----------------------------------------------------


def _nested(layout: str) -> torch.Tensor:
    nested: Any = import_module("torch.nested")
    parts = [torch.ones((2, 3)), torch.ones((4, 3))]
    with warnings.catch_warnings():  # the strided layout is a prototype, and says so
        warnings.simplefilter("ignore", UserWarning)
        tensor: torch.Tensor = nested.nested_tensor(parts, layout=getattr(torch, layout))
    return tensor


def _sparse() -> torch.Tensor:
    tensor: torch.Tensor = cast(Any, torch.ones((2, 2))).to_sparse()
    return tensor


def _nested_calls(be: TorchBackend, t: torch.Tensor) -> list[Callable[[], object]]:
    return [
        lambda: be.matrix_multiply(t, torch.ones((3, 4))),
        lambda: be.transpose(t),
        lambda: be.asarray(t),
        lambda: be.to_numpy(t),
    ]


@pytest.mark.parametrize("layout", ["strided", "jagged"])
@pytest.mark.parametrize(
    "call", range(4), ids=["matrix_multiply", "transpose", "asarray", "to_numpy"]
)
def test_a_nested_tensor_is_refused_with_what_to_do(
    be: TorchBackend, layout: str, call: int
) -> None:
    # Strided: PyTorch's "Internal error: NestedTensorImpl doesn't support sizes", bare.
    with pytest.raises(ab.ArrayTypeError, match=r"nested \(ragged\) tensor.*to_padded_tensor"):
        _nested_calls(be, _nested(layout))[call]()


def test_to_numpy_of_a_sparse_or_meta_tensor_says_what_to_do(be: TorchBackend) -> None:
    with pytest.raises(ab.ArrayTypeError, match=r"sparse_coo tensor.*to_dense\(\)"):
        be.to_numpy(_sparse())
    with pytest.raises(ab.ArrayTypeError, match="meta tensor, which holds no data"):
        be.to_numpy(torch.ones((2,), device="meta"))


def test_to_numpy_of_a_dtype_numpy_lacks_is_a_dtype_error(be: TorchBackend) -> None:
    with pytest.raises(ab.DTypeError, match=r"bfloat16 has no NumPy equivalent.*float32"):
        be.to_numpy(torch.ones((2,), dtype=torch.bfloat16))


def test_backend_of_a_meta_tensor_is_an_array_type_error() -> None:
    # It was the ValueError of get_backend("torch", device="meta").
    with pytest.raises(ab.ArrayTypeError, match="is on meta, where 'torch' has no backend"):
        ab.backend_of(torch.ones((2,), device="meta"))


def test_transpose_axes_of_float_tensors_are_an_argument_error(be: TorchBackend) -> None:
    axes = [torch.as_tensor(1.0), torch.as_tensor(0.0)]
    with pytest.raises(ab.ArgumentError, match="axes must be a sequence of ints"):
        be.transpose(torch.ones((2, 3)), cast(Any, axes))
