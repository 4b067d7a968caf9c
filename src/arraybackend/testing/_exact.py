"""Exact products and the floating-point error bounds every computed product must meet.

The exact value of each element of ``x @ w`` is computed from the host inputs with
``fractions.Fraction`` (integers with Python ``int``), so it carries no rounding at all.

Bounds (Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed., 3.1 and 3.6),
with ``gamma_k = k*u / (1 - k*u)`` and ``u`` the unit round-off (``2**-p`` for a ``p``-bit
significand):

* real, length-``k`` inner product, any order of summation, with or without FMA:
  ``|fl(x.w) - x.w| <= gamma_k * (|x|.|w|)`` with the ``u`` of the dtype the sum is
  accumulated in; plus ``k * eta`` for products that underflow (``eta`` the smallest
  subnormal; additions that underflow are exact).
* complex: each component of a complex inner product of length ``k`` is a real inner
  product of length ``2k`` (``Re = sum(xr*wr - xi*wi)``), whichever way it is evaluated
  (complex multiply-then-add, or as real GEMMs), so it is checked component by component:
  ``|Re err| <= gamma_2k * sum(|xr||wr| + |xi||wi|)`` and
  ``|Im err| <= gamma_2k * sum(|xr||wi| + |xi||wr|)``, ``u`` that of the real part
  (complex64: float32's). This avoids irrational moduli and is tighter than
  ``sqrt(2) * gamma_2k * (|x|.|w|)``. Gauss's three-multiplication trick is *not*
  covered: its error is not componentwise small.
* float16: NumPy (``HALF_dot``, the matmul inner loop) and cuBLAS accumulate float16
  products in float32 and round once to float16, so the sum carries float32's
  ``gamma_k`` and one final float16 rounding:
  ``u16*|s| + (1 + u16) * (gamma_k(u32) * (|x|.|w|) + k*eta32) + eta16/2``. (float16's
  own ``gamma_k(u16)`` would be 8192 times looser: it would let a wrong float16 kernel
  pass.) A backend that accumulates in float16 needs ``accumulate={float16: float16}``.
* operands converted to the result dtype (``int64 @ float64``: NumPy rounds each integer
  to float64 first): the inner product is of the converted values, each within a relative
  ``u`` of the exact one, so ``c`` inexact conversions per term add
  ``gamma_c * (|x|.|w|)`` and scale the magnitude above by ``1 + gamma_c``
  (``c`` counts the operands whose dtype the result cannot hold exactly: integers wider
  than the significand).
* integer results are exact modulo ``2**bits``: NumPy's integer arithmetic wraps around, so
  the exact sum reduced into the dtype's range is the only right answer, overflow or not.
* floating overflow: where ``(1 + gamma) * (|x|.|w|)`` reaches the dtype's overflow
  threshold some order of summation may overflow, so a non-finite element there has no
  exact value to meet. It passes when it matches the reference's (both overflow
  identically); the reference's own is not checked. A finite element is still checked.
"""

from __future__ import annotations

import cmath
import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeAlias

import numpy as np

from arraybackend.testing._report import ParityError

__all__ = [
    "DEFAULT_ACCUMULATE",
    "HostArray",
    "ValueCheck",
    "check_product",
    "gamma",
    "unit_roundoff",
]

HostArray: TypeAlias = np.ndarray[Any, np.dtype[Any]]

#: Result dtype -> dtype the reference (NumPy) and CuPy accumulate inner products in.
DEFAULT_ACCUMULATE: Mapping[np.dtype[Any], np.dtype[Any]] = {
    np.dtype(np.float16): np.dtype(np.float32)
}


#: What ``check_product`` checks: dtypes whose every value a Python ``int``, ``float`` or
#: ``complex`` holds exactly (``longdouble`` does not: its elements would be rounded).
_CHECKABLE = frozenset(np.dtype(c) for c in "?bBhHiIlLqQefdFD")


