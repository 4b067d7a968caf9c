"""The NumPy backend keeps dtype and rank, and rejects wrong input (checked, never run).

Each accepted case is an ``assert_type``; each rejected case is one line carrying the
checkers' markers, mypy's ``# type: ignore[code]`` and pyright's ``# pyright: ignore[rule]``.
Both checkers fail on a marker that suppresses nothing, so a check that stops catching its
mistake fails the build.
"""

from __future__ import annotations

from typing import Any, Literal, assert_type

import numpy as np

import arraybackend as ab
from arraybackend import Matrix, NDArray, Vector
from arraybackend.backends.numpy import NumPyBackend

Stack = np.ndarray[tuple[int, int, int], np.dtype[np.float64]]
Scalar0d = np.ndarray[tuple[()], np.dtype[np.float64]]
# Matrix[...] itself refuses a non-numeric element type, so these are spelled out.
StrMatrix = np.ndarray[tuple[int, int], np.dtype[np.str_]]
BytesMatrix = np.ndarray[tuple[int, int], np.dtype[np.bytes_]]
ObjectMatrix = np.ndarray[tuple[int, int], np.dtype[np.object_]]
DatetimeMatrix = np.ndarray[tuple[int, int], np.dtype[np.datetime64]]
BoolMatrix = np.ndarray[tuple[int, int], np.dtype[np.bool_]]


def dtype_and_rank_are_kept(
    m32: Matrix[np.float32],
    m64: Matrix[np.float64],
    mi32: Matrix[np.int32],
    v32: Vector[np.float32],
    v64: Vector[np.float64],
    vi32: Vector[np.int32],
    mc: Matrix[np.complex128],
    s: Stack,
) -> None:
    be = ab.get_backend("numpy")
    assert_type(be, NumPyBackend)
    assert_type(be.name, Literal["numpy"])
    # matrix_multiply: dtype in = dtype out; matrix . matrix -> matrix, vector . matrix and
    # matrix . vector -> vector, vector . vector -> the element scalar type.
    assert_type(be.matrix_multiply(m32, m32), Matrix[np.float32])
    assert_type(be.matrix_multiply(m64, m64), Matrix[np.float64])
    assert_type(be.matrix_multiply(mi32, mi32), Matrix[np.int32])
    assert_type(be.matrix_multiply(mc, mc), Matrix[np.complex128])
    assert_type(be.matrix_multiply(v32, m32), Vector[np.float32])
    assert_type(be.matrix_multiply(m64, v64), Vector[np.float64])
    assert_type(be.matrix_multiply(v32, v32), np.float32)
    assert_type(be.matrix_multiply(s, s), NDArray[np.float64])
    assert_type(be.matrix_multiply(m64, m64, out=m64), Matrix[np.float64])
    # transpose: a matrix stays a matrix, a vector a vector.
    assert_type(be.transpose(m32), Matrix[np.float32])
    assert_type(be.transpose(vi32), Vector[np.int32])
    assert_type(be.transpose(s, (0, 2, 1)), NDArray[np.float64])
    # dot: vector . vector is the element scalar type; matrix . matrix a matrix.
    assert_type(be.dot(v32, v32), np.float32)
    assert_type(be.dot(v64, v64), np.float64)
    assert_type(be.dot(vi32, vi32), np.int32)
    assert_type(be.dot(m64, m64), Matrix[np.float64])
    assert_type(be.dot(v32, m32), Vector[np.float32])
    assert_type(be.dot(m32, v32), Vector[np.float32])
    assert_type(be.to_numpy(m32), Matrix[np.float32])


def asarray_is_precise(m32: Matrix[np.float32], v64: Vector[np.float64]) -> None:
    be = ab.get_backend("numpy")
    assert_type(be.asarray(m32), Matrix[np.float32])
    assert_type(be.asarray(v64), Vector[np.float64])
    assert_type(be.asarray([[1.0, 2.0]], dtype=np.float32), NDArray[np.float32])
    assert_type(be.asarray([1, 2], dtype=np.dtype(np.int32)), NDArray[np.int32])
    assert_type(be.asarray([1.0, 2.0]), NDArray[Any])


def wrong_input_is_rejected(
    m64: Matrix[np.float64],
    v64: Vector[np.float64],
    m32: Matrix[np.float32],
    zero_d: Scalar0d,
    strings: StrMatrix,
    raw: BytesMatrix,
    objects: ObjectMatrix,
    dates: DatetimeMatrix,
    flags: BoolMatrix,
    s: Stack,
) -> None:
    be = ab.get_backend("numpy")
    be.matrix_multiply([[1.0, 2.0]], m64)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    be.matrix_multiply(m64, 2.0)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    be.matrix_multiply(None, m64)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    be.matrix_multiply(zero_d, m64)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType, reportCallIssue]
    be.matrix_multiply(strings, strings)  # type: ignore[type-var]  # pyright: ignore[reportArgumentType, reportCallIssue]
    be.matrix_multiply(raw, raw)  # type: ignore[type-var]  # pyright: ignore[reportArgumentType, reportCallIssue]
    be.matrix_multiply(objects, objects)  # type: ignore[type-var]  # pyright: ignore[reportArgumentType, reportCallIssue]
    be.matrix_multiply(dates, dates)  # type: ignore[type-var]  # pyright: ignore[reportArgumentType, reportCallIssue]
    be.matrix_multiply(flags, flags)  # type: ignore[type-var]  # pyright: ignore[reportArgumentType, reportCallIssue]
    be.matrix_multiply(m64, m64, out=[[0.0]])  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    be.transpose([[1, 2], [3, 4]])  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    be.transpose(zero_d)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType, reportCallIssue]
    be.transpose(strings)  # type: ignore[type-var]  # pyright: ignore[reportArgumentType, reportCallIssue]
    be.dot(v64, [1.0, 2.0])  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    be.dot(zero_d, v64)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType, reportCallIssue]
    be.dot(s, s)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType, reportCallIssue]
    be.asarray([1, 2], dtype=np.str_)  # type: ignore[type-var]  # pyright: ignore[reportArgumentType, reportCallIssue]
    be.asarray([1, 2], dtype=np.object_)  # type: ignore[type-var]  # pyright: ignore[reportArgumentType, reportCallIssue]
    be.asarray([1, 2], dtype=np.datetime64)  # type: ignore[type-var]  # pyright: ignore[reportArgumentType, reportCallIssue]
    be.to_numpy(strings)  # type: ignore[type-var]  # pyright: ignore[reportArgumentType, reportCallIssue]
    # Results are what they say: a float32 product is not a float64 matrix, a vector is
    # not a matrix, and dot of two vectors is a scalar, not an array.
    _wide: Matrix[np.float64] = be.matrix_multiply(m32, m32)  # type: ignore[arg-type]  # pyright: ignore[reportAssignmentType]
    _flat: Matrix[np.float64] = be.matrix_multiply(v64, m64)  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
    _arr: Vector[np.float64] = be.dot(v64, v64)  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
