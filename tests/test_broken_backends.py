"""A kit that cannot fail proves nothing: deliberately wrong backends must fail it, readably."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

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


class OneUlpDot(Delegating):
    """``dot`` of float64 off by about one unit in the last place (zero stays zero)."""

    def dot(self, u: Any, v: Any, /) -> Any:
        z = NUMPY.dot(u, v)
        if np.asarray(z).dtype == np.float64:
            return z * (1 + 2.0**-52)
        return z


class CopyingTranspose(Delegating):
    """Right values, but ``transpose`` returns a copy, not a view."""

    def transpose(self, x: Any, /, axes: Sequence[int] | None = None) -> Any:
        return np.array(NUMPY.transpose(x, axes), copy=True)


class AcceptsZeroD(Delegating):
    """Multiplies by a 0-d operand instead of refusing it."""

    def matrix_multiply(self, x: Any, w: Any, /, *, out: Any = None) -> Any:
        if np.ndim(x) == 0 or np.ndim(w) == 0:
            return np.multiply(x, w)
        return NUMPY.matrix_multiply(x, w, out=out)


def _scribble(a: object, change: Callable[[HostArray], object]) -> None:
    if not isinstance(a, np.ndarray):
        return
    host = cast("HostArray", a)
    if host.dtype.kind in "fc" and host.flags.writeable:
        change(host)


class SignOfZero(Delegating):
    """Turns +0.0 into -0.0 in its first operand: ``array_equal`` still holds."""

    def matrix_multiply(self, x: Any, w: Any, /, *, out: Any = None) -> Any:
        z = NUMPY.matrix_multiply(x, w, out=out)
        _scribble(x, lambda a: np.copyto(a, -0.0, where=(a == 0)))
        return z


class NanPayload(Delegating):
    """Rewrites every NaN in its first operand as the default NaN (payload and sign lost)."""

    def dot(self, u: Any, v: Any, /) -> Any:
        z = NUMPY.dot(u, v)
        _scribble(u, lambda a: np.copyto(a, np.nan, where=np.isnan(a)))
        return z


class IgnoresOut(Delegating):
    """Returns a new array and leaves ``out`` as it was."""

    def matrix_multiply(self, x: Any, w: Any, /, *, out: Any = None) -> Any:
        return NUMPY.matrix_multiply(x, w)


class ReturnsOutUnwritten(Delegating):
    """Returns ``out`` without writing the product into it."""

    def matrix_multiply(self, x: Any, w: Any, /, *, out: Any = None) -> Any:
        z = NUMPY.matrix_multiply(x, w)
        return z if out is None else out


class Saturating(Delegating):
    """Clips integer products to the dtype's range instead of wrapping around as NumPy does."""

    def matrix_multiply(self, x: Any, w: Any, /, *, out: Any = None) -> Any:
        if x.dtype.kind in "iu" and x.dtype == w.dtype:
            info = np.iinfo(x.dtype)
            exact = np.matmul(x.astype(object), w.astype(object))
            return np.clip(exact, int(info.min), int(info.max)).astype(x.dtype)
        return NUMPY.matrix_multiply(x, w, out=out)


def _fails(backend: ab.Backend[Any], *checks: str, max_examples: int | None = None) -> str:
    """The summary of a run at the default size (restricted to ``checks``) that must fail."""
    options: dict[str, Any] = {"checks": checks or None}
    if max_examples is not None:
        options["max_examples"] = max_examples
    with pytest.raises(ParityError) as info:
        check_backend(backend, **options)
    report = info.value.report
    assert report is not None
    assert report.failures
    assert str(info.value) == report.summary()
    return str(info.value)


def test_the_fakes_are_otherwise_correct() -> None:
    report = check_backend(Delegating(), max_examples=10)
    assert report.failures == []
    assert report.notes == [
        "no implicit conversion: broken arrays are NumPy arrays, there is nothing to convert"
    ]


def test_wrong_values_fail_with_the_worst_element() -> None:
    message = _fails(SloppyFloats(), "matrix_multiply")
    assert "conformance of 'broken'" in message
    assert "FAILED matrix_multiply [float64]: ParityError: broken result (float64" in message
    assert "worst element" in message
    assert "error" in message
    assert "bound" in message


def test_wrong_error_class_fails() -> None:
    message = _fails(WrongErrors(), "errors")
    assert "FAILED errors: inner dimensions differ" in message
    assert "reference raised ShapeError" in message
    assert "broken raised ValueError" in message


def test_mutated_input_fails() -> None:
    assert "argument 0 was modified in place" in _fails(Mutating(), "matrix_multiply")


def test_implicit_conversion_fails() -> None:
    message = _fails(Lenient(), "no implicit conversion")
    assert "no implicit conversion: numpy arrays to lenient: matrix_multiply converted" in message


def test_one_ulp_float64_dot_fails_at_the_default_size() -> None:
    message = _fails(OneUlpDot(), "dot")
    assert "FAILED dot [float64]: ParityError: broken result (float64" in message
    assert "FAILED dot [float32]" not in message  # only the broken dtype


def test_transpose_returning_a_copy_fails() -> None:
    message = _fails(CopyingTranspose(), "transpose", "transpose is a view")
    assert "FAILED transpose is a view [float64]: transpose of a C (3,) array" in message
    assert "returned a copy" in message
    assert "FAILED transpose:" not in message  # the values are right


def test_accepting_0d_operands_fails() -> None:
    message = _fails(AcceptsZeroD(), "errors")
    assert "FAILED errors: 0-d x in matrix_multiply" in message
    assert "FAILED errors: 0-d w in matrix_multiply" in message
    assert "reference raised ShapeError" in message


@pytest.mark.parametrize(
    ("backend", "change"),
    [
        pytest.param(SignOfZero(), "np.float64(0.0) -> np.float64(-0.0)", id="signed-zero"),
        pytest.param(NanPayload(), "0x7ff8000000000001 -> 0x7ff8000000000000", id="nan"),
    ],
)
def test_mutation_that_keeps_array_equal_fails(backend: ab.Backend[Any], change: str) -> None:
    message = _fails(backend, "inputs unchanged")
    assert "FAILED inputs unchanged [float64]:" in message
    assert "argument 0 was modified in place at" in message
    assert change in message
    assert "(compared byte for byte)" in message


def test_ignored_out_fails() -> None:
    message = _fails(IgnoresOut(), "out=")
    assert "FAILED out= [float64]: x (2, 3) @ w (3, 4):" in message
    assert "returned a new array, not out" in message


def test_unwritten_out_fails() -> None:
    message = _fails(ReturnsOutUnwritten(), "out=")
    assert "FAILED out= [float64]: x (2, 3) @ w (3, 4): broken result (float64" in message
    assert "computed nan from finite inputs" in message
    assert "FAILED out= [int8]: x (2, 3) @ w (3, 4): broken result (int8" in message


def test_saturating_integers_fail() -> None:
    message = _fails(Saturating(), "overflow")
    assert "FAILED overflow [int8]: wraps around: broken result (int8, k=2)" in message
    assert "computed 127, exact 256 (wraps to 0 in int8)" in message
