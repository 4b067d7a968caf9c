"""Timing two statements the same way: compiled from source, interleaved, order alternating.

Both sides are source strings run by :class:`timeit.Timer` against the same globals, so each
is the bare expression in the same compiled loop: no lambda or ``functools.partial`` around one
side (a lambda adds 25-40 ns per call, which dilutes the ratio of two ~100 ns calls).
"""

from __future__ import annotations

import gc
import os
import statistics
import subprocess
import sys
import threading
import time
import timeit
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["PairTiming", "import_cost_ms", "time_pair", "time_threads"]

Namespace = dict[str, Any]


@dataclass(frozen=True)
class PairTiming:
    """Per-call seconds of each side (medians over rounds) and the per-round ratios ours / raw."""

    raw_s: float
    ours_s: float
    ratios: list[float]

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)


def _number(timer: timeit.Timer, seconds: float) -> int:
    """Calls per batch so that one batch of this side takes about ``seconds``."""
    timer.timeit(3)  # warm: first-call caches, lazy imports
    n, elapsed = 1, 0.0
    while elapsed < 2e-3:
        n *= 4
        elapsed = timer.timeit(n)
    return max(1, round(n * seconds / elapsed))


def time_pair(
    raw: str, ours: str, namespace: Namespace, rounds: int, budget_s: float
) -> PairTiming:
    """Time ``raw`` and ``ours`` in ``rounds`` alternating rounds, ``budget_s`` seconds in all.

    Each round runs both sides once, the same number of calls each, the first side
    alternating between rounds (the second of a pair inherits warm caches and the allocator
    state the first left behind); its ratio is ours / raw.
    """
    t_raw = timeit.Timer(raw, globals=namespace)
    t_ours = timeit.Timer(ours, globals=namespace)
    # Sized on the slower side, so a row takes about its budget even when ours is 20x slower.
    number = min(_number(t_raw, budget_s / rounds / 2), _number(t_ours, budget_s / rounds / 2))
    raw_times: list[float] = []
    our_times: list[float] = []
    ratios: list[float] = []
    for i in range(rounds):
        if i % 2:
            o = t_ours.timeit(number)
            r = t_raw.timeit(number)
        else:
            r = t_raw.timeit(number)
            o = t_ours.timeit(number)
        raw_times.append(r / number)
        our_times.append(o / number)
        ratios.append(o / r)
    return PairTiming(statistics.median(raw_times), statistics.median(our_times), ratios)


def _threaded_wall(timer: timeit.Timer, threads: int, number: int) -> float:
    """Wall seconds for ``threads`` threads each running ``number`` calls, started together."""
    barrier = threading.Barrier(threads + 1)

    def work() -> None:
        barrier.wait()
        timer.timeit(number)

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for thread in pool:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in pool:
        thread.join()
    return time.perf_counter() - start


def time_threads(
    raw: str, ours: str, namespace: Namespace, threads: int, rounds: int, budget_s: float
) -> PairTiming:
    """Aggregate throughput of ``threads`` threads: ``ratios`` are raw wall / ours wall.

    Above 1 means our side got more calls done per second than the raw side, both with the
    same threads and calls. ``raw_s`` and ``ours_s`` are wall seconds per call, all threads.
    """
    t_raw = timeit.Timer(raw, globals=namespace)
    t_ours = timeit.Timer(ours, globals=namespace)
    per_side = budget_s / rounds / 2 / threads
    number = min(_number(t_raw, per_side), _number(t_ours, per_side))
    raw_walls: list[float] = []
    our_walls: list[float] = []
    speeds: list[float] = []
    # One collector state for all threads: Timer.timeit toggles gc per call, which would let
    # one thread switch it back on while the other is still timing.
    enabled = gc.isenabled()
    gc.disable()
    try:
        for i in range(rounds):
            sides = (t_ours, t_raw) if i % 2 else (t_raw, t_ours)
            walls = {id(t): _threaded_wall(t, threads, number) for t in sides}
            r, o = walls[id(t_raw)], walls[id(t_ours)]
            raw_walls.append(r / (number * threads))
            our_walls.append(o / (number * threads))
            speeds.append(r / o)
    finally:
        if enabled:
            gc.enable()
    return PairTiming(statistics.median(raw_walls), statistics.median(our_walls), speeds)


_IMPORT_PROBE = (
    "import {after}, time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
)


def import_cost_ms(
    module: str, after: str, samples: int, tick: Callable[[], object] | None = None
) -> list[float]:
    """Milliseconds to ``import module`` once ``after`` is imported, each in a fresh interpreter.

    Timed as users import an installed package: from its bytecode cache (``pip install``
    compiles it), written by one untimed import first. With ``PYTHONDONTWRITEBYTECODE`` set,
    an editable install would otherwise be compiled from source on every import.
    """
    drop = {"ARRAYBACKEND", "PYTHONDONTWRITEBYTECODE"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    code = _IMPORT_PROBE.format(module=module, after=after)
    subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, env=env)
    out: list[float] = []
    for _ in range(samples):
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
        )
        out.append(float(done.stdout.strip()) * 1e3)
        if tick is not None:
            tick()
    return out
