"""Which BLAS NumPy runs, for ``arraybackend info`` and the benchmarks."""

from __future__ import annotations

import numpy as np

__all__ = ["blas_description"]


def blas_description() -> str:
    """BLAS name, version, kernel and threads (threadpoolctl), else NumPy's build config."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        config = np.show_config(mode="dicts")
        blas = config.get("Build Dependencies", {}).get("blas", {})
        return f"{blas.get('name', '?')} {blas.get('version', '?')} (build configuration; install threadpoolctl for threads)"
    pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    if not pools:
        return "none loaded"
    return "; ".join(
        f"{p.get('internal_api')} {p.get('version')} ({p.get('architecture')}, {p.get('num_threads')} threads)"
        for p in pools
    )
