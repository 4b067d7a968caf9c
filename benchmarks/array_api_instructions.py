"""The rows of ``array_api_floor.py`` counted in machine instructions, not timed.

On a machine shared with other work, times of 1-2 us calls move by 10-30 % between rounds;
instruction counts do not depend on the load. Each backend's rows run in one process under
valgrind's callgrind, which a controller (this script) zeroes before a row's calls and reads
after them: instructions per call, and the ratio to the raw call. Instructions are not
time (the interpreter and a library's C++ differ in instructions per cycle), but on these
calls the two ratios have agreed within a few percent where both were measured.

Needs valgrind (``callgrind_control`` on PATH). About 1-4 minutes per backend.
Run with ``python benchmarks/array_api_instructions.py [--backends torch] [--calls 20000]``.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import timeit

from array_api_floor import cases


def worker(name: str, n: int, calls: int) -> None:
    """Run each row ``calls`` times between a START and a STOP line; wait for the controller."""
    rows = cases(name, n)
    # Each row's statement in a compiled loop, as bench_array_api.py times it.
    loops = [timeit.Timer(case.ours, globals=case.namespace) for case in rows]
    for loop in loops:  # warm up: the interpreter specialises, JAX compiles
        loop.timeit(2000)
    for case, loop in zip(rows, loops, strict=True):
        print("START", flush=True)
        sys.stdin.readline()
        loop.timeit(calls)
        print("STOP", case.name, flush=True)
        sys.stdin.readline()


def count(name: str, n: int, calls: int) -> list[tuple[str, float]]:
    """(row, instructions per call) for one backend, from one process under callgrind."""
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable]
    command += [__file__, "--worker", name, "--size", str(n), "--calls", str(calls)]
    proc = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    found: list[tuple[str, float]] = []
    for line in proc.stdout:
        pid = str(proc.pid)
        if line.startswith("START"):
            subprocess.run(["callgrind_control", "--zero", pid], capture_output=True, check=True)
        else:
            done = subprocess.run(
                ["callgrind_control", "-e", "Ir", pid], capture_output=True, text=True, check=True
            )
            # "Totals: Ir" then one line per thread ("Th 1  15,597"): all threads count (JAX
            # and PyTorch may compute on their own threads).
            threads = re.findall(r"^\s*Th\s+\d+\s+([\d,]+)", done.stdout, re.MULTILINE)
            if not threads:
                raise RuntimeError(f"unexpected callgrind_control output: {done.stdout!r}")
            total = sum(int(t.replace(",", "")) for t in threads)
            found.append((line.split(" ", 1)[1].strip(), total / calls))
        proc.stdin.write("go\n")
        proc.stdin.flush()
    if proc.wait() != 0:
        raise RuntimeError(f"the worker for {name} failed (exit {proc.returncode})")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--backends", default="jax,torch,array-api-strict")
    parser.add_argument("--size", type=int, default=4)
    parser.add_argument("--calls", type=int, default=5000, help="calls per row")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.size, args.calls)
        return 0
    print(f"{args.calls} calls per row after 2000 to warm up; instructions per call include the")
    print("timeit loop, the same on every row; ratio = row / raw call above it\n")
    print("| row | instructions per call | ratio to raw |")
    print("|---|---:|---:|")
    for name in (n.strip() for n in args.backends.split(",") if n.strip()):
        raw = 0.0
        for row, per_call in count(name, args.size, args.calls):
            raw = per_call if ": raw " in row else raw
            print(f"| {row} | {per_call:,.0f} | {per_call / raw:.3f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
