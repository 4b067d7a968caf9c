"""Where the overhead of the array-API backends goes: the floor under any Python hot path.

``bench_array_api.py`` compares each backend call with the raw library call. This script
times, in one process and the same way (each row the bare expression in the same compiled
loop, alternating rounds), what a Python hot path cannot avoid: a function frame around the raw call, a
method with a keyword-only ``out=`` (``matrix_multiply``'s signature), and one attribute
read of the library's array (the cost of any test that asks the array something, such as
its rank or device). A backend call within a goal is possible only where the floor is.

Run with ``python benchmarks/array_api_floor.py [--backends torch] [--rounds 21]``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
from bench_array_api import Case

import arraybackend as ab
from arraybackend._bench._timing import time_pair


def _shells(mm: Callable[[Any, Any], Any]) -> tuple[dict[str, str], dict[str, Any]]:
    """Python layers around ``mm`` that check nothing (the floor of a hot path): the row
    label -> the statement calling it, and the names those statements use."""

    def frame(x: Any, w: Any, /) -> Any:
        return mm(x, w)

    def one_read(x: Any, w: Any, /) -> Any:
        x.ndim  # noqa: B018  # the read is what is timed
        return mm(x, w)

    def two_reads(x: Any, w: Any, /) -> Any:
        x.ndim  # noqa: B018
        w.ndim  # noqa: B018
        return mm(x, w)

    class Shell:
        __slots__ = ()

        def method(self, x: Any, w: Any, /, *, out: Any = None) -> Any:
            return mm(x, w)

    rows = {
        "a Python function calling it": "frame(x, w)",
        "a method with keyword-only out=": "shell.method(x, w)",
        "a function reading x.ndim, then calling it": "one_read(x, w)",
        "a function reading x.ndim and w.ndim, then calling it": "two_reads(x, w)",
    }
    names = {"frame": frame, "shell": Shell(), "one_read": one_read, "two_reads": two_reads}
    return rows, names


def _fmt(seconds: float) -> str:
    return f"{seconds * 1e9:.0f} ns" if seconds < 1e-6 else f"{seconds * 1e6:.2f} us"


def _transpose_frame(x: Any, /) -> Any:
    return x.T


def cases(name: str, n: int) -> list[Case]:
    """The rows for one library: each a statement against the raw call it is compared with."""
    be: Any = ab.get_backend(name)
    lib: Any = importlib.import_module(
        {"jax": "jax.numpy", "array-api-strict": "array_api_strict"}.get(name, name)
    )
    rng = np.random.default_rng(0)
    x = be.asarray(rng.standard_normal((n, n)).astype(np.float32))
    w = be.asarray(rng.standard_normal((n, n)).astype(np.float32))
    shells, names = _shells(lib.matmul)
    ns: dict[str, Any] = {"be": be, "matmul": lib.matmul, "x": x, "w": w, **names}
    ns["frame_t"] = _transpose_frame
    wait = ".block_until_ready()" if name == "jax" else ""  # JAX dispatches asynchronously

    def row(label: str, raw: str, stmt: str) -> Case:
        return Case(f"{name} {n}x{n}: {label}", "", raw + wait, stmt + wait, ns, None)

    out = [row("raw matmul(x, w)", "matmul(x, w)", "matmul(x, w)")]
    out += [row(label, "matmul(x, w)", stmt) for label, stmt in shells.items()]
    out.append(row("be.matrix_multiply(x, w)", "matmul(x, w)", "be.matrix_multiply(x, w)"))
    out.append(row("be.dot(x, w)", "matmul(x, w)", "be.dot(x, w)"))
    out.append(row("raw x.T", "x.T", "x.T"))
    out.append(row("a Python function returning x.T", "x.T", "frame_t(x)"))
    out.append(row("be.transpose(x)", "x.T", "be.transpose(x)"))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--backends", default="jax,torch,array-api-strict")
    parser.add_argument("--sizes", default="4", help="matrix sizes, comma-separated")
    parser.add_argument("--rounds", type=int, default=21, help="alternating rounds per row")
    parser.add_argument("--budget", type=float, default=1.0, help="seconds per row, both sides")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.backends.split(",") if n.strip() in ab.available_backends()]
    print(f"one process, {args.rounds} alternating rounds per row; ratio = median per-round")
    print("ratio of the row to the raw call above it (matmul rows: matmul; x.T rows: x.T)\n")
    print("| row | median time | ratio to raw |")
    print("|---|---:|---:|")
    for name in names:
        for n in (int(s) for s in args.sizes.split(",")):
            for case in cases(name, n):
                timing = time_pair(case.raw, case.ours, case.namespace, args.rounds, args.budget)
                ours_s, ratio = timing.ours_s, timing.ratio
                print(f"| {case.name} | {_fmt(ours_s)} | {ratio:.3f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
