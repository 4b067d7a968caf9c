"""The command line: ``arraybackend info | check | demo`` (also ``python -m arraybackend``).

Every failure ends in one line on stderr and an exit status (see ``EPILOG``), never a
traceback: a closed pipe, a full disk, a closed stdout, characters the terminal's encoding
cannot show, a bad backend name (also in ``$ARRAYBACKEND``), a backend that raises.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

import arraybackend as ab
from arraybackend._bench import _cli as bench_cli
from arraybackend._blas import blas_description
from arraybackend._cli_conformance import run_check
from arraybackend._selection import ENV_VAR

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

__all__ = ["main"]

DESCRIPTION = """\
Typed matrix_multiply, transpose and dot for NumPy, CuPy and other array libraries.
See which backends can run here (info), check them against the exactly computed product
(check), or run a worked example (demo). Also runs as: python -m arraybackend"""

EPILOG = f"""\
exit status:
  0    success (a pipe closed by its reader, as in "arraybackend info | head -1", too)
  1    a check failed, a backend cannot run here, or the output could not be written
  2    a usage error: a bad option or an unknown backend name (also in ${ENV_VAR})
  130  interrupted"""


class _OutputError(Exception):
    """Standard output cannot be written (a closed pipe, a full disk): not a bug here."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


class _Output:
    """A text stream that writes what its encoding cannot show as backslash escapes.

    For example ``$ARRAYBACKEND='n\\xfcmpy'`` under ``PYTHONIOENCODING=ascii``. An
    ``OSError`` becomes ``_OutputError``, so that ``main`` tells a failed write apart from
    a backend's own ``OSError``.
    """

    def __init__(self, stream: SupportsWrite[str]) -> None:
        self._stream = stream

    def write(self, text: str, /) -> None:
        try:
            try:
                self._stream.write(text)
            except UnicodeEncodeError:
                encoding = getattr(self._stream, "encoding", None) or "ascii"
                self._stream.write(text.encode(encoding, "backslashreplace").decode(encoding))
        except OSError as err:
            raise _OutputError(err) from err

    def flush(self) -> None:
        flush = getattr(self._stream, "flush", None)
        if flush is None:
            return
        try:
            flush()
        except OSError as err:
            raise _OutputError(err) from err


def _write_stderr(text: str) -> None:
    """Write to stderr whatever its state (closed, full, unable to encode the text)."""
    stream = sys.stderr
    if stream is None:  # started with stderr closed: the exit status must say it all
        return
    try:
        _Output(stream).write(text)
        stream.flush()
    except (_OutputError, OSError):
        pass


def _error(message: str) -> None:
    """The one line on stderr that every failure ends in."""
    _write_stderr(f"arraybackend: {message}\n")


class _Parser(argparse.ArgumentParser):
    """argparse, except that a failed write of ``--help`` or ``--version`` is reported.

    argparse itself ignores an ``OSError`` there, so ``arraybackend --help > /dev/full``
    would exit 0 having written nothing.
    """

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        if not message:
            return
        if file is None or file is sys.stderr:
            _write_stderr(message)
        else:
            _Output(file).write(message)


def _detach_stdout() -> None:
    """Point stdout's descriptor at devnull after a failed write.

    The interpreter flushes ``sys.stdout`` once more at exit; without this, that flush
    fails again and prints "Exception ignored ..." after our one line.
    """
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (captured in tests)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def _status(err: ab.ArrayBackendError) -> int:
    """A name that means nothing is a usage error (2); anything else is a failure (1)."""
    return 2 if isinstance(err, ab.UnknownBackendError) else 1


def _device(backend: ab.Backend[Any]) -> str:
    try:  # a third-party ``device`` property may raise: a remark, not a crash
        return f" (device {backend.device})" if isinstance(backend, ab.SupportsDevice) else ""
    except Exception as err:
        return f" (device unknown: {type(err).__name__}: {err})"


def info(out: _Output) -> int:
    """Versions, the selected backend, and every known backend: available, or why not."""
    env = os.environ.get(ENV_VAR)
    rows = [
        ("arraybackend", ab.__version__),
        ("python", f"{platform.python_version()} ({platform.machine()})"),
        ("numpy", np.__version__),
        ("blas", blas_description()),
        (f"${ENV_VAR}", "unset" if env is None else repr(env)),
    ]
    problem: ab.ArrayBackendError | None = None
    try:
        selected = ab.current_backend().name
    except ab.ArrayBackendError as err:
        problem = err
        rows.append(("selected", f"none: {err}"))
    else:
        source = f"from ${ENV_VAR}" if env is not None and env.strip() else "the default"
        rows.append(("selected", f"{selected} ({source})"))
    width = max(len(key) for key, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}", file=out)
    print("backends:", file=out)
    status = ab.backend_status()
    name_width = max(len(name) for name in status)
    for name, backend in status.items():
        if isinstance(backend, ab.BackendUnavailableError):
            state = f"unavailable: {backend.reason}"
        else:
            state = f"available{_device(backend)}"
        print(f"  {name:<{name_width}}  {state}", file=out)
    for line in _details(status):
        print(f"  {line}", file=out)
    for plugin, why in ab.ignored_entry_points().items():
        print(f"  ignored plugin {plugin}: {why}", file=out)
    if problem is not None:
        out.flush()  # the report first, then the one line on stderr
        _error(str(problem))
        return _status(problem)
    return 0


