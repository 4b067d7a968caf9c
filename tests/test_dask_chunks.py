"""Chunk planning for dask products (pure functions: no dask needed)."""

from __future__ import annotations

from itertools import pairwise
from math import prod

from hypothesis import given
from hypothesis import strategies as st

from arraybackend.backends._dask_chunks import (
    MIN_BLOCK_BYTES,
    WORKER_RESERVE,
    Chunks,
    block_bytes,
    even_chunks,
    plan_product,
)


@st.composite
def chunking(draw: st.DrawFn, size: int) -> tuple[int, ...]:
    """Any chunking of an axis of ``size``: uneven, with single and many blocks."""
    if size == 0:
        return (0,)
    cuts = sorted(draw(st.sets(st.integers(1, size - 1), max_size=4))) if size > 1 else []
    edges = [0, *cuts, size]
    return tuple(b - a for a, b in pairwise(edges))


@st.composite
def products(draw: st.DrawFn) -> tuple[Chunks, Chunks, int]:
    """Chunks of x and w whose shapes multiply (batches broadcast), and a block budget."""
    m, k, n = (draw(st.integers(0, 12)) for _ in range(3))
    batch = draw(st.lists(st.integers(1, 4), max_size=2))
    xb = [draw(st.sampled_from([b, 1])) for b in batch]
    wb = [draw(st.sampled_from([b, 1])) for b in batch][draw(st.integers(0, len(batch))) :]
    x_shape = (*xb, k) if draw(st.booleans()) and not xb else (*xb, m, k)
    w_shape = (k,) if draw(st.booleans()) and not wb else (*wb, k, n)
    xc = tuple(draw(chunking(s)) for s in x_shape)
    wc = tuple(draw(chunking(s)) for s in w_shape)
    return xc, wc, draw(st.integers(1, 200))


def _largest(chunks: tuple[int, ...]) -> int:
    return max(chunks, default=1)


@given(products())
def test_plans_keep_shapes_share_the_contraction_and_fit(case: tuple[Chunks, Chunks, int]) -> None:
    xc, wc, elements = case
    new_x, new_w = plan_product(xc, wc, elements=elements)
    px = xc if new_x is None else new_x
    pw = wc if new_w is None else new_w
    assert [sum(c) for c in px] == [sum(c) for c in xc]  # shapes unchanged
    assert [sum(c) for c in pw] == [sum(c) for c in wc]
    kx, kw = px[-1], (pw[0] if len(pw) == 1 else pw[-2])
    assert kx == kw  # one common chunking of the contraction axis
    xb, wb = px[:-2], pw[:-2]
    for a, b in zip(reversed(xb), reversed(wb), strict=False):
        if sum(a) > 1 and sum(b) > 1:
            assert a == b  # shared batch axes too
    nb = max(len(xb), len(wb))
    batch = [1] * nb
    for axes in (xb, wb):
        for i, c in enumerate(axes):
            j = nb - len(axes) + i
            batch[j] = max(batch[j], _largest(c))
    cm = _largest(px[-2]) if len(px) >= 2 else 1
    cn = _largest(pw[-1]) if len(pw) >= 2 else 1
    ck = _largest(kx)
    assert prod(batch) * max(cm * ck, ck * cn, cm * cn) <= elements


def test_chunks_that_fit_and_agree_are_kept() -> None:
    x, w = ((1, 4), (3, 1, 3)), ((3, 1, 3), (1, 1))
    assert plan_product(x, w, elements=12) == (None, None)


def test_the_larger_operand_keeps_its_contraction_chunks() -> None:
    x, w = ((10,), (5, 5)), ((2, 8), (100,))
    assert plan_product(x, w, elements=10_000) == (((10,), (2, 8)), None)
    assert plan_product(w[::-1], x[::-1], elements=10_000) == (None, ((2, 8), (10,)))


def test_block_bytes_rule() -> None:
    gib, mib = 1024**3, 2**20
    # Large workers: a block per running task and one in transfer in the 15 % between
    # pausing (80 %) and killing (95 %); it was three blocks in 60 %, 205 MiB at 1 GiB.
    assert block_bytes(gib) == int(0.15 * gib / 2)
    assert block_bytes(gib, threads=4) == int(0.15 * gib / 5)
    # Small workers: the process and three blocks per thread in 60 % of the limit.
    assert block_bytes(256 * mib) == int((0.6 * 256 * mib - WORKER_RESERVE) / 3)
    assert block_bytes(256 * mib, threads=2) == int((0.6 * 256 * mib - WORKER_RESERVE) / 6)
    # Below the floor (0.6 x limit <= the process), the smallest block, never zero.
    assert block_bytes(160 * mib) == block_bytes(1) == MIN_BLOCK_BYTES


@given(st.integers(1, 2**40), st.integers(1, 64))
def test_planned_blocks_fit_under_the_thresholds(limit: int, threads: int) -> None:
    block = block_bytes(limit, threads=threads)
    if block > MIN_BLOCK_BYTES:
        assert WORKER_RESERVE + 3 * threads * block <= 0.6 * limit  # spilling from 60 %
        assert (threads + 1) * block <= 0.15 * limit  # paused at 80 %, killed at 95 %


@given(st.integers(0, 10**6), st.integers(1, 10**6))
def test_even_chunks_are_as_few_and_as_equal_as_can_be(size: int, block: int) -> None:
    chunks = even_chunks(size, block)
    assert sum(chunks) == size
    if size == 0:
        assert chunks == (0,)
        return
    assert max(chunks) <= block
    assert max(chunks) - min(chunks) <= 1  # no thin last block
    assert len(chunks) == -(-size // block)  # as few as blocks of `block` allow
