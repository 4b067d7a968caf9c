"""The command line: info, demo, check, its help, and its failures under odd conditions."""

# Some tests register deliberately broken backends: the scratch_registry fixture
# (tests/conftest.py) removes them afterwards.

from __future__ import annotations

import os
import subprocess
import sys
from typing import IO, Any, cast

import numpy as np
import pytest

import arraybackend as ab
from arraybackend.__main__ import main
from arraybackend.backends.numpy import NumPyBackend

POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file descriptors and /dev")


@pytest.fixture
def small_grid(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two shape pairs instead of the full grid: for tests of the table, not of backends."""
    from arraybackend import _cli_conformance

    monkeypatch.setattr(_cli_conformance, "SHAPES", (((4, 2), (2, 3)), ((9,), (9,))))


class OffByOneUlp(NumPyBackend):
    """Wrong in the last bit of every float result: the exact check must notice."""

    __slots__ = ()

    def matrix_multiply(self, x: Any, w: Any, /, *, out: Any = None) -> Any:
        z = cast("np.ndarray[Any, np.dtype[Any]]", super().matrix_multiply(x, w, out=out))
        return np.nextafter(z, np.inf) if z.dtype.kind == "f" else z


class Raises:
    """A backend with a bug: every product raises something that is not ours."""

    name = "raises"

    def asarray(self, obj: Any, /) -> Any:
        return np.asarray(obj)

    def matrix_multiply(self, x: Any, w: Any, /, *, out: Any = None) -> Any:
        raise RuntimeError("kaboom")

    def transpose(self, x: Any, /, axes: Any = None) -> Any:
        return np.transpose(x, axes)

    def dot(self, u: Any, v: Any, /) -> Any:
        raise RuntimeError("kaboom")

    def to_numpy(self, x: Any, /) -> Any:
        return np.asarray(x)


def _unavailable() -> ab.Backend[Any]:
    raise ab.BackendUnavailableError("gone", "no device here")


def _broken() -> ab.Backend[Any]:
    raise ZeroDivisionError("a factory with a bug")


def _rows(out: str) -> dict[tuple[str, str], str]:
    """The check table as {(backend, dtype): line}."""
    rows: dict[tuple[str, str], str] = {}
    for line in out.splitlines()[1:]:
        if not line.strip():
            break
        backend, dtype, *_ = line.split()
        rows[backend, dtype] = line
    return rows


# --- in process ----------------------------------------------------------------------------


def test_info_lists_every_backend_with_availability(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"arraybackend   {ab.__version__}\n")
    assert "\nblas " in out
    assert "\nselected       numpy (" in out
    for name, status in ab.backend_status().items():
        line = next(line for line in out.splitlines() if line.startswith(f"  {name} "))
        if isinstance(status, ab.BackendUnavailableError):
            assert f"unavailable: {status.reason}" in line
        else:
            assert "available" in line


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"arraybackend {ab.__version__}\n"


@pytest.mark.parametrize("command", [[], ["info"], ["check"], ["demo"]], ids=str)
def test_help_is_plain_text_with_a_description(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: arraybackend")
    for markup in ("``", ":func:", ":class:", ".. ", "`"):
        assert markup not in out, markup
    description = out.split("\n\n")[1]
    assert not description.startswith(("options:", "positional")), out  # a description


def test_no_command_shows_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "info" in captured.err
    assert "exit status:" in captured.err


def test_demo_prints_the_examples(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--backend", "numpy"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("backend: numpy\n")
    assert "[[2.2 2.8]\n [4.9 6.4]]" in out  # not the post's 6.2
    assert "\n32\n" in out


def test_demo_leaves_numpy_print_options_alone(capsys: pytest.CaptureFixture[str]) -> None:
    before = np.get_printoptions()
    assert main(["demo"]) == 0
    assert np.get_printoptions() == before


def test_unknown_backend_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--backend", "cuda"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("arraybackend: unknown backend 'cuda'; known: 'numpy'")
    assert captured.err.count("\n") == 1


def test_empty_backend_name_is_not_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--backend", ""]) == 2
    assert "unknown backend ''" in capsys.readouterr().err


@pytest.mark.usefixtures("scratch_registry")
def test_demo_of_an_unavailable_or_raising_backend_is_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    ab.register_backend("gone", _unavailable)
    assert main(["demo", "--backend", "gone"]) == 1
    err = capsys.readouterr().err
    assert err == "arraybackend: the gone backend is unavailable: no device here\n"
    ab.register_backend("raises", Raises)
    assert main(["demo", "--backend", "raises"]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith("backend: raises\n")
    assert captured.err == (
        "arraybackend: the raises backend failed the demo: RuntimeError: kaboom\n"
    )


def test_check_passes_on_healthy_backends(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--backend", "numpy"]) == 0
    out = capsys.readouterr().out
    rows = _rows(out)
    assert set(rows) == {("numpy", dtype) for dtype in ("int32", "int64", "float16",
                         "float32", "float64", "complex64", "complex128")}  # fmt: skip
    assert all(line.endswith(" ok") for line in rows.values())
    assert "1 backend(s) checked, 0 failed, 0 skipped" in out


@pytest.mark.usefixtures("scratch_registry", "small_grid")
def test_check_reports_a_wrong_or_raising_backend_and_goes_on(
    capsys: pytest.CaptureFixture[str],
) -> None:
    ab.register_backend("off-by-one-ulp", OffByOneUlp)
    ab.register_backend("raises", Raises)
    args = ["check", "--backend", "off-by-one-ulp", "--backend", "raises", "--backend", "numpy"]
    assert main(args) == 1
    out = capsys.readouterr().out
    rows = _rows(out)
    assert rows["off-by-one-ulp", "int64"].endswith(" 0  ok")  # integers untouched, exact
    for dtype in ("float16", "float32", "float64"):
        assert " -  FAIL: " in rows["off-by-one-ulp", dtype]
    for dtype in ("int32", "float64", "complex128"):
        assert rows["raises", dtype].endswith("FAIL: raised RuntimeError: kaboom")
        assert rows["numpy", dtype].endswith(" ok")  # the run went on to the next backend
    assert "3 backend(s) checked, 2 failed, 0 skipped" in out


@pytest.mark.usefixtures("scratch_registry", "small_grid")
def test_check_lists_every_known_backend_skipping_those_that_cannot_run(
    capsys: pytest.CaptureFixture[str],
) -> None:
    ab.register_backend("gone", _unavailable)
    ab.register_backend("broken", _broken)
    assert main(["check"]) == 1  # the broken factory is a failure, not a crash
    out = capsys.readouterr().out
    rows = _rows(out)
    assert rows["gone", "-"].endswith("  -  skipped: unavailable: no device here")
    assert rows["broken", "-"].endswith(
        "  -  FAIL: broken backend (register_backend): its factory raised ZeroDivisionError: "
        "a factory with a bug"
    )
    for name in ab.known_backends():
        assert any(key[0] == name for key in rows), name
    assert rows["numpy", "float64"].endswith(" ok")


@pytest.mark.usefixtures("scratch_registry")
def test_check_errors_about_names_come_before_the_header(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["check", "--backend", "numpy", "--backend", "nmupy"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("arraybackend: unknown backend 'nmupy'")
    ab.register_backend("gone", _unavailable)
    assert main(["check", "--backend", "gone"]) == 1  # asked for, and cannot run here
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "arraybackend: the gone backend is unavailable: no device here\n"


@pytest.mark.usefixtures("scratch_registry")
def test_check_skips_a_backend_without_asarray(capsys: pytest.CaptureFixture[str]) -> None:
    class NoAsarray:
        name = "no-asarray"

        def matrix_multiply(self, x: Any, w: Any, /, *, out: Any = None) -> Any:
            return x @ w

        def transpose(self, x: Any, /, axes: Any = None) -> Any:
            return x.T

        def dot(self, u: Any, v: Any, /) -> Any:
            return u @ v

        def to_numpy(self, x: Any, /) -> Any:
            return x

    ab.register_backend("no-asarray", NoAsarray)
    assert main(["check", "--backend", "no-asarray"]) == 0
    rows = _rows(capsys.readouterr().out)
    assert rows["no-asarray", "-"].endswith(
        "skipped: the backend has no asarray() to load test data"
    )


def test_interrupt_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import arraybackend.__main__ as cli

    def interrupted(out: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "info", interrupted)
    assert main(["info"]) == 130
    assert capsys.readouterr().err == "arraybackend: interrupted\n"


# --- odd conditions, in a real process -----------------------------------------------------


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("ARRAYBACKEND", "PYTHONIOENCODING")}
    env.update(extra)
    return env


def _cli(
    *args: str, env: dict[str, str] | None = None, stdout: int | IO[str] = subprocess.PIPE
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "arraybackend", *args],
        env=_env() if env is None else env,
        stdout=stdout,
        stderr=subprocess.PIPE,
        check=False,
        timeout=120,
    )


def _one_line(stderr: bytes) -> str:
    text = stderr.decode("ascii")  # escaped, whatever the names contain
    assert "Traceback" not in text
    assert text.count("\n") == 1, text
    assert text.endswith("\n"), text
    return text


def test_the_module_and_the_console_script_run() -> None:
    done = _cli("info")
    assert done.returncode == 0, done.stderr
    assert b"backends:" in done.stdout
    assert done.stderr == b""


def test_ascii_output_and_a_non_ascii_backend_name() -> None:
    done = _cli("info", env=_env(PYTHONIOENCODING="ascii", ARRAYBACKEND="n\u00fcmpy"))
    assert done.returncode == 2
    assert b"$ARRAYBACKEND  'n\\xfcmpy'\n" in done.stdout  # the report still comes out
    assert _one_line(done.stderr).startswith(
        "arraybackend: $ARRAYBACKEND='n\\xfcmpy' names no backend: unknown backend"
    )


@POSIX
def test_an_undecodable_backend_name() -> None:
    env = {k: v for k, v in os.environb.items() if k != b"ARRAYBACKEND"}
    env[b"ARRAYBACKEND"] = b"\xff"
    done = subprocess.run(
        [sys.executable, "-m", "arraybackend", "demo"], env=env, capture_output=True, check=False
    )
    assert done.returncode == 2
    assert _one_line(done.stderr).startswith("arraybackend: $ARRAYBACKEND='\\udcff' names no")


@pytest.mark.parametrize("command", ["info", "demo"])
def test_an_unknown_backend_in_the_environment(command: str) -> None:
    done = _cli(command, env=_env(ARRAYBACKEND="cuda"))
    assert done.returncode == 2
    assert _one_line(done.stderr).startswith(
        "arraybackend: $ARRAYBACKEND='cuda' names no backend: unknown backend 'cuda'"
    )


@pytest.mark.usefixtures("small_grid")
def test_check_does_not_use_the_selection(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from arraybackend import _selection

    monkeypatch.setenv("ARRAYBACKEND", "cuda")
    monkeypatch.setattr(_selection, "_from_env", None)
    monkeypatch.setattr(_selection, "fallback", None)
    with pytest.raises(ab.UnknownBackendError):
        ab.current_backend()
    assert main(["check", "--backend", "numpy"]) == 0
    assert capsys.readouterr().err == ""


@POSIX
@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["info"], ["demo"], ["--help"], ["--version"]], ids=str)
def test_a_full_disk(args: list[str]) -> None:
    with open("/dev/full", "w") as full:
        done = _cli(*args, stdout=full)
    assert done.returncode == 1
    assert _one_line(done.stderr) == (
        "arraybackend: cannot write to standard output: No space left on device\n"
    )


@POSIX
@pytest.mark.parametrize("args", [["info"], ["check"], ["--help"]], ids=str)
def test_a_reader_that_went_away(args: list[str]) -> None:
    # `arraybackend info | head -1` where head has already exited: every write is EPIPE.
    read, write = os.pipe()
    os.close(read)
    try:
        done = _cli(*args, stdout=write)
    finally:
        os.close(write)
    assert done.returncode == 0
    assert done.stderr == b""


@POSIX
def test_a_reader_that_reads_one_line() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "arraybackend", "demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == b"backend: numpy\n"
    proc.stdout.close()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0
    assert err == b""


@POSIX
def test_a_closed_stdout() -> None:
    script = 'exec "$0" -m arraybackend info >&-'
    done = subprocess.run(
        ["sh", "-c", script, sys.executable], env=_env(), capture_output=True, check=False
    )
    assert done.returncode == 1
    assert _one_line(done.stderr) == (
        "arraybackend: standard output is closed; redirect it instead (> /dev/null to discard it)\n"
    )
    script = 'exec "$0" -m arraybackend info >&- 2>&-'
    done = subprocess.run(["sh", "-c", script, sys.executable], env=_env(), check=False)
    assert done.returncode == 1


@pytest.mark.parametrize("args", [["frob"], ["info", "--frob"], ["demo", "--backend"]], ids=str)
def test_usage_errors(args: list[str]) -> None:
    done = _cli(*args)
    assert done.returncode == 2
    err = done.stderr.decode()
    assert "Traceback" not in err
    usage, error = err.splitlines()
    assert usage.startswith("usage: arraybackend")
    assert error.startswith("arraybackend")
    assert ": error: " in error


@pytest.mark.usefixtures("scratch_registry")
def test_info_survives_a_device_property_that_raises(capsys: pytest.CaptureFixture[str]) -> None:
    class BadDevice(Raises):
        @property
        def device(self) -> str:
            raise RuntimeError("no driver")

    ab.register_backend("bad-device", BadDevice)
    assert main(["info"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "bad-device" in x)
    assert line.endswith("available (device unknown: RuntimeError: no driver)")


@pytest.mark.usefixtures("small_grid")
def test_check_runs_a_repeated_name_once(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--backend", "numpy", "--backend", "numpy"]) == 0
    out = capsys.readouterr().out
    assert sum(line.split()[:2] == ["numpy", "float64"] for line in out.splitlines()) == 1
    assert "1 backend(s) checked" in out
