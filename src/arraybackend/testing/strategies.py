"""Hypothesis strategies for matrix products: shapes, dtypes, memory layouts and values.

Values are bounded so that no product overflows: integers so that every inner product of
length ``max_side`` fits the result dtype (and stays exact in any float it is promoted to),
floats to ``±2**max_exponent``. ``nonfinite=True`` adds NaN and ±Inf, whose results are
checked as "the same as the reference" rather than against exact arithmetic.

Importing this module imports hypothesis (install ``arraybackend[test]``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal, TypeAlias

import numpy as np
from hypothesis import strategies as st

from arraybackend.testing._exact import HostArray

__all__ = [
    "FLOAT_DTYPES",
    "INTEGER_DTYPES",
    "LAYOUTS",
    "Layout",
    "arrange",
    "array_dtypes",
    "arrays",
    "integer_limit",
    "layouts",
    "matmul_operands",
    "matmul_shapes",
]

Layout: TypeAlias = Literal["C", "F", "strided", "negative", "readonly"]
#: C and Fortran order, a strided view, a view with negative strides, a read-only array.
LAYOUTS: tuple[Layout, ...] = ("C", "F", "strided", "negative", "readonly")
FLOAT_DTYPES: tuple[np.dtype[Any], ...] = tuple(
    np.dtype(t) for t in ("float16", "float32", "float64", "complex64", "complex128")
)
INTEGER_DTYPES: tuple[np.dtype[Any], ...] = tuple(
    np.dtype(t) for t in ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
)
Shapes: TypeAlias = tuple[tuple[int, ...], tuple[int, ...]]


def array_dtypes(
    supported: Sequence[np.dtype[Any]] | None = None,
) -> st.SearchStrategy[np.dtype[Any]]:
    """Numeric dtypes (float16 to complex128, signed and unsigned integers).

    ``supported`` restricts them to what a backend takes (array-api-strict has no float16).
    """
    choices = FLOAT_DTYPES + INTEGER_DTYPES
    if supported is not None:
        choices = tuple(d for d in choices if d in supported)
    return st.sampled_from(choices)


@st.composite
def matmul_shapes(
    draw: st.DrawFn, *, max_side: int = 4, max_batch_dims: int = 2, batched: bool = True
) -> Shapes:
    """Shapes ``(xs, ws)`` that ``np.matmul`` accepts.

    Sides from 0 (zero-size) to ``max_side`` (so 1 row / 1 column occurs), 1-D operands
    (promoted by matmul), and with ``batched`` stacks whose batch dimensions broadcast
    (a 1 against n, or one operand with fewer batch dimensions).
    """
    side = st.integers(0, max_side)
    m, k, n = draw(side), draw(side), draw(side)
    x_vec, w_vec = draw(st.booleans()), draw(st.booleans())
    batch_x: tuple[int, ...] = ()
    batch_w: tuple[int, ...] = ()
    if batched and draw(st.booleans()):
        batch = draw(st.lists(st.integers(1, 3), min_size=1, max_size=max_batch_dims))
        batch_x = tuple(1 if draw(st.booleans()) else b for b in batch)
        batch_w = tuple(1 if draw(st.booleans()) else b for b in batch)
        batch_w = batch_w[draw(st.integers(0, len(batch_w))) :]  # fewer batch dims
        x_vec, w_vec = x_vec and not batch_x, w_vec and not batch_w
    xs = (k,) if x_vec else (*batch_x, m, k)
    ws = (k,) if w_vec else (*batch_w, k, n)
    return xs, ws


def layouts() -> st.SearchStrategy[Layout]:
    """One of ``LAYOUTS``."""
    return st.sampled_from(LAYOUTS)


def arrange(a: HostArray, layout: Layout) -> HostArray:
    """An array equal to ``a`` with the given memory layout (a view where the layout is one).

    Examples
    --------
    >>> import numpy as np
    >>> v = arrange(np.arange(6.0).reshape(2, 3), "negative")
    >>> v.strides[0] < 0, v.tolist()
    (True, [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]])
    """
    if layout == "F":
        return np.asfortranarray(a)
    if layout == "strided":
        big = np.zeros(tuple(2 * s for s in a.shape), dtype=a.dtype)
        view = big[tuple(slice(None, None, 2) for _ in a.shape)]
        view[...] = a
        return view
    if layout == "negative":
        flip = tuple(slice(None, None, -1) for _ in a.shape)
        return a[flip].copy()[flip]
    if layout == "readonly":
        frozen = a.copy()
        frozen.flags.writeable = False
        return frozen
    return np.ascontiguousarray(a)


def integer_limit(dtype: np.dtype[Any], k: int) -> int:
    """The largest absolute value whose length-k inner products fit ``dtype`` and a float64."""
    info = np.iinfo(dtype)
    top = min(int(info.max), 2**53)
    return max(1, math.isqrt(top // max(k, 1)))


def _elements(
    dtype: np.dtype[Any], k: int, *, nonfinite: bool, max_exponent: int
) -> st.SearchStrategy[Any]:
    if dtype.kind in "iu":
        limit = integer_limit(dtype, k)
        return st.integers(0 if dtype.kind == "u" else -limit, limit)
    real = np.dtype(dtype.char.lower()) if dtype.kind == "c" else dtype
    width: Literal[16, 32, 64] = 16 if real.itemsize == 2 else (32 if real.itemsize == 4 else 64)
    bound = float(2**max_exponent)
    parts = st.floats(-bound, bound, width=width, allow_subnormal=False)
    if nonfinite:
        # Finite values stay bounded: an overflow would be a different check.
        parts = parts | st.sampled_from([math.nan, math.inf, -math.inf])
    if dtype.kind == "c":
        return st.builds(complex, parts, parts)
    return parts


@st.composite
def arrays(
    draw: st.DrawFn,
    dtype: np.dtype[Any],
    shape: tuple[int, ...],
    *,
    k: int | None = None,
    nonfinite: bool = False,
    max_exponent: int | None = None,
    layout: Layout | None = None,
) -> HostArray:
    """A host array of ``dtype`` and ``shape`` with bounded values in some memory layout.

    ``k`` is the inner dimension the array will be contracted over (it bounds integers);
    ``layout`` None draws one of ``LAYOUTS``.
    """
    size = math.prod(shape)
    exponent = max_exponent if max_exponent is not None else (3 if dtype.itemsize <= 2 else 10)
    elements = _elements(
        dtype, k if k is not None else 8, nonfinite=nonfinite, max_exponent=exponent
    )
    values = draw(st.lists(elements, min_size=size, max_size=size))
    a = np.array(values, dtype=dtype).reshape(shape)
    return arrange(a, layout if layout is not None else draw(layouts()))


@st.composite
def matmul_operands(
    draw: st.DrawFn,
    *,
    dtypes: st.SearchStrategy[np.dtype[Any]] | None = None,
    shapes: st.SearchStrategy[Shapes] | None = None,
    nonfinite: bool = False,
) -> tuple[HostArray, HostArray]:
    """``(x, w)`` of one dtype, shapes from ``matmul_shapes``, each in a drawn layout."""
    dtype = draw(dtypes if dtypes is not None else array_dtypes())
    xs, ws = draw(shapes if shapes is not None else matmul_shapes())
    # Every side bounds the integers, not only xs[-1]: callers may transpose operands.
    k = max((*xs, *ws, 1))
    x = draw(arrays(dtype, xs, k=k, nonfinite=nonfinite))
    w = draw(arrays(dtype, ws, k=k, nonfinite=nonfinite))
    return x, w
