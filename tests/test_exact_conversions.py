"""Integer and bool operands in a floating product: the bound widens only for the ones that round.

The module doc of ``arraybackend.testing._exact`` documents the bound of a real inner
product of length ``k`` whose ``c`` operands per term are rounded on conversion to the
result dtype: ``gamma_c*m + gamma_k*(m + gamma_c*m) + k*eta``, ``m = |x|.|w|``. Each case
here compares ``check_product``'s ratio for NumPy's own product with that formula, with
``c`` written out by hand: an integer converts exactly when it has no more bits than the
result's significand (bool always does).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from arraybackend.testing import check_product, gamma, unit_roundoff

HostArray = np.ndarray[Any, np.dtype[Any]]


def _column(dtype: str) -> HostArray:
    """Three values of ``dtype`` whose products with the row do not add up exactly."""
    if np.dtype(dtype).kind == "f":
        return np.array([[1 / 3], [-1 / 7], [1 / 11]], dtype)
    info = np.iinfo(dtype)
    return np.array([[int(info.max)], [int(info.max) // 3], [7]], dtype)


def _row(dtype: str) -> HostArray:
    if dtype == "bool":
        return np.array([[True, True, True]])
    info = np.iinfo(dtype)
    return np.array([[int(info.max), int(info.min) + 1 if info.min else 5, 3]], dtype)


def _documented_ratio(z: HostArray, x: HostArray, w: HostArray, conversions: int) -> float:
    """The one element's error over its documented bound (float32/float64 results)."""
    u = unit_roundoff(z.dtype)
    eta = Fraction(float(np.finfo(z.dtype).smallest_subnormal))
    terms = [Fraction(int(a) if x.dtype.kind in "biu" else float(a)) for a in x[0]]
    terms = [
        t * Fraction(int(b) if w.dtype.kind in "biu" else float(b))
        for t, b in zip(terms, w[:, 0], strict=True)
    ]
    k = len(terms)
    exact, magnitude = sum(terms, Fraction(0)), sum(map(abs, terms), Fraction(0))
    moved = gamma(conversions, u) * magnitude if conversions else Fraction(0)
    bound = moved + gamma(k, u) * (magnitude + moved) + k * eta
    return float(abs(Fraction(float(z[0, 0])) - exact) / bound)


@pytest.mark.parametrize(
    ("x_dtype", "w_dtype", "conversions"),
    [
        ("bool", "float64", 0),
        ("int8", "float64", 0),
        ("uint32", "float64", 0),  # 32 bits <= 53
        ("int64", "float64", 1),  # 63 bits > 53: NumPy rounds each element first
        ("uint64", "float64", 1),
        ("uint64", "int64", 2),  # both round: the result is float64
        ("bool", "float32", 0),
        ("uint16", "float32", 0),  # 16 bits <= 24
    ],
)
def test_the_bound_counts_the_operands_that_round(
    x_dtype: str, w_dtype: str, conversions: int
) -> None:
    x, w = _row(x_dtype), _column(w_dtype)
    z: HostArray = np.matmul(x, w)
    assert z.dtype.kind == "f"
    expected = _documented_ratio(z, x, w, conversions)
    assert 0 < expected <= 1  # the product rounds, and within the bound
    assert check_product(z, x, w).max_ratio == expected
    # The same operands as the second factor: the conversions are counted there too.
    assert check_product(np.matmul(w.T, x.T), w.T, x.T).max_ratio == expected


@pytest.mark.skipif(
    np.finfo(np.longdouble).nmant <= np.finfo(np.float64).nmant,
    reason="longdouble is float64 on this platform",
)
@pytest.mark.parametrize("where", ["z", "x", "w"])
def test_longdouble_is_refused_rather_than_checked_rounded(where: str) -> None:
    # Its elements would pass through Python floats, rounded: NumPy's own exact float128
    # product of [[2**63 - 1]] and [[1.0]] failed the float128 bound that way.
    arrays: dict[str, HostArray] = {
        "z": np.ones((1, 1)),
        "x": np.ones((1, 1)),
        "w": np.ones((1, 1)),
    }
    arrays[where] = arrays[where].astype(np.longdouble)
    name = str(np.dtype(np.longdouble))
    with pytest.raises(TypeError, match=f"^check_product: {where} has dtype '{name}'"):
        check_product(arrays["z"], arrays["x"], arrays["w"])


def test_a_float16_result_from_int16_counts_its_conversion_in_every_term() -> None:
    # NumPy gives float32 for int16 @ float16; a backend that answers in float16 is checked
    # with float16's bound (float32 accumulation, one final rounding), where int16 (15 bits)
    # rounds on conversion (c = 1): m_c + u16*(|s| + m_c) + (1 + u16)*(gamma_k(u32)*(m + m_c)
    # + k*eta32) + eta16/2, with m_c = gamma_1(u16)*m.
    x, w = _row("int16"), _column("float16")
    z = np.matmul(x, w).astype(np.float16)
    u16, u32 = unit_roundoff(np.dtype(np.float16)), unit_roundoff(np.dtype(np.float32))
    eta16 = Fraction(float(np.finfo(np.float16).smallest_subnormal))
    eta32 = Fraction(float(np.finfo(np.float32).smallest_subnormal))
    terms = [Fraction(int(a)) * Fraction(float(b)) for a, b in zip(x[0], w[:, 0], strict=True)]
    k, exact = len(terms), sum(terms, Fraction(0))
    magnitude = sum(map(abs, terms), Fraction(0))
    moved = gamma(1, u16) * magnitude
    accumulated = gamma(k, u32) * (magnitude + moved) + k * eta32
    bound = moved + u16 * (abs(exact) + moved) + (1 + u16) * accumulated + eta16 / 2
    expected = float(abs(Fraction(float(z[0, 0])) - exact) / bound)
    assert 0 < expected <= 1
    assert check_product(z, x, w).max_ratio == expected
