"""The Dask backend on a real ``distributed.LocalCluster``: out of core, on loopback.

Two worker processes of 224 MiB each multiply 5500 x 5500 float64 matrices: x, w and x @ w
are 3 x 242 MB = 726 MB (692 MiB), 3.09 times one worker's limit, and each operand alone
(231 MiB) is more than a worker may hold; all three are 1.5 times both workers' limits
together, so the workers spill to disk. The result is checked by its row sums, never held
whole. The product takes 22-26 s on 2 shared cores. The large version is ``nox -s scale``
(benchmarks/dask_scale.py).

The limit cannot shrink much further: an idle worker process (Python, NumPy, dask,
distributed) is 83 MiB resident, dask pauses a worker at 80 % of its limit and kills it at
95 %. At 224 MiB the planned blocks are ``(0.6 x 224 MiB - 100 MiB) / 3 = 11.5 MiB`` and
the workers peaked at 183-193 MiB (pause at 179, kill at 213). At 192 MiB (5020 x 5020)
they peaked at 0.9 x the limit; at 128 MiB a worker was killed. Planned as before (three
blocks in 60 % of the limit, ignoring the process itself, partial products summed four at a
time), this same product lost a worker.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import arraybackend as ab

pytest.importorskip("dask.array", reason="needs dask: pip install 'arraybackend[dask]'")
# distributed's own annotations are partial (LocalCluster is Unknown to pyright): used as Any.
distributed: Any = pytest.importorskip(
    "distributed", reason="needs distributed: pip install 'arraybackend[dask]'"
)

import dask  # noqa: E402
import dask.array as da  # noqa: E402

from arraybackend.backends._dask_chunks import block_bytes  # noqa: E402
from arraybackend.backends.dask import info_lines  # noqa: E402

MEMORY_LIMIT = 224 * 2**20  # per worker; a worker process alone takes about 83 MiB
N = 5500  # x, w and x @ w: 3 x 242 MB = 726 MB, 3.09 times one worker's limit


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            memory_limit=MEMORY_LIMIT,
            processes=True,
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def _gamma(n: int) -> float:
    u = float(np.finfo(np.float64).eps) / 2
    return n * u / (1 - n * u)


def test_block_size_is_planned_from_the_workers(client: Any) -> None:
    be = ab.get_backend("dask")
    assert be.planned_block_size() == block_bytes(MEMORY_LIMIT, threads=1)
    with dask.config.set(scheduler="threads"):  # the configured scheduler wins
        assert be.planned_block_size() == 128 * 2**20


def test_info_lines_describe_the_client(client: Any) -> None:
    address = client.scheduler.address
    lines = info_lines()
    assert f"scheduler {address}: 2 workers, 2 threads, memory per worker 224.00 MiB" in lines


def test_product_larger_than_a_worker(client: Any) -> None:
    be = ab.get_backend("dask")
    pids = client.run(os.getpid)
    rng = da.random.default_rng(2026)
    # Made on the workers, never whole anywhere, in blocks of 14.4 MiB: larger than the
    # planned 11.5 MiB, and the contraction axis chunked differently (1375 vs 1100).
    x = rng.random((N, N), chunks=1375)
    w = rng.random((N, N), chunks=(1100, 1375))
    assert 3 * x.nbytes > 3 * MEMORY_LIMIT
    z = be.matrix_multiply(x, w)
    assert z.chunks == ((1100,) * 5, (1100,) * 5)  # planned: 1100 x 1100 x 8 B = 9.2 MiB
    rows = z.sum(axis=1)  # row sums of x @ w ...
    reference = be.matrix_multiply(x, w.sum(axis=1))  # ... against x @ (w @ 1)
    got, want = (np.asarray(a) for a in dask.compute(rows, reference))  # one pass
    # Both sides are sums of N * N positive products, each through at most 2N roundings:
    # each is within gamma_2N of the exact sum, so they differ by at most twice that.
    bound = 2 * _gamma(2 * N) * want / (1 - _gamma(2 * N))
    assert np.all(np.abs(got - want) <= bound)
    # No worker was lost: one killed for its memory would be restarted (a new process).
    assert client.run(os.getpid) == pids
