"""The examples and exercises of "Learn Deep Learning with NumPy, Part 1.2", exactly.

Every product is compared with the exact rational product of the float64 inputs, within
the inner-product error bound ``gamma_k * (|x| @ |w|)``, and with the decimal value the
post means, within that bound plus the error of representing the decimals in binary.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest

import arraybackend as ab
from arraybackend.testing import check_product, gamma, unit_roundoff

U64 = unit_roundoff(np.dtype(np.float64))


def assert_product_close(
    z: np.ndarray[Any, Any],
    x: np.ndarray[Any, Any],
    w: np.ndarray[Any, Any],
    intended: list[list[str]],
) -> None:
    """``z`` is x @ w up to rounding, and equals the post's decimal values up to representation."""
    check_product(z, x, w)  # every element within gamma_k |x| @ |w| of the exact product
    k = x.shape[1]
    magnitude = np.abs(x).astype(object) @ np.abs(w).astype(object)
    for i, row in enumerate(intended):
        for j, text in enumerate(row):
            computed = Fraction(float(z[i, j]))
            # Rounding in the product (gamma_k), and the decimal inputs themselves are off by
            # up to u relative each in binary: one more term, gamma_{k+1}.
            bound = (gamma(k, U64) + gamma(k + 1, U64)) * Fraction(float(magnitude[i, j]))
            assert abs(computed - Fraction(text)) <= bound, (i, j, text, float(computed))


def test_example_1_integer_x_float_w() -> None:
    x = np.array([[1, 2], [3, 4], [5, 6], [7, 8]])
    w = np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])
    z = ab.matrix_multiply(x.astype(np.float64), w)
    mixed = ab.get_backend("numpy").matrix_multiply(x, w)  # int64 @ float64 promotes
    assert z.shape == (4, 3)
    assert mixed.dtype == np.float64
    np.testing.assert_array_equal(mixed, z)
    # The post prints 4.0 where NumPy prints "4.": values are compared, not formatting.
    assert_product_close(
        z,
        x,
        w,
        [
            ["0.9", "1.2", "1.5"],
            ["1.9", "2.6", "3.3"],
            ["2.9", "4.0", "5.1"],
            ["3.9", "5.4", "6.9"],
        ],
    )


def test_example_2_reusable_function() -> None:
    x = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.float64)
    w = np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], dtype=np.float64)
    z = ab.matrix_multiply(x, w)
    assert z.shape == (2, 2)
    assert z.dtype == np.float64
    # The post prints 6.2 for z[1, 1]: 4*0.2 + 5*0.4 + 6*0.6 is 6.4, so we assert 6.4.
    assert_product_close(z, x, w, [["2.2", "2.8"], ["4.9", "6.4"]])
    assert abs(float(z[1, 1]) - 6.2) > 0.1


def test_example_3_transpose() -> None:
    x = np.array([[1, 2, 3], [4, 5, 6]])
    xt = ab.transpose(x)
    np.testing.assert_array_equal(xt, np.array([[1, 4], [2, 5], [3, 6]]))
    assert xt.shape == (3, 2)
    assert xt.dtype == x.dtype
    assert np.shares_memory(xt, x)  # a view, not a copy


def test_example_4_dot() -> None:
    result = ab.dot(np.array([1, 2, 3]), np.array([4, 5, 6]))
    assert result == 32
    assert isinstance(result, np.integer)


def test_exercise_1() -> None:
    x = np.array([[1, 2], [3, 4], [5, 6]], dtype=np.float64)
    w = np.array([[0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8]], dtype=np.float64)
    z = ab.matrix_multiply(x, w)
    assert z.shape == (3, 4)
    assert_product_close(
        z,
        x,
        w,
        [["1.1", "1.4", "1.7", "2.0"], ["2.3", "3.0", "3.7", "4.4"], ["3.5", "4.6", "5.7", "6.8"]],
    )


def test_exercise_2() -> None:
    x = np.array([[1, 2], [3, 4], [5, 6]], dtype=np.float64)
    assert ab.transpose(x).shape == (2, 3)
    np.testing.assert_array_equal(ab.transpose(x), x.T)


def test_exercise_3() -> None:
    u = np.array([1, 2, 3, 4], dtype=np.float64)
    v = np.array([0.1, 0.2, 0.3, 0.4], dtype=np.float64)
    result = ab.dot(u, v)
    exact = sum(Fraction(float(a)) * Fraction(float(b)) for a, b in zip(u, v, strict=True))
    # The float64 result is exactly 3.0 (hex 0x1.8p+1); the exact product of the float64
    # inputs is within gamma_4 * sum|u||v| of it, and so is the sum of the elementwise products.
    assert float(result).hex() == "0x1.8000000000000p+1"
    assert abs(Fraction(float(result)) - exact) <= gamma(4, U64) * exact
    assert result == pytest.approx(float(np.sum(u * v)), rel=float(gamma(4, U64)))


def test_exercise_4() -> None:
    a = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.float64)
    z = ab.matrix_multiply(a, ab.transpose(a))
    assert z.shape == (2, 2)
    np.testing.assert_array_equal(z, np.array([[14.0, 32.0], [32.0, 77.0]]))  # integers: exact
