"""Where the overhead of the array-API backends goes: the floor under any Python hot path.

``bench_array_api.py`` compares each backend call with the raw library call. This script
times, in one process and the same way (``functools.partial`` on every side, alternating
rounds), what a Python hot path cannot avoid: a function frame around the raw call, a
method with a keyword-only ``out=`` (``matrix_multiply``'s signature), and one attribute
read of the library's array (the cost of any test that asks the array something, such as
its rank or device). A backend call within a goal is possible only where the floor is.

Run with ``python benchmarks/array_api_floor.py [--backends torch] [--rounds 21]``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
from bench_array_api import Case, measure

import arraybackend as ab


def _shells(mm: Callable[[Any, Any], Any]) -> dict[str, Callable[[Any, Any], Any]]:
    """Python layers around ``mm`` that check nothing (the floor of a hot path)."""

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

    return {
        "a Python function calling it": frame,
        "a method with keyword-only out=": Shell().method,
        "a function reading x.ndim, then calling it": one_read,
        "a function reading x.ndim and w.ndim, then calling it": two_reads,
    }


def _library(name: str) -> tuple[Any, Callable[[Any], Any]]:
    """(the module with matmul, how to wait for a result: JAX dispatches asynchronously)."""
    if name == "jax":
        import jax.numpy as jnp

        return jnp, lambda z: z.block_until_ready()
    module = {"array-api-strict": "array_api_strict"}.get(name, name)
    return __import__(module), lambda z: z


def _fmt(seconds: float) -> str:
    return f"{seconds * 1e9:.0f} ns" if seconds < 1e-6 else f"{seconds * 1e6:.2f} us"


def _transpose_frame(x: Any, /) -> Any:
    return x.T


def cases(name: str, n: int) -> list[Case]:
    be: Any = ab.get_backend(name)
    lib, ready = _library(name)
    rng = np.random.default_rng(0)
    x = be.asarray(rng.standard_normal((n, n)).astype(np.float32))
    w = be.asarray(rng.standard_normal((n, n)).astype(np.float32))

    def wait(fn: Callable[[], object]) -> Callable[[], object]:
        return (lambda: ready(fn())) if name == "jax" else fn

    raw = wait(partial(lib.matmul, x, w))
    out = [Case(f"{name} {n}x{n}: raw matmul(x, w)", "", raw, raw, None)]
    for label, shell in _shells(lib.matmul).items():
        out.append(Case(f"{name} {n}x{n}: {label}", "", raw, wait(partial(shell, x, w)), None))
    for label, ours in (("be.matrix_multiply", be.matrix_multiply), ("be.dot", be.dot)):
        out.append(Case(f"{name} {n}x{n}: {label}(x, w)", "", raw, wait(partial(ours, x, w)), None))
    raw_t = wait(partial(getattr, x, "T"))
    out.append(Case(f"{name} {n}x{n}: raw x.T", "", raw_t, raw_t, None))
    frame_t = wait(partial(_transpose_frame, x))
    out.append(Case(f"{name} {n}x{n}: a Python function returning x.T", "", raw_t, frame_t, None))
    ours_t = wait(partial(be.transpose, x))
    out.append(Case(f"{name} {n}x{n}: be.transpose(x)", "", raw_t, ours_t, None))
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
                _, ours_s, ratio = measure(case, args.rounds, args.budget)
                print(f"| {case.name} | {_fmt(ours_s)} | {ratio:.3f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
