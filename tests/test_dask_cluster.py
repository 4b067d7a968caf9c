"""The Dask backend on a real ``distributed.LocalCluster``: out of core, on loopback.

Two worker processes with a small memory limit each multiply float64 matrices whose
operands and result together exceed one worker's limit; the result is checked by its row
sums, never held whole. The large version is ``nox -s scale`` (benchmarks/dask_scale.py).
"""

from __future__ import annotations

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

MEMORY_LIMIT = 160 * 2**20  # per worker; a worker process alone takes about 70 MiB
N = 3000  # x, w and x @ w: 3 x 72 MB = 216 MB, 1.35 times one worker's limit


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
    assert f"scheduler {address}: 2 workers, 2 threads, memory per worker 160.00 MiB" in lines


def test_product_larger_than_a_worker(client: Any) -> None:
    be = ab.get_backend("dask")
    rng = da.random.default_rng(2026)
    # Made on the workers, never whole anywhere; the contraction axis is chunked
    # differently (750 vs 600), which the backend replaces by one common chunking.
    x = rng.random((N, N), chunks=(1000, 750))
    w = rng.random((N, N), chunks=(600, 1000))
    assert 3 * x.nbytes > MEMORY_LIMIT
    z = be.matrix_multiply(x, w)
    rows = z.sum(axis=1)  # row sums of x @ w ...
    reference = be.matrix_multiply(x, w.sum(axis=1))  # ... against x @ (w @ 1)
    got, want = (np.asarray(a) for a in dask.compute(rows, reference))  # one pass
    # Both sides are sums of N * N positive products, each through at most 2N roundings:
    # each is within gamma_2N of the exact sum, so they differ by at most twice that.
    bound = 2 * _gamma(2 * N) * want / (1 - _gamma(2 * N))
    assert np.all(np.abs(got - want) <= bound)
    assert len(client.scheduler_info()["workers"]) == 2  # no worker was lost
