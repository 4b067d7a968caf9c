"""Hypothesis profiles: ``default`` keeps the run fast; ``--hypothesis-profile=thorough``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TypeVar

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
