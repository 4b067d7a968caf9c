"""Overhead of the array-API backends (jax, torch, array-api-strict) against their raw calls.

Each case times the raw library call and the backend call in alternating rounds, each side
first in every other round, both the bare expression in the same compiled loop, as the NumPy
benchmark times them (``arraybackend._bench._timing.time_pair``; for JAX both also wait for
the result with ``block_until_ready``, since JAX dispatches asynchronously). No
``functools.partial`` or lambda around either side: a call from C (``partial``) into a
Python function costs ~400 instructions more than the same call from Python code, which
user code makes, so it would weigh on the backend's side only. It prints the median time of
each side and the median of the per-round ratios.
``--processes N`` repeats the whole run in N fresh processes and adds the spread (min and
max of the per-process medians): single-process ratios are tight, between processes they
move by a few percent, more on a machine shared with other work.

Run with ``python benchmarks/bench_array_api.py [--processes 5] [--backends jax,torch]``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np

import arraybackend as ab
from arraybackend._bench._timing import time_pair

GOALS = {4: 1.10, 1024: 1.01}


@dataclass(frozen=True)
class Case:
    name: str
    raw_label: str
    raw: str
    ours: str
    namespace: dict[str, Any]
    goal: float | None


def cases(name: str, rng: np.random.Generator) -> list[Case]:
    be: Any = ab.get_backend(name)
    lib: Any = importlib.import_module(
        {"jax": "jax.numpy", "array-api-strict": "array_api_strict"}.get(name, name)
    )
    # JAX dispatches asynchronously: both sides wait for their result.
    wait = ".block_until_ready()" if name == "jax" else ""
    out: list[Case] = []

    def case(label: str, raw: str, ours: str, ns: dict[str, Any], goal: float | None) -> None:
        namespace = {"be": be, "matmul": lib.matmul, **ns}
        out.append(Case(label, raw.split("(")[0], raw + wait, ours + wait, namespace, goal))

    for n in (4, 1024):
        x = be.asarray(rng.standard_normal((n, n)).astype(np.float32))
        w = be.asarray(rng.standard_normal((n, n)).astype(np.float32))
        ns = {"x": x, "w": w}
        label = f"{name} {{}} {n}x{n} f32"
        case(
            label.format("matrix_multiply"),
            "matmul(x, w)",
            "be.matrix_multiply(x, w)",
            ns,
            GOALS[n],
        )
        case(label.format("dot"), "matmul(x, w)", "be.dot(x, w)", ns, GOALS[n])
        case(label.format("transpose"), "x.T", "be.transpose(x)", ns, GOALS[n])
    u = be.asarray(rng.standard_normal(4).astype(np.float32))
    case(f"{name} dot length-4 vectors f32", "matmul(u, u)", "be.dot(u, u)", {"u": u}, None)
    return out


def _fmt(seconds: float) -> str:
    if seconds < 1e-6:
        return f"{seconds * 1e9:.0f} ns"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.2f} us"
    return f"{seconds * 1e3:.2f} ms"


def _one_process(names: list[str], rounds: int, budget: float) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for name in names:
        for case in cases(name, np.random.default_rng(0)):
            timing = time_pair(case.raw, case.ours, case.namespace, rounds, budget)
            raw_s, ours_s, ratio = timing.raw_s, timing.ours_s, timing.ratio
            rows.append(
                {
                    "case": case.name,
                    "raw": case.raw_label,
                    "raw_s": raw_s,
                    "ours_s": ours_s,
                    "ratio": ratio,
                    "goal": case.goal,
                }
            )
    return rows


def _versions(names: list[str]) -> str:
    parts = [f"numpy {np.__version__}"]
    for name in names:
        module = {"array-api-strict": "array_api_strict"}.get(name, name)
        parts.append(f"{name} {__import__(module).__version__}")
    return ", ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--backends", default="jax,torch,array-api-strict")
    parser.add_argument("--rounds", type=int, default=15, help="alternating rounds per case")
    parser.add_argument("--budget", type=float, default=1.0, help="seconds per case, both sides")
    parser.add_argument("--processes", type=int, default=1, help="fresh processes to repeat in")
    parser.add_argument("--json", action="store_true", help="one process, rows as JSON")
    args = parser.parse_args(argv)
    wanted = [n.strip() for n in args.backends.split(",") if n.strip()]
    names = [n for n in wanted if n in ab.available_backends()]
    if args.json:
        print(json.dumps(_one_process(names, args.rounds, args.budget)))
        return 0
    runs: list[list[dict[str, Any]]] = []
    for _ in range(args.processes):
        command = [sys.executable, __file__, "--json", "--backends", ",".join(names)]
        command += ["--rounds", str(args.rounds), "--budget", str(args.budget)]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        runs.append(json.loads(done.stdout))
    print(f"arraybackend {ab.__version__}, {_versions(names)}, Python {platform.python_version()}")
    print(f"{platform.machine()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    skipped = [n for n in wanted if n not in names]
    if skipped:
        print(f"not available here: {', '.join(skipped)}")
    print(f"{args.processes} process(es) x {args.rounds} alternating rounds per case\n")
    print("| case | raw | raw median | backend median | ratio (median) | spread | goal |")
    print("|---|---|---:|---:|---:|---|---|")
    for i, row in enumerate(runs[0]):
        ratios = [run[i]["ratio"] for run in runs]
        ratio = statistics.median(ratios)
        raw_s = statistics.median(run[i]["raw_s"] for run in runs)
        ours_s = statistics.median(run[i]["ours_s"] for run in runs)
        goal = row["goal"]
        verdict = "" if goal is None else f"<= {goal:.2f} " + ("met" if ratio <= goal else "MISSED")
        print(
            f"| {row['case']} | {row['raw']} | {_fmt(raw_s)} | {_fmt(ours_s)} | {ratio:.3f} "
            f"| {min(ratios):.3f}-{max(ratios):.3f} | {verdict} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
