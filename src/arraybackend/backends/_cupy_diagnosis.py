"""Why the CuPy backend cannot run here, found in the cheapest order.

Each step is tried only if the previous one passed, from the cheapest (a path search) to the
dearest (asking the CUDA runtime for devices):

1. ``importlib.util.find_spec("cupy")`` is None: CuPy is not installed;
2. ``import cupy`` raises: a broken install (say so, with CuPy's own error);
3. ``cupy.cuda.runtime.driverGetVersion()`` is 0: no NVIDIA driver;
4. ``getDeviceCount()`` is 0 or fails with ``cudaErrorNoDevice`` (100): no device, or
   ``cudaErrorInsufficientDriver`` (35): a driver older than CuPy's CUDA runtime;
5. the requested device index is out of range.

``cupy.cuda.is_available()`` is not used: it swallows the reason and caches its answer.
"""

from __future__ import annotations

import importlib.util
import os
import sys

from arraybackend.errors import BackendUnavailableError

__all__ = ["INSTALL", "check_cupy", "library_failure"]

INSTALL = (
    'pip install "arraybackend[cupy]" (CUDA 12) or "arraybackend[cupy-cuda13]" (CUDA 13); '
    "never both"
)
# cudaError_t values CuPy reports in CUDARuntimeError.status.
_INSUFFICIENT_DRIVER = 35
_NO_DEVICE = 100


def _unavailable(reason: str) -> BackendUnavailableError:
    return BackendUnavailableError("cupy", reason)


def _cuda_version(version: int) -> str:
    """CUDA's ``major * 1000 + minor * 10`` as ``"major.minor"``."""
    return f"{version // 1000}.{version % 1000 // 10}"


def _visible_devices() -> str:
    value = os.environ.get("CUDA_VISIBLE_DEVICES")
    return "" if value is None else f" (CUDA_VISIBLE_DEVICES={value!r})"


def _installed() -> bool:
    if sys.modules.get("cupy") is not None:
        return True
    try:
        return importlib.util.find_spec("cupy") is not None
    except (ImportError, ValueError):  # a None entry in sys.modules, or a broken parent
        return False


def check_cupy(device: int | None = None) -> int:
    """Import CuPy and check a driver and the device are there; return the device count.

    Raises
    ------
    BackendUnavailableError
        With a ``reason`` naming the first thing missing and how to fix it.
    """
    if not _installed():
        raise _unavailable(f"CuPy is not installed: {INSTALL}")
    try:
        import cupy

        # A stray ``cupy/`` folder on sys.path (a source checkout, an uninstall leftover)
        # imports as an empty namespace package: it fails here, not with an AttributeError later.
        runtime = cupy.cuda.runtime
        runtime.CUDARuntimeError  # noqa: B018 - read for its failure only
    except Exception as err:  # a broken install fails in many ways (ImportError, OSError, ...)
        where = getattr(sys.modules.get("cupy"), "__path__", None)
        msg = (
            f"broken install: `import cupy` failed or gave an incomplete module "
            f"({type(err).__name__}: {err}; found at {list(where) if where else 'unknown'}); "
            f"remove it and reinstall the one CuPy wheel that matches your CUDA driver: {INSTALL}"
        )
        raise _unavailable(msg) from err
    try:
        driver = runtime.driverGetVersion()
    except runtime.CUDARuntimeError as err:
        raise _unavailable(f"CuPy could not ask for the CUDA driver version: {err}") from err
    if driver == 0:
        msg = (
            "no NVIDIA CUDA driver was found (cupy.cuda.runtime.driverGetVersion() returned 0): "
            "this machine has no usable GPU driver; install the NVIDIA driver on a machine "
            "with an NVIDIA GPU, or use the numpy backend"
        )
        raise _unavailable(msg)
    try:
        count = runtime.getDeviceCount()
    except runtime.CUDARuntimeError as err:
        if err.status == _NO_DEVICE:
            msg = f"no CUDA device is visible{_visible_devices()}: {err}"
        elif err.status == _INSUFFICIENT_DRIVER:
            msg = (
                f"the NVIDIA driver supports CUDA {_cuda_version(driver)}, older than the "
                f"CUDA runtime of this CuPy wheel ({err}); update the driver, or install the "
                f"CuPy wheel for CUDA {driver // 1000}"
            )
        else:
            msg = f"CuPy could not count the CUDA devices: {err}"
        raise _unavailable(msg) from err
    if count == 0:
        raise _unavailable(f"no CUDA device is visible{_visible_devices()}")
    if device is not None and not 0 <= device < count:
        msg = (
            f"CUDA device {device} does not exist: {count} device(s) visible"
            f"{_visible_devices()}, numbered 0 to {count - 1}"
        )
        raise _unavailable(msg)
    return count


def library_failure(op: str, err: BaseException) -> BackendUnavailableError:
    """CuPy loads cuBLAS and friends at first use: a missing one surfaces here."""
    return BackendUnavailableError(
        "cupy",
        f"{op}: CuPy could not load a CUDA library: {type(err).__name__}: {err}; install the "
        f'CUDA libraries its wheel needs (e.g. pip install "cupy-cuda12x[ctk]") or a CUDA toolkit',
    )
