"""What a figure was measured on: interpreter, CPU, BLAS, and the peak FLOP/s to compare with.

The CPU peak is an *estimate* from ``/proc/cpuinfo`` (vector ISA, vendor), the clock (cpufreq's
maximum, else the largest ``cpu MHz``) and the physical cores this process may run on:

    peak = cores x FLOP/cycle x clock,  FLOP/cycle = 2 (an FMA is two FLOPs) x lanes x FMA units

Assumptions, stated because they are guesses from flags, not measurements:

- AVX-512 (``avx512f``): 512-bit vectors, 8 float64 / 16 float32 lanes; 2 FMA units on Intel
  (server parts; some Xeon Silver/Bronze have 1), 1 on AMD (Zen 4 runs 512-bit ops as two
  256-bit halves; Zen 5 has full-width units, recognised by ``avx512_vp2intersect``: 2).
- AVX2 with FMA (``fma``): 256-bit, 4 / 8 lanes, 2 FMA units (Haswell onward, Zen 2/3).
- AVX without FMA: 4 / 8 lanes, one add and one multiply per cycle (as 1 FMA unit).
- SSE2: 2 / 4 lanes, one add and one multiply (as 1 FMA unit).
- aarch64 with ``asimd`` (NEON): 2 / 4 lanes, 2 FMA units (SVE width is not read).
- Turbo clocks above the reported maximum, thermal limits and AVX-512 down-clocking are not
  modelled: a measured fraction above 100 % means the estimate was low, not a miracle.

On a GPU the peak is the device's rated CUDA-core (not tensor-core) rate: SMs x FP32 (or FP64)
units per SM for its compute capability x 2 x clock; float32 without TF32.
"""

from __future__ import annotations

import os
import platform
import re
import sysconfig
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "Peak",
    "blas_threads",
    "cpu_model",
    "estimate_cpu_peak",
    "gpu_peak",
    "interpreter_description",
    "machine_peak",
    "read_cpu_peak",
]


@dataclass(frozen=True)
class Peak:
    """Peak FLOP/s per dtype name, how it was derived, and whether it is an estimate."""

    flops: dict[str, float]
    how: str
    estimate: bool

    def describe(self) -> str:
        kind = "estimate" if self.estimate else "rated"
        rates = ", ".join(f"{dt} {f / 1e9:,.0f} GFLOP/s" for dt, f in self.flops.items())
        return f"{rates} ({kind}: {self.how})"


def interpreter_description() -> str:
    """``CPython 3.11.7 (GCC 12.2.0), PGO no, LTO no`` and free-threading where it applies."""
    config = str(sysconfig.get_config_var("CONFIG_ARGS") or "")
    pgo = "yes" if "--enable-optimizations" in config else "no"
    lto = "yes" if "--with-lto" in config else "no"
    known = "" if config else " (build flags unknown)"
    text = (
        f"{platform.python_implementation()} {platform.python_version()} "
        f"({platform.python_compiler()}), PGO {pgo}, LTO {lto}{known}"
    )
    if sysconfig.get_config_var("Py_GIL_DISABLED"):
        text += ", free-threading build"
    return text


def _cpuinfo() -> str:
    try:
        return Path("/proc/cpuinfo").read_text()
    except OSError:
        return ""


def _field(cpuinfo: str, name: str) -> str | None:
    match = re.search(rf"^{re.escape(name)}\s*:\s*(.*)$", cpuinfo, re.MULTILINE)
    return match.group(1).strip() if match else None


def cpu_model() -> str:
    """The CPU's model name, and ``(virtual machine)`` when the hypervisor flag is set."""
    info = _cpuinfo()
    name = _field(info, "model name") or _field(info, "Model") or platform.processor()
    flags = (_field(info, "flags") or "").split()
    vm = " (virtual machine)" if "hypervisor" in flags else ""
    return f"{name or 'unknown CPU'}{vm}, {platform.machine()}"


def _vector_isa(flags: set[str], vendor: str, machine: str) -> tuple[str, int, int] | None:
    """(ISA name, float64 lanes, FMA units) from the CPU flags; None when not recognised."""
    if "avx512f" in flags:
        if "AMD" in vendor:
            units = 2 if "avx512_vp2intersect" in flags else 1
            return (f"AVX-512, AMD, {units} x 512-bit FMA", 8, units)
        return ("AVX-512, 2 FMA units assumed", 8, 2)
    if "avx2" in flags and "fma" in flags:
        return ("AVX2+FMA, 2 FMA units", 4, 2)
    if "avx" in flags:
        return ("AVX without FMA, 1 add + 1 mul", 4, 1)
    if "sse2" in flags:
        return ("SSE2, 1 add + 1 mul", 2, 1)
    if machine in ("aarch64", "arm64") and "asimd" in flags:
        return ("NEON, 2 FMA units assumed", 2, 2)
    return None


def _physical_cores(cpuinfo: str) -> int | None:
    pairs = set(
        re.findall(r"^physical id\s*:\s*(\d+).*?^core id\s*:\s*(\d+)", cpuinfo, re.M | re.S)
    )
    return len(pairs) or None


