"""The pytest plugin, run in a separate pytest process on a throwaway test file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import arraybackend as ab

TEST_FILE = """
import pytest

def test_uses_backend(array_backend):
    assert array_backend.name in ("numpy", "cupy", "array-api-strict", "dask", "jax", "torch")

@pytest.mark.parametrize("array_backend", ["mine"])
def test_parametrises_array_backend_itself(array_backend):
    assert array_backend == "mine"

def test_has_its_own_backend_argument(backend="not ours"):
    assert backend == "not ours"
"""

OWN_FIXTURE = """
import pytest

@pytest.fixture
def array_backend():
    return "the project's own"

def test_own_fixture_wins(array_backend):
    assert array_backend == "the project's own"
"""


def _pytest(
    tmp_path: Path, *args: str, test_file: str = TEST_FILE
) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_fake.py").write_text(test_file)
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
    assert "test_parametrises_array_backend_itself[mine] PASSED" in run.stdout
    assert "test_has_its_own_backend_argument PASSED" in run.stdout


def test_a_projects_own_fixture_wins(tmp_path: Path) -> None:
    run = _pytest(tmp_path, "-v", test_file=OWN_FIXTURE)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "test_own_fixture_wins PASSED" in run.stdout


def test_the_generic_name_backend_is_not_taken(tmp_path: Path) -> None:
    run = _pytest(tmp_path, "-v", test_file="def test_x(backend):\n    pass\n")
    assert run.returncode == 1
    assert "fixture 'backend' not found" in run.stdout


def test_option_selects_and_deselects(tmp_path: Path) -> None:
    run = _pytest(tmp_path, "-v", "--arraybackend=numpy")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "test_uses_backend[numpy] PASSED" in run.stdout
    assert "[cupy]" not in run.stdout
    assert "[array-api-strict]" not in run.stdout
    others = len(ab.known_backends()) - 1  # every backend but numpy is deselected
    assert f"{others} deselected" in run.stdout
    assert "test_parametrises_array_backend_itself[mine] PASSED" in run.stdout


def test_option_names_an_unavailable_backend(tmp_path: Path) -> None:
    run = _pytest(tmp_path, "-v", "--arraybackend=cupy, numpy")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "test_uses_backend[cupy] SKIPPED" in run.stdout
    assert "test_uses_backend[numpy] PASSED" in run.stdout


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("nmupy", "unknown backend(s) 'nmupy'; valid backends: numpy, ", id="typo"),
        pytest.param("numpy,nmupy", "unknown backend(s) 'nmupy'", id="one-typo"),
        pytest.param(",", "has an empty name", id="comma"),
        pytest.param("", "has an empty name", id="empty"),
        pytest.param("numpy,", "has an empty name", id="trailing-comma"),
        pytest.param("numpy,numpy", "'numpy' given more than once", id="repeated"),
    ],
)
def test_a_bad_option_is_a_one_line_usage_error(tmp_path: Path, value: str, message: str) -> None:
    run = _pytest(tmp_path, f"--arraybackend={value}")
    assert run.returncode == 4, run.stdout + run.stderr
    assert run.stdout == ""
    lines = [line for line in run.stderr.splitlines() if line.strip()]  # pytest adds a blank
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("ERROR: --arraybackend")
    assert message in lines[0]
    if "valid backends" in message:
        assert "array-api-strict" in lines[0]
