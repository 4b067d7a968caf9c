"""The typing suite (tests/typing) passes mypy, and its markers really guard each case.

pyright runs the same suite in ``nox -s typing``; mypy runs here too so ``pytest`` alone
catches a regression. Skipped, with the reason, where mypy or a recent NumPy is missing.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

mypy_api = pytest.importorskip(
    "mypy.api", reason="mypy is not installed: pip install mypy==2.4.1 (nox -s tests has it)"
)

ROOT = Path(__file__).parents[1]
NUMPY_FLOOR = (2, 3)  # strict typing needs NDArray[T] with shape tuple[Any, ...]: numpy 2.3

pytestmark = pytest.mark.skipif(
    tuple(int(part) for part in np.__version__.split(".")[:2]) < NUMPY_FLOOR,
    reason=f"the typing suite needs numpy >= 2.3, this is {np.__version__}",
)


def _mypy(*args: str, cwd: Path) -> tuple[str, int]:
    """mypy in-process with the project's config; ``mypy_path`` is relative to ``cwd``."""
    here = Path.cwd()
    os.chdir(cwd)
    try:
        stdout, stderr, status = mypy_api.run([*args, "--no-error-summary"])
    finally:
        os.chdir(here)
    return stdout + stderr, status


def test_typing_suite_passes_mypy() -> None:
    out, status = _mypy("--config-file", "pyproject.toml", "tests/typing", cwd=ROOT)
    assert status == 0, out


def test_a_marker_that_stops_catching_fails(tmp_path: Path) -> None:
    """The mechanism itself: an expected-error marker on a correct line is an error."""
    shutil.copytree(ROOT / "typings", tmp_path / "typings")
    (tmp_path / "case.py").write_text(
        "import numpy as np\n"
        "import arraybackend as ab\n"
        "from arraybackend import Matrix\n\n\n"
        "def f(m: Matrix[np.float64]) -> None:\n"
        "    ab.get_backend('numpy').matrix_multiply(m, m)  # type: ignore[call-overload]\n"
    )
    out, status = _mypy("--strict", "case.py", cwd=tmp_path)
    assert status == 1
    assert 'case.py:7: error: Unused "type: ignore" comment  [unused-ignore]' in out


DOWNSTREAM = """\
import cupy
import numpy as np

import arraybackend as ab


def f(host: ab.Matrix[np.float64], device: cupy.ndarray[tuple[int, int], np.dtype[np.float64]]) -> None:
    be = ab.get_backend("cupy")
    ok: cupy.ndarray[tuple[int, int], np.dtype[np.float64]] = be.matrix_multiply(device, device)
    be.matrix_multiply(host, host)
"""


def test_downstream_project_with_the_documented_configuration(tmp_path: Path) -> None:
    """docs/typing.md: copy typings/cupy into the project and point mypy_path at it."""
    shutil.copytree(ROOT / "typings" / "cupy", tmp_path / "typings" / "cupy")
    (tmp_path / "pyproject.toml").write_text('[tool.mypy]\nstrict = true\nmypy_path = "typings"\n')
    (tmp_path / "downstream.py").write_text(DOWNSTREAM)
    out, status = _mypy("downstream.py", cwd=tmp_path)
    assert status == 1, out
    errors = [line for line in out.splitlines() if ": error:" in line]
    # Exactly one mistake, the host array given to the CuPy backend, and it is caught.
    assert len(errors) == 1, out
    assert errors[0].startswith("downstream.py:10: error: No overload variant of")
    assert errors[0].endswith("[call-overload]")


def test_the_docs_show_what_mypy_prints(tmp_path: Path) -> None:
    """docs/typing.md quotes mypy's output for its first example: keep the quote true."""
    text = (ROOT / "docs" / "typing.md").read_text()
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    quoted = text.split("```text\n", 1)[1].split("```", 1)[0].splitlines()
    shutil.copytree(ROOT / "typings" / "cupy", tmp_path / "typings" / "cupy")
    (tmp_path / "pyproject.toml").write_text('[tool.mypy]\nstrict = true\nmypy_path = "typings"\n')
    (tmp_path / "example.py").write_text(code)
    here = Path.cwd()
    os.chdir(tmp_path)
    try:
        stdout, _, status = mypy_api.run(["example.py"])
    finally:
        os.chdir(here)
    assert status == 1
    # The quote leaves out the overload variants mypy lists (marked "...").
    printed = [
        line for line in stdout.splitlines() if not line.startswith("example.py:10: note:   ")
    ]
    assert printed == [line for line in quoted if line != "..."]


WITHOUT_LIBRARIES = """\
import numpy as np
import torch

import arraybackend as ab


def f(m: ab.Matrix[np.float64], t: torch.Tensor) -> None:
    ok: torch.Tensor = ab.matrix_multiply(t, t)
    ab.matrix_multiply(m, t)
    ab.dot(t, m)
    ab.transpose(ab.matrix_multiply(m, m))
"""
# JAX and CuPy read as missing (their types are Any), as where they are not installed.
MISSING = """\
[tool.mypy]
strict = true
mypy_path = "typings"

[[tool.mypy.overrides]]
module = ["jax", "jax.*", "jaxlib", "jaxlib.*", "cupy", "cupy.*"]
follow_imports = "skip"
ignore_missing_imports = true
"""


def test_mixing_is_rejected_where_other_libraries_are_missing(tmp_path: Path) -> None:
    """The module-level overloads take brand protocols, never ``Any`` from a missing import."""
    shutil.copytree(ROOT / "typings" / "torch", tmp_path / "typings" / "torch")
    (tmp_path / "pyproject.toml").write_text(MISSING)
    (tmp_path / "downstream.py").write_text(WITHOUT_LIBRARIES)
    out, status = _mypy("downstream.py", cwd=tmp_path)
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert status == 1, out
    assert [e.split(":")[1] for e in errors] == ["9", "10"], out
    assert all(e.endswith("[call-overload]") for e in errors), out