def estimate_cpu_peak(cpuinfo: str, max_mhz: float | None, usable_cpus: int) -> Peak | None:
    """The CPU peak from a ``/proc/cpuinfo`` text, a clock in MHz and the CPUs this process may use.

    Returns None when the vector ISA or the clock cannot be read.

    >>> info = "vendor_id : GenuineIntel\\nflags : sse2 avx avx2 fma avx512f\\n"
    >>> estimate_cpu_peak(info, 2000.0, 2).flops
    {'float64': 128000000000.0, 'float32': 256000000000.0}
    """
    flags = set((_field(cpuinfo, "flags") or _field(cpuinfo, "Features") or "").split())
    vendor = _field(cpuinfo, "vendor_id") or ""
    isa = _vector_isa(flags, vendor, platform.machine())
    if isa is None or max_mhz is None or max_mhz <= 0:
        return None
    name, lanes, units = isa
    physical = _physical_cores(cpuinfo)
    # Hyper-threads share their core's FMA units: count a core once.
    cores = min(usable_cpus, physical) if physical else usable_cpus
    per_cycle = 2 * lanes * units
    f64 = cores * per_cycle * max_mhz * 1e6
    how = (
        f"{cores} cores x {per_cycle} float64 FLOP/cycle ({name}: 2 x {lanes} lanes x {units}) "
        f"x {max_mhz / 1000:.2f} GHz; float32 twice that"
    )
    return Peak({"float64": f64, "float32": 2 * f64}, how, estimate=True)


def _max_mhz(cpuinfo: str) -> float | None:
    khz: list[int] = []
    for path in Path("/sys/devices/system/cpu").glob("cpu[0-9]*/cpufreq/cpuinfo_max_freq"):
        try:
            khz.append(int(path.read_text().strip()))
        except (OSError, ValueError):
            continue
    if khz:
        return max(khz) / 1000
    mhz = [float(m) for m in re.findall(r"^cpu MHz\s*:\s*([\d.]+)", cpuinfo, re.MULTILINE)]
    if mhz:
        return max(mhz)
    ghz = re.search(r"@\s*([\d.]+)\s*GHz", _field(cpuinfo, "model name") or "")
    return float(ghz.group(1)) * 1000 if ghz else None


def read_cpu_peak() -> Peak | None:
    """This machine's CPU peak estimate (None where /proc/cpuinfo says too little)."""
    info = _cpuinfo()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return estimate_cpu_peak(info, _max_mhz(info), usable or 1)


# CUDA cores per SM (float32, float64) by compute capability (CUDA programming guide tables).
_CUDA_UNITS: dict[tuple[int, int], tuple[int, int]] = {
    (6, 0): (64, 32),
    (6, 1): (128, 4),
    (7, 0): (64, 32),
    (7, 5): (64, 2),
    (8, 0): (64, 32),
    (8, 6): (128, 2),
    (8, 7): (128, 2),
    (8, 9): (128, 2),
    (9, 0): (128, 64),
    (10, 0): (128, 64),
    (12, 0): (128, 2),
}


def gpu_peak(device: int = 0) -> Peak | None:
    """The rated CUDA-core peak of a CuPy device (needs CuPy and a GPU; None if unknown).

    Not verified on a GPU where this was written: no GPU was available.
    """
    import cupy

    runtime = cupy.cuda.runtime
    props = runtime.getDeviceProperties(device)
    major, minor = int(props["major"]), int(props["minor"])
    sms = int(props["multiProcessorCount"])
    # cudaDeviceProp.clockRate left the struct in CUDA 13: ask the attribute (13 = clock, kHz).
    khz = int(props.get("clockRate", 0)) or int(runtime.deviceGetAttribute(13, device))
    units = _CUDA_UNITS.get((major, minor))
    if units is None or khz <= 0:
        return None
    f32, f64 = (2 * sms * u * khz * 1e3 for u in units)
    name = props.get("name", b"GPU")
    label = name.decode() if isinstance(name, bytes) else str(name)
    how = (
        f"{label}, compute capability {major}.{minor}: {sms} SMs x {units[0]} FP32 / {units[1]} "
        f"FP64 units x 2 x {khz / 1e6:.2f} GHz (CUDA cores, no tensor cores, no TF32)"
    )
    return Peak({"float64": f64, "float32": f32}, how, estimate=False)


def machine_peak(backend: str) -> Peak | None:
    """The peak a backend's throughput is compared with: its GPU's for cupy, else the CPU's."""
    if backend == "cupy":
        try:
            return gpu_peak()
        except Exception:  # a broken driver must not stop the CPU report
            return None
    return read_cpu_peak()


def blas_threads() -> int | None:
    """Threads of the first BLAS pool NumPy loaded (threadpoolctl), else None."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    for pool in threadpool_info():
        if pool.get("user_api") == "blas":
            threads = pool.get("num_threads")
            return int(threads) if isinstance(threads, int) else None
    return None
