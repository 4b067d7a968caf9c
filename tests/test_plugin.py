"""The pytest plugin, run in a separate pytest process on a throwaway test file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TEST_FILE = """
def test_uses_backend(backend):
    assert backend.name in ("numpy", "cupy", "array-api-strict", "jax", "torch")

import pytest

@pytest.mark.parametrize("backend", ["mine"])
def test_parametrises_backend_itself(backend):
    assert backend == "mine"
"""


def _pytest(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_fake.py").write_text(TEST_FILE)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")  # not this repository's configuration
    command = [sys.executable, "-m", "pytest", "-rs", "-p", "no:cacheprovider", *args]
    return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)


def test_every_backend_is_a_test_or_a_skip_with_its_reason(tmp_path: Path) -> None:
    run = _pytest(tmp_path, "-v")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "test_uses_backend[numpy] PASSED" in run.stdout
    # cupy is not installed in the test environment: skipped, with the reason, not missing.
    assert "test_uses_backend[cupy] SKIPPED" in run.stdout
    assert "the cupy backend is unavailable" in run.stdout
    assert "test_uses_backend[array-api-strict]" in run.stdout
    assert "test_parametrises_backend_itself[mine] PASSED" in run.stdout


def test_option_selects_and_rejects_unknown_names(tmp_path: Path) -> None:
    run = _pytest(tmp_path, "-v", "--arraybackend=numpy")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "test_uses_backend[numpy] PASSED" in run.stdout
    assert "[cupy]" not in run.stdout
    bad = _pytest(tmp_path, "--arraybackend=nmupy")
    assert bad.returncode != 0
    assert "unknown backend(s) ['nmupy']; registered: numpy, cupy" in bad.stdout + bad.stderr
