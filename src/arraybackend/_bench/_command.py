"""``arraybackend bench`` itself: the overhead table and the throughput sweep, per backend.

Everything the command prints goes to stdout (progress bars go to stderr); ``--json`` writes
the same figures for machines, ``--plot`` draws them (matplotlib).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import arraybackend as ab
from arraybackend._bench._cases import Settings
from arraybackend._bench._machine import (
    Peak,
    cpu_model,
    interpreter_description,
    machine_peak,
    read_cpu_peak,
)
from arraybackend._bench._plot import RatioCurve
from arraybackend._bench._progress import progress
from arraybackend._bench._report import Summary, format_seconds, summarise, table
from arraybackend._bench._sweep import FULL_SIZES, QUICK_SIZES, Point, estimate_seconds, sweep
from arraybackend._bench._worker import cases_for, run_processes
from arraybackend._blas import blas_description

__all__ = ["header_lines", "run"]

_PLOT_FORMATS = (".png", ".svg", ".pdf")
_WORKER_START_S = 0.6
# Matrix sizes of the overhead rows. On a GPU the launch dominates small products, and the
# question is whether large ones keep pace with raw cupy (the old bench-cupy goal: n >= 1024).
_OVERHEAD_SIZES = {
    "cupy": (4, 64, 1024, 4096)
}  # a fresh interpreter importing numpy and arraybackend


def header_lines() -> list[str]:
    """What a figure was measured on: versions, interpreter, CPU, BLAS, load."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    lines = [
        f"arraybackend {ab.__version__}, numpy {np.__version__}",
        f"python  {interpreter_description()}",
        f"cpu     {cpu_model()}, {cpus} usable CPUs",
        f"blas    {blas_description()}",
    ]
    if hasattr(os, "getloadavg"):
        load = os.getloadavg()[0]
        busy = "; the machine is busy: figures are unreliable" if cpus and load > 0.5 * cpus else ""
        lines.append(f"load    {load:.2f} (1-minute average){busy}")
    return lines


def _problem(args: argparse.Namespace) -> str | None:
    """What is wrong with the options, found before any timing starts."""
    if args.plot is not None:
        if args.plot.suffix.lower() not in _PLOT_FORMATS:
            return (
                f"--plot {str(args.plot)!r}: the file must end in one of {', '.join(_PLOT_FORMATS)}"
            )
        if importlib.util.find_spec("matplotlib") is None:
            return '--plot needs matplotlib: pip install "arraybackend[bench]" (or matplotlib)'
    for option in ("json", "plot"):
        path: Path | None = getattr(args, option)
        if path is not None and not path.parent.is_dir():
            return f"--{option} {str(path)!r}: folder {str(path.parent)!r} does not exist; create it first"
    for option in ("processes", "rounds"):
        value: int | None = getattr(args, option)
        if value is not None and value < 1:
            return f"--{option} must be at least 1, not {value!r}"
    return None


def _settings(args: argparse.Namespace, backend: str) -> Settings:
    return Settings(
        suite="overhead",
        backend=backend,
        rounds=args.rounds or (5 if args.quick else 15),
        budget_s=args.budget or (0.05 if args.quick else 0.6),
        sizes=(4, 64) if args.quick else _OVERHEAD_SIZES.get(backend, (4, 16, 64, 256)),
    )


def _sweep_table(points: list[Point], peak: Peak | None) -> str:
    lines = ["| dtype | n | time per product | GFLOP/s | of peak |", "|---|---:|---:|---:|---:|"]
    for p in points:
        fraction = p.fraction(peak)
        share = "" if fraction is None else f"{fraction:.0%}"
        lines.append(
            f"| {p.dtype} | {p.n} | {format_seconds(p.seconds)} | {p.gflops:,.1f} | {share} |"
        )
    return "\n".join(lines)


def _peak_line(peak: Peak | None) -> str:
    if peak is None:
        return "peak    unknown (the vector ISA or clock could not be read): no fraction of peak"
    return f"peak    {peak.describe()}"


