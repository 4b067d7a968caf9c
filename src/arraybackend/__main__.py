"""The command line: ``arraybackend info | check | demo`` (also ``python -m arraybackend``)."""

from __future__ import annotations

import argparse
import os
import platform
import sys
from collections.abc import Sequence

import numpy as np

import arraybackend as ab
from arraybackend._bench import _cli as bench_cli
from arraybackend._blas import blas_description
from arraybackend._cli_check import run_check
from arraybackend._selection import ENV_VAR

__all__ = ["main"]


def info() -> int:
    """Version, every known backend with its availability or reason, NumPy and BLAS."""
    print(f"arraybackend {ab.__version__}")
    print(f"python       {platform.python_version()} ({platform.machine()})")
    print(f"numpy        {np.__version__}")
    print(f"blas         {blas_description()}")
    env = os.environ.get(ENV_VAR)
    print(f"${ENV_VAR}  {env!r}" if env is not None else f"${ENV_VAR}  unset")
    try:
        print(f"selected     {ab.current_backend().name}")
    except ab.ArrayBackendError as err:
        print(f"selected     error: {err}")
    print("backends:")
    width = max(len(name) for name in ab.known_backends())
    for name, status in ab.backend_status().items():
        if isinstance(status, ab.BackendUnavailableError):
            print(f"  {name:<{width}}  unavailable: {status.reason}")
        else:
            device = getattr(status, "device", "?")
            print(f"  {name:<{width}}  available (device {device})")
    return 0


def demo(backend_name: str | None) -> int:
    """The seed post's examples, run through one backend."""
    be = ab.get_backend(backend_name) if backend_name else ab.current_backend()
    asarray = getattr(be, "asarray", None)
    if asarray is None:
        print(f"the {be.name} backend has no asarray(): cannot load the demo data", file=sys.stderr)
        return 2
    np.set_printoptions(precision=4, suppress=True)
    x = asarray([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]])
    w = asarray([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])
    print(f"backend: {be.name}\n")
    print("1. Z = X @ W, X (4, 2), W (2, 3):")
    print(be.to_numpy(be.matrix_multiply(x, w)), end="\n\n")
    x_small = asarray([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    w_small = asarray([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])
    print(
        "2. matrix_multiply(X_small, W_small) (2, 2)  (the post prints 6.2 at [1, 1]; 6.4 is right):"
    )
    print(be.to_numpy(be.matrix_multiply(x_small, w_small)), end="\n\n")
    print("3. transpose(X) (3, 2):")
    print(be.to_numpy(be.transpose(asarray([[1, 2, 3], [4, 5, 6]]))), end="\n\n")
    print("4. dot(u, v):")
    print(be.to_numpy(be.dot(asarray([1, 2, 3]), asarray([4, 5, 6]))), end="\n\n")
    print("5. the weight gradient X.T @ delta, delta (4, 3) of ones:")
    delta = asarray(np.ones((4, 3)))
    print(be.to_numpy(be.matrix_multiply(be.transpose(x), delta)))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="arraybackend", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("info", help="versions, backends (available or why not), BLAS")
    check = commands.add_parser(
        "check", help="parity of every available backend with the exact reference"
    )
    check.add_argument("--backend", action="append", help="check only this backend (repeatable)")
    run = commands.add_parser("demo", help="the seed post's examples on one backend")
    run.add_argument(
        "--backend", help=f"backend name (default: the selected one, ${ENV_VAR} or numpy)"
    )
    bench_cli.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "info":
            return info()
        if args.command == "check":
            return run_check(args.backend)
        if args.command == "bench":
            return bench_cli.run(args)
        return demo(args.backend)
    except ab.ArrayBackendError as err:
        print(f"arraybackend: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `arraybackend info | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
