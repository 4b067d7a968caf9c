"""Hypothesis profiles: ``default`` keeps the run fast; ``--hypothesis-profile=thorough``."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

# JAX has NumPy's dtypes only in its 64-bit mode: the suite (the parity kit on the jax
# backend) runs with it on; tests/test_jax_backend.py turns it off where it tests the refusal.
# Set before JAX is first imported, which reads it then.
os.environ.setdefault("JAX_ENABLE_X64", "1")

# Derandomized: the default run is the same every time, so CI failures reproduce.
settings.register_profile(
    "default",
    max_examples=30,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=500,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("default")


K = TypeVar("K")
V = TypeVar("V")


def _restore(target: dict[K, V], saved: dict[K, V]) -> None:
    target.clear()
    target.update(saved)


@pytest.fixture
def scratch_registry() -> Iterator[None]:
    """Whatever a test registers, or reads from fake entry points, is gone afterwards.

    Public ``unregister_backend`` removes one backend; this also restores plugins read from
    fake entry points and the ownership table, so it works on the private state.
    """
    from arraybackend import _ownership, _registry

    entries, instances = dict(_registry._entries), dict(_registry._instances)  # pyright: ignore[reportPrivateUsage]
    ignored, specs = dict(_registry._ignored), dict(_ownership._specs)  # pyright: ignore[reportPrivateUsage]
    read = _registry._entry_points_read  # pyright: ignore[reportPrivateUsage]
    yield
    _restore(_registry._entries, entries)  # pyright: ignore[reportPrivateUsage]
    _restore(_registry._instances, instances)  # pyright: ignore[reportPrivateUsage]
    _restore(_registry._ignored, ignored)  # pyright: ignore[reportPrivateUsage]
    _restore(_ownership._specs, specs)  # pyright: ignore[reportPrivateUsage]
    _ownership._cache.clear()  # pyright: ignore[reportPrivateUsage]
    _registry._entry_points_read = read  # pyright: ignore[reportPrivateUsage]


#: ``(backend, repeat) -> (matrix, vector, stack)``: see ``hot_path_refusals``.
HotPathRefusals = Callable[[Any, int], tuple[Any, Any, Any]]


def _assert_hot_path_refusals(be: Any, repeat: int) -> tuple[Any, Any, Any]:
    """What a library's own call would not refuse, refused as the checked path does.

    A 0-d operand (ShapeError naming it), ``dot`` of a stack (the library would multiply
    it), ``bool . bool``; each call ``repeat`` times (JAX caches per signature). Returns a
    2x2 matrix, a length-2 vector and a 2x2x2 stack of the backend for further checks.
    """
    import arraybackend as ab

    m, v = be.asarray(np.ones((2, 2))), be.asarray(np.ones(2))
    s = m[0, 0]  # 0-d
    calls: tuple[Callable[[], object], ...] = (
        lambda: be.matrix_multiply(s, m),
        lambda: be.dot(v, s),
        lambda: be.transpose(s),
    )
    stack = be.asarray(np.ones((2, 2, 2)))
    b = be.asarray(np.array([True, False]))
    for _ in range(repeat):
        for call in calls:
            with pytest.raises(ab.ShapeError, match="0-d"):
                call()
        with pytest.raises(ab.ShapeError, match="matrix_multiply"):
            be.dot(stack, m)
        with pytest.raises(ab.ShapeError, match="matrix_multiply"):
            be.dot(v, stack)
        with pytest.raises(ab.DTypeError, match="both bool"):
            be.dot(b, b)
    return m, v, stack


@pytest.fixture
def hot_path_refusals() -> HotPathRefusals:
    """The refusals every hot path owes, shared by the array-API backends' tests."""
    return _assert_hot_path_refusals
