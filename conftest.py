"""Doctest collection of ``src``: skip modules whose optional library is not installed.

``--doctest-modules`` imports every module under ``src/arraybackend``; a backend module that
imports its library at the top cannot be imported without it. Its tests show the skip and
its reason (``tests/test_array_api_strict_backend.py`` uses ``importorskip``).
"""

from __future__ import annotations

import importlib.util

collect_ignore: list[str] = []
for _library, _modules in (
    ("array_api_strict", ("array_api_strict",)),
    ("jax", ("jax",)),
    ("torch", ("torch",)),
    ("dask", ("dask", "_dask_graph")),
):
    if importlib.util.find_spec(_library) is None:
        collect_ignore += [f"src/arraybackend/backends/{m}.py" for m in _modules]
