"""A kit that cannot fail proves nothing: deliberately wrong backends must fail it, readably."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

import arraybackend as ab
from arraybackend.testing import ParityError, check_backend

HostArray = np.ndarray[Any, np.dtype[Any]]
# Typed as the protocol: its methods return Any, which the fakes pass on.
NUMPY: ab.Backend[Any] = ab.get_backend("numpy")


class Delegating:
    """The NumPy backend under another name; subclasses break one thing each."""

    name = "broken"

    def matrix_multiply(self, x: Any, w: Any, /, *, out: Any = None) -> Any:
        return NUMPY.matrix_multiply(x, w, out=out)

    def transpose(self, x: Any, /, axes: Sequence[int] | None = None) -> Any:
        return NUMPY.transpose(x, axes)

    def dot(self, u: Any, v: Any, /) -> Any:
        return NUMPY.dot(u, v)

    def asarray(self, obj: Any, /) -> Any:
        return np.asarray(obj)

    def to_numpy(self, x: Any, /) -> HostArray:
        return NUMPY.to_numpy(x)


class SloppyFloats(Delegating):
    """Right shapes and dtypes, values off by a relative 2**-20 (a float32-ish kernel)."""

    def matrix_multiply(self, x: Any, w: Any, /, *, out: Any = None) -> Any:
        z = NUMPY.matrix_multiply(x, w)
        if z.dtype == np.float64:
            return z * (1 + 2.0**-20) + 2.0**-20
        return z


class WrongErrors(Delegating):
    """Lets NumPy's own ValueError through instead of arraybackend's ShapeError."""

    def matrix_multiply(self, x: Any, w: Any, /, *, out: Any = None) -> Any:
        return np.matmul(x, w)


class Mutating(Delegating):
    """Returns the right product, but scribbles on its first operand when it can."""

    def matrix_multiply(self, x: Any, w: Any, /, *, out: Any = None) -> Any:
        z = NUMPY.matrix_multiply(x, w)
        if x.dtype == np.float64 and x.size and x.flags.writeable:  # one dtype: fast shrinking
            x.reshape(-1)[:1] = 0  # a view when x is contiguous
        return z


class Box:
    """A stand-in for another library's array type."""

    def __init__(self, data: HostArray) -> None:
        self.data = data
        self.shape = data.shape
        self.dtype = data.dtype
        self.device = "box"


class Lenient(Delegating):
    """Its own array type, but it quietly accepts NumPy arrays (implicit conversion)."""

    name = "lenient"

    @staticmethod
    def _open(a: Any) -> Any:
        return a.data if isinstance(a, Box) else a

    def matrix_multiply(self, x: Any, w: Any, /, *, out: Any = None) -> Any:
        return Box(np.asarray(NUMPY.matrix_multiply(self._open(x), self._open(w))))

    def transpose(self, x: Any, /, axes: Sequence[int] | None = None) -> Any:
        return Box(NUMPY.transpose(self._open(x), axes))

    def dot(self, u: Any, v: Any, /) -> Any:
        return Box(np.asarray(NUMPY.dot(self._open(u), self._open(v))))

    def asarray(self, obj: Any, /) -> Any:
        return Box(np.asarray(obj))

    def to_numpy(self, x: Any, /) -> HostArray:
        if not isinstance(x, Box):
            raise ab.ArrayTypeError("to_numpy: not a Box")
        return x.data


def _fails(backend: ab.Backend[Any]) -> str:
    with pytest.raises(ParityError) as info:
        check_backend(backend, max_examples=15)
    return str(info.value)


def test_the_fakes_are_otherwise_correct() -> None:
    assert not check_backend(Delegating(), max_examples=10).failures


def test_wrong_values_fail_with_the_worst_element() -> None:
    message = _fails(SloppyFloats())
    assert "conformance of 'broken'" in message
    assert "FAILED matrix_multiply: ParityError: broken result (float64" in message
    assert "worst element" in message
    assert "error" in message
    assert "bound" in message


def test_wrong_error_class_fails() -> None:
    message = _fails(WrongErrors())
    assert "FAILED errors: inner dimensions differ" in message
    assert "reference raised ShapeError" in message
    assert "broken raised ValueError" in message or "broken raised" in message


def test_mutated_input_fails() -> None:
    assert "argument 0 was modified in place" in _fails(Mutating())


def test_implicit_conversion_fails() -> None:
    message = _fails(Lenient())
    assert "no implicit conversion: numpy arrays to lenient: matrix_multiply converted" in message
