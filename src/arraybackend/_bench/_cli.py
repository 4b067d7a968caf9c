"""``arraybackend bench`` on the command line: its options, and the call into ``_command``.

Kept light: ``arraybackend info`` builds the same parser, and should not pay for importing
the benchmark kit (subprocess, threading, timeit, ...) it does not run.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

__all__ = ["add_parser", "run"]


def add_parser(commands: Any) -> None:
    """Register ``bench`` on the ``arraybackend`` command's subparsers."""
    p: argparse.ArgumentParser = commands.add_parser(
        "bench", help="overhead ratios and GFLOP/s against matrix size, per backend"
    )
    p.add_argument(
        "--backend", action="append", help="only this backend (repeatable; default: all available)"
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="a CI-sized run (seconds): 1 process, few rounds, small sizes",
    )
    p.add_argument(
        "--processes", type=int, help="worker processes per overhead row (default 3; --quick 1)"
    )
    p.add_argument("--rounds", type=int, help="alternating rounds per row and process (default 15)")
    p.add_argument(
        "--budget", type=float, help="seconds per overhead row and process (default 0.6)"
    )
    p.add_argument("--sweep-budget", type=float, help="seconds per sweep point (default 0.5)")
    p.add_argument("--no-sweep", action="store_true", help="the overhead table only")
    p.add_argument("--json", type=Path, metavar="FILE", help="also write every figure as JSON")
    p.add_argument(
        "--plot", type=Path, metavar="FILE", help="draw ratio and GFLOP/s curves (.png, .svg, .pdf)"
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bars on stderr")


def run(args: argparse.Namespace) -> int:
    """Run ``arraybackend bench`` with the parsed options; returns the exit status."""
    from arraybackend._bench._command import run as run_bench

    return run_bench(args)
