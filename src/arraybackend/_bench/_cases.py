"""The rows: what each compares, its goal, and how a worker process measures it.

Building a row imports nothing optional; its ``measure`` (run in a worker) builds the arrays
and imports the library. Every pair row is two source statements over one namespace.
"""

from __future__ import annotations

import importlib.util
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from arraybackend._bench._timing import Namespace, import_cost_ms, time_pair, time_threads

__all__ = [
    "PEERS",
    "Case",
    "Goal",
    "Measured",
    "Settings",
    "installed_peers",
    "issue13_cases",
    "overhead_cases",
]

Unit = Literal["ratio", "throughput", "ms"]


@dataclass(frozen=True)
class Goal:
    """``value <= limit`` (``at_most``) or ``value >= limit``."""

    limit: float
    at_most: bool = True

    def met(self, value: float) -> bool:
        return value <= self.limit if self.at_most else value >= self.limit

    def __str__(self) -> str:
        return f"{'<=' if self.at_most else '>='} {self.limit:g}"


@dataclass(frozen=True)
class Settings:
    """What a worker needs to build and time the rows (sent to it as JSON)."""

    suite: Literal["issue13", "overhead"]
    backend: str = "numpy"
    rounds: int = 21
    budget_s: float = 1.0
    import_samples: int = 10
    peers: tuple[str, ...] = ()
    sizes: tuple[int, ...] = (4, 16, 64, 256)


@dataclass(frozen=True)
class Measured:
    """One row in one process: its value (a ratio, a throughput ratio or ms) and the times."""

    value: float
    raw_s: float | None = None
    ours_s: float | None = None


@dataclass(frozen=True)
class Case:
    """One row of a table: ``ours`` against ``raw``, with a goal, and how to measure it."""

    key: str
    ours: str
    raw: str
    unit: Unit
    goal: Goal | None
    measure: Callable[[Settings], Measured]
    n: int | None = None  # matrix size, for the ratio-vs-size plot

    def seconds(self, settings: Settings) -> float:
        """About how long ``measure`` takes (for the estimate printed up front)."""
        if self.unit == "ms":
            return settings.import_samples * 0.3
        return settings.budget_s * 1.1 + 0.05


def _pair(
    key: str,
    ours: str,
    raw: str,
    setup: Callable[[], Namespace],
    goal: Goal | None = None,
    n: int | None = None,
) -> Case:
    def measure(settings: Settings) -> Measured:
        t = time_pair(raw, ours, setup(), settings.rounds, settings.budget_s)
        return Measured(t.ratio, t.raw_s, t.ours_s)

    return Case(key, ours, raw, "ratio", goal, measure, n)


def _numpy(**arrays: tuple[tuple[int, ...], str]) -> Callable[[], Namespace]:
    """A namespace factory: np, ab, be (the numpy backend) and seeded arrays of these shapes."""

    def setup() -> Namespace:
        import numpy as np

        import arraybackend as ab

        rng = np.random.default_rng(0)
        ns: Namespace = {"np": np, "ab": ab, "be": ab.get_backend("numpy")}
        for name, (shape, dtype) in arrays.items():
            ns[name] = rng.standard_normal(shape).astype(dtype)
        return ns

    return setup


def _threads(key: str, ours: str, raw: str, setup: Callable[[], Namespace], goal: Goal) -> Case:
    def measure(settings: Settings) -> Measured:
        t = time_threads(raw, ours, setup(), 2, settings.rounds, settings.budget_s)
        return Measured(t.ratio, t.raw_s, t.ours_s)

    return Case(key, ours, raw, "throughput", goal, measure)


def _import_row(goal: Goal) -> Case:
    def measure(settings: Settings) -> Measured:
        return Measured(
            statistics.median(import_cost_ms("arraybackend", "numpy", settings.import_samples))
        )

    return Case(
        "import arraybackend", "import arraybackend", "after import numpy", "ms", goal, measure
    )


