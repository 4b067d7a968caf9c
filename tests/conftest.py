"""Hypothesis profiles: ``default`` keeps the run fast; ``--hypothesis-profile=thorough``."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

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
