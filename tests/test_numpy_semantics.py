"""The NumPy backend follows ``np.matmul`` on every path: stacks, promotion, ``out=``, IEEE.

Each test here kills mutants of the backend's routing that the rest of the suite let
through (see docs/mutation.md): a 2-D ``x`` with a 3-D ``w`` sent to ``ndarray.dot``,
``dot`` of a rank-3 operand not refused, a one-element operand losing NaN * 0, and the
expected shape of ``out`` for stacked and broadcast batches. Only the public API is used.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import arraybackend as ab

AnyArray = np.ndarray[Any, Any]
be = ab.get_backend("numpy")

# np.matmul's own signature: hypothesis draws shapes (1-D promotion included, batches that
# broadcast, zero-size sides) and computes the result shape independently of arraybackend.
MATMUL_SHAPES = hnp.mutually_broadcastable_shapes(
    signature=np.matmul.signature,  # "(n?,k),(k,m?)->(n?,m?)"
    max_dims=3,
    min_side=0,
    max_side=4,
)
# Shapes the backend's small-operand fast path could take, and the stacks it must not.
ROUTING_CASES = [
    pytest.param((2, 4), (3, 4, 5), (3, 2, 5), id="matrix@stack"),
    pytest.param((4,), (3, 4, 5), (3, 5), id="vector@stack"),
    pytest.param((3, 2, 4), (4, 5), (3, 2, 5), id="stack@matrix"),
    pytest.param((3, 2, 4), (4,), (3, 2), id="stack@vector"),
    pytest.param((1, 3, 4), (6, 4, 2), (6, 3, 2), id="broadcast-batch"),
    pytest.param((2, 1, 3, 4), (5, 4, 2), (2, 5, 3, 2), id="broadcast-rank"),
    pytest.param((0, 3, 4), (1, 4, 2), (0, 3, 2), id="zero-batch"),
    pytest.param((1, 3, 4), (0, 4, 2), (0, 3, 2), id="zero-batch-other"),
    pytest.param((3, 4), (4,), (3,), id="matrix@vector"),
    pytest.param((4,), (4, 5), (5,), id="vector@matrix"),
]


def _numbers(shape: tuple[int, ...], seed: int = 0) -> AnyArray:
    """Small integers as float64: every product of them is exact, whatever the order."""
    return np.random.default_rng(seed).integers(-4, 5, shape).astype(np.float64)


@pytest.mark.parametrize(("xs", "ws", "expected"), ROUTING_CASES)
def test_stacked_and_promoted_products_have_np_matmul_shape_and_values(
    xs: tuple[int, ...], ws: tuple[int, ...], expected: tuple[int, ...]
) -> None:
    # (2, 4) @ (3, 4, 5) is (3, 2, 5) for np.matmul; ndarray.dot would give (2, 3, 5).
    x, w = _numbers(xs, 1), _numbers(ws, 2)
    z = be.matrix_multiply(x, w)
    assert z.shape == expected == np.matmul(x, w).shape
    np.testing.assert_array_equal(z, np.matmul(x, w), strict=True)
    np.testing.assert_array_equal(ab.matrix_multiply(x, w), np.matmul(x, w), strict=True)


@pytest.mark.parametrize(("xs", "ws", "expected"), ROUTING_CASES)
def test_out_of_the_expected_shape_is_filled(
    xs: tuple[int, ...], ws: tuple[int, ...], expected: tuple[int, ...]
) -> None:
    x, w = _numbers(xs, 3), _numbers(ws, 4)
    out: Any = np.full(expected, np.nan)
    assert be.matrix_multiply(x, w, out=out) is out
    np.testing.assert_array_equal(out, np.matmul(x, w), strict=True)


@given(shapes=MATMUL_SHAPES, seed=st.integers(0, 2**32 - 1))
def test_any_matmul_shapes_follow_np_matmul(shapes: Any, seed: int) -> None:
    xs, ws = shapes.input_shapes
    x, w = _numbers(xs, seed), _numbers(ws, seed + 1)
    z = be.matrix_multiply(x, w)
    assert np.shape(z) == shapes.result_shape
    np.testing.assert_array_equal(z, np.matmul(x, w), strict=True)


@given(shapes=MATMUL_SHAPES, data=st.data())
def test_out_shape_is_checked_against_the_broadcast_result(
    shapes: Any, data: st.DataObject
) -> None:
    xs, ws = shapes.input_shapes
    result: tuple[int, ...] = shapes.result_shape
    x, w = _numbers(xs), _numbers(ws)
    out: Any = np.zeros(result)
    assert be.matrix_multiply(x, w, out=out) is out
    np.testing.assert_array_equal(out, np.matmul(x, w))
    # Any other shape is refused up front, and the message gives the right one.
    wrong: tuple[int, ...]
    resize: bool = data.draw(st.booleans(), label="resize an axis")
    append: bool = data.draw(st.booleans(), label="append an axis")
    if result and resize:
        axis = data.draw(st.integers(0, len(result) - 1), label="axis")
        wrong = (*result[:axis], result[axis] + 1, *result[axis + 1 :])
    else:
        wrong = (*result, 1) if append else (1, *result)
    with pytest.raises(ab.ShapeError, match=rf"has shape {_re(result)}$"):
        be.matrix_multiply(x, w, out=_numbers(wrong))


def _re(shape: tuple[int, ...]) -> str:
    return repr(shape).replace("(", r"\(").replace(")", r"\)")


def test_out_shaped_like_ndarray_dot_is_refused() -> None:
    x: Any = np.ones((2, 4))
    w: Any = np.ones((3, 4, 5))
    with pytest.raises(ab.ShapeError, match=r"out has shape \(2, 3, 5\), .* has shape \(3, 2, 5\)"):
        be.matrix_multiply(x, w, out=np.empty((2, 3, 5)))


def test_stacks_are_np_matmul_bit_for_bit() -> None:
    # ndarray.dot also accepts a stack @ matrix, but rounds differently from np.matmul.
    rng = np.random.default_rng(7)
    x, w = rng.standard_normal((3, 4, 10)), rng.standard_normal((10, 5))
    np.testing.assert_array_equal(be.matrix_multiply(x, w), np.matmul(x, w), strict=True)
    v = rng.standard_normal(10)
    np.testing.assert_array_equal(be.matrix_multiply(x, v), np.matmul(x, v), strict=True)


# -- which kernel ran: views strided along both axes -----------------------------------------
#
# For C- and Fortran-ordered operands ndarray.dot (np.dot) and np.matmul give the same bits
# (tests/test_numpy_backend.py). For a vector-like product with a view strided along both
# axes they do not: np.matmul loops over the view where ndarray.dot gathers it for BLAS.
# Such operands show which of the two ran, so these tests pin the documented routing.


def _strided(a: AnyArray) -> AnyArray:
    """``a`` as a view of a larger array, strided along both axes."""
    big = np.zeros((2 * a.shape[0], 3 * a.shape[1]), a.dtype)
    view = big[::2, ::3]
    view[...] = a
    return view


def _telling_apart(
    xs: tuple[int, ...], ws: tuple[int, ...], strided: str, dtype: str = "float64"
) -> tuple[AnyArray, AnyArray]:
    """Operands of these shapes (``strided`` a strided view) for which np.dot and
    np.matmul give different bits: the first of a fixed series of seeds that does."""
    for seed in range(100):
        rng = np.random.default_rng(seed)
        pair = [rng.standard_normal(s) + 1j * rng.standard_normal(s) for s in (xs, ws)]
        x, w = (a.real if dtype.startswith("float") else a for a in pair)
        x, w = x.astype(dtype), w.astype(dtype)
        if strided == "x":
            x = _strided(x)
        else:
            w = _strided(w)
        if not np.array_equal(np.dot(x, w), np.matmul(x, w)):
            return x, w
    raise AssertionError(f"no seed tells ndarray.dot from np.matmul for {xs} @ {ws}")


# _DOT_MAX_SIZE is 80 * 80: retuning it changes which bits these products get.
MATMUL_ROUTES = [
    pytest.param((80,), (80, 80), "w", "ndarray.dot", id="w-of-80x80-elements"),
    pytest.param((81,), (81, 80), "w", "np.matmul", id="w-of-81x80-elements"),
    pytest.param((80, 80), (80,), "x", "ndarray.dot", id="x-of-80x80-elements"),
    pytest.param((81, 80), (80,), "x", "np.matmul", id="x-of-81x80-elements"),
    pytest.param((2,), (2, 3), "w", "ndarray.dot", id="x-of-2-elements"),
    pytest.param((3, 2), (2,), "x", "ndarray.dot", id="w-of-2-elements"),
    pytest.param((1, 5), (5, 4), "w", "ndarray.dot", id="x-a-one-row-matrix"),
]


@pytest.mark.parametrize(("xs", "ws", "strided", "kernel"), MATMUL_ROUTES)
def test_operands_of_up_to_80_by_80_elements_take_ndarray_dot(
    xs: tuple[int, ...], ws: tuple[int, ...], strided: str, kernel: str
) -> None:
    x, w = _telling_apart(xs, ws, strided)
    expected = x.dot(w) if kernel == "ndarray.dot" else np.matmul(x, w)
    np.testing.assert_array_equal(be.matrix_multiply(x, w), expected, strict=True)


DOT_LAYOUTS = [
    pytest.param((2,), (2, 3), "w", id="vector-of-2@matrix"),
    pytest.param((3, 2), (2,), "x", id="matrix@vector-of-2"),
    pytest.param((1, 5), (5, 4), "w", id="row@matrix"),
    pytest.param((4, 5), (5, 1), "x", id="matrix@column"),
]


@pytest.mark.parametrize(("us", "vs", "strided"), DOT_LAYOUTS)
def test_dot_with_a_real_matrix_is_np_dot_bit_for_bit_in_every_layout(
    us: tuple[int, ...], vs: tuple[int, ...], strided: str
) -> None:
    u, v = _telling_apart(us, vs, strided)
    np.testing.assert_array_equal(be.dot(u, v), np.dot(u, v), strict=True)


@pytest.mark.parametrize(("us", "vs", "strided"), DOT_LAYOUTS[:2])
@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_complex_products_are_np_matmul_bit_for_bit_in_every_layout(
    us: tuple[int, ...], vs: tuple[int, ...], strided: str, dtype: str
) -> None:
    # Complex operands never take ndarray.dot (see test_non_finite_complex_products_...).
    u, v = _telling_apart(us, vs, strided, dtype)
    for got in (be.dot(u, v), be.matrix_multiply(u, v)):
        np.testing.assert_array_equal(got, np.matmul(u, v), strict=True)


def test_dot_of_reversed_vectors_is_np_matmul_bit_for_bit() -> None:
    # vdot, dot's kernel for two real vectors, sums a reversed view in memory order, as
    # np.matmul does; np.dot gathers it for BLAS, which sums in another order.
    for seed in range(100):
        rng = np.random.default_rng(seed)
        u, v = rng.standard_normal(64)[::-1], rng.standard_normal(64)[::-1]
        if np.dot(u, v) != np.matmul(u, v):
            break
    else:
        raise AssertionError("no seed tells np.dot from np.matmul for reversed vectors")
    got: Any = be.dot(u, v)
    assert type(got) is np.float64
    assert got == np.matmul(u, v)


def test_a_numpy_failure_no_check_explains_keeps_numpys_reason() -> None:
    # Every check passes (the batch broadcasts, the inner dimensions agree), but the
    # float64 result would take 2**65 bytes: NumPy says so, before allocating anything.
    if np.dtype(np.intp).itemsize < 8:
        pytest.skip("needs a 64-bit platform: the operand's shape does not fit 32 bits")
    x: Any = np.broadcast_to(np.ones((2, 2), np.int8), (2**60, 2, 2))
    w: Any = np.ones((2, 2))
    with pytest.raises(
        ab.ShapeError, match=r"^matrix_multiply: NumPy refused the operands: ValueError: \S"
    ) as info:
        be.matrix_multiply(x, w)
    assert isinstance(info.value.__cause__, ValueError)
    assert str(info.value.__cause__) in str(info.value)


@pytest.mark.parametrize(
    ("us", "vs"),
    [
        ((2, 3), (4, 3, 5)),
        ((3,), (4, 3, 5)),
        ((4, 2, 3), (3, 5)),
        ((4, 2, 3), (4, 3, 5)),
        ((2, 3), (1, 1, 3, 5)),
    ],
)
def test_dot_refuses_rank_3_or_more_in_either_place(
    us: tuple[int, ...], vs: tuple[int, ...]
) -> None:
    u: Any = np.ones(us)
    v: Any = np.ones(vs)
    name = "u" if len(us) > 2 else "v"
    pattern = rf"dot: {name} has shape .* \(rank {max(len(us), len(vs))}\); dot takes vectors"
    with pytest.raises(ab.ShapeError, match=pattern):
        be.dot(u, v)
    with pytest.raises(ab.ShapeError, match=pattern):
        ab.dot(u, v)


# -- IEEE 754 with one-element operands ------------------------------------------------------
# ndarray.dot scales by a one-element operand with BLAS axpy, which skips a zero factor: NaN
# and Inf in the other operand would be lost (0 * NaN must be NaN). np.matmul keeps them.

SPECIAL = st.sampled_from([0.0, -0.0, 1.0, -2.5, np.nan, np.inf, -np.inf])
ONE_ELEMENT_SHAPES = [
    pytest.param((1, 1), (1, 3), id="first-1x1"),
    pytest.param((1,), (1, 3), id="first-vector"),
    pytest.param((3, 1), (1, 1), id="second-1x1"),
    pytest.param((3, 1), (1,), id="second-vector"),
    pytest.param((1,), (1,), id="both-vectors"),
    pytest.param((1, 1), (1, 1), id="both-1x1"),
]


@pytest.mark.parametrize(("xs", "ws"), ONE_ELEMENT_SHAPES)
@given(data=st.data())
def test_one_element_operands_keep_ieee_semantics(
    xs: tuple[int, ...], ws: tuple[int, ...], data: st.DataObject
) -> None:
    x = data.draw(hnp.arrays(np.float64, xs, elements=SPECIAL), label="x")
    w = data.draw(hnp.arrays(np.float64, ws, elements=SPECIAL), label="w")
    with np.errstate(all="ignore"):
        expected = np.matmul(x, w)
        for got in (be.matrix_multiply(x, w), be.dot(x, w), ab.matrix_multiply(x, w)):
            np.testing.assert_array_equal(got, expected, strict=True)


@pytest.mark.parametrize("zero_first", [True, False], ids=["zero-first", "nan-first"])
def test_zero_times_nan_is_nan_in_both_orders(zero_first: bool) -> None:
    one, other = np.array([[0.0]]), np.array([[np.nan, 1.0, np.inf]])
    with np.errstate(invalid="ignore"):
        for op in (be.matrix_multiply, be.dot):
            if zero_first:
                z = op(one, other)  # (1, 1) @ (1, 3)
                assert np.isnan(z[0, 0])
                assert np.isnan(z[0, 2])
            else:
                z = op(other.T, one)  # (3, 1) @ (1, 1)
                assert np.isnan(z[0, 0])
                assert np.isnan(z[2, 0])
            assert z[0 if zero_first else 1, 1 if zero_first else 0] == 0.0


def test_dot_of_two_vectors_is_a_numpy_scalar_on_every_path() -> None:
    for u, v in [(np.array([2.0]), np.array([3.0])), (np.arange(3.0), np.arange(3.0))]:
        z = be.dot(u, v)
        assert type(z) is np.float64
        assert z == np.matmul(u, v)


def test_dot_of_bool_vectors_is_refused_like_bool_matrices() -> None:
    # The vector . vector fast path returns a NumPy scalar: a bool one is still refused.
    pairs: list[tuple[Any, Any]] = [
        (np.ones(3, bool), np.ones(3, bool)),
        (np.ones((2, 3), bool), np.ones(3, bool)),
    ]
    for u, v in pairs:
        with pytest.raises(ab.DTypeError, match="u and v are both bool"):
            be.dot(u, v)


def test_to_numpy_of_a_dot_result_is_a_0d_array() -> None:
    z = be.dot(np.arange(3.0), np.arange(3.0))
    host = be.to_numpy(z)
    assert type(host) is np.ndarray
    assert host.shape == ()
    assert host.dtype == np.float64
    assert host == 5.0
    with pytest.raises(ab.ArrayTypeError, match="x is a list"):
        be.to_numpy([1.0])  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]


def test_repr_names_the_class() -> None:
    assert repr(be) == "NumPyBackend()"


def test_a_failure_numpy_reports_after_the_checks_stays_an_arraybackend_error() -> None:
    # A read-only out passes every shape and dtype check; NumPy refuses it when it writes.
    out = np.empty((2, 2))
    out.flags.writeable = False
    with pytest.raises(ab.ArrayBackendError, match="read-only"):
        be.matrix_multiply(np.ones((2, 3)), np.ones((3, 2)), out=out)


def test_asarray_of_a_foreign_array_it_cannot_read_names_the_other_backend() -> None:
    class ForeignArray:  # an Array API array that refuses implicit conversion to the host
        def __array_namespace__(self, *, api_version: str | None = None) -> object:
            return self

        def __array__(self, dtype: object = None, copy: object = None) -> AnyArray:
            raise RuntimeError("no implicit host copy")

    with pytest.raises(ab.BackendMismatchError, match="cannot be converted to a host array"):
        be.asarray(ForeignArray())


@pytest.mark.parametrize(
    ("value", "described"),
    [(1, "an int"), (1.5, "a float"), ("ab", "a str"), (None, "None"), ((1, 2), "a tuple")],
)
def test_a_non_array_operand_is_named_with_its_article(value: object, described: str) -> None:
    with pytest.raises(ab.ArrayTypeError, match=rf"^matrix_multiply: x is {described}, not a"):
        be.matrix_multiply(value, np.ones((2, 2)))  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]


class _ShapeAndDType:
    """Looks like an array of another library: it has a shape and a dtype."""

    shape = (2, 2)
    dtype = np.dtype(np.float64)


class _ShapeOnly:
    """Has a shape but no dtype: not an array."""

    shape = (2, 2)


class _DTypeOnly:
    """Has a dtype but no shape: not an array."""

    dtype = np.dtype(np.float64)


def test_an_array_of_another_library_is_told_apart_from_a_non_array() -> None:
    w = np.ones((2, 2))
    with pytest.raises(
        ab.BackendMismatchError, match=r"x is a .*_ShapeAndDType of shape \(2, 2\) from"
    ):
        be.matrix_multiply(_ShapeAndDType(), w)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]
    for other in (_ShapeOnly(), _DTypeOnly()):
        with pytest.raises(ab.ArrayTypeError, match=r"not a numpy\.ndarray; convert it") as info:
            be.matrix_multiply(other, w)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]
        assert not isinstance(info.value, ab.BackendMismatchError)


@pytest.mark.parametrize("axes", [5, 1.5, object()], ids=["int", "float", "object"])
def test_transpose_axes_that_are_not_a_sequence_are_refused_clearly(axes: object) -> None:
    with pytest.raises(ab.ArrayBackendError, match="axes must be a sequence of ints"):
        be.transpose(np.ones((2, 3)), axes)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]


# dot of two vectors runs NumPy's undispatched vdot: the dtype's own dot kernel, as np.dot.
REAL_DTYPES = st.sampled_from(["float64", "float32", "float16", "longdouble", "int64", "int8"])


@given(
    dtype=REAL_DTYPES,
    n=st.integers(0, 600),  # across vdot's 500-element threshold for releasing the GIL
    step=st.sampled_from([1, 2, 3, -1, -2]),
    seed=st.integers(0, 2**32 - 1),
)
def test_dot_of_vectors_is_np_dot(dtype: str, n: int, step: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((2, 3 * n + 1)) * (10 if dtype.startswith("int") else 1)
    u: AnyArray = base[0].astype(dtype)[::step][:n]
    v: AnyArray = base[1].astype(dtype)[::step][:n]
    expected: Any = np.dot(u, v)
    matmul: Any = np.matmul(u, v)
    results: list[Any] = [be.dot(u, v), ab.dot(u, v)]
    for got in results:
        assert type(got) is type(expected)
        # vdot and np.matmul call the dtype's same dot function on the same memory.
        assert got == matmul or (np.isnan(got) and np.isnan(matmul))
        if step > 0 or dtype.startswith("int"):  # the same kernel on the same memory
            assert got == expected or (np.isnan(got) and np.isnan(expected))
        else:
            # A reversed view: np.dot copies it and calls BLAS, vdot loops over it: the
            # same terms summed in another order, both within gamma_n * sum |u_i v_i|.
            eps = float(np.finfo(dtype).eps) / 2
            bound = n * eps / (1 - n * eps) * float(np.sum(np.abs(u * v), dtype=np.float64))
            assert abs(float(got) - float(expected)) <= 2 * bound


def test_out_given_by_position_is_out_as_in_np_matmul() -> None:
    # Typed callers pass out= by keyword; untyped ones may pass it third, as to np.matmul.
    x, w = _numbers((3, 4), 1), _numbers((4, 2), 2)
    out: AnyArray = np.empty((3, 2))
    call: Any = be.matrix_multiply
    assert call(x, w, out) is out
    np.testing.assert_array_equal(out, np.matmul(x, w), strict=True)
    module_call: Any = ab.matrix_multiply
    out2: AnyArray = np.empty((3, 2))
    assert module_call(x, w, out2) is out2
    np.testing.assert_array_equal(out2, out, strict=True)
