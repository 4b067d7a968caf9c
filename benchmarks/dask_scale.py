"""Out of core on a ``distributed.LocalCluster``: a float64 product larger than any worker.

For each worker count, starts a cluster of worker processes with a memory limit each,
builds ``x`` and ``w`` (n x n, uniform in [0, 1)) on the workers, multiplies them with the
Dask backend and checks the row sums of ``x @ w`` against ``x @ (w @ 1)`` within the
inner-product error bound, never holding the product whole. Prints the wall time, the
peak resident memory of each worker process (sampled every 20 ms), the CPU time the
workers used (and how much of it in tasks), what they spilled to disk and sent each other
and, with ``--numpy``, the same steps in memory with NumPy before and after each cluster,
and the ratios to their mean. ``nox -s scale`` runs it; the figures in docs/dask-scale.txt
came from::

    python benchmarks/dask_scale.py --n 11000 --workers 1,2,4 --memory-limit 1GiB --numpy

The cluster fills the cores once: each worker gets ``cores // workers`` threads (at least
one) and every worker process one BLAS thread, so that workers x threads x BLAS threads is
the core count (more when there are more workers than cores: then they share them).
``x`` and ``w`` are made in the blocks the backend plans for the product (``--chunk 0``),
as data meant for these workers would be; smaller chunks are kept as they are, and cost
(one task and one read of each operand block per block of the other).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import math
import os
import platform
import threading
import time
from typing import Any

import dask
import dask.array as da
import numpy as np
from dask.utils import format_bytes, parse_bytes

import arraybackend as ab
from arraybackend.backends._dask_chunks import even_chunks
from arraybackend.backends.dask import info_lines

# psutil comes with distributed, threadpoolctl with nox -s scale; psutil has no
# annotations, threadpoolctl partial ones, so Any here.
psutil: Any = importlib.import_module("psutil")
threadpoolctl: Any = importlib.import_module("threadpoolctl")


def blas_threads() -> int:
    """BLAS threads of this process (NumPy's OpenBLAS), as threadpoolctl sees them."""
    return max(
        (p["num_threads"] for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"),
        default=0,
    )


def cpu_seconds(proc: Any) -> float:
    """User and system CPU time of a process so far; NaN once it is gone (a killed worker)."""
    try:
        return float(sum(proc.cpu_times()[:2]))
    except psutil.Error:
        return math.nan


def sent_to_workers(dask_worker: Any) -> int:
    """Bytes this worker has sent to other workers so far (blocks they asked it for)."""
    digests: dict[tuple[str, ...], float] = dask_worker.digests_total
    return int(sum(v for k, v in digests.items() if k[0] == "get-data" and k[-1] == "bytes"))


def spilled_to_disk(dask_worker: Any) -> int:
    """Bytes this worker has written to disk so far (spilled data, counted when written)."""
    digests: dict[tuple[str, ...], float] = dask_worker.digests_total
    return int(sum(v for k, v in digests.items() if k[-2:] == ("disk-write", "bytes")))


def task_cpu(dask_worker: Any) -> float:
    """CPU seconds this worker's threads have spent running tasks so far (the rest of its
    CPU time is sending, receiving, spilling and its event loop)."""
    digests: dict[tuple[str, ...], float] = dask_worker.digests_total
    return sum(
        v for k, v in digests.items() if k[0] == "execute" and k[-2:] == ("thread-cpu", "seconds")
    )


def _gamma(n: int) -> float:
    u = float(np.finfo(np.float64).eps) / 2
    return n * u / (1 - n * u)


class PeakRSS:
    """The largest resident set size of each process, sampled in a background thread."""

    def __init__(self, pids: list[int]) -> None:
        self.procs = [psutil.Process(pid) for pid in pids]
        self.peaks = [0] * len(pids)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for i, proc in enumerate(self.procs):
                with contextlib.suppress(psutil.Error):
                    self.peaks[i] = max(self.peaks[i], proc.memory_info().rss)
            time.sleep(0.02)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def check(rows: Any, reference: Any, n: int) -> float:
    """The worst |difference| / bound of the row sums (below 1 passes)."""
    got, want = np.asarray(rows), np.asarray(reference)
    bound = 2 * _gamma(2 * n) * want / (1 - _gamma(2 * n))
    ratio = float(np.max(np.abs(got - want) / bound))
    if ratio > 1:
        raise AssertionError(f"row sums differ beyond the error bound: ratio {ratio:.3g}")
    return ratio


def run_cluster(n: int, workers: int, memory_limit: int, chunk: int) -> dict[str, Any]:
    distributed: Any = importlib.import_module("distributed")
    cores = os.cpu_count() or 1
    threads = max(1, cores // workers)
    # distributed gives each worker process one BLAS thread already; said here, not assumed.
    blas = {
        f"distributed.nanny.pre-spawn-environ.{v}": 1
        for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
    }
    start = time.perf_counter()
    with (
        dask.config.set(blas),
        distributed.LocalCluster(
            n_workers=workers,
            threads_per_worker=threads,
            memory_limit=memory_limit,
            processes=True,
            dashboard_address=None,
            silence_logs=50,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        started = time.perf_counter() - start
        be = ab.get_backend("dask")
        info = info_lines()
        pids: list[int] = list(client.run(os.getpid).values())
        procs = [psutil.Process(pid) for pid in pids]
        worker_blas = sorted(set(client.run(blas_threads).values()))
        # The blocks the backend plans for x @ w (square, split evenly), unless --chunk.
        side = chunk or max(even_chunks(n, math.isqrt(be.planned_block_size() // 8)))
        rng = da.random.default_rng(2026)
        x = rng.random((n, n), chunks=side)
        w = rng.random((n, n), chunks=side)
        cpu = [cpu_seconds(p) for p in procs]
        here = time.process_time()  # the scheduler and the client run in this process
        with PeakRSS(pids) as peak:
            t0 = time.perf_counter()
            z = be.matrix_multiply(x, w)
            rows, reference = dask.compute(z.sum(axis=1), be.matrix_multiply(x, w.sum(axis=1)))
            wall = time.perf_counter() - t0
        cpu = [cpu_seconds(p) - c for p, c in zip(procs, cpu, strict=True)]
        here = time.process_time() - here
        # A worker killed for its memory is restarted by its nanny: count the processes gone.
        lost = len(set(pids) - set(client.run(os.getpid).values()))
        return {
            "started": started,
            "wall": wall,
            "peaks": peak.peaks,
            "cpu": cpu,
            "scheduler_cpu": here,
            "spilled": sum(client.run(spilled_to_disk).values()),
            "in_tasks": sum(client.run(task_cpu).values()),
            "sent": sum(client.run(sent_to_workers).values()),
            "threads": threads,
            "blas": worker_blas,
            "ratio": check(rows, reference, n),
            "block": be.planned_block_size(),
            "chunks": tuple(int(max(c)) for c in z.chunks),
            "lost": lost,
            "info": info,
        }


def run_numpy(n: int) -> dict[str, Any]:
    me = psutil.Process()
    base = me.memory_info().rss
    cpu = sum(me.cpu_times()[:2])
    with PeakRSS([os.getpid()]) as peak:
        t0 = time.perf_counter()
        rng = np.random.default_rng(2026)
        x, w = rng.random((n, n)), rng.random((n, n))
        z = x @ w
        rows, reference = z.sum(axis=1), x @ w.sum(axis=1)
        wall = time.perf_counter() - t0
    del x, w, z
    return {
        "wall": wall,
        "cpu": sum(me.cpu_times()[:2]) - cpu,
        "peak": peak.peaks[0] - base,
        "ratio": check(rows, reference, n),
        "blas": blas_threads(),
    }


def _print_numpy(label: str, numpy: dict[str, Any]) -> None:
    print(
        f"{label} ({numpy['blas']} BLAS threads): {numpy['wall']:.1f} s, "
        f"CPU {numpy['cpu']:.1f} s, peak +{format_bytes(numpy['peak'])} "
        f"(row sums within {numpy['ratio']:.2g} of the bound)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=11000)
    parser.add_argument("--workers", default="1,2,4", help="comma-separated worker counts")
    parser.add_argument("--memory-limit", default="1GiB", help="per worker")
    parser.add_argument(
        "--chunk", type=int, default=0, help="chunk side of x and w (0: the planned blocks)"
    )
    parser.add_argument("--numpy", action="store_true", help="also time NumPy in memory")
    args = parser.parse_args()
    n, limit = args.n, parse_bytes(args.memory_limit)
    data = 3 * n * n * 8
    print(f"python {platform.python_version()}, numpy {np.__version__}, dask {dask.__version__}")
    print(f"cpu: {platform.processor() or platform.machine()}, {os.cpu_count()} logical cores")
    pools = [p for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"][:1]
    for p in pools:
        print(f"blas: {p['internal_api']} {p['version']}, {p.get('architecture')} kernel")
    print(f"load average before: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    print(
        f"x, w, x @ w: {n} x {n} float64, {format_bytes(data)} in all = "
        f"{data / limit:.1f} x one worker's limit ({format_bytes(limit)})"
    )
    print("times: generate x and w, multiply, row sums of x @ w and x @ (w @ 1)")
    # NumPy runs before and after each cluster, and each cluster is compared with the mean
    # of the two: on a shared machine the speed drifts, and the first in-memory run of a
    # process was 10-30 % slower than the next ones (so one more, untimed, goes first).
    numpy: dict[str, Any] | None = None
    if args.numpy:
        _print_numpy("numpy warm-up, not compared", run_numpy(n))
        numpy = run_numpy(n)
        _print_numpy("numpy in memory", numpy)
    for workers in (int(v) for v in args.workers.split(",")):
        r = run_cluster(n, workers, limit, args.chunk)
        peaks = ", ".join(format_bytes(p) for p in r["peaks"])
        cpu = ", ".join(f"{c:.1f}" for c in r["cpu"])
        blas = "/".join(str(b) for b in r["blas"])
        print(
            f"dask, {workers} workers x {format_bytes(limit)}, {r['threads']} threads and "
            f"{blas} BLAS threads each (cluster up in {r['started']:.1f} s):"
        )
        for line in r["info"]:
            print(f"    {line}")
        print(
            f"    {r['wall']:.1f} s, worker peak RSS {peaks}, worker CPU {cpu} s "
            f"({r['in_tasks']:.1f} s in tasks; scheduler and client "
            f"{r['scheduler_cpu']:.1f} s), spilled to disk "
            f"{format_bytes(r['spilled'])}, sent between workers {format_bytes(r['sent'])}, "
            f"blocks {r['chunks']}, workers killed {r['lost']}, "
            f"row sums within {r['ratio']:.2g} of the bound"
        )
        print(f"    load average: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
        if numpy is None:
            continue
        after = run_numpy(n)
        _print_numpy("numpy in memory", after)
        wall = (numpy["wall"] + after["wall"]) / 2
        cpu_s = (numpy["cpu"] + after["cpu"]) / 2
        total_cpu = sum(r["cpu"]) + r["scheduler_cpu"]
        print(
            f"    {workers} workers against the mean of the numpy runs around them: time "
            f"{r['wall'] / wall:.2f} x, CPU {total_cpu / cpu_s:.2f} x, largest worker peak "
            f"{max(r['peaks']) / after['peak']:.0%} of numpy's peak "
            f"(all workers: {sum(r['peaks']) / after['peak']:.0%})"
        )
        numpy = after
    print(f"load average after: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
