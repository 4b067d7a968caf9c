"""Hypothesis profiles: ``default`` keeps the run fast; ``--hypothesis-profile=thorough``."""

from __future__ import annotations

import os

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
