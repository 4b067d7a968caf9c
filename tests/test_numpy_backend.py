"""The NumPy reference backend: semantics, views, copies and errors."""

from __future__ import annotations

import tracemalloc
from typing import Any, ClassVar

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import arraybackend as ab
from arraybackend.backends.numpy import NumPyBackend

be = ab.get_backend("numpy")
rng = np.random.default_rng(20261125)


def test_get_backend_is_a_singleton() -> None:
    assert isinstance(be, NumPyBackend)
    assert ab.get_backend("numpy") is be
    assert be.name == "numpy"
    assert be.device == "cpu"


# -- values -------------------------------------------------------------------------------

FLOAT_DTYPES = [np.float16, np.float32, np.float64, np.complex64, np.complex128]


@settings(max_examples=60, deadline=None)
@given(
    m=st.integers(1, 9),
    k=st.integers(1, 9),
    n=st.integers(1, 9),
    dtype=st.sampled_from(FLOAT_DTYPES),
    layout=st.sampled_from(["C", "F", "T", "strided", "reversed"]),
)
def test_fast_path_agrees_with_np_matmul(m: int, k: int, n: int, dtype: Any, layout: str) -> None:
    """The 1-D/2-D fast path calls ndarray.dot.

    For BLAS-ready layouts (C, Fortran, transposed) it runs np.matmul's kernel: the
    results are bit-identical. For other strides np.matmul falls back to its own loop
    while ndarray.dot copies to a buffer and calls BLAS: both roundings are within
    gamma_k * |x| @ |w| of the exact product, so they differ by at most twice that.
    """
    x = _layout(rng.standard_normal((m, k)).astype(dtype), layout)
    w = _layout(rng.standard_normal((k, n)).astype(dtype), layout)
    # Any: the dtype is drawn at run time, and the four products have three ranks.
    products: list[tuple[Any, Any]] = [
        (be.matrix_multiply(x, w), np.matmul(x, w)),
        (be.matrix_multiply(x[0], w), np.matmul(x[0], w)),
        (be.matrix_multiply(x, w[:, 0]), np.matmul(x, w[:, 0])),
        (be.dot(x[0], w[:, 0]), np.matmul(x[0], w[:, 0])),
    ]
    u = np.finfo(dtype).eps / 2
    gamma = (
        k * u / (1 - k * u) * (2 if np.iscomplexobj(x) else 1)
    )  # complex: a 2-term real dot each
    magnitude = np.abs(x).astype(np.float64) @ np.abs(w).astype(np.float64)
    for z, expected in products:
        assert np.asarray(z).dtype == np.asarray(expected).dtype
        if layout in ("C", "F", "T"):
            np.testing.assert_array_equal(z, expected, strict=True)
    z, expected = products[0]
    assert np.all(np.abs(z.astype(np.complex128) - expected) <= 2 * gamma * magnitude)


def _layout(a: np.ndarray[Any, Any], layout: str) -> np.ndarray[Any, Any]:
    if layout == "F":
        return np.asfortranarray(a)
    if layout == "T":  # a transposed view: F-ordered, the backprop case
        return np.ascontiguousarray(a.T).T
    if layout == "strided":
        big = np.zeros((a.shape[0] * 2, a.shape[1] * 3), a.dtype)
        view = big[::2, ::3]
        view[...] = a
        return view
    if layout == "reversed":
        return np.ascontiguousarray(a[::-1, ::-1])[::-1, ::-1]
    return a


@settings(max_examples=40, deadline=None)
@given(
    arrays=st.sampled_from(
        [
            ((2, 3, 4), (4, 5)),
            ((4,), (3, 4, 5)),
            ((1, 3, 4), (6, 4, 2)),
            ((2, 1, 3, 4), (5, 4, 2)),
            ((0, 3), (3, 2)),
        ]
    ),
    dtype=st.sampled_from([np.int32, np.int64, np.float32, np.float64, np.complex128]),
)
def test_batched_and_promoted_shapes_follow_np_matmul(
    arrays: tuple[tuple[int, ...], tuple[int, ...]], dtype: Any
) -> None:
    xs, ws = arrays
    x = rng.integers(-5, 5, xs).astype(dtype)
    w = rng.integers(-5, 5, ws).astype(dtype)
    z = be.matrix_multiply(x, w)
    np.testing.assert_array_equal(z, np.matmul(x, w), strict=True)  # integer data: exact


