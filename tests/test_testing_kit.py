"""The parity kit: the reference against exact arithmetic, and every backend against it."""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import arraybackend as ab
from arraybackend.testing import (
    CHECKS,
    ParityError,
    assert_parity,
    check_backend,
    check_product,
    gamma,
    unit_roundoff,
)
from arraybackend.testing import strategies as abst
from arraybackend.testing.strategies import FLOAT_DTYPES, INTEGER_DTYPES, LAYOUTS

HostArray = np.ndarray[Any, np.dtype[Any]]
NUMPY = ab.get_backend("numpy")


def _mm(be: ab.Backend[Any], x: Any, w: Any) -> object:
    return be.matrix_multiply(x, w)


def _square(be: ab.Backend[Any], a: Any) -> object:
    return be.matrix_multiply(a, a)


@pytest.mark.parametrize(
    "dtype", [pytest.param(d, id=str(d)) for d in FLOAT_DTYPES + INTEGER_DTYPES]
)
@given(data=st.data())
def test_reference_matches_exact_arithmetic(dtype: np.dtype[Any], data: st.DataObject) -> None:
    x, w = data.draw(abst.matmul_operands(dtypes=st.just(dtype)))
    check_product(NUMPY.matrix_multiply(x, w), x, w, who="numpy")


@given(abst.matmul_operands(shapes=abst.matmul_shapes(batched=False)))
def test_reference_dot_matches_exact_arithmetic(operands: tuple[HostArray, HostArray]) -> None:
    x, w = operands
    check_product(np.asarray(NUMPY.dot(x, w)), x, w, who="numpy dot")


def test_backend_conforms(array_backend: ab.Backend[Any]) -> None:
    report = check_backend(array_backend, max_examples=settings().max_examples)
    assert report.failures == []
    supported = len(report.max_ratio)
    assert report.examples["matrix_multiply"] >= supported * settings().max_examples
    assert list(report.examples) == [c.name for c in CHECKS if c.name in report.examples]
    assert all(ratio <= 1 for ratio in report.max_ratio.values())


def test_gamma_and_unit_roundoff() -> None:
    assert unit_roundoff(np.dtype(np.float64)) == Fraction(1, 2**53)
    assert unit_roundoff(np.dtype(np.complex64)) == Fraction(1, 2**24)
    assert unit_roundoff(np.dtype(np.float16)) == Fraction(1, 2**11)
    assert gamma(2, Fraction(1, 4)) == 1
    with pytest.raises(ValueError, match="k\\*u"):
        gamma(4, Fraction(1, 4))


def test_check_product_names_the_worst_element() -> None:
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    z = x @ x
    z[1, 0] += 1e-9  # far beyond gamma_2 * (3*1 + 4*3) ~ 3.3e-15
    z[0, 1] += 1e-12
    with pytest.raises(ParityError) as info:
        check_product(z, x, x)
    assert info.value.report is None
    message = str(info.value)
    assert "element (1, 0)" in message
    assert "error 1e-09" in message
    assert "bound 3.33e-15" in message


def test_check_product_integers_are_exact() -> None:
    x = np.array([[1, 2], [3, 4]], dtype=np.int8)
    assert check_product(x @ x, x, x).max_ratio == 0
    with pytest.raises(ParityError, match="computed 8, exact 7"):
        check_product(x @ x + np.int8(1), x, x)


def test_float16_accumulates_in_float32_in_the_reference() -> None:
    # 2048 + 1 + 1 ... : a float16 accumulator would stay at 2048 (spacing 2 there).
    x = np.array([[2048.0] + [1.0] * 8], dtype=np.float16)
    w = np.ones((9, 1), dtype=np.float16)
    assert float(NUMPY.matrix_multiply(x, w)[0, 0]) == 2056.0
    check_product(NUMPY.matrix_multiply(x, w), x, w)
    with pytest.raises(ParityError, match="exceed"):
        check_product(np.array([[2048.0]], dtype=np.float16), x, w)


def test_assert_parity_same_error_class() -> None:
    bad = (np.ones((2, 3)), np.ones((2, 3)))
    result = assert_parity(_mm, *bad, backend=NUMPY)
    assert result.error is ab.ShapeError


def test_assert_parity_reports_dtype_first() -> None:
    class Float32Numpy:
        name = "float32-numpy"

        def matrix_multiply(self, x: HostArray, w: HostArray, /) -> HostArray:
            return np.asarray(NUMPY.matrix_multiply(x, w), dtype=np.float32)

        def asarray(self, obj: HostArray, /) -> HostArray:
            return obj

        def to_numpy(self, x: HostArray, /) -> HostArray:
            return x

    x = np.ones((2, 2))
    partial = cast("ab.Backend[Any]", Float32Numpy())  # deliberately not a whole backend
    with pytest.raises(ParityError, match="dtype float32 != reference dtype float64"):
        assert_parity(_square, x, backend=partial)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_arrange_keeps_values(layout: abst.Layout) -> None:
    a = np.arange(12.0).reshape(3, 4)
    b = abst.arrange(a, layout)
    np.testing.assert_array_equal(a, b)
    assert b.flags.c_contiguous == (layout in ("C", "readonly"))
    assert b.flags.writeable == (layout != "readonly")


