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
    # The backend objects themselves, passed straight in: both checkers keep the exact type
    # (the protocol's to_numpy returns a numeric dtype, not dtype[Any]: see _protocol.py).
    assert_type(forward(ab.get_backend("numpy"), m32, m32, m32), Matrix[np.float32])
    assert_type(forward(ab.get_backend("numpy"), m64, m64, m64), Matrix[np.float64])
    assert_type(forward(ab.get_backend("cupy"), c32, c32, c32), CuM32)
    assert_type(weight_gradient(ab.get_backend("numpy"), m32, m32), Matrix[np.float32])
    assert_type(weight_gradient(ab.get_backend("cupy"), c32, c32), CuM32)
    assert_type(dense(ab.get_backend("numpy"), m64, m64, m64), Matrix[np.float64])
    assert_type(dense(ab.get_backend("cupy"), c32, c32, c32), CuM32)


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
    # Mixed dtypes with the backend *object*: mypy refuses; pyright joins them into
    # Matrix[float64 | float32] and accepts. Pin the dtype with a Backend[Matrix[...]]
    # parameter (above) to be refused by both.
    forward(ab.get_backend("numpy"), m32, m64, m32)  # type: ignore[misc]
    _wrong: Matrix[np.float64] = forward(np32, m32, m32, m32)  # type: ignore[arg-type]  # pyright: ignore[reportAssignmentType]
