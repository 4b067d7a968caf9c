from cupyx.profiler._time import benchmark as benchmark