def unit_roundoff(dtype: np.dtype[Any]) -> Fraction:
    """``u = 2**-p`` for a floating or complex dtype with a ``p``-bit significand."""
    return Fraction(float(np.finfo(dtype).eps)) / 2


def _tiny(dtype: np.dtype[Any]) -> Fraction:
    """The smallest positive subnormal of a floating dtype."""
    return Fraction(float(np.finfo(dtype).smallest_subnormal))


def gamma(k: int, u: Fraction) -> Fraction:
    """``gamma_k = k*u / (1 - k*u)``; requires ``k*u < 1``."""
    if k * u >= 1:
        msg = f"gamma: k*u = {float(k * u)} >= 1; the inner-product bound needs k*u < 1"
        raise ValueError(msg)
    return k * u / (1 - k * u)


@dataclass(frozen=True)
class ValueCheck:
    """The outcome of comparing one computed product with the exact product."""

    dtype: str
    elements: int
    max_ratio: float
    worst: str


def _split(v: Any) -> tuple[Fraction, Fraction]:
    if isinstance(v, int):  # exact: complex(v) would round an integer wider than 53 bits
        return Fraction(v), Fraction(0)
    c = complex(v)
    return Fraction(c.real), Fraction(c.imag)


def _finite(v: Any) -> bool:
    return isinstance(v, int) or cmath.isfinite(complex(v))


def _real(dtype: np.dtype[Any]) -> np.dtype[Any]:
    """The dtype of a complex dtype's components (the dtype itself if real)."""
    return np.dtype(dtype.char.lower()) if dtype.kind == "c" else dtype


def _exact_in(src: np.dtype[Any], real: np.dtype[Any]) -> bool:
    """Whether every value of ``src`` converts to the floating dtype ``real`` exactly."""
    if src.kind == "b":
        return True
    target = np.finfo(real)
    if src.kind in "iu":
        bits = 8 * src.itemsize - (src.kind == "i")
        return bits <= target.nmant + 1
    source = np.finfo(_real(src))
    return (
        source.nmant <= target.nmant
        and source.maxexp <= target.maxexp
        and source.smallest_subnormal >= target.smallest_subnormal
    )


def _conversions(z: np.dtype[Any], x: np.dtype[Any], w: np.dtype[Any]) -> int:
    """How many of the operands round when NumPy converts them to the result dtype."""
    if z.kind not in "fc":
        return 0
    return sum(not _exact_in(d, _real(z)) for d in (x, w))


def _show(value: Fraction, spec: str = "r") -> str:
    """A Fraction as a float would print, also beyond the float range (1e400)."""
    try:
        as_float = float(value)
    except OverflowError:
        return format(Decimal(value.numerator) / Decimal(value.denominator), ".4g")
    return repr(as_float) if spec == "r" else format(as_float, spec)


def _wrap(value: int, dtype: np.dtype[Any]) -> int:
    """``value`` reduced into the range of an integer dtype, as two's complement wraps."""
    bits = 8 * dtype.itemsize
    low = -(1 << (bits - 1)) if dtype.kind == "i" else 0
    return (value - low) % (1 << bits) + low


def _overflow_threshold(dtype: np.dtype[Any]) -> Fraction:
    """The smallest magnitude that rounds to infinity in a floating dtype."""
    info = np.finfo(dtype)
    return Fraction(float(info.max)) + Fraction(2) ** (int(info.maxexp) - int(info.nmant) - 2)


def _class(v: float) -> str:
    if math.isnan(v):
        return "nan"
    return "+inf" if v == math.inf else ("-inf" if v == -math.inf else "finite")


def _classes(v: Any) -> tuple[str, str]:
    c = complex(v)
    return _class(c.real), _class(c.imag)


