"""The Dask backend: dask arrays in, dask arrays out, and no NumPy or CuPy array accepted.

Checked against the stubs in ``typings/dask`` (never run; dask need not be installed).
Dask arrays carry neither rank nor dtype in their type (``dask.array.Array`` is not
generic), so results are ``da.Array`` whatever the operands. Markers: see
``numpy_backend_types.py``.
"""

from __future__ import annotations

from typing import Any, Literal, assert_type

import cupy
import dask.array as da
import numpy as np

import arraybackend as ab
from arraybackend import Matrix, Vector
from arraybackend.backends.dask import DaskBackend

F64 = np.dtype[np.float64]


def dask_arrays_in_dask_arrays_out(x: da.Array, w: da.Array, host: Matrix[np.float64]) -> None:
    be = ab.get_backend("dask")
    assert_type(be, DaskBackend)
    assert_type(be.name, Literal["dask"])
    assert_type(be.matrix_multiply(x, w), da.Array)
    assert_type(be.matrix_multiply(x, w, out=x), da.Array)
    assert_type(be.transpose(x), da.Array)
    assert_type(be.transpose(x, (1, 0)), da.Array)
    assert_type(be.dot(x, w), da.Array)  # vector . vector too: a 0-d dask array
    assert_type(be.asarray(host, chunks=(1000, 1000)), da.Array)
    assert_type(be.asarray([[1.0, 2.0]], chunks="64MiB", dtype=np.float32), da.Array)
    assert_type(be.asarray(x, chunks={0: 100}), da.Array)
    assert_type(be.to_numpy(x), np.ndarray[tuple[Any, ...], np.dtype[Any]])
    assert_type(be.planned_block_size(), int)
    assert_type(DaskBackend(block_size="64MiB").block_size, int | None)
    _b: ab.Backend[da.Array] = ab.get_backend("dask")
    # What the dask stubs give the code around a product.
    assert_type(x.chunks, tuple[tuple[int | float, ...], ...])  # NaN where unknown
    assert_type(x.dtype, np.dtype[Any])
    assert_type(x @ w, da.Array)
    assert_type(x.sum(axis=1), da.Array)
    assert_type(x.rechunk({0: 10}).persist(), da.Array)


def arrays_stay_with_their_backend(
    x: da.Array,
    nm: Matrix[np.float64],
    nv: Vector[np.float64],
    cm: cupy.ndarray[tuple[int, int], F64],
) -> None:
    be = ab.get_backend("dask")
    np_be = ab.get_backend("numpy")
    # A NumPy array to the Dask backend: convert it with be.asarray(x, chunks=...).
    be.matrix_multiply(nm, x)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    be.matrix_multiply(x, nm)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    be.matrix_multiply(x, x, out=nm)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    be.dot(nv, nv)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    be.transpose(nm)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    be.to_numpy(nm)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    # A CuPy array likewise (a dask array of CuPy chunks is what the backend takes).
    be.matrix_multiply(cm, x)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    be.matrix_multiply([[1.0]], x)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    # And a dask array to the NumPy backend.
    np_be.matrix_multiply(x, x)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    ab.matrix_multiply(x, x)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    # Options: a size, not a device.
    DaskBackend(block_size=1.5)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    DaskBackend(device="cuda")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
    _n: ab.Backend[Matrix[np.float64]] = ab.get_backend("dask")  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
    _s: np.float64 = be.dot(x, x)  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
