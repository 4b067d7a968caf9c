"""The module-level functions for every library ``use_backend`` can select (checked, never run).

Each library's arrays in, the same library's type out; two libraries in one call rejected.
CuPy and PyTorch are read from ``typings/`` (neither is installed where CI checks), JAX
from its own annotations. Markers: see ``numpy_backend_types.py``.
"""

from __future__ import annotations

from typing import assert_type

import cupy
import jax
import numpy as np
import torch

import arraybackend as ab
from arraybackend import Matrix, Vector

F32 = np.dtype[np.float32]
CuM32 = cupy.ndarray[tuple[int, int], F32]
CuV32 = cupy.ndarray[tuple[int], F32]


def each_library_gives_its_own_type(
    cm: CuM32, cv: CuV32, t: torch.Tensor, j: jax.Array, m: Matrix[np.float32]
) -> None:
    # NumPy: as precise as before.
    assert_type(ab.matrix_multiply(m, m), Matrix[np.float32])
    # CuPy: rank and dtype, from typings/cupy.
    assert_type(ab.matrix_multiply(cm, cm), CuM32)
    assert_type(ab.matrix_multiply(cv, cm), CuV32)
    assert_type(ab.matrix_multiply(cm, cv), CuV32)
    assert_type(ab.matrix_multiply(cv, cv), cupy.ndarray[tuple[()], F32])  # a 0-d device array
    assert_type(ab.transpose(cm), CuM32)
    assert_type(ab.dot(cv, cv), cupy.ndarray[tuple[()], F32])
    assert_type(ab.dot(cm, cv), CuV32)
    # PyTorch and JAX: their classes carry neither rank nor dtype; the library is kept.
    assert_type(ab.matrix_multiply(t, t), torch.Tensor)
    assert_type(ab.matrix_multiply(t, t, out=t), torch.Tensor)
    assert_type(ab.transpose(t), torch.Tensor)
    assert_type(ab.dot(t, t), torch.Tensor)
    assert_type(ab.matrix_multiply(j, j), jax.Array)
    assert_type(ab.transpose(j, (1, 0)), jax.Array)
    assert_type(ab.dot(j, j), jax.Array)


def two_libraries_in_one_call_are_rejected(
    cm: CuM32, t: torch.Tensor, j: jax.Array, m: Matrix[np.float64], v: Vector[np.float64]
) -> None:
    ab.matrix_multiply(m, t)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    ab.matrix_multiply(t, m)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    ab.matrix_multiply(t, j)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    ab.matrix_multiply(j, m)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    ab.matrix_multiply(cm, t)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    ab.matrix_multiply(cm, m)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    ab.matrix_multiply(t, t, out=j)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    ab.dot(v, t)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    ab.dot(j, t)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    ab.transpose([[1.0]])  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    _t: torch.Tensor = ab.matrix_multiply(j, j)  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