@given(abst.matmul_shapes())
def test_matmul_shapes_are_valid(shapes: tuple[tuple[int, ...], tuple[int, ...]]) -> None:
    xs, ws = shapes
    np.matmul(np.zeros(xs), np.zeros(ws))  # raises if the strategy made an invalid pair


def test_import_testing_imports_neither_pytest_nor_hypothesis() -> None:
    code = (
        "import sys, arraybackend.testing; "
        "print(sorted(m for m in ('pytest', 'hypothesis') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_reference_keeps_nan_times_zero() -> None:
    # ndarray.dot scales by a one-element operand with BLAS axpy, which skips a 0 factor;
    # the NumPy backend leaves such operands to np.matmul, which gives NaN (IEEE 754).
    x, w = np.array([[0.0], [np.nan]]), np.array([[0.0]])
    with np.errstate(all="ignore"):
        assert np.isnan(np.matmul(x, w)[1, 0])
        assert np.isnan(NUMPY.matrix_multiply(x, w)[1, 0])
        assert np.isnan(NUMPY.matrix_multiply(w, x.T)[0, 1])
        assert np.isnan(NUMPY.dot(x, w)[1, 0])
        assert np.isnan(NUMPY.dot(np.array([0.0]), np.array([np.inf])))


def test_nan_check_accepts_ieee_or_the_reference() -> None:
    x, w = np.array([[0.0], [np.nan]]), np.array([[0.0]])
    reference = np.array([[0.0], [0.0]])  # what the NumPy backend returns (see above)
    check_product(np.array([[0.0], [np.nan]]), x, w, reference=reference)  # IEEE
    check_product(reference, x, w, reference=reference)  # same as the reference
    with pytest.raises(ParityError, match="non-finite inputs"):
        check_product(np.array([[0.0], [np.inf]]), x, w, reference=reference)


def test_public_surface() -> None:
    import arraybackend.testing as kit
    from arraybackend.testing import plugin

    assert sorted(kit.__all__) == sorted(
        [
            "CHECKS",
            "Check",
            "DEFAULT_ACCUMULATE",
            "BackendReport",
            "Failure",
            "ParityError",
            "ParityResult",
            "ValueCheck",
            "assert_parity",
            "check_backend",
            "check_product",
            "gamma",
            "unit_roundoff",
        ]
    )
    assert all(hasattr(kit, name) for name in kit.__all__)
    assert all(hasattr(abst, name) for name in abst.__all__)
    assert all(hasattr(plugin, name) for name in plugin.__all__)


def test_check_backend_returns_the_failures_when_asked() -> None:
    numpy: ab.Backend[Any] = NUMPY

    class WrongTranspose:
        name = "wrong-transpose"

        def matrix_multiply(self, x: Any, w: Any, /, *, out: Any = None) -> Any:
            return numpy.matrix_multiply(x, w, out=out)

        def transpose(self, x: Any, /, axes: Any = None) -> Any:
            return numpy.transpose(x, axes) + 1  # a copy, and wrong values

        def dot(self, u: Any, v: Any, /) -> Any:
            return numpy.dot(u, v)

        def asarray(self, obj: Any, /) -> Any:
            return obj

        def to_numpy(self, x: Any, /) -> HostArray:
            return NUMPY.to_numpy(x)

    broken = cast("ab.Backend[Any]", WrongTranspose())
    checks = ["transpose", "transpose is a view", "errors"]
    report = check_backend(broken, checks=checks, raise_on_failure=False)
    assert report.failed_checks == ["transpose", "transpose is a view"]
    assert all(f.check in checks for f in report.failures)
    assert str(report.failures[0]).startswith("transpose [")  # the dtype that failed first
    assert "values differ from the reference" in str(report.failures[0])
    with pytest.raises(ParityError) as info:
        check_backend(broken, checks=checks)
    assert info.value.report is not None
    assert info.value.report.failures == report.failures  # derandomized: the same run
    assert str(info.value) == report.summary()


def test_check_backend_refuses_unknown_checks_and_backends_without_asarray() -> None:
    with pytest.raises(ValueError, match=r"unknown check\(s\) \['dots'\]; the checks are 'matr"):
        check_backend(NUMPY, checks=["dots"])
    assert list(check_backend(NUMPY, checks="errors").examples) == ["errors"]

    class NoAsarray:
        name = "no-asarray"

    with pytest.raises(TypeError, match="has no asarray"):
        check_backend(cast("ab.Backend[Any]", NoAsarray()))


def test_checks_are_named_once_and_documented_in_order() -> None:
    names = [c.name for c in CHECKS]
    assert len(set(names)) == len(names)
    doc = (Path(__file__).parent.parent / "docs" / "parity.md").read_text()
    section = doc.split("## What `check_backend` runs", 1)[1]
    table = next(block for block in section.split("\n\n") if block.startswith("| check |"))
    rows = [line.split("|")[1].strip().strip("`") for line in table.splitlines()[2:]]
    assert rows == [*names, "every call"]


def test_array_api_strict_transpose_views_are_checked_through_dlpack() -> None:
    pytest.importorskip("array_api_strict")
    report = check_backend(ab.get_backend("array-api-strict"), checks=["transpose is a view"])
    assert report.examples["transpose is a view"] > 0
    assert report.notes == []
