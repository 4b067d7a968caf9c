"""The exact bounds' edges: no false alarm on right results, no pass for wrong ones.

Operand conversion (int64 beyond 2**53 in a float64 product), integer wrap-around,
floating overflow, the IEEE class of ±Inf results and float16's final rounding (η/2).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import arraybackend as ab
from arraybackend.testing import ParityError, assert_parity, check_product

HostArray = np.ndarray[Any, np.dtype[Any]]
NUMPY = ab.get_backend("numpy")


def _mm(be: ab.Backend[Any], x: Any, w: Any) -> object:
    with np.errstate(all="ignore"):
        return be.matrix_multiply(x, w)


def _pair(x: HostArray, w: HostArray) -> tuple[HostArray, HostArray]:
    return x, w


# Integers that float64 cannot hold, and floats with all 53 significand bits in use: simple
# values (small integers, halves) would make every product exact and hide the rounding.
BIG_INT64 = st.integers(2**53 + 1, 2**63 - 1) | st.integers(-(2**63), -(2**53) - 1)
FULL = st.integers(2**52 + 1, 2**53 - 1)


def _float(m: int, e: int, sign: int) -> float:
    return sign * m * 2.0 ** (e - 52)


FLOAT64 = st.builds(_float, FULL, st.integers(-3, 3), st.sampled_from([1, -1]))
COMPLEX128 = st.builds(complex, FLOAT64, FLOAT64)


@given(st.data(), st.integers(1, 4))
def test_int64_beyond_2_53_times_float64_is_no_false_alarm(data: st.DataObject, k: int) -> None:
    # NumPy rounds each int64 to float64 before multiplying: the bound counts that rounding.
    x = np.array([data.draw(st.lists(BIG_INT64, min_size=k, max_size=k))], dtype=np.int64)
    w = np.array(data.draw(st.lists(FLOAT64, min_size=k, max_size=k)))[:, None]
    check_product(np.matmul(x, w), x, w)
    check_product(np.matmul(w.T, x.T), w.T, x.T)
    u = np.array(data.draw(st.lists(COMPLEX128, min_size=k, max_size=k)))[:, None]
    check_product(np.matmul(x, u), x, u)
    unsigned = np.array([data.draw(st.lists(st.integers(0, 2**64 - 1), min_size=k, max_size=k))])
    unsigned = unsigned.astype(np.uint64)
    check_product(np.matmul(unsigned, x.T), unsigned, x.T)  # uint64 @ int64 -> float64


def test_int64_beyond_2_53_times_float64_many_random_cases() -> None:
    rng = np.random.default_rng(0)
    for _ in range(300):  # before the conversion term about 3 % of these failed
        k = int(rng.integers(1, 4))
        x = rng.integers(2**53, 2**62, size=(1, k), dtype=np.int64)
        w = rng.uniform(-4, 4, size=(k, 1))
        check_product(np.matmul(x, w), x, w)


def test_the_int64_example_that_raised_a_false_alarm() -> None:
    x, w = np.array([[1270363912955496574]]), np.array([[-3.94326537117467]])
    # The conversion alone rounds: with the product's rounding that is more than gamma_1.
    assert int(float(x[0, 0])) != 1270363912955496574
    result = assert_parity(_mm, x, w, backend=NUMPY, product=_pair)
    assert result.reference is not None
    assert result.reference.max_ratio <= 1


def test_the_conversion_term_is_only_as_loose_as_it_must_be() -> None:
    x, w = np.array([[1270363912955496574]]), np.array([[-3.94326537117467]])
    z = np.matmul(x, w)
    wrong = z + 4 * np.spacing(z)  # four units in the last place: no rounding explains it
    with pytest.raises(ParityError, match="exceed the error bound"):
        check_product(wrong, x, w)
    # int32 converts to float64 exactly: no extra term, so one ulp off still fails.
    small = np.array([[3]], dtype=np.int32)
    third = np.array([[1 / 3]])
    with pytest.raises(ParityError, match="exceed"):
        check_product(np.nextafter(np.matmul(small, third), 2), small, third)


@pytest.mark.parametrize(
    ("x", "w", "value"),
    [
        pytest.param(np.array([[100]], np.int8), np.array([[100]], np.int8), 16, id="int8"),
        pytest.param(np.array([[-(2**62)]]), np.array([[4]]), 0, id="int64"),  # -2**64 wraps to 0
        pytest.param(np.array([[200]], np.uint8), np.array([[2]], np.uint8), 144, id="uint8"),
    ],
)
def test_integer_wrap_around_is_the_exact_answer(x: HostArray, w: HostArray, value: int) -> None:
    z = np.matmul(x, w)
    assert int(z[0, 0]) == value
    result = assert_parity(_mm, x, w, backend=NUMPY, product=_pair)
    assert result.reference is not None
    assert result.reference.max_ratio == 0
    assert "wraps to" in result.reference.worst
    with pytest.raises(ParityError, match="wraps to"):
        check_product(np.iinfo(z.dtype).max + 0 * z, x, w, reference=z)  # saturating: wrong


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_overflow_in_both_is_not_blamed_on_the_reference(dtype: str) -> None:
    big = 2.0 ** (int(np.finfo(dtype).maxexp) // 2 + 1)
    x = np.array([[big, big], [big, 1.0]], dtype)
    w = np.array([[big, -big], [big, -big]], dtype)  # +inf, -inf in every order; big * 2
    assert_parity(_mm, x, w, backend=NUMPY, product=_pair)  # no ParityError
    z: HostArray = np.asarray(_mm(NUMPY, x, w))
    assert z[0, 0] == np.inf
    assert z[0, 1] == -np.inf
    assert check_product(z, x, w).max_ratio <= 1  # the reference alone: not blamed
    nan_for_inf = z.copy()
    nan_for_inf[0, 0] = np.nan  # +inf expected there
    with pytest.raises(ParityError, match="overflow: computed nan, reference inf"):
        check_product(nan_for_inf, x, w, reference=z)


def test_1e200_squared() -> None:
    x = np.array([[1e200]])
    result = assert_parity(_mm, x, x, backend=NUMPY, product=_pair)
    assert result.reference is not None
    assert result.reference.worst.endswith("overflow: computed inf (not checked), exact 1.000e+400")
    inf = np.array([[np.inf]])
    check = check_product(inf, x, x, reference=inf)
    assert check.worst.endswith("overflow: computed inf, reference inf, exact 1.000e+400")
    with pytest.raises(ParityError, match="overflow: computed -inf, reference inf"):
        check_product(-inf, x, x, reference=inf)


def test_inf_from_inputs_that_cannot_overflow_fails() -> None:
    x, w = np.array([[1e200]]), np.array([[1.0]])
    with pytest.raises(ParityError, match="computed inf from finite inputs that cannot overflow"):
        check_product(np.array([[np.inf]]), x, w)


def test_the_sign_of_an_infinite_result_is_checked() -> None:
    x, w = np.array([[np.inf]]), np.array([[-1.0]])
    minus, plus = np.array([[-np.inf]]), np.array([[np.inf]])
    check_product(minus, x, w, reference=minus)
    check_product(minus, x, w, reference=plus)  # IEEE's -inf passes even if the reference errs
    check_product(plus, x, w, reference=plus)  # the reference's class passes (see parity.md)
    with pytest.raises(ParityError, match="non-finite inputs: computed inf, reference -inf"):
        check_product(plus, x, w, reference=minus)
    with pytest.raises(ParityError, match="non-finite inputs: computed -inf, reference inf"):
        check_product(minus, -x, w, reference=plus)


def test_inf_minus_inf_is_nan_in_every_order() -> None:
    x, w = np.array([[np.inf, np.inf]]), np.array([[1.0], [-1.0]])
    nan = np.array([[np.nan]])
    check_product(nan, x, w, reference=nan)
    for wrong in (np.inf, -np.inf, 0.0):
        with pytest.raises(ParityError, match="non-finite inputs"):
            check_product(np.array([[wrong]]), x, w, reference=nan)


def test_complex_infinite_components_are_classed_one_by_one() -> None:
    x, w = np.array([[complex(np.inf, 1.0)]]), np.array([[complex(1.0, 0.0)]])
    # (inf + 1j)(1 + 0j) = (inf*1 - 1*0) + (inf*0 + 1*1)j = inf + nan j (naively)
    right = np.array([[complex(np.inf, np.nan)]])
    check_product(right, x, w, reference=right)
    with pytest.raises(ParityError, match="non-finite inputs"):
        check_product(np.array([[complex(-np.inf, np.nan)]]), x, w, reference=right)


def test_float16_final_rounding_term() -> None:
    # 2**-12 * 2**-13 = 2**-25, half float16's smallest subnormal (eta16 = 2**-24): the
    # float32 sum is exact and rounds (ties to even) to 0, an error of exactly eta16 / 2.
    h = np.float16
    x, w = np.array([[2.0**-12]], h), np.array([[2.0**-13]], h)
    z = NUMPY.matrix_multiply(x, w)
    assert float(z[0, 0]) == 0.0
    check = check_product(z, x, w)
    assert 0.99 < check.max_ratio <= 1
    assert Fraction(float(np.finfo(h).smallest_subnormal)) == Fraction(1, 2**24)
    # 2**-26 rounds to 0 as well; eta16 (0.75 eta16 away) is beyond the eta16 / 2 term.
    quarter = np.array([[2.0**-13]], h)
    check_product(np.array([[0.0]], h), quarter, quarter)
    with pytest.raises(ParityError, match="exceed"):
        check_product(np.array([[2.0**-24]], h), quarter, quarter)


def test_an_infinity_is_accepted_exactly_where_rounding_can_reach_the_overflow_threshold() -> None:
    # float64 rounds to inf from max + ulp/2 = max + 2**970 on (a tie goes to the even 2**1024).
    # An element may be inf only where (1 + gamma_{k+c}) * (|x|.|w|) reaches that threshold.
    top = Fraction(float(np.finfo(np.float64).max))
    threshold = top + Fraction(2) ** 970
    u = Fraction(1, 2**53)
    inf = np.array([[np.inf]])
    # Exactly at it: int64 2**54 - 1 rounds on conversion (c = 1), so gamma_2 with k = 1.
    x, w = np.array([[2**54 - 1]]), np.array([[(2**52 - 1) * 2.0**918]])
    assert (2**54 - 1) * Fraction(float(w[0, 0])) / (1 - 2 * u) == threshold
    check_product(inf, x, w, reference=inf)
    # Just above (2**969 beyond) and just below (2**968 short) it, with k = 2 floats.
    big, ones = float(top) - 2.0**972, np.ones((2, 1))
    for extra, allowed in ((1.5 * 2.0**970, True), (0.75 * 2.0**970, False)):
        x = np.array([[big, extra]])
        reach = (Fraction(big) + Fraction(extra)) / (1 - 2 * u)
        assert (reach >= threshold) is allowed
        assert abs(reach - threshold) <= Fraction(2) ** 969
        if allowed:
            check_product(inf, x, ones, reference=inf)
        else:
            with pytest.raises(ParityError, match="from finite inputs that cannot overflow"):
                check_product(inf, x, ones, reference=inf)


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "uint64"])
def test_the_largest_unsigned_value_is_exact(dtype: str) -> None:
    top = int(np.iinfo(dtype).max)  # wraps to itself: 2**bits - 1, not -1
    x, w = np.array([[top]], dtype), np.array([[1]], dtype)
    z = np.matmul(x, w)
    assert int(z[0, 0]) == top
    assert check_product(z, x, w).max_ratio == 0
    with pytest.raises(ParityError, match=f"computed {top - 1}, exact {top}"):
        check_product(z - 1, x, w)


def test_a_finite_complex_element_from_non_finite_inputs_fails() -> None:
    # (nan + 0j)(1 + 0j): IEEE gives nan + nan j; a finite element matches no NaN pattern.
    x, w = np.array([[complex(np.nan, 0.0)]]), np.array([[complex(1.0, 0.0)]])
    nan = np.array([[complex(np.nan, np.nan)]])
    check_product(nan, x, w, reference=nan)
    for finite in (complex(1.0, 1.0), complex(0.0, 0.0)):
        with pytest.raises(ParityError, match="non-finite inputs: computed"):
            check_product(np.array([[finite]]), x, w, reference=nan)
