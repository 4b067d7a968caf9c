# Only cupyx.profiler, for benchmarks/bench_cupy.py; see cupy/__init__.pyi.
