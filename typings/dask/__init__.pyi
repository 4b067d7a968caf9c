# Hand-written stubs for the part of Dask that arraybackend uses; checked against the real
# Dask by `nox -s stubtest-dask`. Dask ships py.typed, but dask.array is unannotated: its
# arrays are Unknown to pyright and Any to mypy, so nothing would be checked. Names live
# where Dask defines or re-exports them at run time.
from dask import config as config
from dask.base import compute as compute

__version__: str