@pytest.mark.parametrize(
    ("xt", "wt", "zt"),
    [
        (np.int32, np.int32, np.int32),
        (np.int64, np.float64, np.float64),
        (np.float32, np.float32, np.float32),
        (np.float32, np.float64, np.float64),
        (np.bool_, np.float32, np.float32),
    ],
)
def test_dtype_promotion_follows_numpy(xt: Any, wt: Any, zt: Any) -> None:
    z = be.matrix_multiply(np.ones((2, 3), xt), np.ones((3, 2), wt))
    assert z.dtype == zt


def test_out_receives_the_product() -> None:
    x, w = rng.standard_normal((3, 4)), rng.standard_normal((4, 5))
    out = np.empty((3, 5))
    z = be.matrix_multiply(x, w, out=out)
    assert z is out
    np.testing.assert_array_equal(out, np.matmul(x, w))


def test_out_overlapping_an_input_is_handled() -> None:
    x = rng.standard_normal((4, 4))
    w = rng.standard_normal((4, 4))
    expected = np.matmul(x, w)
    be.matrix_multiply(x, w, out=x)  # NumPy buffers overlapping operands
    np.testing.assert_array_equal(x, expected)


# -- views, copies, mutation ----------------------------------------------------------------


def test_transpose_is_a_view_and_axes_permute() -> None:
    # Annotated: NumPy's stubs do not track the rank of standard_normal's result.
    x: ab.NDArray[np.float64] = rng.standard_normal((2, 3, 4))
    xt = be.transpose(x)
    assert xt.shape == (4, 3, 2)
    assert np.shares_memory(xt, x)
    permuted = be.transpose(x, axes=(0, 2, 1))
    assert permuted.shape == (2, 4, 3)
    assert np.shares_memory(permuted, x)
    np.testing.assert_array_equal(be.transpose(x, (-3, -1, -2)), permuted)


def test_backprop_product_makes_no_copy_of_the_transposed_operand() -> None:
    # X.T @ delta is the weight gradient: a copy of X would double the peak memory.
    x = rng.standard_normal((4000, 300))
    delta = rng.standard_normal((4000, 10))
    be.matrix_multiply(be.transpose(x), delta)  # warm-up: BLAS buffers
    tracemalloc.start()
    try:
        z = be.matrix_multiply(be.transpose(x), delta)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert z.shape == (300, 10)
    assert peak < z.nbytes + x.nbytes // 10, f"peak {peak} bytes: the transposed operand was copied"


def test_inputs_are_never_modified() -> None:
    x = rng.standard_normal((3, 4))
    w = rng.standard_normal((4, 2))
    x0, w0 = x.copy(), w.copy()
    x.flags.writeable = False
    w.flags.writeable = False
    be.matrix_multiply(x, w)
    be.dot(x, w)
    be.transpose(x)
    with pytest.raises(ab.ShapeError):
        be.matrix_multiply(w, w)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(w, w0)


def test_asarray_and_to_numpy_do_not_copy_arrays() -> None:
    x = np.ones((2, 2), np.float32)
    assert be.asarray(x) is x
    assert be.to_numpy(x) is x
    y = be.asarray([[1, 2], [3, 4]], dtype=np.float32)
    assert y.dtype == np.float32
    assert y.shape == (2, 2)


def test_subclasses_take_the_general_path() -> None:
    m = np.arange(6.0).reshape(2, 3)

    class Tagged(np.ndarray[Any, Any]):
        pass

    t = np.arange(6.0).reshape(2, 3).view(Tagged)
    z = be.matrix_multiply(t, be.transpose(m))
    np.testing.assert_array_equal(np.asarray(z), np.matmul(m, m.T))
    np.testing.assert_array_equal(np.asarray(be.dot(t, m.T)), m @ m.T)


