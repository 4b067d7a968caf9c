"""Downstream code written once over ``ab.Backend[A]`` (checked, never run).

Markers: see ``numpy_backend_types.py``.
"""

from __future__ import annotations

from typing import Protocol, Self, TypeVar, assert_type

import cupy
import numpy as np
import two_layer_network as net

import arraybackend as ab
from arraybackend import Matrix

CuM32 = cupy.ndarray[tuple[int, int], np.dtype[np.float32]]


class SupportsAdd(Protocol):
    def __add__(self, other: Self, /) -> Self: ...


A = TypeVar("A")
B = TypeVar("B", bound=SupportsAdd)


def forward(be: ab.Backend[A], x: A, w1: A, w2: A) -> A:
    return be.matrix_multiply(be.matrix_multiply(x, w1), w2)


def weight_gradient(be: ab.Backend[A], x: A, delta: A) -> A:
    return be.matrix_multiply(be.transpose(x), delta)  # x.T @ delta


def dense(be: ab.Backend[B], x: B, w: B, b: B) -> B:
    return be.matrix_multiply(x, w) + b


# Backends typed Backend[...] are parameters here, as in downstream code: a local would be
# narrowed by pyright to the class it is assigned (NumPyBackend), which is less precise.
def generic_code_keeps_the_array_type(
    np32: ab.Backend[Matrix[np.float32]],
    np64: ab.Backend[Matrix[np.float64]],
    cp32: ab.Backend[CuM32],
    m32: Matrix[np.float32],
    m64: Matrix[np.float64],
    c32: CuM32,
) -> None:
    assert_type(forward(np32, m32, m32, m32), Matrix[np.float32])
    assert_type(forward(np64, m64, m64, m64), Matrix[np.float64])
    assert_type(forward(cp32, c32, c32, c32), CuM32)
    assert_type(weight_gradient(np32, m32, m32), Matrix[np.float32])
    assert_type(weight_gradient(cp32, c32, c32), CuM32)
    assert_type(dense(np32, m32, m32, m32), Matrix[np.float32])
    assert_type(dense(cp32, c32, c32, c32), CuM32)
    # The backend objects themselves may be passed too (mypy then infers the dtype as Any:
    # see docs/typing.md), and the result still fits the precise type.
    _f: Matrix[np.float32] = forward(ab.get_backend("numpy"), m32, m32, m32)
    _g: CuM32 = weight_gradient(ab.get_backend("cupy"), c32, c32)
    _d: Matrix[np.float64] = dense(ab.get_backend("numpy"), m64, m64, m64)


def the_example_network_is_generic(m64: Matrix[np.float64]) -> None:
    be: ab.Backend[Matrix[np.float64]] = ab.get_backend("numpy")
    p = net.Params(m64, m64)
    assert_type(net.gradients(be, net.numpy_tanh, m64, m64, p), net.Params[Matrix[np.float64]])
    assert_type(net.step(p, p, 0.1), net.Params[Matrix[np.float64]])


def backends_and_arrays_do_not_mix(
    np32: ab.Backend[Matrix[np.float32]],
    cp32: ab.Backend[CuM32],
    m32: Matrix[np.float32],
    m64: Matrix[np.float64],
    c32: CuM32,
) -> None:
    forward(cp32, m32, m32, m32)  # type: ignore[misc]  # pyright: ignore[reportArgumentType]
    forward(np32, c32, c32, c32)  # type: ignore[misc]  # pyright: ignore[reportArgumentType]
    forward(ab.get_backend("cupy"), m32, m32, m32)  # type: ignore[misc]  # pyright: ignore[reportArgumentType]
    forward(ab.get_backend("numpy"), c32, c32, c32)  # type: ignore[misc]  # pyright: ignore[reportArgumentType]
    weight_gradient(np32, m32, c32)  # type: ignore[misc]  # pyright: ignore[reportArgumentType]
    dense(cp32, c32, c32, m32)  # type: ignore[misc]  # pyright: ignore[reportArgumentType]
    dense(np32, m32, m32, m64)  # type: ignore[misc]  # pyright: ignore[reportArgumentType]
    forward(np32, m32, m64, m32)  # type: ignore[misc]  # pyright: ignore[reportArgumentType]
    # Not caught: mixed dtypes in one generic call when the backend *object* is passed, e.g.
    # forward(ab.get_backend("numpy"), m32, m64, m32): mypy infers Matrix[Any], pyright
    # Matrix[float64 | float32]. Pin the dtype with a Backend[Matrix[...]] parameter.
    _wrong: Matrix[np.float64] = forward(np32, m32, m32, m32)  # type: ignore[arg-type]  # pyright: ignore[reportAssignmentType]
