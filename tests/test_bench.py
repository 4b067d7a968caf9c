"""``arraybackend bench`` and the benchmark kit: structure, not timings.

Timings depend on the machine and its load; these tests check that every row, table, JSON
field and plotted line is there, and that the peak estimate follows its stated rule.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import arraybackend as ab
from arraybackend.__main__ import main
from arraybackend._bench._cases import Goal, Measured, Settings, issue13_cases
from arraybackend._bench._machine import Peak, estimate_cpu_peak
from arraybackend._bench._plot import RatioCurve, plot
from arraybackend._bench._report import summarise, table
from arraybackend._bench._sweep import Point
from arraybackend._bench._timing import time_pair

ROOT = Path(__file__).resolve().parent.parent
HAS_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None
needs_matplotlib = pytest.mark.skipif(
    not HAS_MATPLOTLIB, reason='matplotlib not installed: pip install "arraybackend[bench]"'
)
OVERHEAD_ROWS = [
    "matrix_multiply 4x4 float64",
    "matrix_multiply 64x64 float64",
    "matrix_multiply 4x4 float32",
    "transpose 4x4",
    "dot length 4",
]


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "ARRAYBACKEND"}


def test_bench_quick_end_to_end(tmp_path: Path) -> None:
    out_json = tmp_path / "bench.json"
    command = [sys.executable, "-m", "arraybackend", "bench", "--quick", "--no-progress"]
    command += ["--json", str(out_json)]
    if HAS_MATPLOTLIB:
        command += ["--plot", str(tmp_path / "bench.svg")]
    done = subprocess.run(
        command, capture_output=True, text=True, env=_env(), timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for prefix in ("python  CPython", "cpu     ", "blas    ", "peak    ", "backends "):
        assert any(line.startswith(prefix) for line in out.splitlines()), prefix
    assert re.search(r"^estimated time: about \d+ s$", out, re.MULTILINE)
    backends = list(ab.available_backends())
    report = json.loads(out_json.read_text())
    assert list(report["backends"]) == backends
    for name in backends:
        assert f"\n{name}: ratio to the raw call, 1 process" in out
        assert f"\n{name}: matrix_multiply throughput" in out
        overhead = report["backends"][name]["overhead"]
        assert [row["row"] for row in overhead] == OVERHEAD_ROWS
        for row in overhead:
            assert row["median"] > 0
            assert row["min"] <= row["median"] <= row["max"]
            assert len(row["per_process"]) == 1
            assert f"| {row['row']} | `{row['ours']}` | `{row['raw']}` |" in out
        sweep = report["backends"][name]["sweep"]
        assert [(p["dtype"], p["n"]) for p in sweep] == [
            (dt, n) for dt in ("float32", "float64") for n in (64, 128, 256)
        ]
        assert all(p["gflops"] > 0 for p in sweep)
        for p in sweep:
            assert re.search(rf"^\| {p['dtype']} \| {p['n']} \| .+ \| .+ \|", out, re.MULTILINE)
    if HAS_MATPLOTLIB:
        svg = (tmp_path / "bench.svg").read_text()
        for name in backends:
            assert f'id="ratio:{name}"' in svg
            assert f'id="gflops:{name}:float32"' in svg
            assert f'id="gflops:{name}:float64"' in svg
            assert f">{name} float64<" in svg  # the label at the line's end, as text


def test_bench_refuses_bad_options_before_timing(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--plot", "figure.gif"]) == 2
    assert (
        "--plot 'figure.gif': the file must end in one of .png, .svg, .pdf"
        in capsys.readouterr().err
    )
    assert main(["bench", "--json", "no/such/folder/x.json"]) == 2
    assert "folder 'no/such/folder' does not exist" in capsys.readouterr().err
    assert main(["bench", "--backend", "cuda"]) == 2
    assert "unknown backend 'cuda'" in capsys.readouterr().err


def test_benchmark_script_prints_every_row_of_the_issue_table() -> None:
    script = ROOT / "benchmarks" / "bench_numpy.py"
    command = [sys.executable, str(script), "--processes", "1", "--rounds", "3"]
    command += ["--budget", "0.02", "--import-samples", "2", "--no-progress"]
    done = subprocess.run(
        command, capture_output=True, text=True, env=_env(), timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "PGO" in done.stdout
    assert "blas    " in done.stdout
    for case in issue13_cases(Settings(suite="issue13")):
        line = next(ln for ln in done.stdout.splitlines() if ln.startswith(f"| {case.key}"))
        assert f"`{case.ours}` | `{case.raw}`" in line
        if case.goal is not None:
            assert str(case.goal) in line
            assert "(1/1 processes)" in line or "(0/1 processes)" in line


def test_both_sides_are_timed_by_the_same_loop() -> None:
    # The same statement on both sides: the ratio is about 1, and there is one per round.
    timing = time_pair("a + 1", "a + 1", {"a": 1}, rounds=4, budget_s=0.02)
    assert len(timing.ratios) == 4
    assert 0.2 < timing.ratio < 5


def test_a_row_over_processes_reports_median_spread_and_goal() -> None:
    case = issue13_cases(Settings(suite="issue13"))[0]  # be.transpose, goal <= 1.8
    summary = summarise(case, [Measured(v, 1e-7, 2e-7) for v in (1.7, 1.9, 1.75)])
    assert (summary.median, summary.low, summary.high) == (1.75, 1.7, 1.9)
    assert summary.met is True
    assert summary.verdict() == "<= 1.8 met (2/3 processes)"
    assert "| 1.750 | 1.700-1.900 | <= 1.8 met (2/3 processes) |" in table([summary])
    throughput = Goal(0.95, at_most=False)
    assert throughput.met(0.96)
    assert not throughput.met(0.61)


INTEL = "vendor_id : GenuineIntel\nflags : fpu sse2 avx avx2 fma avx512f\n"
AMD = "vendor_id : AuthenticAMD\nflags : fpu sse2 avx avx2 fma avx512f\n"


@pytest.mark.parametrize(
    ("cpuinfo", "per_cycle"),
    [
        pytest.param(INTEL, 32, id="intel-avx512-2-fma-units"),
        pytest.param(AMD, 16, id="zen4-avx512-double-pumped"),
        pytest.param(AMD.replace("avx512f", "avx512f avx512_vp2intersect"), 32, id="zen5"),
        pytest.param(INTEL.replace(" avx512f", ""), 16, id="avx2-fma"),
        pytest.param("flags : sse2 avx\n", 8, id="avx-no-fma"),
        pytest.param("flags : sse2\n", 4, id="sse2"),
    ],
)
def test_cpu_peak_is_cores_times_flop_per_cycle_times_clock(cpuinfo: str, per_cycle: int) -> None:
    peak = estimate_cpu_peak(cpuinfo, 3000.0, 4)
    assert peak is not None
    assert peak.estimate
    assert peak.flops["float64"] == 4 * per_cycle * 3000e6
    assert peak.flops["float32"] == 2 * peak.flops["float64"]
    assert "estimate" in peak.describe()


def test_cpu_peak_counts_a_core_once_and_needs_isa_and_clock() -> None:
    # Two hyper-threads of one core: the core's FMA units are counted once.
    smt = "".join(f"processor : {i}\nphysical id : 0\ncore id : 0\n{INTEL}\n" for i in range(2))
    one_core = estimate_cpu_peak(smt, 2000.0, 2)
    assert one_core is not None
    assert one_core.flops["float64"] == 32 * 2000e6
    assert estimate_cpu_peak("flags : fpu\n", 2000.0, 2) is None
    assert estimate_cpu_peak(INTEL, None, 2) is None


@needs_matplotlib
@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_plot_draws_one_line_per_curve_and_labels_them(tmp_path: Path, suffix: str) -> None:
    peak = Peak({"float64": 100e9, "float32": 200e9}, "test", estimate=True)
    curves = [
        RatioCurve("numpy", [(4, 0.9, 0.85, 0.95), (64, 1.0, 0.99, 1.02)]),
        RatioCurve("other", [(4, 2.0, 1.9, 2.1), (64, 1.2, 1.1, 1.3)]),
    ]
    sweeps = {
        name: [
            Point(name, dt, n, 2 * n**3 / 10e9) for dt in ("float32", "float64") for n in (64, 128)
        ]
        for name in ("numpy", "other")
    }
    path = tmp_path / f"bench{suffix}"
    fig = plot(path, curves, sweeps, {"numpy": peak, "other": peak}, "title")
    assert path.stat().st_size > 1000
    left, right = fig.axes
    # Left: the raw line at 1 and one line per backend; right: 2 backends x 2 dtypes + 2 peaks
    # (both backends share one peak: drawn once).
    assert sorted(str(line.get_gid()) for line in left.get_lines()) == [
        "ratio:numpy",
        "ratio:other",
        "ratio:raw",
    ]
    gids = sorted(str(line.get_gid()) for line in right.get_lines())
    assert gids == [
        "gflops:numpy:float32",
        "gflops:numpy:float64",
        "gflops:other:float32",
        "gflops:other:float64",
        "peak:numpy:float32",
        "peak:numpy:float64",
    ]
    texts = {t.get_text() for t in right.texts}
    assert {"numpy float32", "other float64", "float64 peak (estimate): 100 GFLOP/s"} <= texts
    assert {"numpy", "other", "raw library call"} <= {t.get_text() for t in left.texts}
    assert "GFLOP/s" in right.get_ylabel()
    assert "matrix size n" in left.get_xlabel()