def run(args: argparse.Namespace) -> int:
    """Run ``arraybackend bench``; returns the exit status."""
    problem = _problem(args)
    if problem is not None:
        print(f"arraybackend bench: {problem}", file=sys.stderr)
        return 2
    names: list[str] = args.backend or list(ab.available_backends())
    for name in names:
        ab.get_backend(name)  # an unknown or unusable backend fails here, before any timing
    processes: int = args.processes or (1 if args.quick else 3)
    sizes = QUICK_SIZES if args.quick else FULL_SIZES
    sweep_budget: float = args.sweep_budget or (0.05 if args.quick else 0.5)
    peaks = {name: machine_peak(name) for name in names}
    for line in header_lines():
        print(line)
    print(_peak_line(read_cpu_peak()))
    print(f"backends {', '.join(names)}")
    estimate = 0.0
    for name in names:
        settings = _settings(args, name)
        estimate += processes * (
            _WORKER_START_S + sum(c.seconds(settings) for c in cases_for(settings))
        )
        if not args.no_sweep:
            estimate += estimate_seconds(sizes, sweep_budget, peaks[name])
    print(
        f"settings {processes} process(es) x {_settings(args, names[0]).rounds} rounds per row; "
        f"sweep n = {', '.join(map(str, sizes))}, float32 and float64"
    )
    print(f"estimated time: about {estimate:.0f} s", flush=True)
    began = time.perf_counter()
    report: dict[str, Any] = {
        "schema": 1,
        "machine": header_lines(),
        "settings": {
            "processes": processes,
            "rounds": _settings(args, names[0]).rounds,
            "budget_s": _settings(args, names[0]).budget_s,
            "sweep_sizes": list(sizes),
            "sweep_budget_s": sweep_budget,
        },
        "backends": {},
    }
    curves: list[RatioCurve] = []
    sweeps: dict[str, list[Point]] = {}
    for name in names:
        summaries = _overhead(args, name, processes)
        if name == "cupy":
            print(_peak_line(peaks[name]))
        points: list[Point] = []
        if not args.no_sweep:
            bar = progress(2 * len(sizes), f"{name} sweep", enabled=not args.no_progress)
            points = sweep(name, sizes, sweep_budget, bar.update)
            bar.close()
            print(f"\n{name}: matrix_multiply throughput\n")
            print(_sweep_table(points, peaks[name]), flush=True)
            sweeps[name] = points
        curves.append(
            RatioCurve(
                name,
                [
                    (s.case.n, s.median, s.low, s.high)
                    for s in summaries
                    if s.case.n is not None and "float64" in s.case.key
                ],
            )
        )
        report["backends"][name] = {
            "peak": _peak_json(peaks[name]),
            "overhead": [s.as_json() for s in summaries],
            "sweep": [p.as_json(peaks[name]) for p in points],
        }
    print(f"\ntook {time.perf_counter() - began:.0f} s")
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        print(f"wrote {args.json}")
    if args.plot is not None:
        from arraybackend._bench._plot import plot

        title = (
            f"arraybackend {ab.__version__} on {cpu_model()}, Python {platform.python_version()}"
        )
        plot(args.plot, curves, sweeps, peaks, title)
        print(f"wrote {args.plot}")
    return 0


def _peak_json(peak: Peak | None) -> dict[str, object] | None:
    if peak is None:
        return None
    return {"flops": peak.flops, "how": peak.how, "estimate": peak.estimate}


def _overhead(args: argparse.Namespace, name: str, processes: int) -> list[Summary]:
    settings = _settings(args, name)
    cases = cases_for(settings)
    if not cases:
        print(f"\n{name}: no raw library call known for this backend: no overhead table")
        return []
    bar = progress(processes * len(cases), f"{name} overhead", enabled=not args.no_progress)
    collected = run_processes(settings, processes, bar.update)
    bar.close()
    summaries = [summarise(c, collected.values[c.key]) for c in cases if c.key in collected.values]
    over = f"{processes} processes" if processes > 1 else "1 process"
    print(f"\n{name}: ratio to the raw call, {over} (time ratio: below 1 is faster)\n")
    print(table(summaries, collected.errors), flush=True)
    return summaries
