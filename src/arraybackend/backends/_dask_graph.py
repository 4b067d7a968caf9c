"""The task graph of ``x @ w`` for dask arrays: one accumulating chain per output block.

``da.matmul`` makes one partial product per block triple ``(i, t, j)`` and then sums the
partials of each output block in a tree. Every partial is a whole output block, and the
scheduler may make many before it sums them: out of core, through workers with a memory
limit, that is data spilled to disk and read back (5 GiB for an 11000² product through
one 1 GiB worker). Here output block ``(i, j)`` is one chain of tasks instead,

    z[i, j] = x[i, 0] @ w[0, j];   z[i, j] += x[i, t] @ w[t, j]   for t = 1, 2, ...

(the other way round, from the last ``t``, for every other block)

each adding its product to the previous one's result in place, so an output block exists
once, whatever the length of the contraction. Integer results are the same as NumPy's
(wrapping arithmetic is associative); floating-point ones differ from a single
``np.matmul`` only in the order of the sums, within the same error bound.
"""

from __future__ import annotations

from contextlib import suppress
from itertools import product
from typing import Any
from weakref import WeakValueDictionary

import dask.array as da
import numpy as np
from dask.array.utils import meta_from_array
from dask.base import tokenize
from dask.highlevelgraph import HighLevelGraph

from arraybackend.backends._dask_chunks import Chunks

__all__ = ["SLABS", "accumulate", "accumulated_matmul", "int_chunks"]

#: An accumulating task adds its product in this many slabs of rows, so the temporary
#: product is a fraction of a block, not a whole one.
SLABS = 4


# Blocks an accumulating task failed part way through, by id (weakly: an entry goes with
# its block, so a reused id is never mistaken for it).
_torn: WeakValueDictionary[int, Any] = WeakValueDictionary()


def _first(a: Any, b: Any) -> Any:
    return a @ b


def accumulate(acc: Any, a: Any, b: Any) -> Any:
    """``acc += a @ b`` in slabs of rows (a temporary of a fraction of a block); ``acc``.

    A retry of a task that failed part way (dask's ``retries=``) is handed the same,
    partly written ``acc``: it raises RuntimeError rather than add those slabs twice.
    """
    if _torn.get(id(acc)) is acc:
        msg = (
            "accumulate: this output block was partly written by an attempt that failed, "
            "so a retry cannot resume the sum; compute the product again (dask's retries= "
            "cannot recover an in-place accumulation)"
        )
        raise RuntimeError(msg)
    # acc is the previous task's fresh result and this task its only dependent, so it is
    # ours to overwrite (a copy only if it arrived read-only, e.g. from another worker).
    if not getattr(acc.flags, "writeable", True):
        acc = acc.copy()
    rows = a.shape[-2]
    step = max(1, -(-rows // SLABS))
    try:
        for r in range(0, rows, step):
            acc[..., r : r + step, :] += a[..., r : r + step, :] @ b
    except BaseException:
        with suppress(TypeError):  # an array type without weak references: not tracked
            _torn[id(acc)] = acc
        raise
    return acc


def int_chunks(a: da.Array) -> Chunks:
    """``a.chunks`` as ints (sizes known: the caller checked there is no NaN)."""
    return tuple(tuple(int(c) for c in axis) for axis in a.chunks)


def _batch_index(block: tuple[int, ...], sizes: tuple[int, ...]) -> tuple[int, ...]:
    """An operand's batch block index for the output's ``block`` (right-aligned; size 1
    axes broadcast, so their one block serves every output block)."""
    own = block[len(block) - len(sizes) :]
    return tuple(0 if size == 1 else b for b, size in zip(own, sizes, strict=True))


def accumulated_matmul(x: da.Array, w: da.Array) -> da.Array:
    """``x @ w`` for dask arrays of rank >= 2, as one accumulating chain per output block.

    The contraction axis must have one chunking in both (``x.chunks[-1] == w.chunks[-2]``)
    and the batch axes agree in their chunks where neither has size 1: the chunk plan
    (``_dask_chunks.plan_product``) makes them so. Shapes and dtypes are checked before.
    """
    xc, wc = int_chunks(x), int_chunks(w)
    nb = max(len(xc), len(wc)) - 2
    xs, ws = tuple(map(sum, xc[:-2])), tuple(map(sum, wc[:-2]))
    missing: tuple[None, ...] = (None,)
    xb = missing * (nb - len(xs)) + xc[:-2]
    wb = missing * (nb - len(ws)) + wc[:-2]
    # An output batch axis is chunked as the operand that is not of size 1 there.
    batch = tuple(
        b if a is None or (sum(a) == 1 and b is not None) else a
        for a, b in zip(xb, wb, strict=True)
    )
    chunks = (*(b or (1,) for b in batch), xc[-2], wc[-1])
    dtype = np.result_type(x.dtype, w.dtype)
    name = "matmul-accumulate-" + tokenize(x.name, w.name)
    partial = name.replace("matmul-", "matmul-partial-", 1)
    forward = range(len(xc[-1]))
    backward = forward[::-1]
    last = len(forward) - 1
    graph: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for *out, i, j in product(*(range(len(c)) for c in chunks)):
        block = tuple(out)
        bx, bw = _batch_index(block, xs), _batch_index(block, ws)
        previous: tuple[Any, ...] = ()
        # Neighbouring chains run the contraction in opposite directions: the first blocks
        # one needs are the last the other used, the likeliest still in a worker's memory
        # (measured: 2 workers x 1 GiB at n = 11000, 33-34 s against 36-37 s one way).
        for step, t in enumerate(forward if (i + j) % 2 == 0 else backward):
            key = (name, *block, i, j) if step == last else (partial, *block, i, j, step)
            xk, wk = (x.name, *bx, i, t), (w.name, *bw, t, j)
            graph[key] = (accumulate, previous, xk, wk) if previous else (_first, xk, wk)
            previous = key
    layers = HighLevelGraph.from_collections(name, graph, dependencies=[x, w])
    meta = meta_from_array(x, ndim=len(chunks), dtype=dtype)
    return da.Array(layers, name, chunks, meta=meta)
