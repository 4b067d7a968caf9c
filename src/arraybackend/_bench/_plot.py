"""The figure of ``arraybackend bench --plot``: ratio and GFLOP/s against matrix size.

Left: ``be.matrix_multiply`` time over the raw library's, per backend, the band the spread
over processes, the raw call as the line at 1. Right: GFLOP/s per backend (one colour per
backend, solid float32, dashed float64), the peak as a grey horizontal line. Every line is
labelled where it ends (no legend to hunt in; labels pushed apart where they would overlap)
and carries a ``gid`` (``ratio:numpy``, ``gflops:numpy:float64``, ``peak:numpy:float64``),
which SVG output keeps as element ids. Needs matplotlib (``pip install "arraybackend[bench]"``).
"""

# matplotlib's stubs leave **kwargs untyped (Unknown to pyright): every Axes method reads as
# "partially unknown". The arguments passed here are all typed.
# pyright: reportUnknownMemberType=false

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from arraybackend._bench._machine import Peak
from arraybackend._bench._sweep import Point

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["RatioCurve", "plot"]

_DASHES = {"float32": "-", "float64": "--"}
_GAP_PX = 15.0  # the least vertical distance between two end labels


@dataclass(frozen=True)
class RatioCurve:
    """One backend's matrix_multiply ratios by size: (n, median, min, max)."""

    backend: str
    points: list[tuple[int, float, float, float]]


@dataclass(frozen=True)
class _Label:
    x: float
    y: float
    text: str
    color: str


def _place_labels(ax: Axes, labels: list[_Label]) -> None:
    """Write each label right of its line's end, moved up or down just enough not to overlap."""
    ax.autoscale_view()
    to_px = ax.transData
    placed: list[tuple[float, _Label]] = sorted(
        ((float(to_px.transform((lab.x, lab.y))[1]), lab) for lab in labels), key=lambda t: t[0]
    )
    last = -1e9
    dpi = ax.figure.dpi
    for y_px, lab in placed:
        target = max(y_px, last + _GAP_PX)
        last = target
        ax.annotate(
            lab.text,
            (lab.x, lab.y),
            xytext=(6, (target - y_px) * 72 / dpi),
            textcoords="offset points",
            va="center",
            color=lab.color,
            annotation_clip=False,
        )


def _size_axis(ax: Axes, sizes: list[int]) -> None:
    ax.set_xscale("log", base=2)
    ax.set_xticks(sizes, labels=[str(n) for n in sizes])
    ax.minorticks_off()
    # Log axis: the right margin is a factor; about one octave fits the longest end label.
    ax.set_xlim(sizes[0] / 1.4, sizes[-1] * 2.4)
    ax.set_xlabel("matrix size n (n x n operands)")


def _ratios(ax: Axes, curves: list[RatioCurve], colors: dict[str, str]) -> None:
    ax.axhline(1.0, color="0.4", linewidth=1, gid="ratio:raw")
    ax.annotate(
        "raw library call",
        (0.01, 1.0),
        xycoords=("axes fraction", "data"),
        xytext=(0, 3),
        textcoords="offset points",
        color="0.4",
        va="bottom",
    )
    labels: list[_Label] = []
    sizes: set[int] = set()
    for curve in curves:
        pts = sorted(curve.points)
        if not pts:
            continue
        ns = [p[0] for p in pts]
        sizes.update(ns)
        color = colors[curve.backend]
        ax.plot(ns, [p[1] for p in pts], marker="o", color=color, gid=f"ratio:{curve.backend}")
        low, high = [p[2] for p in pts], [p[3] for p in pts]
        ax.fill_between(ns, low, high, color=color, alpha=0.2, linewidth=0)
        labels.append(_Label(ns[-1], pts[-1][1], curve.backend, color))
    if sizes:
        _size_axis(ax, sorted(sizes))
    ax.set_ylabel("time ratio to the raw call (x; below 1 is faster)")
    ax.set_title("matrix_multiply overhead, float64 (band: min-max over processes)")
    _place_labels(ax, labels)


def _throughput(
    ax: Axes, sweeps: dict[str, list[Point]], peaks: dict[str, Peak | None], colors: dict[str, str]
) -> None:
    drawn: set[tuple[float, str]] = set()
    labels: list[_Label] = []
    sizes: set[int] = set()
    for backend, points in sweeps.items():
        for dtype in sorted({p.dtype for p in points}):
            pts = sorted((p for p in points if p.dtype == dtype), key=lambda p: p.n)
            ns, gf = [p.n for p in pts], [p.gflops for p in pts]
            sizes.update(ns)
            style = _DASHES.get(dtype, ":")
            gid = f"gflops:{backend}:{dtype}"
            ax.plot(ns, gf, style, marker="o", color=colors[backend], gid=gid)
            labels.append(_Label(ns[-1], gf[-1], f"{backend} {dtype}", colors[backend]))
            peak = peaks.get(backend)
            if peak is None or (peak.flops[dtype], dtype) in drawn:
                continue
            drawn.add((peak.flops[dtype], dtype))
            value = peak.flops[dtype] / 1e9
            kind = "estimate" if peak.estimate else "rated"
            ax.axhline(
                value, color="0.3", linestyle=style, linewidth=1, gid=f"peak:{backend}:{dtype}"
            )
            ax.annotate(
                f"{dtype} peak ({kind}): {value:,.0f} GFLOP/s",
                (0.01, value),
                xycoords=("axes fraction", "data"),
                xytext=(0, 3),
                textcoords="offset points",
                color="0.3",
                va="bottom",
            )
    ax.set_yscale("log")
    if sizes:
        _size_axis(ax, sorted(sizes))
    ax.set_ylabel("GFLOP/s (2 n^3 per product; log scale)")
    ax.set_title("matrix_multiply throughput (solid float32, dashed float64)")
    _place_labels(ax, labels)


def plot(
    path: Path,
    curves: list[RatioCurve],
    sweeps: dict[str, list[Point]],
    peaks: dict[str, Peak | None],
    title: str,
) -> Figure:
    """Draw both panels and write them to ``path`` (.png, .svg or .pdf); returns the figure."""
    import matplotlib as mpl
    from matplotlib.figure import Figure

    backends = list(dict.fromkeys([c.backend for c in curves] + list(sweeps)))
    colors = {b: f"C{i % 10}" for i, b in enumerate(backends)}
    fig = Figure(figsize=(14, 6), layout="constrained")
    left, right = fig.subplots(1, 2)
    for ax in (left, right):
        ax.grid(True, which="major", alpha=0.3)
    _ratios(left, curves, colors)
    _throughput(right, sweeps, peaks, colors)
    fig.suptitle(title, fontsize="medium")
    # SVG text as <text>, not glyph outlines: searchable, smaller, and testable.
    with mpl.rc_context({"svg.fonttype": "none"}):
        fig.savefig(path)
    return fig
