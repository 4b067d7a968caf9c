"""Chunk planning for products of dask arrays: pure functions of chunk tuples.

Nothing here imports dask, so the rules are tested (with hypothesis) without it.

A product ``x @ w`` with ``x`` of shape ``(..., m, k)`` and ``w`` of shape ``(..., k, n)``
runs, in dask, one task per block triple: it holds an ``x`` block, a ``w`` block and a
partial product block at once. The plan keeps each of the three within ``elements``
elements, and gives the contraction axis ``k`` (and the shared batch axes) one common
chunking, so dask never intersects two chunkings silently.

The rule for the budget (``block_bytes``), from distributed's memory thresholds (fractions
of a worker's memory limit: it spills data to disk from 60 %, pauses at 80 % and is killed
at 95 %):

- the worker process itself and three blocks per thread fit in 60 %. The process (Python,
  NumPy, dask, distributed: about 85 MiB resident before it holds any data) is 8 % of a
  1 GiB limit but half of a 160 MiB one, so it is counted, not ignored;
- a paused worker still finishes its running tasks (a new block each) and the transfer in
  flight (another): those fit between 80 % and 95 %. Measured: 4 workers x 1 GiB with
  102 MiB blocks peaked at 1020 MiB and one was killed; with 58 MiB blocks, 790 MiB.
"""

from __future__ import annotations

from math import isqrt, prod
from typing import TypeAlias

__all__ = [
    "BLOCKS_PER_TASK",
    "HEADROOM_FRACTION",
    "MEMORY_FRACTION",
    "MIN_BLOCK_BYTES",
    "WORKER_RESERVE",
    "Chunks",
    "block_bytes",
    "even_chunks",
    "plan_product",
]

#: A dask chunking: per axis, the sizes of its blocks.
Chunks: TypeAlias = tuple[tuple[int, ...], ...]

#: The share of a worker's memory limit the blocks of running tasks may use.
MEMORY_FRACTION = 0.6
#: The share of a worker's memory limit between pausing it (80 %) and killing it (95 %).
HEADROOM_FRACTION = 0.15
#: Blocks one product task holds at once: an ``x`` block, a ``w`` block and the output block
#: it adds their product to (its temporary is a slab of rows, ``_dask_graph.SLABS``).
BLOCKS_PER_TASK = 3
#: The memory of a ``distributed`` worker process before it holds data (Python, NumPy, dask,
#: distributed; 83 MiB resident with dask 2026.8 on CPython 3.11), with some room to spare.
WORKER_RESERVE = 100 * 2**20
#: The smallest block planned: for workers whose limit leaves no room beyond the process
#: itself (below about 170 MiB), where a product can only crawl, spilling, or fail.
MIN_BLOCK_BYTES = 2**20


def block_bytes(memory_limit: int, *, threads: int = 1) -> int:
    """The size of one block for a worker with this memory limit and number of threads.

    The smaller of ``(0.6 * memory_limit - WORKER_RESERVE) / (3 * threads)`` (the process
    and the running tasks' blocks under the spilling threshold) and ``0.15 * memory_limit /
    (threads + 1)`` (a block per running task and one in transfer between pausing and
    killing), at least ``MIN_BLOCK_BYTES``.

    Examples
    --------
    >>> block_bytes(1024**3)  # a 1 GiB worker with one thread: 77 MiB blocks
    80530636
    >>> block_bytes(1024**3, threads=2)
    53687091
    >>> block_bytes(256 * 2**20)  # the process itself is a third of this worker
    18734557
    >>> block_bytes(128 * 2**20) == MIN_BLOCK_BYTES  # too small to plan for
    True
    """
    threads = max(1, threads)
    usable = (MEMORY_FRACTION * memory_limit - WORKER_RESERVE) / (BLOCKS_PER_TASK * threads)
    headroom = HEADROOM_FRACTION * memory_limit / (threads + 1)
    return max(MIN_BLOCK_BYTES, int(min(usable, headroom)))


