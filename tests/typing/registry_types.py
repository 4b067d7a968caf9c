"""Backend names, the protocol and the module-level functions (checked, never run).

Markers: see ``numpy_backend_types.py``.
"""

from __future__ import annotations

from typing import Any, Literal, assert_type

import numpy as np

import arraybackend as ab
from arraybackend import Matrix, NDArray, Vector
from arraybackend.backends.cupy import CuPyBackend
from arraybackend.backends.numpy import NumPyBackend

StrMatrix = np.ndarray[tuple[int, int], np.dtype[np.str_]]
Scalar0d = np.ndarray[tuple[()], np.dtype[np.float64]]


def names_give_classes(name: str) -> None:
    assert_type(ab.get_backend("numpy"), NumPyBackend)
    # The CuPy backend's class, even where CuPy is not installed: typing needs no import.
    assert_type(ab.get_backend("cupy"), CuPyBackend)
    assert_type(ab.get_backend("cupy").name, Literal["cupy"])
    # Any other str: the documented fallback, a Backend of an unknown array type.
    assert_type(ab.get_backend(name), ab.Backend[Any])
    assert_type(ab.get_backend("array_api_strict"), ab.Backend[Any])
    assert_type(ab.current_backend(), ab.Backend[Any])
    assert_type(ab.set_backend("numpy"), NumPyBackend)
    with ab.use_backend("numpy") as be:
        assert_type(be, NumPyBackend)
    assert_type(ab.set_backend("cupy"), CuPyBackend)
    with ab.use_backend("cupy") as gpu:
        assert_type(gpu, CuPyBackend)
    with ab.use_backend(name) as some:
        assert_type(some, ab.Backend[Any])
    ab.get_backend(3)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    ab.get_backend(None)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    ab.use_backend(np)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType, reportCallIssue]


def each_backend_satisfies_the_protocol() -> None:
    # Structurally, not by inheritance: one line per backend and array type.
    _n64: ab.Backend[Matrix[np.float64]] = ab.get_backend("numpy")
    _n32: ab.Backend[Matrix[np.float32]] = ab.get_backend("numpy")
    _ni32: ab.Backend[Matrix[np.int32]] = ab.get_backend("numpy")
    # A backend is a Backend of *matrices*: vector . vector is a scalar, not a vector, and
    # dot refuses stacks, so Backend[Vector[...]] and Backend[NDArray[...]] do not hold.
    _nv: ab.Backend[Vector[np.float32]] = ab.get_backend("numpy")  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
    _nnd: ab.Backend[NDArray[np.int32]] = ab.get_backend("numpy")  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
    # Not for arrays it cannot take: lists, or non-numeric arrays.
    _nl: ab.Backend[list[float]] = ab.get_backend("numpy")  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
    _ns: ab.Backend[StrMatrix] = ab.get_backend("numpy")  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]


def module_level_functions_are_as_precise(
    m32: Matrix[np.float32],
    m64: Matrix[np.float64],
    mi32: Matrix[np.int32],
    v32: Vector[np.float32],
    v64: Vector[np.float64],
) -> None:
    assert_type(ab.matrix_multiply(m32, m32), Matrix[np.float32])
    assert_type(ab.matrix_multiply(mi32, mi32), Matrix[np.int32])
    assert_type(ab.matrix_multiply(v64, m64), Vector[np.float64])
    assert_type(ab.matrix_multiply(m64, v64), Vector[np.float64])
    assert_type(ab.matrix_multiply(v32, v32), np.float32)
    assert_type(ab.transpose(m32), Matrix[np.float32])
    assert_type(ab.transpose(v64), Vector[np.float64])
    assert_type(ab.dot(v32, v32), np.float32)
    assert_type(ab.dot(v64, v64), np.float64)
    assert_type(ab.dot(m64, m64), Matrix[np.float64])
    assert_type(ab.dot(m32, v32), Vector[np.float32])


def module_level_functions_reject_the_same(
    m64: Matrix[np.float64],
    v64: Vector[np.float64],
    zero_d: Scalar0d,
    strings: StrMatrix,
) -> None:
    ab.matrix_multiply([[1.0]], m64)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    ab.matrix_multiply(m64, 2.0)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    ab.matrix_multiply(None, m64)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    ab.matrix_multiply(zero_d, m64)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType, reportCallIssue]
    ab.matrix_multiply(strings, strings)  # type: ignore[type-var]  # pyright: ignore[reportArgumentType, reportCallIssue]
    ab.transpose([1.0, 2.0])  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    ab.transpose(zero_d)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType, reportCallIssue]
    ab.dot(v64, [1.0, 2.0])  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    ab.dot(zero_d, v64)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType, reportCallIssue]
    ab.dot(strings, strings)  # type: ignore[type-var]  # pyright: ignore[reportArgumentType, reportCallIssue]
    _v: Vector[np.float64] = ab.dot(v64, v64)  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
