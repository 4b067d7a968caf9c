"""Rows over processes: the median, the spread (min-max), the goal, and the printed table."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from arraybackend._bench._cases import Case, Measured

__all__ = ["Summary", "format_seconds", "summarise", "table"]


@dataclass(frozen=True)
class Summary:
    """One row over all processes."""

    case: Case
    values: list[float]
    raw_s: float | None
    ours_s: float | None

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)

    @property
    def met(self) -> bool | None:
        """The goal met by the median over processes; None where the row has no goal."""
        goal = self.case.goal
        return None if goal is None else goal.met(self.median)

    @property
    def met_in(self) -> int:
        goal = self.case.goal
        return 0 if goal is None else sum(goal.met(v) for v in self.values)

    def verdict(self) -> str:
        if self.case.goal is None:
            return ""
        word = "met" if self.met else "MISSED"
        return f"{self.case.goal} {word} ({self.met_in}/{len(self.values)} processes)"

    def as_json(self) -> dict[str, object]:
        goal = self.case.goal
        return {
            "row": self.case.key,
            "ours": self.case.ours,
            "raw": self.case.raw,
            "unit": self.case.unit,
            "n": self.case.n,
            "median": self.median,
            "min": self.low,
            "max": self.high,
            "per_process": self.values,
            "raw_s": self.raw_s,
            "ours_s": self.ours_s,
            "goal": None if goal is None else {"limit": goal.limit, "at_most": goal.at_most},
            "met": self.met,
        }


def summarise(case: Case, measured: list[Measured]) -> Summary:
    """The row over processes (per-call times: medians of the processes' medians)."""
    raws = [m.raw_s for m in measured if m.raw_s is not None]
    ours = [m.ours_s for m in measured if m.ours_s is not None]
    return Summary(
        case,
        [m.value for m in measured],
        statistics.median(raws) if raws else None,
        statistics.median(ours) if ours else None,
    )


def format_seconds(seconds: float | None) -> str:
    """``860 ns``, ``10.25 us``, ``20.57 ms``, ``1.30 s``; empty for None."""
    if seconds is None:
        return ""
    if seconds < 1e-6:
        return f"{seconds * 1e9:.0f} ns"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.2f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def _value(unit: str, value: float) -> str:
    if unit == "ms":
        return f"+{value:.1f} ms"
    return f"{value:.3f}"


_HEADER = (
    "| row | ours | raw | raw time | ours time | value (median) | spread (min-max) | goal |\n"
    "|---|---|---|---:|---:|---:|---:|---|"
)


def table(summaries: list[Summary], errors: dict[str, str] | None = None) -> str:
    """A Markdown table: values are ours / raw time ratios unless the row says otherwise.

    Throughput rows are raw time / ours time (above 1: ours did more per second); the
    import row is milliseconds.
    """
    lines = [_HEADER]
    for s in summaries:
        c = s.case
        label = c.key + (" (throughput)" if c.unit == "throughput" else "")
        spread = (
            f"{s.low:.1f}-{s.high:.1f} ms"
            if c.unit == "ms"
            else f"{_value(c.unit, s.low)}-{_value(c.unit, s.high)}"
        )
        lines.append(
            f"| {label} | `{c.ours}` | `{c.raw}` | {format_seconds(s.raw_s)} | "
            f"{format_seconds(s.ours_s)} | {_value(c.unit, s.median)} | {spread} | {s.verdict()} |"
        )
    for key, error in (errors or {}).items():
        lines.append(f"| {key} | | | | | error | {error} | |")
    return "\n".join(lines)