def _details(status: dict[str, ab.BackendUnavailableError | ab.Backend[Any]]) -> list[str]:
    """Backend-specific lines: Dask's versions and scheduler (workers, memory) if it runs."""
    if isinstance(status.get("dask"), ab.BackendUnavailableError) or "dask" not in status:
        return []
    from arraybackend.backends.dask import info_lines

    return [f"dask: {line}" for line in info_lines()]


def _demo(
    be: ab.Backend[Any], asarray: Callable[[np.ndarray[Any, Any]], Any], out: _Output
) -> None:
    def show(title: str, result: Any) -> None:
        print(f"\n{title}\n{be.to_numpy(result)}", file=out)

    x = asarray(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]))
    w = asarray(np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]))
    print(f"backend: {be.name}", file=out)
    print('the examples of "Learn Deep Learning with NumPy, Part 1.2", with', file=out)
    print(
        "X = [[1, 2], [3, 4], [5, 6], [7, 8]] and W = [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]\n",
        file=out,
    )
    show("1. matrix_multiply(X, W): (4, 2) @ (2, 3)", be.matrix_multiply(x, w))
    x_small = asarray(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    w_small = asarray(np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]))
    show(
        "2. matrix_multiply([[1, 2, 3], [4, 5, 6]], [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])\n"
        "   (the post prints 6.2 at [1, 1]; 6.4 is right)",
        be.matrix_multiply(x_small, w_small),
    )
    show(
        "3. transpose([[1, 2, 3], [4, 5, 6]])",
        be.transpose(asarray(np.array([[1, 2, 3], [4, 5, 6]]))),
    )
    show(
        "4. dot([1, 2, 3], [4, 5, 6])",
        be.dot(asarray(np.array([1, 2, 3])), asarray(np.array([4, 5, 6]))),
    )
    delta = asarray(np.ones((4, 3)))
    show(
        "5. the weight gradient matrix_multiply(transpose(X), delta), delta (4, 3) of ones",
        be.matrix_multiply(be.transpose(x), delta),
    )


def demo(backend_name: str | None, out: _Output) -> int:
    """The examples of the post that started the project, run through one backend."""
    be = ab.get_backend(backend_name) if backend_name is not None else ab.current_backend()
    if not isinstance(be, ab.SupportsAsarray):
        _error(f"the {be.name} backend has no asarray(): it cannot load the example data")
        return 1
    try:
        with np.printoptions(precision=4, suppress=True):
            _demo(be, be.asarray, out)
    except (ab.ArrayBackendError, _OutputError):
        raise
    except Exception as err:  # a third-party backend's bug: say whose, in one line
        out.flush()
        _error(f"the {be.name} backend failed the demo: {type(err).__name__}: {err}")
        return 1
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="arraybackend",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"arraybackend {ab.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser(
        "info",
        help="versions, the selected backend, and which backends can run here (or why not)",
        description=(
            "Print the versions of arraybackend, Python, NumPy and its BLAS; the backend that "
            f"ab.matrix_multiply and friends use (chosen by ${ENV_VAR}, default numpy); and "
            "every known backend, available or with the reason it cannot run here."
        ),
    )
    check = commands.add_parser(
        "check",
        help="check every backend against the exactly computed product",
        description=(
            "Multiply integer, floating and complex matrices (a fixed grid of shapes, fixed "
            "random data) on each backend and compare with the exactly computed product. "
            "A 'max error/bound' of at most 1 is within the floating-point error bound. "
            "Backends that cannot run here are listed as skipped, with the reason. "
            "Exit status 1 if any row fails."
        ),
    )
    check.add_argument(
        "--backend",
        action="append",
        metavar="NAME",
        help="check only this backend (repeat for several); it must be able to run here",
    )
    run = commands.add_parser(
        "demo",
        help='the examples of "Learn Deep Learning with NumPy, Part 1.2" on one backend',
        description=(
            'Run the examples of the post "Learn Deep Learning with NumPy, Part 1.2" '
            "(matrix_multiply, transpose, dot) through one backend and print the results."
        ),
    )
    run.add_argument(
        "--backend",
        metavar="NAME",
        help=f"the backend to use (default: the selected one: ${ENV_VAR}, else numpy)",
    )
    bench_cli.add_parser(commands)
    return parser


def _run(argv: Sequence[str] | None, out: _Output) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help, --version or a usage error: argparse printed it
        return done.code if isinstance(done.code, int) else 0 if done.code is None else 2
    except OSError as err:  # --help into a closed pipe or a full disk
        raise _OutputError(err) from err
    if args.command is None:
        if sys.stderr is not None:
            parser.print_help(sys.stderr)
        return 2
    try:
        if args.command == "info":
            return info(out)
        if args.command == "check":
            return run_check(args.backend, out)
        if args.command == "bench":
            return bench_cli.run(args)
        return demo(args.backend, out)
    except ab.ArrayBackendError as err:
        out.flush()
        _error(str(err))
        return _status(err)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    if sys.stdout is None:  # started with stdout closed (`arraybackend info >&-`)
        _error("standard output is closed; redirect it instead (> /dev/null to discard it)")
        return 1
    out = _Output(sys.stdout)
    try:
        status = _run(argv, out)
        out.flush()
    except _OutputError as failure:
        _detach_stdout()
        if isinstance(failure.error, BrokenPipeError):
            return 0  # `arraybackend info | head -1`: the reader had what it wanted
        _error(f"cannot write to standard output: {failure.error.strerror or failure.error}")
        return 1
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    return status


if __name__ == "__main__":
    sys.exit(main())
