"""Hostile input: refusal before work, out= that cannot be right, errors inside the hierarchy,
NumPy's semantics kept on every path, and one memory rule for conversions."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, cast

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import arraybackend as ab
from arraybackend.backends.numpy import NumPyBackend

be = NumPyBackend()
# Hostile input comes from callers without a type checker: call through Any.
untyped: Any = be
OPS: dict[str, Callable[..., object]] = {
    "matrix_multiply": untyped.matrix_multiply,
    "dot": untyped.dot,
}


class Exploding:
    """An object element whose multiplication must never run."""

    calls = 0

    def __mul__(self, other: object) -> object:
        Exploding.calls += 1
        raise KeyError("user __mul__ ran")

    __rmul__ = __mul__

    def __add__(self, other: object) -> object:
        Exploding.calls += 1
        raise KeyError("user __add__ ran")

    __radd__ = __add__


# -- class 2: refusal costs O(1) and runs no user code -------------------------------------


@pytest.mark.parametrize(
    ("op", "shape"),
    [("matrix_multiply", (2,)), ("matrix_multiply", (3, 3)), ("matrix_multiply", (2, 3, 3)),
     ("dot", (2,)), ("dot", (3, 3))],
)  # fmt: skip
def test_object_operands_are_refused_before_any_multiplication(
    op: str, shape: tuple[int, ...]
) -> None:
    obj = np.empty(shape, dtype=object)
    obj[...] = Exploding()
    Exploding.calls = 0
    for x, w in ((obj, obj), (obj, np.ones(shape)), (np.ones(shape), obj)):
        with pytest.raises(ab.DTypeError, match="not numeric"):
            OPS[op](x, w)
    assert Exploding.calls == 0


def test_refusing_a_large_object_array_is_immediate() -> None:
    big = np.full((300, 300), 10**30, dtype=object)
    start = time.perf_counter()
    with pytest.raises(ab.DTypeError):
        be.matrix_multiply(big, big)
    with pytest.raises(ab.DTypeError):
        be.dot(big, big)
    # Computing it takes minutes (issue 10); refusing it is a dtype test.
    assert time.perf_counter() - start < 0.5


# -- class 3: out= that cannot be right -----------------------------------------------------

BAD_OUT_DTYPES = ["object", "U32", "S32", "V16", "M8[s]", "m8[s]", "?", np.dtypes.StringDType()]


@pytest.mark.parametrize("dtype", BAD_OUT_DTYPES, ids=str)
@pytest.mark.parametrize("operands", ["float64", "int64"])
def test_out_of_a_non_numeric_dtype_is_refused(dtype: Any, operands: str) -> None:
    x = np.ones((2, 2), dtype=operands)
    out = np.zeros((2, 2), dtype=dtype)
    before = out.copy()
    with pytest.raises(ab.DTypeError, match="out"):
        be.matrix_multiply(x, x, out=out)
    assert out.tobytes() == before.tobytes()


def test_read_only_and_overlapping_out_are_value_errors() -> None:
    x = np.ones((2, 2))
    read_only = np.zeros((2, 2))
    read_only.flags.writeable = False
    stride0 = np.broadcast_to(np.zeros(2), (2, 2))
    for out in (read_only, stride0):
        with pytest.raises(ab.OutputError, match=r"read-only .*or its elements overlap") as info:
            be.matrix_multiply(x, x, out=out)
        assert isinstance(info.value, ValueError)


# -- class 4: every failure inside the hierarchy --------------------------------------------


@pytest.mark.parametrize("axes", [(1.5, 0, 2), ("a", 0, 1), (True, False, 2), "012", 3, [0, 1]])
def test_bad_axes_are_arraybackend_errors(axes: object) -> None:
    x = np.ones((2, 3, 4))
    with pytest.raises(ab.ArrayBackendError) as info:
        untyped.transpose(x, axes)
    assert isinstance(info.value, (TypeError, ValueError))


def test_axes_may_be_an_iterator_read_once() -> None:
    x = np.ones((2, 3, 4))
    assert untyped.transpose(x, iter((2, 0, 1))).shape == (4, 2, 3)
    assert untyped.transpose(x, (np.int64(-1), 0, 1)).shape == (4, 2, 3)


def test_asarray_bad_dtype_and_overflow_are_dtype_errors() -> None:
    with pytest.raises(ab.DTypeError, match="not a dtype NumPy knows"):
        untyped.asarray([1.0], dtype="bogus")
    with pytest.raises(ab.DTypeError, match="does not fit"):
        be.asarray([2**70], dtype=np.int64)


def test_an_operand_whose_shape_raises_gets_a_clean_message() -> None:
    class Hostile:
        @property
        def shape(self) -> tuple[int, ...]:
            raise RuntimeError("no shape for you")

    with pytest.raises(ab.ArrayTypeError, match=r"Hostile, not a numpy\.ndarray"):
        untyped.matrix_multiply(Hostile(), np.ones((2, 2)))


def test_numpy_scalars_are_0d_everywhere() -> None:
    scalar = np.float64(1.0)
    with pytest.raises(ab.ShapeError, match="0-d"):
        untyped.transpose(scalar)
    with pytest.raises(ab.ShapeError, match="0-d"):
        untyped.matrix_multiply(scalar, np.ones(2))
    with pytest.raises(ab.ShapeError, match="0-d"):
        untyped.dot(np.ones(2), scalar)


# -- class 5: NumPy's semantics on every path -----------------------------------------------


class Sub(np.ndarray[Any, Any]):
    pass


def test_dot_of_subclass_vectors_is_a_scalar_like_np_dot() -> None:
    u = np.arange(3.0).view(Sub)
    got: object = untyped.dot(u, u)
    assert type(got) is type(np.dot(u, u)) is np.float64
    assert got == 5.0


def test_dot_of_masked_vectors_follows_np_dot() -> None:
    u = np.ma.masked_array([1.0, 2.0, 3.0], mask=[False, True, False])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = np.dot(u, u)
        got = be.dot(u, u)
    assert got == expected


COMPLEX_VALUES = st.sampled_from(
    [
        complex(np.inf, 0),
        complex(0, np.inf),
        complex(-np.inf, 1),
        complex(np.nan, 0),
        1 + 1j,
        0j,
        2 - 1j,
    ]
)


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(1, 3),
    k=st.integers(1, 3),
    m=st.integers(1, 3),
    dtype=st.sampled_from(["complex64", "complex128"]),
    data=st.data(),
)
def test_non_finite_complex_products_follow_np_matmul(
    n: int, k: int, m: int, dtype: str, data: st.DataObject
) -> None:
    x = np.array(
        data.draw(st.lists(COMPLEX_VALUES, min_size=n * k, max_size=n * k)), dtype
    ).reshape(n, k)
    w = np.array(
        data.draw(st.lists(COMPLEX_VALUES, min_size=k * m, max_size=k * m)), dtype
    ).reshape(k, m)
    with np.errstate(all="ignore"):
        expected = np.matmul(x, w)
        for got in (
            untyped.matrix_multiply(x, w),
            untyped.dot(x, w),
            untyped.matrix_multiply(x[0], w),
        ):
            want = expected if got.shape == expected.shape else np.matmul(x[0], w)
            np.testing.assert_array_equal(got, want)


def test_asarray_never_shares_memory_across_libraries() -> None:
    xp = pytest.importorskip("array_api_strict")
    strict = ab.get_backend("array-api-strict")
    host = np.arange(4.0)
    device = strict.asarray(host)  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType, reportUnknownVariableType]
    host[0] = 99.0
    assert strict.to_numpy(device)[0] == 0.0
    source = xp.asarray([1.0, 2.0])
    back = be.asarray(source)
    back[0] = 42.0
    assert float(source[0]) == 1.0  # a copy, not a view of the other library's buffer
    assert be.asarray(back) is back  # a NumPy array of a numeric dtype: itself, no copy


def test_products_in_several_threads_match_the_single_thread_ones() -> None:
    # With another Python thread alive, small products take np.matmul (no GIL ping-pong):
    # the results must be the same, bit for bit, as on one thread.
    import threading

    rng = np.random.default_rng(0)
    pairs = [(rng.standard_normal((4, 4)), rng.standard_normal((4, 4))) for _ in range(8)]
    pairs += [(rng.standard_normal(5), rng.standard_normal((5, 3))) for _ in range(8)]
    # Views strided along both axes, and reversed vectors, for which ndarray.dot and
    # np.matmul give different bits; one operand contiguous, the other not.
    unordered = [(rng.standard_normal(4), _strided(rng.standard_normal((4, 4)))) for _ in range(8)]
    unordered += [(_strided(rng.standard_normal((3, 4))), rng.standard_normal(4)) for _ in range(8)]
    unordered += [(rng.standard_normal(16)[::-1], rng.standard_normal(16)[::-1]) for _ in range(8)]
    assert any(not np.array_equal(x.dot(w), np.matmul(x, w)) for x, w in unordered)
    pairs += unordered
    alone = [be.matrix_multiply(x, w) for x, w in pairs]
    dots = [be.dot(x, w) for x, w in pairs]
    results: dict[int, tuple[list[object], list[object]]] = {}

    def work(i: int) -> None:
        results[i] = (
            [be.matrix_multiply(x, w) for x, w in pairs],
            [be.dot(x, w) for x, w in pairs],
        )

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for products, inner in results.values():
        for a, b in zip([*products, *inner], [*alone, *dots], strict=True):
            np.testing.assert_array_equal(a, b)


def _strided(a: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """``a`` as a view of a larger array, strided along both axes."""
    big = np.zeros((2 * a.shape[0], 3 * a.shape[1]), a.dtype)
    view = big[::2, ::3]
    view[...] = a
    return view


def test_a_numpy_scalar_out_cannot_receive_the_result() -> None:
    # A NumPy scalar has the shape of a vector . vector product, (), but cannot be written.
    u = np.arange(3.0)
    with pytest.raises(ab.OutputError, match="out cannot receive the result"):
        untyped.matrix_multiply(u, u, out=np.float64(0.0))
    out = np.zeros(())
    assert untyped.matrix_multiply(u, u, out=out) is out
    assert out == 5.0


def test_a_zero_size_out_with_a_zero_stride_is_writable() -> None:
    x, w = np.ones((0, 2, 3)), np.ones((3, 2))
    # A stride of 0 along an empty axis: no element, so nothing can overlap.
    out = np.lib.stride_tricks.as_strided(np.empty((2, 2)), shape=(0, 2, 2), strides=(0, 16, 8))
    assert out.flags.writeable
    assert be.matrix_multiply(x, w, out=out) is out


def test_a_writable_out_whose_elements_overlap_is_refused() -> None:
    x = np.ones((2, 2))
    overlapping = np.lib.stride_tricks.as_strided(
        np.zeros(2), shape=(2, 2), strides=(0, 8), writeable=True
    )
    with pytest.raises(ab.OutputError, match="overlap"):
        be.matrix_multiply(x, x, out=overlapping)
    # A stride of 0 along an axis of length 1 overlaps nothing.
    single = np.lib.stride_tricks.as_strided(np.zeros(2), shape=(1, 2), strides=(0, 8))
    assert be.matrix_multiply(x[:1], x, out=single) is single


@pytest.mark.parametrize("sizes", [(1, 1), (1, 3), (3, 1)], ids=str)
def test_dot_of_one_element_subclass_operands_keeps_nan_and_returns_a_scalar(
    sizes: tuple[int, int],
) -> None:
    m, n = sizes
    if m == n == 1:
        u = np.array([np.nan]).view(Sub)
        v = np.array([0.0]).view(Sub)
        got: object = untyped.dot(u, v)
        assert type(got) is np.float64
        assert np.isnan(got)
    else:
        u = np.full(m, np.nan).view(Sub) if m > 1 else np.array([np.nan]).view(Sub)
        w = np.zeros((1, n)).view(Sub) if m == 1 else np.zeros((m, 1)).view(Sub)
        got = untyped.dot(u, w)
        assert np.isnan(be.to_numpy(cast("np.ndarray[Any, np.dtype[np.float64]]", got))).all()


def _general(kind: str, a: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """``a`` in a form the hot paths leave to the general one: a subclass or byte-swapped."""
    return a.view(Sub) if kind == "subclass" else a.astype(a.dtype.newbyteorder())


@pytest.mark.parametrize("kind", ["subclass", "byteswapped"])
@pytest.mark.parametrize("zero_first", [True, False], ids=["zero-first", "zero-second"])
def test_a_one_element_zero_keeps_nan_on_the_general_path(kind: str, zero_first: bool) -> None:
    # np.dot scales by a one-element operand with BLAS axpy, which skips a factor of 0.
    zero, other = np.array([[0.0]]), np.array([[np.nan, 1.0, np.inf]])
    x, w = (zero, other) if zero_first else (other.T, zero)
    with np.errstate(invalid="ignore"):
        expected = np.matmul(x, w)
        got = untyped.dot(_general(kind, x), _general(kind, w))
    np.testing.assert_array_equal(np.asarray(got), expected)
    assert np.isnan(got).sum() == 2


def test_a_one_element_product_on_the_general_path_is_a_new_array() -> None:
    x, w = _general("byteswapped", np.array([[2.0]])), _general("byteswapped", np.ones((1, 3)))
    got = untyped.dot(x, w)
    assert got.flags.owndata  # not a view of the product (nor of anything else)
    np.testing.assert_array_equal(got, [[2.0, 2.0, 2.0]])


class OverridesFunctions(np.ndarray[Any, Any]):
    """Records the NumPy functions called on it (``__array_function__``), then runs them."""

    seen: ClassVar[list[str]] = []

    def __array_function__(
        self,
        func: Callable[..., Any],
        types: Iterable[type],
        args: Iterable[Any],
        kwargs: Mapping[str, Any],
    ) -> Any:
        OverridesFunctions.seen.append(func.__name__)
        return super().__array_function__(func, types, args, kwargs)


@pytest.mark.parametrize(("us", "vs"), [((2,), (2, 3)), ((3, 2), (2,)), ((2,), (2,))], ids=str)
def test_dot_of_subclasses_goes_through_np_dot_and_its_overrides(
    us: tuple[int, ...], vs: tuple[int, ...]
) -> None:
    u, v = np.ones(us).view(OverridesFunctions), np.ones(vs).view(OverridesFunctions)
    OverridesFunctions.seen.clear()
    got = untyped.dot(u, v)
    assert "dot" in OverridesFunctions.seen
    np.testing.assert_array_equal(np.asarray(got), np.dot(np.ones(us), np.ones(vs)))