def even_chunks(size: int, block: int) -> tuple[int, ...]:
    """``size`` cut into as few blocks of at most ``block`` as can be, of equal sizes.

    Equal blocks (sizes differ by at most one) keep tasks alike: a short last block would
    make thin, slow products and leave workers idle. ``(0,)`` for size 0.

    >>> even_chunks(10, 4)
    (4, 3, 3)
    >>> even_chunks(11000, 4740)
    (3667, 3667, 3666)
    """
    if size == 0:
        return (0,)
    count = -(-size // max(1, min(block, size)))
    base, extra = divmod(size, count)
    return (base + 1,) * extra + (base,) * (count - extra)


def _largest(chunks: tuple[int, ...] | None) -> int:
    return max(chunks, default=1) if chunks is not None else 1


def _fits(
    batch: list[tuple[int, ...]],
    m: tuple[int, ...] | None,
    k: tuple[int, ...],
    n: tuple[int, ...] | None,
    elements: int,
) -> bool:
    cb = prod(_largest(c) for c in batch)
    cm, ck, cn = _largest(m), _largest(k), _largest(n)
    return cb * max(cm * ck, ck * cn, cm * cn) <= elements


def _plan_sizes(
    batch: list[int], m: int, k: int, n: int, elements: int
) -> tuple[list[int], int, int, int]:
    """Block sizes (batch..., m, k, n) whose three blocks each hold at most ``elements``."""
    side = max(1, isqrt(elements))
    bm, bk, bn = min(m, side), min(k, side), min(n, side)
    # An axis shorter than the square side leaves room: give it to the others.
    for _ in range(2):
        bm = min(m, elements // max(bk, bn, 1))
        bn = min(n, elements // max(bk, bm, 1))
        bk = min(k, elements // max(bm, bn, 1))
    room = max(1, elements // max(bm * bk, bk * bn, bm * bn, 1))
    blocks: list[int] = []
    for size in reversed(batch):  # innermost batch axis first
        b = max(1, min(size, room))
        room = max(1, room // b)
        blocks.append(b)
    return blocks[::-1], bm, bk, bn


def _rebuild(
    chunks: Chunks,
    batch: list[tuple[int, ...]],
    row: tuple[int, ...],
    col: tuple[int, ...],
) -> Chunks:
    """``chunks`` (rank >= 2) with new batch axes (right-aligned; size-1 ones kept)."""
    nb = len(chunks) - 2
    offset = len(batch) - nb
    new_batch = tuple(
        own if sum(own) == 1 else batch[offset + i] for i, own in enumerate(chunks[:nb])
    )
    return (*new_batch, row, col)


def plan_product(xc: Chunks, wc: Chunks, *, elements: int) -> tuple[Chunks | None, Chunks | None]:
    """New chunks for ``x`` and ``w`` of ``x @ w`` (None: keep), each block ≤ ``elements``.

    The operands' own chunks are kept when their blocks fit and their contraction (and
    shared batch) axes agree. When only the axes they share disagree, the larger operand's
    chunking is imposed on the smaller one (the cheaper rechunk), if it fits. Otherwise
    both are rechunked to planned blocks.

    Parameters
    ----------
    xc, wc
        The chunks of ``x`` (rank >= 1) and ``w`` (rank >= 1); shapes already checked.
    elements
        The most elements one block may hold.

    Examples
    --------
    >>> plan_product(((2, 2), (3,)), ((3,), (4,)), elements=100)  # fits, agrees: keep
    (None, None)
    >>> plan_product(((4,), (2, 1)), ((3,), (5,)), elements=100)  # w is larger: x follows
    (((4,), (3,)), None)
    >>> plan_product(((4,), (3,)), ((3,), (4,)), elements=4)  # too large: plan both
    (((2, 2), (2, 1)), ((2, 1), (2, 2)))
    """
    elements = max(1, elements)
    rank_x, rank_w = len(xc), len(wc)
    m = xc[rank_x - 2] if rank_x >= 2 else None
    n = wc[rank_w - 1] if rank_w >= 2 else None
    kx, kw = xc[rank_x - 1], wc[max(0, rank_w - 2)]
    xb, wb = list(xc[: rank_x - 2]), list(wc[: rank_w - 2])
    nb = max(len(xb), len(wb))
    xb = [(1,)] * (nb - len(xb)) + xb  # a missing batch axis broadcasts like size 1
    wb = [(1,)] * (nb - len(wb)) + wb
    keep_x = prod(map(sum, xc)) >= prod(map(sum, wc))
    k = kx if keep_x else kw
    batch = [
        b if sum(a) == 1 else a if sum(b) == 1 or keep_x else b for a, b in zip(xb, wb, strict=True)
    ]
    if _fits(batch, m, k, n, elements):
        new_x = (k,) if m is None else _rebuild(xc, batch, m, k)
        new_w = (k,) if n is None else _rebuild(wc, batch, k, n)
        return (None if new_x == xc else new_x), (None if new_w == wc else new_w)
    sizes = [sum(a) if sum(b) == 1 else sum(b) for a, b in zip(xb, wb, strict=True)]
    blocks, bm, bk, bn = _plan_sizes(
        sizes,
        sum(m) if m is not None else 1,
        sum(kx),
        sum(n) if n is not None else 1,
        elements,
    )
    planned = [even_chunks(size, b) for size, b in zip(sizes, blocks, strict=True)]
    k = even_chunks(sum(kx), bk)
    rows = None if m is None else even_chunks(sum(m), bm)
    cols = None if n is None else even_chunks(sum(n), bn)
    new_x = (k,) if rows is None else _rebuild(xc, planned, rows, k)
    new_w = (k,) if cols is None else _rebuild(wc, planned, k, cols)
    return (None if new_x == xc else new_x), (None if new_w == wc else new_w)