def _sum_class(products: list[float]) -> str:
    """The IEEE class of a sum, whatever its order: NaN wins, then inf + -inf is NaN."""
    if any(math.isnan(p) for p in products):
        return "nan"
    pos, neg = math.inf in products, -math.inf in products
    return "nan" if pos and neg else ("+inf" if pos else ("-inf" if neg else "finite"))


def _ieee_classes(terms: list[tuple[Any, Any]], complex_: bool) -> tuple[str, str]:
    """The IEEE 754 class of each component of ``sum(a*b)``, complex the naive way.

    Python floats follow IEEE here (``inf * 0`` is NaN); finite products do not overflow
    because the strategies bound the finite values.
    """
    if not complex_:
        return _sum_class([float(a) * float(b) for a, b in terms]), "finite"
    pairs = [(complex(a), complex(b)) for a, b in terms]
    re = [a.real * b.real for a, b in pairs] + [-(a.imag * b.imag) for a, b in pairs]
    im = [a.real * b.imag for a, b in pairs] + [a.imag * b.real for a, b in pairs]
    return _sum_class(re), _sum_class(im)


def _promote(x: HostArray, w: HostArray) -> tuple[HostArray, HostArray, tuple[int, ...]]:
    """``x`` and ``w`` as stacks of matrices with the broadcast batch, and the result shape."""
    xs = x[None, :] if x.ndim == 1 else x
    ws = w[:, None] if w.ndim == 1 else w
    batch = np.broadcast_shapes(xs.shape[:-2], ws.shape[:-2])
    xs = np.broadcast_to(xs, batch + xs.shape[-2:])
    ws = np.broadcast_to(ws, batch + ws.shape[-2:])
    shape = batch + xs.shape[-2:-1] * (x.ndim > 1) + ws.shape[-1:] * (w.ndim > 1)
    return xs, ws, shape


def check_product(
    z: HostArray,
    x: HostArray,
    w: HostArray,
    *,
    reference: HostArray | None = None,
    accumulate: Mapping[np.dtype[Any], np.dtype[Any]] | None = None,
    who: str = "result",
) -> ValueCheck:
    """Check every element of ``z`` against the exact ``x @ w`` within its error bound.

    Parameters
    ----------
    z
        The computed product, on the host, with ``np.matmul``'s shape.
    x, w
        The host factors.
    reference
        The reference's product: where an element's inputs are not all finite it has no
        exact value, and ``z`` must be NaN / ±Inf exactly where ``reference`` is.
    accumulate
        Result dtype -> accumulation dtype (default ``DEFAULT_ACCUMULATE``).
    who
        Names ``z`` in the failure message.

    Returns
    -------
    ValueCheck
        The number of elements checked and the largest error-to-bound ratio.

    Raises
    ------
    ParityError
        With the worst element, its computed and exact value, its error and its bound.
    TypeError
        An array is not bool, integer, float16/32/64 or complex64/128 (``longdouble``).
    """
    for name, a in (("z", z), ("x", x), ("w", w)):
        if a.dtype not in _CHECKABLE:
            msg = (
                f"check_product: {name} has dtype {str(a.dtype)!r}, whose values a Python "
                f"float cannot hold exactly; it checks bool, integer, float16/32/64 and "
                f"complex64/128 arrays only"
            )
            raise TypeError(msg)
    acc_map = DEFAULT_ACCUMULATE if accumulate is None else accumulate
    xs, ws, shape = _promote(x, w)
    if z.shape != shape:
        raise ParityError(f"{who}: shape {z.shape} but x @ w has shape {shape}")
    dtype = z.dtype
    conversions = _conversions(dtype, x.dtype, w.dtype)
    k = xs.shape[-1]
    flat_z = z.reshape(-1).tolist()
    xl: Any = xs.tolist()
    wl: Any = ws.tolist()
    batch = xs.shape[:-2]
    m, n = xs.shape[-2], ws.shape[-1]
    ref_flat = None if reference is None else reference.reshape(-1).tolist()
    worst, worst_text = 0.0, "no element"
    failed: str | None = None
    for index, (b, i, j) in enumerate(
        itertools.product(itertools.product(*map(range, batch)), range(m), range(n))
    ):
        row, col = xl, wl
        for axis in b:
            row, col = row[axis], col[axis]
        terms = [(row[i][t], col[t][j]) for t in range(k)]
        computed = flat_z[index]
        where = f"element {tuple(int(i) for i in np.unravel_index(index, shape))}"
        expected = None if ref_flat is None else ref_flat[index]
        ratio, text = _element(dtype, (k, conversions), terms, computed, acc_map, expected)
        if ratio > worst or worst_text == "no element":
            worst, worst_text = ratio, f"{where}: {text}"
        if ratio > 1 and failed is None:
            failed = f"{where}: {text}"
    if failed is not None:
        # Report the worst element: the first failing one may be a milder case.
        msg = f"{who} ({dtype}, k={k}): values exceed the error bound; worst {worst_text}"
        raise ParityError(msg)
    return ValueCheck(str(dtype), len(flat_z), worst, worst_text)


