"""The benchmark kit shared by ``arraybackend bench`` and ``benchmarks/bench_numpy.py``.

Modules, each small:

- ``_machine``: interpreter, CPU, BLAS, and the peak FLOP/s (estimated on a CPU, rated on a GPU);
- ``_timing``: two statements timed the same direct way, interleaved; threads; import cost;
- ``_cases``: the rows (the issue-13 table, the per-backend overhead table, optional peers);
- ``_worker``: rows run in fresh worker processes, one JSON line per row;
- ``_report``: medians and spreads over processes, goals, the tables;
- ``_sweep``: GFLOP/s against matrix size; ``_plot``: the figure; ``_progress``: the bar;
- ``_cli``: the ``bench`` subcommand's options (light to import); ``_command``: the run.

Nothing here is public API: the command line and the printed tables are the interface.
"""

from __future__ import annotations

__all__: list[str] = []
