"""The seed examples (tests/test_seed_examples.py) on every backend, through the parity kit.

Each product is checked against the exact product of its float64 inputs within the
inner-product error bound, on the reference and on the backend; integer-valued results
(transposes, integer dot products, ``a @ a.T`` of integers) must agree exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import arraybackend as ab
from arraybackend.testing import assert_parity

HostArray = np.ndarray[Any, np.dtype[Any]]
Fn = Callable[..., object]


def _mm(be: ab.Backend[Any], x: Any, w: Any) -> object:
    return be.matrix_multiply(x, w)


def _dot(be: ab.Backend[Any], x: Any, w: Any) -> object:
    return be.dot(x, w)


def _tr(be: ab.Backend[Any], x: Any) -> object:
    return be.transpose(x)


def _gram(be: ab.Backend[Any], a: Any) -> object:
    return be.matrix_multiply(a, be.transpose(a))


def _pair(x: HostArray, w: HostArray) -> tuple[HostArray, HostArray]:
    return x, w


def _with_transpose(a: HostArray) -> tuple[HostArray, HostArray]:
    return a, a.T


F64 = np.float64
EXAMPLE_1_X = np.array([[1, 2], [3, 4], [5, 6], [7, 8]])
EXAMPLE_1_W = np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])
CASES: list[tuple[str, Fn, tuple[HostArray, ...], Any]] = [
    ("example 1 float", _mm, (EXAMPLE_1_X.astype(F64), EXAMPLE_1_W), _pair),
    ("example 1 int64 @ float64", _mm, (EXAMPLE_1_X, EXAMPLE_1_W), _pair),
    (
        "example 2",
        _mm,
        (np.array([[1, 2, 3], [4, 5, 6]], F64), np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])),
        _pair,
    ),
    ("example 3 transpose", _tr, (np.array([[1, 2, 3], [4, 5, 6]]),), None),
    ("example 4 dot", _dot, (np.array([1, 2, 3]), np.array([4, 5, 6])), _pair),
    (
        "exercise 1",
        _mm,
        (
            np.array([[1, 2], [3, 4], [5, 6]], F64),
            np.array([[0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8]]),
        ),
        _pair,
    ),
    ("exercise 2 transpose", _tr, (np.array([[1, 2], [3, 4], [5, 6]], F64),), None),
    (
        "exercise 3 dot",
        _dot,
        (np.array([1, 2, 3, 4], F64), np.array([0.1, 0.2, 0.3, 0.4])),
        _pair,
    ),
    ("exercise 4 a @ a.T", _gram, (np.array([[1, 2, 3], [4, 5, 6]], F64),), _with_transpose),
]


@pytest.mark.parametrize(("fn", "args", "product"), [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_seed_example(
    array_backend: ab.Backend[Any], fn: Fn, args: tuple[HostArray, ...], product: Any
) -> None:
    result = assert_parity(fn, *args, backend=array_backend, product=product)
    assert result.error is None
    if result.backend is not None:
        assert result.backend.max_ratio <= 1
