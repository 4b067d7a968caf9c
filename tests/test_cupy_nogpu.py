"""The real CuPy wheel on a machine without a GPU: the diagnosis, end to end.

Run by ``nox -s cupy-nogpu``, which installs ``arraybackend[cupy]`` in its own environment
and sets ``ARRAYBACKEND_EXPECT_NOGPU=1`` so that a skip here is a failure there. Elsewhere
these tests skip with the reason (CuPy not installed, or a GPU present).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time

import pytest

import arraybackend as ab


def _why_not() -> str:
    """Why this machine cannot show the GPU-less path ("" if it can)."""
    if importlib.util.find_spec("cupy") is None:
        return "CuPy is not installed here: run nox -s cupy-nogpu"
    try:
        ab.get_backend("cupy")
    except ab.BackendUnavailableError:
        return ""
    return "this machine has a usable GPU"


WHY_NOT = _why_not()
if WHY_NOT and os.environ.get("ARRAYBACKEND_EXPECT_NOGPU") == "1":
    raise RuntimeError(f"ARRAYBACKEND_EXPECT_NOGPU=1 but {WHY_NOT}")
pytestmark = [pytest.mark.cupy_nogpu, pytest.mark.skipif(bool(WHY_NOT), reason=WHY_NOT)]

# What CuPy on a GPU-less machine reports, in the order the backend checks.
EXPECTED = ("no NVIDIA CUDA driver was found", "no CUDA device is visible")


def test_get_backend_says_why() -> None:
    start = time.perf_counter()
    with pytest.raises(ab.BackendUnavailableError) as info:
        ab.get_backend("cupy")
    elapsed = time.perf_counter() - start
    assert info.value.backend == "cupy"
    assert info.value.reason.startswith(EXPECTED), info.value.reason
    assert isinstance(info.value, ImportError)
    assert elapsed < 5, f"diagnosis took {elapsed:.1f} s"


def test_a_device_index_says_why_too() -> None:
    with pytest.raises(ab.BackendUnavailableError) as info:
        ab.get_backend("cupy", device=0)
    assert info.value.reason.startswith(EXPECTED)


def test_available_backends_leave_cupy_out() -> None:
    assert "cupy" not in ab.available_backends()
    assert "numpy" in ab.available_backends()
    status = ab.backend_status()["cupy"]
    assert isinstance(status, ab.BackendUnavailableError)


def test_info_prints_the_reason() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "arraybackend", "info"], capture_output=True, text=True, check=True
    )
    lines = [line.strip() for line in done.stdout.splitlines() if line.strip().startswith("cupy")]
    assert len(lines) == 1, done.stdout
    assert lines[0].split(None, 1)[1].startswith(tuple(f"unavailable: {e}" for e in EXPECTED))


def test_importing_arraybackend_still_imports_no_cupy() -> None:
    code = "import sys, arraybackend\nassert 'cupy' not in sys.modules\n"
    subprocess.run([sys.executable, "-c", code], check=True)