def issue13_cases(settings: Settings) -> list[Case]:
    """The NumPy rows of issue 13's table (goals from there), then the peers asked for."""
    m4 = _numpy(x=((4, 4), "float64"), w=((4, 4), "float64"))
    vec = _numpy(u=((4,), "float64"), v=((4,), "float64"))
    mm, np_mm = "be.matrix_multiply(x, w)", "np.matmul(x, w)"
    rows = [
        _pair("be.transpose 4x4", "be.transpose(x)", "x.T", m4, Goal(1.8)),
        _pair("be.dot length 4", "be.dot(u, v)", "np.dot(u, v)", vec, Goal(1.0)),
        _pair("ab.dot length 4 (module-level)", "ab.dot(u, v)", "np.dot(u, v)", vec, Goal(1.05)),
        _pair("ab.transpose 4x4 (module-level)", "ab.transpose(x)", "x.T", m4, Goal(2.5)),
        _pair(
            "ab.matrix_multiply 4x4 (module-level)",
            "ab.matrix_multiply(x, w)",
            np_mm,
            m4,
            Goal(0.92),
            4,
        ),
    ]
    for n, dtype, goal in (
        (4, "float64", 1.05),
        (4, "float32", 1.05),
        (64, "float64", 1.01),
        (256, "float64", 1.01),
    ):
        ns = _numpy(x=((n, n), dtype), w=((n, n), dtype))
        rows.append(_pair(f"be.matrix_multiply {n}x{n} {dtype}", mm, np_mm, ns, Goal(goal), n))
    backprop = _numpy(x=((512, 256), "float64"), d=((512, 64), "float64"))
    rows += [
        _pair(
            "backprop transpose(x) @ delta, 512x256 and 512x64",
            "be.matrix_multiply(be.transpose(x), d)",
            "np.matmul(x.T, d)",
            backprop,
            Goal(1.01),
        ),
        _pair("be.matrix_multiply 4x4, overhead only", mm, "x.dot(w)", m4),
        _threads("2 threads x be.matrix_multiply 4x4", mm, np_mm, m4, Goal(0.95, at_most=False)),
        _import_row(Goal(5.0)),
    ]
    for peer in settings.peers:
        rows += _peer_cases(peer)
    return rows


# Peer libraries: (module to find, setup statement, matmul, transpose, dot) as source.
PEERS: dict[str, tuple[str, str, str, str | None, str | None]] = {
    "thinc": (
        "thinc",
        "from thinc.api import NumpyOps; ops = NumpyOps()",
        "ops.gemm(x, w)",
        None,
        None,
    ),
    "tensorly": (
        "tensorly",
        "import tensorly as tl",
        "tl.matmul(x, w)",
        "tl.transpose(x)",
        "tl.dot(u, v)",
    ),
    "array-api-compat": (
        "array_api_compat",
        "import array_api_compat.numpy as xpc",
        "xpc.matmul(x, w)",
        "xpc.matrix_transpose(x)",
        "xpc.vecdot(u, v)",
    ),
    "autoray": (
        "autoray",
        "from autoray import do",
        "do('matmul', x, w)",
        "do('transpose', x)",
        "do('dot', u, v)",
    ),
}


def installed_peers() -> tuple[list[str], list[str]]:
    """(installed, missing) peer libraries, found without importing them."""
    found = [p for p, spec in PEERS.items() if importlib.util.find_spec(spec[0]) is not None]
    return found, [p for p in PEERS if p not in found]


