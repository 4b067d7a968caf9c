"""The accumulating product graph (``_dask_graph``): exact for integers, any chunking."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("dask.array", reason="needs the dask extra")

import dask
import dask.array as da

from arraybackend.backends._dask_graph import SLABS, accumulate, accumulated_matmul


@st.composite
def _partition(draw: st.DrawFn, size: int) -> tuple[int, ...]:
    """``size`` cut into blocks at random places (``(0,)`` for 0)."""
    if size == 0:
        return (0,)
    cuts = sorted(draw(st.sets(st.integers(1, size - 1), max_size=3))) if size > 1 else []
    edges = [0, *cuts, size]
    return tuple(b - a for a, b in pairwise(edges))


@st.composite
def _operands(draw: st.DrawFn) -> tuple[Any, Any, Any, Any]:
    """Host ``x``, ``w`` (ranks >= 2, broadcasting batches) and chunks the plan allows."""
    nb = draw(st.integers(0, 2))
    batch = [draw(st.integers(0, 3)) for _ in range(nb)]
    xb = [s if draw(st.booleans()) else 1 for s in batch][draw(st.integers(0, nb)) :]
    wb = [s if draw(st.booleans()) else 1 for s in batch][draw(st.integers(0, nb)) :]
    m, k, n = (draw(st.integers(0, 7)) for _ in range(3))
    shared = {i: draw(_partition(s)) for i, s in enumerate(batch)}  # one chunking per axis
    contraction = draw(_partition(k))

    def chunks(sizes: list[int], *own: tuple[int, ...]) -> tuple[tuple[int, ...], ...]:
        offset = nb - len(sizes)
        return (*((1,) if s == 1 else shared[offset + i] for i, s in enumerate(sizes)), *own)

    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.integers(-50, 50, size=(*xb, m, k))
    w = rng.integers(-50, 50, size=(*wb, k, n))
    xc = chunks(xb, draw(_partition(m)), contraction)
    wc = chunks(wb, contraction, draw(_partition(n)))
    return x, w, xc, wc


@settings(max_examples=60, deadline=None)
@given(_operands())
def test_integer_products_equal_numpys_exactly(case: tuple[Any, Any, Any, Any]) -> None:
    x, w, xc, wc = case
    z = accumulated_matmul(da.from_array(x, chunks=xc), da.from_array(w, chunks=wc))
    want = x @ w
    assert z.shape == want.shape
    with dask.config.set(scheduler="sync"):
        np.testing.assert_array_equal(z.compute(), want, strict=True)


@pytest.mark.parametrize("swap", [False, True])
def test_a_size_one_batch_axis_serves_every_output_block(swap: bool) -> None:
    x, w = np.arange(6).reshape(1, 2, 3), np.arange(24).reshape(4, 3, 2)
    xc, wc = (1, 2, 1), (2, 1, 2)  # w's batch axis in two blocks, x's one block reused
    if swap:
        x, w, xc, wc = w.mT, x.mT, (2, 2, 1), (1, 1, 2)
    z = accumulated_matmul(da.from_array(x, chunks=xc), da.from_array(w, chunks=wc))
    assert z.chunks[0] == (2, 2)
    np.testing.assert_array_equal(z.compute(), x @ w, strict=True)


def test_a_long_contraction_wraps_like_numpy() -> None:
    # int8 products overflow: wrapping sums are associative, so the chain equals np.matmul.
    x = np.full((3, 40), 100, dtype=np.int8)
    z = accumulated_matmul(da.from_array(x, chunks=(3, 3)), da.from_array(x.T, chunks=(3, 2)))
    np.testing.assert_array_equal(z.compute(), x @ x.T, strict=True)


def test_inputs_are_never_written() -> None:
    x = np.arange(1.0, 25.0).reshape(4, 6)
    before = x.copy()
    dx = da.from_array(x, chunks=2)
    z = accumulated_matmul(dx, dx.T)
    np.testing.assert_array_equal(z.compute(), before @ before.T)
    np.testing.assert_array_equal(x, before)


def test_accumulate_adds_in_slabs_in_place() -> None:
    acc = np.ones((2 * SLABS + 1, 3))
    a, b = np.arange(18.0).reshape(9, 2), np.arange(6.0).reshape(2, 3)
    got = accumulate(acc, a, b)
    assert got is acc  # no second output block
    np.testing.assert_array_equal(got, 1 + a @ b)


def test_accumulate_copies_a_read_only_block() -> None:
    acc = np.ones((2, 2))
    acc.flags.writeable = False  # as a block received from another worker may be
    got = accumulate(acc, np.eye(2), np.eye(2))
    np.testing.assert_array_equal(got, 1 + np.eye(2))
    np.testing.assert_array_equal(acc, np.ones((2, 2)))


class _FailsOnce:
    """A right operand whose product fails once, at the ``fail_at``-th slab (a transient
    error in a task: a worker short of memory for one temporary)."""

    __array_ufunc__ = None  # NumPy defers to __rmatmul__

    def __init__(self, b: Any, fail_at: int) -> None:
        self.b, self.calls, self.fail_at = b, 0, fail_at

    def __rmatmul__(self, a: Any) -> Any:
        self.calls += 1
        if self.calls == self.fail_at:
            raise MemoryError("no room for one slab")
        return a @ self.b


def test_a_retried_accumulation_fails_rather_than_add_twice() -> None:
    # dask retries a failed task (compute(..., retries=1)) with the same input block, in
    # place since the first attempt: the slabs that attempt added were added again, and
    # the product was silently wrong. A retry must fail instead.
    acc, a = np.zeros((2 * SLABS, 2)), np.ones((2 * SLABS, 3))
    b = _FailsOnce(np.ones((3, 2)), fail_at=3)
    with pytest.raises(MemoryError):
        accumulate(acc, a, b)
    assert acc.any()  # two slabs were added before the failure
    with pytest.raises(RuntimeError, match="partly written by an attempt that failed"):
        accumulate(acc, a, b)
