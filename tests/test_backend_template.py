"""The guide's template backend, built and installed as a separate package: the newcomer's path.

docs/template is a small installable package (hatchling, one module, an entry point). The
test builds its wheel with hatchling in a temporary directory, installs the wheel into a
folder of its own that a fresh interpreter puts on its path (so the test environment itself
is never modified, even when a test is interrupted), and there, through the entry point only:
``get_backend``, ``backend_of``, ``check_backend``, ``arraybackend info`` and the pytest
plugin with ``--arraybackend=box``. The guide's copies of the template must match the files.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "docs" / "template"
MODULE = TEMPLATE / "src" / "boxbackend" / "__init__.py"
GUIDE = ROOT / "docs" / "writing-a-backend.md"
# Environment variables that would change what the child interpreter or pytest does.
_CLEARED = ("ARRAYBACKEND", "PYTEST_ADDOPTS", "PYTEST_DISABLE_PLUGIN_AUTOLOAD", "PYTEST_PLUGINS")
_TIMEOUT = 120

needs_hatchling = pytest.mark.skipif(
    importlib.util.find_spec("hatchling") is None,
    reason='building the template needs hatchling in the test environment: pip install hatchling (or ".[dev]")',
)

# What a newcomer runs once the package is installed: every step through the entry point.
SCRIPT = """
import numpy as np
import arraybackend as ab
from importlib.metadata import entry_points
from arraybackend.testing import check_backend

(ep,) = [ep for ep in entry_points(group="arraybackend.backends") if ep.name == "box"]
assert ep.dist is not None and ep.dist.name == "boxbackend", ep.dist
assert "box" in ab.known_backends(), ab.known_backends()
be = ab.get_backend("box")
assert type(be).__module__ == "boxbackend", type(be)
x = be.asarray(np.arange(6.0).reshape(2, 3))
assert ab.backend_of(x) is be
assert ab.backend_of(np.ones(2)) is ab.get_backend("numpy")  # ndarrays stay the reference's
u = be.asarray(np.array([1.0, 2.0, 3.0]))
assert be.to_numpy(be.dot(u, u)).shape == ()  # vector . vector: a 0-d array
print(check_backend(be, max_examples=10).summary())
print("template backend OK")
"""

# The test a backend author adds to their own suite; {fixture} is the plugin's fixture.
PLUGIN_TEST = """
import numpy as np


def test_box({fixture}):
    x = {fixture}.asarray(np.eye(2))
    assert {fixture}.name == "box"
    assert {fixture}.to_numpy({fixture}.matrix_multiply(x, x)).tolist() == [[1, 0], [0, 1]]
"""


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=_TIMEOUT
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The template built into a wheel and installed into its own folder: (folder, env)."""
    root = tmp_path_factory.mktemp("template")
    project = root / "boxbackend"
    shutil.copytree(TEMPLATE, project, ignore=shutil.ignore_patterns("dist", "__pycache__"))
    env = {k: v for k, v in os.environ.items() if k not in _CLEARED}
    # The PEP 517 hook, as pip --no-build-isolation calls it: offline, no build environment.
    hook = "from hatchling.build import build_wheel; print(build_wheel('dist'))"
    build = _run([sys.executable, "-c", hook], project, env)
    assert build.returncode == 0, build.stdout + build.stderr
    wheel = project / "dist" / build.stdout.strip().splitlines()[-1]
    site = root / "site"
    with zipfile.ZipFile(wheel) as archive:  # a pure-Python wheel installs by unpacking it
        archive.extractall(site)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), env.get("PYTHONPATH")]))
    return root, env


@needs_hatchling
def test_template_backend_through_its_entry_point(
    installed: tuple[Path, dict[str, str]],
) -> None:
    root, env = installed
    run = _run([sys.executable, "-c", SCRIPT], root, env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "template backend OK" in run.stdout
    assert "FAILED" not in run.stdout
    info = _run([sys.executable, "-m", "arraybackend", "info"], root, env)
    assert info.returncode == 0, info.stdout + info.stderr
    assert re.search(r"^\s+box\s+available", info.stdout, re.MULTILINE), info.stdout
    # The guide's >>> examples, run as a reader would run them.
    doctest = [sys.executable, "-m", "doctest", "-o", "NORMALIZE_WHITESPACE", str(GUIDE)]
    examples = _run(doctest, root, env)
    assert examples.returncode == 0, examples.stdout + examples.stderr


@needs_hatchling
def test_template_backend_in_the_pytest_plugin(installed: tuple[Path, dict[str, str]]) -> None:
    root, env = installed
    tests = root / "tests"
    tests.mkdir(exist_ok=True)
    (tests / "pytest.ini").write_text("[pytest]\nfilterwarnings = error\n")  # not ours
    (tests / "test_box.py").write_text(PLUGIN_TEST.format(fixture="array_backend"))
    command = [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", "--arraybackend=box"]
    run = _run(command, tests, env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "test_box[box] PASSED" in run.stdout
    assert "1 passed" in run.stdout


def _guide_copies() -> dict[str, str]:
    """The guide's copies of template files: a fenced block after ``<!-- template: PATH -->``."""
    text = GUIDE.read_text(encoding="utf-8")
    found = re.findall(r"<!-- template: (\S+) -->\n```\w*\n(.*?)^```$", text, re.S | re.M)
    return dict(found)


def test_the_guide_shows_the_template_as_it_is() -> None:
    copies = _guide_copies()
    assert set(copies) == {"pyproject.toml", "src/boxbackend/__init__.py"}
    for path, copy in copies.items():
        # A mismatch: copy the file into the guide's block (or the block into the file).
        assert copy == (TEMPLATE / path).read_text(encoding="utf-8"), path


def test_the_template_is_small() -> None:
    lines = MODULE.read_text(encoding="utf-8").splitlines()
    assert len(lines) < 100, f"the template has {len(lines)} lines; the guide promises < 100"
    # Public API only: the template is what backend authors copy.
    imports = re.findall(r"^(?:from|import) (arraybackend\S*)", "\n".join(lines), re.M)
    assert imports
    assert all(not part.startswith("_") for name in imports for part in name.split(".")), imports
