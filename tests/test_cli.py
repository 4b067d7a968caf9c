"""The command line: info, demo, check, and its errors."""

# One test registers a deliberately broken backend in the registry's private state.
# pyright: reportPrivateUsage=false

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any, cast

import numpy as np
import pytest

import arraybackend as ab
from arraybackend.__main__ import main


def test_info_lists_every_backend_with_availability(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert f"arraybackend {ab.__version__}" in out
    assert "numpy  " in out
    assert "blas" in out
    for name, status in ab.backend_status().items():
        line = next(line for line in out.splitlines() if line.startswith(f"  {name} "))
        if isinstance(status, ab.BackendUnavailableError):
            assert f"unavailable: {status.reason}" in line
        else:
            assert "available" in line


def test_demo_prints_the_seed_examples(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--backend", "numpy"]) == 0
    out = capsys.readouterr().out
    assert "backend: numpy" in out
    assert "[[2.2 2.8]\n [4.9 6.4]]" in out  # not the post's 6.2
    assert "\n32\n" in out


def test_unknown_backend_is_a_clean_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--backend", "cuda"]) == 2
    assert "arraybackend: unknown backend 'cuda'; available: 'numpy'" in capsys.readouterr().err


def test_console_script_and_module_run_and_survive_a_closed_pipe() -> None:
    env = {k: v for k, v in os.environ.items() if k != "ARRAYBACKEND"}
    done = subprocess.run(
        [sys.executable, "-m", "arraybackend", "info"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    assert "backends:" in done.stdout
    # `arraybackend info | head -1`: the reader goes away early; no traceback.
    proc = subprocess.Popen(
        [sys.executable, "-m", "arraybackend", "demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None
    proc.stdout.readline()
    proc.stdout.close()
    _, err = proc.communicate()
    assert b"Traceback" not in err


def test_check_passes_on_healthy_backends_and_fails_on_a_wrong_one(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from arraybackend import _registry
    from arraybackend.backends.numpy import NumPyBackend

    assert main(["check", "--backend", "numpy"]) == 0
    out = capsys.readouterr().out
    assert "numpy              float64" in out
    assert "FAIL" not in out

    class OffByOneUlp(NumPyBackend):
        """Wrong in the last bit of every float result: the exact check must notice."""

        __slots__ = ()

        def matrix_multiply(self, x: Any, w: Any, /, *, out: Any = None) -> Any:
            z = cast("np.ndarray[Any, np.dtype[Any]]", super().matrix_multiply(x, w, out=out))
            return np.nextafter(z, np.inf) if z.dtype.kind == "f" else z

    monkeypatch.setattr(_registry, "_factories", dict(_registry._factories))
    monkeypatch.setattr(_registry, "_instances", dict(_registry._instances))
    ab.register_backend("off-by-one-ulp", OffByOneUlp)
    assert main(["check", "--backend", "off-by-one-ulp"]) == 1
    rows = {
        line.split()[1]: line
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("off-by-one-ulp")
    }
    assert rows["int64"].endswith(" 0  ok")  # integers are untouched and exact
    for dtype in ("float16", "float32", "float64"):
        assert "FAIL" in rows[dtype], rows[dtype]
