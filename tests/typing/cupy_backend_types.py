"""The CuPy backend: device arrays in, device arrays out, and no host array accepted.

Checked against the stubs in ``typings/cupy`` (never run; CuPy need not be installed).
Markers: see ``numpy_backend_types.py``.
"""

from __future__ import annotations

from typing import Any, Literal, assert_type

import cupy
import numpy as np

import arraybackend as ab
from arraybackend import Matrix, Vector
from arraybackend.backends.cupy import CuPyBackend

F32 = np.dtype[np.float32]
F64 = np.dtype[np.float64]
I32 = np.dtype[np.int32]


def device_arrays_keep_dtype_and_rank(
    m32: cupy.ndarray[tuple[int, int], F32],
    m64: cupy.ndarray[tuple[int, int], F64],
    mi32: cupy.ndarray[tuple[int, int], I32],
    v32: cupy.ndarray[tuple[int], F32],
    v64: cupy.ndarray[tuple[int], F64],
    host: Matrix[np.float32],
) -> None:
    be = ab.get_backend("cupy")
    assert_type(be, CuPyBackend)
    assert_type(be.name, Literal["cupy"])
    assert_type(be.matrix_multiply(m32, m32), cupy.ndarray[tuple[int, int], F32])
    assert_type(be.matrix_multiply(mi32, mi32), cupy.ndarray[tuple[int, int], I32])
    assert_type(be.matrix_multiply(v64, m64), cupy.ndarray[tuple[int], F64])
    assert_type(be.matrix_multiply(m64, v64), cupy.ndarray[tuple[int], F64])
    assert_type(be.transpose(m32), cupy.ndarray[tuple[int, int], F32])
    assert_type(be.transpose(v64), cupy.ndarray[tuple[int], F64])
    # dot of two vectors stays on the device: a 0-d CuPy array, not a host scalar.
    assert_type(be.dot(v32, v32), cupy.ndarray[tuple[()], F32])
    assert_type(be.dot(m64, m64), cupy.ndarray[tuple[int, int], F64])
    assert_type(be.asarray(host), cupy.ndarray[tuple[int, int], F32])
    assert_type(be.to_numpy(m32), Matrix[np.float32])
    assert_type(
        be.asarray([[1.0]], dtype=np.float32), cupy.ndarray[tuple[int, *tuple[int, ...]], F32]
    )
    _c: ab.Backend[cupy.ndarray[tuple[int, int], F64]] = ab.get_backend("cupy")
    _c32: ab.Backend[cupy.ndarray[tuple[int, int], F32]] = ab.get_backend("cupy")


def device_arithmetic_keeps_dtype_and_rank(
    m32: cupy.ndarray[tuple[int, int], F32],
    m64: cupy.ndarray[tuple[int, int], F64],
    mi32: cupy.ndarray[tuple[int, int], I32],
    host: Matrix[np.float64],
) -> None:
    # What examples/two_layer_network.py's generic train uses: -, * (array or float), tanh.
    assert_type(m64 - m64, cupy.ndarray[tuple[int, int], F64])
    assert_type(m32 * m32, cupy.ndarray[tuple[int, int], F32])
    assert_type(m32 * 0.5, cupy.ndarray[tuple[int, int], F32])  # a Python float is weak
    assert_type(cupy.tanh(m32), cupy.ndarray[tuple[int, int], F32])
    # An integer array times a float is a float64 array at run time: a general array here.
    assert_type(mi32 * 0.5, cupy.ndarray[tuple[Any, ...], np.dtype[Any]])
    # Host arrays do not mix with device arrays.
    _d = m64 - host  # type: ignore[operator]  # pyright: ignore[reportOperatorIssue, reportUnknownVariableType]
    cupy.tanh(host)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]


def arrays_stay_with_their_backend(
    cm: cupy.ndarray[tuple[int, int], F64],
    cv: cupy.ndarray[tuple[int], F64],
    cs: cupy.ndarray[tuple[int, int], np.dtype[np.str_]],
    nm: Matrix[np.float64],
    nv: Vector[np.float64],
) -> None:
    cp_be = ab.get_backend("cupy")
    np_be = ab.get_backend("numpy")
    # A NumPy array to the CuPy backend, and a CuPy array to the NumPy backend.
    cp_be.matrix_multiply(nm, nm)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    cp_be.matrix_multiply(cm, nm)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    cp_be.transpose(nm)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    cp_be.dot(nv, nv)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    np_be.matrix_multiply(cm, cm)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    np_be.dot(cv, cv)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    np_be.transpose(cm)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    # The module-level functions take CuPy arrays too (tests/typing/api_types.py), never
    # a CuPy array with a NumPy one.
    assert_type(ab.matrix_multiply(cm, cm), cupy.ndarray[tuple[int, int], F64])
    ab.matrix_multiply(cm, nm)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    # Non-numeric and wrong-rank device arrays, host lists.
    cp_be.matrix_multiply(cs, cs)  # type: ignore[type-var]  # pyright: ignore[reportArgumentType, reportCallIssue]
    cp_be.matrix_multiply([[1.0]], cm)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    cp_be.asarray([1, 2], dtype=np.str_)  # type: ignore[type-var]  # pyright: ignore[reportArgumentType, reportCallIssue]
    cp_be.asarray([1, 2], dtype=np.object_)  # type: ignore[type-var]  # pyright: ignore[reportArgumentType, reportCallIssue]
    # The scalar from dot is a device array: it is not a host float64.
    _s: np.float64 = cp_be.dot(cv, cv)  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
    _n: ab.Backend[Matrix[np.float64]] = ab.get_backend("cupy")  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
    _m: ab.Backend[cupy.ndarray[tuple[int, int], F64]] = np_be  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