# -- errors ---------------------------------------------------------------------------------


def test_inner_dimension_mismatch_names_shapes_and_suggests_transpose() -> None:
    x, w = np.ones((32, 784)), np.ones((10, 784))
    with pytest.raises(
        ab.ShapeError,
        match=r"x \(32, 784\) @ w \(10, 784\): inner dimensions 784 and 10 differ; did you mean transpose\(w\)\?",
    ):
        be.matrix_multiply(x, w)
    with pytest.raises(ValueError, match=r"did you mean transpose\(x\)"):
        be.matrix_multiply(np.ones((5, 3)), np.ones((5, 2)))


@pytest.mark.parametrize(
    ("x", "w", "error", "pattern"),
    [
        (np.ones(3), np.float64(2.0), ab.ShapeError, "w is 0-d"),
        (np.array(2.0), np.ones(3), ab.ShapeError, "x is 0-d"),
        (
            np.ones((2, 3, 4)),
            np.ones((3, 4, 5)),
            ab.ShapeError,
            r"batch dimensions \(2,\) of x and \(3,\) of w do not broadcast",
        ),
        (
            [[1.0]],
            np.ones((1, 1)),
            ab.ArrayTypeError,
            r"x is a list, not a numpy.ndarray; convert it first with get_backend\('numpy'\).asarray\(x\)",
        ),
        (np.ones((1, 1)), None, ab.ArrayTypeError, "w is None"),
        (
            np.array([["a"]]),
            np.array([["b"]]),
            ab.DTypeError,
            "x has dtype '<U1', which is not numeric",
        ),
        (np.ones((1, 1), object), np.ones((1, 1)), ab.DTypeError, "x has dtype 'object'"),
        (np.ones((1, 1)), np.array([[b"x"]]), ab.DTypeError, "w has dtype '|S1'"),
        (np.array([["2020-01-01"]], "M8[D]"), np.ones((1, 1)), ab.DTypeError, "datetime64"),
        (np.ones((2, 2), bool), np.ones((2, 2), bool), ab.DTypeError, "x and w are both bool"),
    ],
)
def test_bad_operands_raise_clear_errors(
    x: Any, w: Any, error: type[Exception], pattern: str
) -> None:
    with pytest.raises(error, match=pattern):
        be.matrix_multiply(x, w)


def test_errors_are_also_builtin_exceptions() -> None:
    assert issubclass(ab.ShapeError, ValueError)
    assert issubclass(ab.DTypeError, TypeError)
    assert issubclass(ab.BackendMismatchError, ab.ArrayTypeError)
    assert issubclass(ab.ArrayTypeError, TypeError)
    assert issubclass(ab.UnknownBackendError, ValueError)
    assert issubclass(ab.DeviceError, ValueError)
    assert issubclass(ab.BackendUnavailableError, ImportError)
    for cls in (
        ab.ShapeError,
        ab.DTypeError,
        ab.ArrayTypeError,
        ab.UnknownBackendError,
        ab.DeviceError,
        ab.BackendUnavailableError,
    ):
        assert issubclass(cls, ab.ArrayBackendError)


def test_out_errors() -> None:
    x, w = np.ones((2, 3)), np.ones((3, 4))
    with pytest.raises(
        ab.ShapeError,
        match=r"out has shape \(4, 2\), but x \(2, 3\) @ w \(3, 4\) has shape \(2, 4\)",
    ):
        be.matrix_multiply(x, w, out=np.empty((4, 2)))
    with pytest.raises(ab.DTypeError, match="cannot be cast to out's dtype 'int64'"):
        be.matrix_multiply(x, w, out=np.empty((2, 4), np.int64))
    with pytest.raises(ab.ArrayTypeError, match="out is a list"):
        be.matrix_multiply(x, w, out=[[0.0] * 4] * 2)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]


