"""The exact check's own branches: non-finite inputs (±Inf, NaN) and the float16 bound.

``check_product`` is the parity kit's judge: a branch of it that no test reaches could be
wrong without anything failing (mutation testing found the ±Inf branch and the float16
``eta16 / 2`` term unreached; see docs/mutation.md). Only the public API is used.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from arraybackend.testing import check_product, gamma

HostArray = np.ndarray[Any, np.dtype[Any]]
inf, nan = np.inf, np.nan


def _product(x: HostArray, w: HostArray) -> HostArray:
    with np.errstate(all="ignore"):
        z: HostArray = np.matmul(x, w)
    return z


# -- float16: accumulated in float32, rounded once to float16 ---------------------------------
# From the module's documented bound, for one product (k = 1) that underflows in float16:
#   u16 * |s| + (1 + u16) * (gamma_1(u32) * |x||w| + eta32) + eta16 / 2
U16, U32 = Fraction(1, 2**11), Fraction(1, 2**24)
ETA16, ETA32 = Fraction(1, 2**24), Fraction(1, 2**149)
TINY = Fraction(1, 2**13)  # a normal float16; TINY**2 = 2**-26 is a quarter of eta16


def _f16(value: Fraction) -> HostArray:
    return np.array([[float(value)]], dtype=np.float16)


def test_float16_bound_has_the_final_rounding_half_subnormal() -> None:
    x = _f16(TINY)
    z = _product(x, x)
    assert z[0, 0] == 0  # 2**-26 rounds to 0: less than half of float16's smallest subnormal
    exact = TINY * TINY
    bound = U16 * exact + (1 + U16) * (gamma(1, U32) * exact + ETA32) + ETA16 / 2
    check = check_product(z, x, x)
    assert check.max_ratio == float(exact / bound)
    assert 0.49 < check.max_ratio < 0.5  # the eta16 / 2 term is nearly all of the bound


def test_float16_result_one_subnormal_off_fails() -> None:
    x = _f16(TINY)
    wrong = np.array([[float(ETA16)]], dtype=np.float16)  # 2**-24: error 3 * 2**-26 > bound
    with pytest.raises(AssertionError, match=r"float16, k=1\): values exceed the error bound"):
        check_product(wrong, x, x)


def test_float16_accumulated_in_float16_has_its_own_bound() -> None:
    x = _f16(TINY)
    exact = TINY * TINY
    check = check_product(_product(x, x), x, x, accumulate={})
    assert check.max_ratio == float(exact / (gamma(1, U16) * exact + ETA16))


def test_float16_bound_grows_with_the_magnitude_of_the_sum() -> None:
    # 2049 is not a float16: the one final rounding of the float32 sum 2048 + 1 gives 2048,
    # an error of 1 that only the u16 * |s| term covers.
    x = np.array([[2048.0, 1.0]], dtype=np.float16)
    w = np.ones((2, 1), dtype=np.float16)
    exact = Fraction(2049)
    bound = U16 * exact + (1 + U16) * (gamma(2, U32) * exact + 2 * ETA32) + ETA16 / 2
    check = check_product(_product(x, w), x, w)
    assert check.max_ratio == float(1 / bound)
    assert check.max_ratio > 0.99


# -- non-finite inputs: the IEEE class of each element ------------------------------------


@pytest.mark.parametrize(
    ("x", "w", "expected"),
    [
        pytest.param([[inf, 1.0]], [[1.0], [2.0]], inf, id="+inf"),
        pytest.param([[-inf, 1.0]], [[1.0], [2.0]], -inf, id="-inf"),
        pytest.param([[inf, 1.0]], [[-1.0], [2.0]], -inf, id="+inf*-1"),
        pytest.param([[-inf, 1.0]], [[-3.0], [2.0]], inf, id="-inf*-3"),
        pytest.param([[inf, -inf]], [[1.0], [1.0]], nan, id="inf-inf"),
        pytest.param([[inf, inf]], [[1.0], [1.0]], inf, id="inf+inf"),
        pytest.param([[nan, inf]], [[1.0], [1.0]], nan, id="nan+inf"),
        pytest.param([[inf, 1.0]], [[0.0], [1.0]], nan, id="inf*0"),
    ],
)
def test_non_finite_elements_must_have_the_ieee_class(
    x: list[list[float]], w: list[list[float]], expected: float
) -> None:
    xa, wa = np.array(x), np.array(w)
    reference = _product(xa, wa)
    np.testing.assert_array_equal(reference, [[expected]])
    assert check_product(reference, xa, wa, reference=reference).max_ratio == 0
    for wrong in (inf, -inf, nan, 0.0, 1e300):
        if np.array_equal([wrong], [expected], equal_nan=True):
            continue
        with pytest.raises(AssertionError, match="non-finite inputs: computed"):
            check_product(np.array([[wrong]]), xa, wa, reference=reference)


SPECIAL = st.sampled_from([-2.0, -1.0, 0.0, 1.0, 3.0, inf, -inf, nan])


@given(data=st.data(), m=st.integers(1, 3), k=st.integers(1, 3), n=st.integers(1, 3))
def test_a_wrong_infinity_or_a_lost_nan_is_caught(
    data: st.DataObject, m: int, k: int, n: int
) -> None:
    x = data.draw(hnp.arrays(np.float64, (m, k), elements=SPECIAL), label="x")
    w = data.draw(hnp.arrays(np.float64, (k, n), elements=SPECIAL), label="w")
    reference = _product(x, w)
    check_product(reference, x, w, reference=reference)
    for index in np.ndindex(reference.shape):
        value = reference[index]
        if np.isfinite(value):
            continue
        wrong = reference.copy()
        wrong[index] = -value if np.isinf(value) else 0.0
        with pytest.raises(AssertionError, match="non-finite inputs"):
            check_product(wrong, x, w, reference=reference)


@pytest.mark.parametrize(
    ("x", "w"),
    [
        pytest.param([[complex(inf, 0)]], [[1 + 1j]], id="inf*(1+1j)"),
        pytest.param([[complex(inf, 0)]], [[1 + 0j]], id="inf*1"),
        pytest.param([[complex(0, -inf)]], [[2 + 0j]], id="-inf-j*2"),
        pytest.param([[complex(1, 0), complex(-inf, 0)]], [[1j], [1 + 0j]], id="sum"),
    ],
)
def test_complex_components_are_classified_separately(
    x: list[list[complex]], w: list[list[complex]]
) -> None:
    xa, wa = np.array(x), np.array(w)
    reference = _product(xa, wa)
    check_product(reference, xa, wa, reference=reference)
    value = complex(reference[0, 0])
    for flipped in (complex(-value.real, value.imag), complex(value.real, -value.imag)):
        if np.array_equal([flipped], [value], equal_nan=True):
            continue  # a NaN component has no sign to get wrong
        with pytest.raises(AssertionError, match="non-finite inputs"):
            check_product(np.array([[flipped]]), xa, wa, reference=reference)


def test_non_finite_inputs_without_a_reference_are_not_checked() -> None:
    x, w = np.array([[inf, 1.0]]), np.array([[1.0], [1.0]])
    check = check_product(np.array([[-1.0]]), x, w)
    assert check.max_ratio == 0
    assert "not checked" in check.worst


def test_an_infinite_result_from_finite_inputs_fails() -> None:
    x, w = np.array([[1.0, 2.0]]), np.array([[3.0], [4.0]])
    with pytest.raises(AssertionError, match="computed inf from finite inputs"):
        check_product(np.array([[inf]]), x, w)


@pytest.mark.parametrize(
    ("x", "w", "computed"),
    [
        pytest.param([[inf, 1.0]], [[1.0], [2.0]], [[inf]], id="real"),
        pytest.param([[-inf, 1.0]], [[1.0], [2.0]], [[-inf]], id="real-negative"),
        pytest.param([[1.0, 2.0]], [[inf], [-inf]], [[nan]], id="real-nan"),
        pytest.param([[complex(inf, 0)]], [[1 + 0j]], [[complex(inf, nan)]], id="complex"),
    ],
)
def test_the_ieee_class_passes_whatever_the_reference_says(
    x: list[list[complex]], w: list[list[complex]], computed: list[list[complex]]
) -> None:
    # A reference (a BLAS) may lose a NaN; a backend that keeps IEEE semantics still passes.
    xa, wa, z = np.array(x), np.array(w), np.array(computed)
    np.testing.assert_array_equal(_product(xa, wa), z)
    for reference in ([[0.0]], [[1.0]], [[nan]]):
        ref = np.array(reference, dtype=z.dtype)
        if np.array_equal(ref, z, equal_nan=True):
            continue
        assert check_product(z, xa, wa, reference=ref).max_ratio == 0


def test_the_bound_is_inclusive() -> None:
    # 0 * 0 has magnitude 0: the bound is k * eta, the smallest subnormal, exactly.
    zero = np.zeros((1, 1))
    eta = np.finfo(np.float64).smallest_subnormal
    assert check_product(np.array([[eta]]), zero, zero).max_ratio == 1.0
    with pytest.raises(AssertionError, match="ratio 2"):
        check_product(np.array([[2 * eta]]), zero, zero)


def test_a_result_of_the_wrong_shape_fails_even_with_as_many_elements() -> None:
    x, w = np.ones((2, 3)), np.ones((3, 3))
    with pytest.raises(AssertionError, match=r"shape \(3, 2\) but x @ w has shape \(2, 3\)"):
        check_product(np.full((3, 2), 3.0), x, w)
    with pytest.raises(AssertionError, match=r"shape \(2, 3, 1\)"):
        check_product(np.full((2, 3, 1), 3.0), x, w)


def test_complex_bound_is_per_component_over_2k_terms() -> None:
    # (1+2j)(3+4j) = -5+10j exactly; computed values one ulp off in one component.
    x, w = np.array([[1 + 2j]]), np.array([[3 + 4j]])
    u, eta = Fraction(1, 2**53), Fraction(1, 2**1074)
    bound_re = gamma(2, u) * (1 * 3 + 2 * 4) + 2 * eta  # |xr||wr| + |xi||wi|: 2k = 2 terms
    bound_im = gamma(2, u) * (1 * 4 + 2 * 3) + 2 * eta  # |xr||wi| + |xi||wr|
    ulp_re, ulp_im = Fraction(1, 2**50), Fraction(1, 2**49)  # spacing at 5 and at 10
    re_off = np.array([[complex(-5 + float(ulp_re), 10)]])
    im_off = np.array([[complex(-5, 10 + float(ulp_im))]])
    assert check_product(re_off, x, w).max_ratio == float(ulp_re / bound_re)
    assert "re computed" in check_product(re_off, x, w).worst
    assert check_product(im_off, x, w).max_ratio == float(ulp_im / bound_im)
    assert "im computed" in check_product(im_off, x, w).worst


def test_complex64_takes_the_accumulation_of_its_real_part() -> None:
    # accumulate is keyed by the real dtype: complex64 accumulated in float64, then rounded
    # once to float32 (the float16 rule, with float32 in its place).
    x, w = np.array([[1 + 2j]], np.complex64), np.array([[3 + 4j]], np.complex64)
    z = np.array([[-5 + 10j]], np.complex64)
    acc = {np.dtype(np.float32): np.dtype(np.float64)}
    u32, u64 = Fraction(1, 2**24), Fraction(1, 2**53)
    eta32, eta64 = Fraction(1, 2**149), Fraction(1, 2**1074)
    ulp = Fraction(1, 2**21)  # float32's spacing at 5
    bound = u32 * 5 + (1 + u32) * (gamma(2, u64) * 11 + 2 * eta64) + eta32 / 2
    assert check_product(z, x, w, accumulate=acc).max_ratio == 0
    wrong = np.array([[complex(-5 + float(ulp), 10)]], np.complex64)
    with pytest.raises(AssertionError, match=rf"ratio {float(ulp / bound):.3g}$"):
        check_product(wrong, x, w, accumulate=acc)


def test_an_exact_result_still_names_its_worst_element() -> None:
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    check = check_product(x @ x, x, x)
    assert check.max_ratio == 0
    assert check.elements == 4
    assert check.worst.startswith("element (")
    assert "computed" in check.worst