def _nan_tolerant(got: complex, want: complex) -> bool:
    """Both elements non-finite, and each component equal in class unless one is NaN."""
    if cmath.isfinite(got) or cmath.isfinite(want):
        return False
    return all(
        math.isnan(a) or math.isnan(b) or (a == b if math.isinf(a) else math.isfinite(b))
        for a, b in ((got.real, want.real), (got.imag, want.imag))
    )


def _element(
    dtype: np.dtype[Any],
    lengths: tuple[int, int],
    terms: list[tuple[Any, Any]],
    computed: Any,
    acc_map: Mapping[np.dtype[Any], np.dtype[Any]],
    expected: Any,
) -> tuple[float, str]:
    """The error-to-bound ratio of one element (inf when it fails outright), and a text.

    ``lengths`` is the inner length ``k`` and the number of inexact operand conversions;
    ``expected`` the reference's element, None when ``computed`` is the reference's.
    """
    k, conversions = lengths
    if dtype.kind in "biu":
        exact_int = sum(int(a) * int(b) for a, b in terms)
        wrapped = _wrap(exact_int, dtype)
        wraps = f" (wraps to {wrapped} in {dtype})" if wrapped != exact_int else ""
        ok = int(computed) == wrapped
        return (0.0 if ok else math.inf), f"computed {computed!r}, exact {exact_int}{wraps}"
    if not all(_finite(a) and _finite(b) for a, b in terms):
        if expected is None:
            # No exact value exists: the reference is not checked here, only compared with.
            return 0.0, f"non-finite inputs: computed {computed!r} (not checked)"
        # IEEE 754 says which components are NaN / +-Inf. A BLAS may skip a zero
        # multiplier and lose a NaN (NumPy's reference does, see docs/parity.md): a
        # backend that agrees with the reference's classes passes as well.
        got_class = _classes(computed)
        same = got_class in (_ieee_classes(terms, dtype.kind == "c"), _classes(expected))
        if dtype.kind == "c" and not same:
            # A complex product with an infinite factor has no agreed NaN components: C99
            # Annex G recovers an infinity where the textbook formula gives NaN, and NumPy's
            # own np.matmul differs between its BLAS path (contiguous) and its loop
            # (strided). So a NaN component matches anything non-finite; an infinity of the
            # wrong sign, or a finite element, still fails.
            same = _nan_tolerant(complex(computed), complex(expected))
        text = f"non-finite inputs: computed {computed!r}, reference {expected!r}"
        return (0.0 if same else math.inf), text
    complex_ = dtype.kind == "c"
    got = complex(computed)
    if complex_:
        pairs = [(_split(a), _split(b)) for a, b in terms]
        exact_re = sum((ar * br - ai * bi for (ar, ai), (br, bi) in pairs), Fraction(0))
        exact_im = sum((ar * bi + ai * br for (ar, ai), (br, bi) in pairs), Fraction(0))
        mag_re = sum((abs(ar * br) + abs(ai * bi) for (ar, ai), (br, bi) in pairs), Fraction(0))
        mag_im = sum((abs(ar * bi) + abs(ai * br) for (ar, ai), (br, bi) in pairs), Fraction(0))
        ref = complex(expected) if expected is not None else None
        components = [
            ("re ", exact_re, mag_re, got.real, None if ref is None else ref.real),
            ("im ", exact_im, mag_im, got.imag, None if ref is None else ref.imag),
        ]
    else:
        products = [_split(a)[0] * _split(b)[0] for a, b in terms]
        exact = sum(products, Fraction(0))
        ref_re = None if expected is None else complex(expected).real
        components = [("", exact, sum(map(abs, products), Fraction(0)), got.real, ref_re)]
    length = 2 * k if complex_ else k
    worst_ratio, worst_text = 0.0, ""
    for label, exact, mag, value, ref_value in components:
        if math.isfinite(value):
            bound = _bound(dtype, (length, conversions), mag, exact, acc_map)
            err = abs(Fraction(value) - exact)
            ratio = float(err / bound) if bound else (0.0 if err == 0 else math.inf)
            text = (
                f"{label}computed {value!r}, exact {_show(exact)}, "
                f"error {_show(err, '.3g')}, bound {_show(bound, '.3g')}, ratio {ratio:.3g}"
            )
        else:
            ratio, text = _overflowed(dtype, (length, conversions), mag, acc_map, value, ref_value)
            text = f"{label}{text}, exact {_show(exact)}"
        if ratio >= worst_ratio:
            worst_ratio, worst_text = ratio, text
    return worst_ratio, worst_text