def _peer_cases(peer: str) -> list[Case]:
    _, setup_stmt, matmul, transpose, dot = PEERS[peer]

    def with_peer(base: Callable[[], Namespace]) -> Callable[[], Namespace]:
        def setup() -> Namespace:
            ns = base()
            exec(setup_stmt, ns)  # the peer's own import line, as its users write it
            return ns

        return setup

    m4 = with_peer(_numpy(x=((4, 4), "float64"), w=((4, 4), "float64")))
    rows = [_pair(f"{peer}: matmul 4x4", matmul, "np.matmul(x, w)", m4, n=4)]
    if transpose is not None:
        rows.append(_pair(f"{peer}: transpose 4x4", transpose, "x.T", m4))
    if dot is not None:
        vec = with_peer(_numpy(u=((4,), "float64"), v=((4,), "float64")))
        rows.append(_pair(f"{peer}: dot length 4", dot, "np.dot(u, v)", vec))
    return rows


# The raw library call per built-in backend: (module, matmul, transpose, dot, sync suffix).
RAW: dict[str, tuple[str, str, str, str, str]] = {
    "numpy": ("numpy", "lib.matmul(x, w)", "x.T", "lib.dot(u, v)", ""),
    "array-api-strict": ("array_api_strict", "lib.matmul(x, w)", "x.T", "lib.vecdot(u, v)", ""),
    # Both sides wait for the GPU: a launch alone is not the product.
    "cupy": ("cupy", "lib.matmul(x, w)", "x.T", "lib.dot(u, v)", "; sync()"),
    # Lazy on both sides: this times building the graph (our checks and chunk plan against
    # dask's own), not computing it; the throughput sweep computes.
    "dask": ("dask.array", "lib.matmul(x, w)", "x.T", "lib.dot(u, v)", ""),
    # JAX dispatches asynchronously: both sides wait for the result.
    "jax": ("jax.numpy", "lib.matmul(x, w)", "x.T", "lib.dot(u, v)", ".block_until_ready()"),
    "torch": ("torch", "lib.matmul(x, w)", "x.T", "lib.dot(u, v)", ""),
}


def _backend_ns(backend: str, **arrays: tuple[tuple[int, ...], str]) -> Callable[[], Namespace]:
    def setup() -> Namespace:
        import numpy as np

        import arraybackend as ab

        if backend == "jax":  # the float64 rows need JAX's 64-bit mode
            importlib.import_module("jax").config.update("jax_enable_x64", True)
        be = ab.get_backend(backend)
        lib = importlib.import_module(RAW[backend][0])
        asarray: Callable[[Any], Any] = getattr(be, "asarray", lambda a: a)
        rng = np.random.default_rng(0)
        ns: Namespace = {"be": be, "lib": lib, "sync": _sync(backend)}
        for name, (shape, dtype) in arrays.items():
            ns[name] = asarray(rng.standard_normal(shape).astype(dtype))
        return ns

    return setup


def _sync(backend: str) -> Callable[[], None]:
    if backend == "cupy":
        import cupy

        return cupy.cuda.Device().synchronize
    return lambda: None


def overhead_cases(settings: Settings) -> list[Case]:
    """The overhead table of ``arraybackend bench`` for one backend: ratios to the raw call.

    Empty for a backend with no raw call known here (a plugin): its sweep still runs.
    """
    if settings.backend not in RAW:
        return []
    b = settings.backend
    _, matmul, transpose, dot, sync = RAW[b]
    mm = f"be.matrix_multiply(x, w){sync}"
    rows: list[Case] = []
    for n in settings.sizes:
        ns = _backend_ns(b, x=((n, n), "float64"), w=((n, n), "float64"))
        rows.append(_pair(f"matrix_multiply {n}x{n} float64", mm, matmul + sync, ns, n=n))
    ns32 = _backend_ns(b, x=((4, 4), "float32"), w=((4, 4), "float32"))
    rows.append(_pair("matrix_multiply 4x4 float32", mm, matmul + sync, ns32))
    m4 = _backend_ns(b, x=((4, 4), "float64"))
    rows.append(_pair("transpose 4x4", "be.transpose(x)", transpose, m4))
    vec = _backend_ns(b, u=((4,), "float64"), v=((4,), "float64"))
    rows.append(_pair("dot length 4", f"be.dot(u, v){sync}", dot + sync, vec))
    return rows