def test_dot_semantics_and_errors() -> None:
    assert be.dot(np.array([1, 2, 3]), np.array([4, 5, 6])) == 32
    np.testing.assert_array_equal(be.dot(np.eye(2), np.array([3.0, 4.0])), [3.0, 4.0])
    with pytest.raises(
        ab.ShapeError,
        match=r"u has shape \(2, 3, 4\) \(rank 3\); dot takes vectors and matrices only",
    ):
        # pyright knows np.ones((2, 3, 4)) is 3-D, so this is a type error to it too (mypy
        # sees the shape as tuple[int, ...]).
        be.dot(np.ones((2, 3, 4)), np.ones(4))  # pyright: ignore[reportCallIssue, reportArgumentType]
    with pytest.raises(
        ab.ShapeError, match=r"dot: u \(3,\) @ v \(4,\): inner dimensions 3 and 4 differ"
    ):
        be.dot(np.ones(3), np.ones(4))
    with pytest.raises(ab.ArrayTypeError, match="v is a list"):
        be.dot(np.ones(3), [1.0, 2.0, 3.0])  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]


def test_transpose_errors() -> None:
    with pytest.raises(ab.ShapeError, match=r"axes \(0, 0\) are not a permutation of the 2 axes"):
        be.transpose(np.ones((2, 3)), axes=(0, 0))
    with pytest.raises(ab.ShapeError, match="x is 0-d"):
        be.transpose(np.array(1.0))
    with pytest.raises(ab.ArrayTypeError, match="x is a tuple"):
        be.transpose((1, 2))  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]


def test_asarray_errors() -> None:
    with pytest.raises(ab.DTypeError, match=r"dtype=<class 'numpy\.str_'> is not numeric"):
        be.asarray([1, 2], dtype=np.str_)  # type: ignore[type-var]  # pyright: ignore[reportCallIssue, reportArgumentType]
    with pytest.raises(ab.DTypeError, match="gives dtype '<U1', which is not numeric"):
        be.asarray(["a", "b"])
    with pytest.raises(ab.ShapeError, match="obj is 0-d"):
        be.asarray(3.0)
    with pytest.raises(ab.ArrayTypeError, match="cannot make a numeric array"):
        be.asarray([[1.0], [1.0, 2.0]])


@given(
    hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=1, max_dims=2, max_side=5),
        elements=st.floats(-1e3, 1e3),
    )
)
@settings(max_examples=30, deadline=None)
def test_a_times_its_transpose_is_symmetric(a: np.ndarray[Any, Any]) -> None:
    z = np.asarray(be.matrix_multiply(a, be.transpose(a)))
    np.testing.assert_array_equal(z, np.asarray(z).T)


@pytest.mark.parametrize(
    "shapes", [((200, 100), (100, 3)), ((3, 100), (100, 200)), ((20000,), (20000,))]
)
def test_large_operands_take_np_matmul_and_keep_the_checks(
    shapes: tuple[tuple[int, ...], tuple[int, ...]],
) -> None:
    # Above _DOT_MAX_SIZE elements the product is np.matmul's own: identical, and the same
    # errors apply.
    xs, ws = shapes
    x, w = rng.standard_normal(xs), rng.standard_normal(ws)
    np.testing.assert_array_equal(be.matrix_multiply(x, w), np.matmul(x, w), strict=True)
    with pytest.raises(ab.ShapeError, match="inner dimensions"):
        be.matrix_multiply(x, np.ones((ws[0] + 1, 2)))
    with pytest.raises(ab.DTypeError, match="both bool"):
        be.matrix_multiply(x.astype(bool), w.astype(bool))
    with pytest.raises(ab.DTypeError, match="'object'"):
        be.matrix_multiply(x.astype(object), w)


def test_asarray_refuses_device_memory() -> None:
    class DeviceArray:  # what CuPy, Numba and PyTorch-on-CUDA arrays expose
        __cuda_array_interface__: ClassVar[dict[str, object]] = {"shape": (2,), "typestr": "<f8"}

    with pytest.raises(
        ab.BackendMismatchError, match=r"is device memory; .* use its own backend's to_numpy"
    ):
        be.asarray(DeviceArray())  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
