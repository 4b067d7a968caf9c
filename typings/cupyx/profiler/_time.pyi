# pyright: reportPrivateUsage=false
# (benchmark returns this private class; the stubs must name it where CuPy does.)
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

class _PerfCaseResult:
    name: str
    def __init__(
        self, name: str, ts: np.ndarray[Any, np.dtype[np.float64]], devices: Sequence[int]
    ) -> None: ...
    @property
    def cpu_times(self) -> np.ndarray[tuple[int], np.dtype[np.float64]]: ...
    @property
    def gpu_times(self) -> np.ndarray[tuple[int, int], np.dtype[np.float64]]: ...

def benchmark(
    func: Callable[..., object],
    args: tuple[object, ...] = (),
    kwargs: Mapping[str, object] = {},
    n_repeat: int = 10000,
    *,
    name: str | None = None,
    n_warmup: int = 10,
    max_duration: float = ...,
    devices: Sequence[int] | None = None,
) -> _PerfCaseResult: ...
