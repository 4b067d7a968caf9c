"""Overhead of arraybackend's NumPy backend against raw NumPy: issue 13's table, honestly.

Both sides of a row are source statements (``be.transpose(x)`` against ``x.T``) timed by the
same compiled :mod:`timeit` loop over the same globals: no lambda around either side.
Rounds alternate which side goes first; a row's ratio in one process is the median of its
per-round ratios; every row runs in ``--processes`` fresh processes, one after another, and
is reported as the median over processes with the spread (min-max), against its goal.
Also: two threads' aggregate throughput, and the cost of ``import arraybackend`` after
``import numpy`` (fresh interpreters). ``--peers`` adds thinc, TensorLy, array-api-compat
and autoray rows where they are installed. Run with ``nox -s bench`` or
``python benchmarks/bench_numpy.py``; the machine should be otherwise idle.
"""

from __future__ import annotations

import argparse
import sys
import tracemalloc
from collections.abc import Callable

import numpy as np

import arraybackend as ab
from arraybackend._bench._cases import Settings, installed_peers
from arraybackend._bench._command import header_lines
from arraybackend._bench._progress import progress
from arraybackend._bench._report import summarise, table
from arraybackend._bench._worker import cases_for, run_processes


def peak_bytes(fn: Callable[[], object]) -> int:
    fn()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _memory_line() -> str:
    be = ab.get_backend("numpy")
    rng = np.random.default_rng(0)
    xb, db = rng.standard_normal((4000, 300)), rng.standard_normal((4000, 10))
    raw = peak_bytes(lambda: np.matmul(xb.T, db))
    ours = peak_bytes(lambda: be.matrix_multiply(be.transpose(xb), db))
    return (
        f"Peak traced memory of transpose(x) @ delta, x 4000x300 ({xb.nbytes / 2**20:.1f} MiB): "
        f"raw {raw} B, arraybackend {ours} B (result {300 * 10 * 8} B): no copy of x"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--processes", type=int, default=5, help="fresh processes per row (spread over them)"
    )
    parser.add_argument(
        "--rounds", type=int, default=21, help="alternating rounds per row and process"
    )
    parser.add_argument(
        "--budget", type=float, default=1.0, help="seconds per row and process, both sides"
    )
    parser.add_argument(
        "--import-samples",
        type=int,
        default=15,
        help="fresh interpreters per process for the import row",
    )
    parser.add_argument(
        "--peers",
        action="store_true",
        help="add thinc, TensorLy, array-api-compat, autoray rows (those installed)",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when a median misses its goal (noisy machines: off)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    args = parser.parse_args(argv)
    found, missing = installed_peers() if args.peers else ([], [])
    settings = Settings(
        suite="issue13",
        rounds=args.rounds,
        budget_s=args.budget,
        import_samples=args.import_samples,
        peers=tuple(found),
    )
    cases = cases_for(settings)
    for line in header_lines():
        print(line)
    estimate = args.processes * (0.6 + sum(c.seconds(settings) for c in cases))
    print(
        f"{args.processes} processes x {args.rounds} alternating rounds per row; "
        f"ratio = ours / raw time (throughput row: raw / ours); estimated {estimate:.0f} s"
    )
    if args.peers:
        print(
            f"peers: {', '.join(found) or 'none installed'}; not installed: {', '.join(missing) or 'none'}"
        )
    print(flush=True)
    bar = progress(args.processes * len(cases), "bench", enabled=not args.no_progress)
    collected = run_processes(settings, args.processes, bar.update)
    bar.close()
    summaries = [summarise(c, collected.values[c.key]) for c in cases if c.key in collected.values]
    print(table(summaries, collected.errors))
    print(f"\n{_memory_line()}")
    missed = [s.case.key for s in summaries if s.met is False]
    if missed:
        print(f"\nmissed goals (median over processes): {', '.join(missed)}")
    return 1 if (missed or collected.errors) and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
