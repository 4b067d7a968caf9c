"""The public toolkit for backend authors, ``arraybackend.diagnostics``, called directly.

The backends' tests reach these functions through NumPy's failures; a backend author calls
them with any input, so each documented result is checked here on its own.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import arraybackend as ab
from arraybackend.diagnostics import (
    Operand,
    describe,
    foreign_array,
    product_problem,
    transpose_axes,
    unexplained,
)

F64 = np.dtype(np.float64)


def test_describe_none_is_the_string_none() -> None:
    assert describe(None) == "None"
    assert describe(3) == "an int"
    assert describe(np.ones((2, 3))) == "a numpy.ndarray of shape (2, 3)"


def test_an_operand_is_writable_unless_told_otherwise() -> None:
    x, w = Operand("x", (2, 3), F64), Operand("w", (3, 4), F64)
    out = Operand("out", (2, 4), F64)
    assert out.writable
    assert product_problem("matrix_multiply", x, w, out) is None
    problem = product_problem("matrix_multiply", x, w, out._replace(writable=False))
    assert isinstance(problem, ab.OutputError)


class _Unregistered:
    """An array of a library no backend is registered for."""

    shape = (2,)
    dtype = F64


_Unregistered.__module__ = "otherlib.core"


@pytest.mark.parametrize(
    ("obj", "fix"),
    [
        (_Unregistered(), "convert it with get_backend('mine').asarray(x)"),
        (np.ones(2), "convert it with get_backend('mine').asarray(x)"),  # owner: numpy
    ],
    ids=["unregistered-library", "numpy"],
)
def test_an_array_without_another_backend_is_converted(obj: object, fix: str) -> None:
    err = foreign_array("matrix_multiply", "x", obj, backend="mine", array_type="mine.Array")
    assert isinstance(err, ab.BackendMismatchError)
    assert str(err).endswith(fix)


def test_an_array_of_another_backend_is_moved_through_it() -> None:
    xp: Any = pytest.importorskip("array_api_strict", reason="needs the array-api-strict extra")
    ab.known_backends()  # reads the entry points: array-api-strict owns its arrays
    err = foreign_array("dot", "u", xp.ones(2), backend="numpy", array_type="numpy.ndarray")
    assert isinstance(err, ab.BackendMismatchError)
    assert str(err).endswith(
        "move it with get_backend('numpy').asarray(get_backend('array-api-strict')"
        ".to_numpy(u)), or use the 'array-api-strict' backend"
    )


def test_a_non_array_is_an_array_type_error() -> None:
    err = foreign_array("dot", "u", [1.0], backend="numpy", array_type="numpy.ndarray")
    assert type(err) is ab.ArrayTypeError
    assert str(err) == (
        "dot: u is a list, not a numpy.ndarray; convert it first with "
        "get_backend('numpy').asarray(u)"
    )


@pytest.mark.parametrize(
    ("cause", "kind"),
    [
        (TypeError("bad types"), ab.DTypeError),
        (ValueError("bad shapes"), ab.ShapeError),
        (RuntimeError("out of memory"), ab.ArrayBackendError),
    ],
)
def test_an_unexplained_failure_keeps_the_builtin_class_of_its_cause(
    cause: Exception, kind: type[ab.ArrayBackendError]
) -> None:
    err = unexplained("dot", "NumPy", cause)
    assert type(err) is kind
    assert str(err) == f"dot: NumPy refused the operands: {type(cause).__name__}: {cause}"


@pytest.mark.parametrize(
    ("shape", "expected"), [((5,), (0,)), ((2, 3), (1, 0)), ((2, 3, 4), (2, 1, 0))]
)
def test_transpose_axes_none_reverses_every_axis(
    shape: tuple[int, ...], expected: tuple[int, ...]
) -> None:
    assert transpose_axes(shape, None) == expected
    assert transpose_axes(shape, iter(expected)) == expected


class _RefusingIndex:
    """Declares ``__index__`` (so it is ``SupportsIndex``) but refuses, as a float
    ``torch.Tensor`` does: "only integer tensors of a single element can be converted"."""

    def __index__(self) -> int:
        raise TypeError("only integer tensors of a single element can be converted to an index")


def test_transpose_axes_whose_index_refuses_are_an_argument_error() -> None:
    with pytest.raises(ab.ArgumentError, match="axes must be a sequence of ints"):
        transpose_axes((2, 3), [_RefusingIndex(), 0])


@pytest.mark.parametrize("axes", [{1: 0, 0: 0}, {0, 1}, frozenset({0, 1})])
def test_transpose_axes_in_a_mapping_or_set_are_an_argument_error(axes: Any) -> None:
    # They iterate (a dict by its keys), but in no order the caller wrote; NumPy refuses them.
    with pytest.raises(ab.ArgumentError, match="axes must be a sequence of ints"):
        transpose_axes((2, 3), axes)