def _overflowed(
    dtype: np.dtype[Any],
    lengths: tuple[int, int],
    magnitude: Fraction,
    acc_map: Mapping[np.dtype[Any], np.dtype[Any]],
    value: float,
    ref_value: float | None,
) -> tuple[float, str]:
    """The ratio of a non-finite component computed from finite inputs (0 or inf), a text.

    Only where some order of summation can overflow may it be non-finite, and then only as
    the reference's is (or unchecked, when it is the reference's).
    """
    real = _real(dtype)
    acc = acc_map.get(real, real)
    length, conversions = lengths
    u = max(unit_roundoff(real), unit_roundoff(acc))
    largest = (1 + gamma(length + conversions, u)) * magnitude
    threshold = min(_overflow_threshold(real), _overflow_threshold(acc))
    if largest < threshold:
        return math.inf, f"computed {value!r} from finite inputs that cannot overflow"
    if ref_value is None:
        return 0.0, f"overflow: computed {value!r} (not checked)"
    same = _class(value) == _class(ref_value)
    return (0.0 if same else math.inf), f"overflow: computed {value!r}, reference {ref_value!r}"


def _bound(
    dtype: np.dtype[Any],
    lengths: tuple[int, int],
    magnitude: Fraction,
    exact: Fraction,
    acc_map: Mapping[np.dtype[Any], np.dtype[Any]],
) -> Fraction:
    """The error bound of one real inner product (see the module doc).

    ``lengths`` is the number of terms and of inexact operand conversions per term.
    """
    length, conversions = lengths
    real = _real(dtype)
    acc = acc_map.get(real, real)
    u = unit_roundoff(real)
    # The sum is of the converted operands: within gamma_c of the exact ones, term by term.
    converted = gamma(conversions, u) if conversions else Fraction(0)
    moved = converted * magnitude
    magnitude, exact = magnitude + moved, abs(exact) + moved
    accumulated = gamma(length, unit_roundoff(acc)) * magnitude + length * _tiny(acc)
    if acc == real:
        return moved + accumulated
    return moved + u * exact + (1 + u) * accumulated + _tiny(real) / 2
