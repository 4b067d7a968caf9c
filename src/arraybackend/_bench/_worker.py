"""Rows measured in fresh worker processes, one after another, one JSON line per row.

A ratio is tight within one process (about 1 %) but moves 3-5 % between processes (memory
layout, allocator, hash seeds), so every row is measured in each of N processes and reported
as the median with the min-max over processes. Processes run one at a time: two at once
would share the cores they are timing.

Run as ``python -m arraybackend._bench._worker SETTINGS_JSON`` (the parent does this).
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field

from arraybackend._bench._cases import Case, Measured, Settings, issue13_cases, overhead_cases

__all__ = ["Collected", "cases_for", "run_processes"]


def cases_for(settings: Settings) -> list[Case]:
    """The rows of the suite ``settings`` names."""
    if settings.suite == "issue13":
        return issue13_cases(settings)
    return overhead_cases(settings)


@dataclass
class Collected:
    """Each row's measurements over processes, and any error a row raised."""

    values: dict[str, list[Measured]] = field(default_factory=dict[str, list[Measured]])
    errors: dict[str, str] = field(default_factory=dict[str, str])


def _settings_json(settings: Settings) -> str:
    return json.dumps(dataclasses.asdict(settings))


def _settings_from_json(text: str) -> Settings:
    data = json.loads(text)
    data["peers"] = tuple(data["peers"])
    data["sizes"] = tuple(data["sizes"])
    return Settings(**data)


def run_processes(
    settings: Settings, processes: int, tick: Callable[[], object] | None = None
) -> Collected:
    """Measure every row of the suite in ``processes`` fresh processes, one at a time."""
    collected = Collected()
    env = {k: v for k, v in os.environ.items() if k != "ARRAYBACKEND"}
    command = [sys.executable, "-m", "arraybackend._bench._worker", _settings_json(settings)]
    for _ in range(processes):
        # stderr to a file: a pipe nobody reads while stdout is read could fill and block.
        with (
            tempfile.TemporaryFile("w+") as errors,
            subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=errors, text=True, env=env
            ) as proc,
        ):
            assert proc.stdout is not None
            for line in proc.stdout:
                row = json.loads(line)
                if "error" in row:
                    collected.errors[row["key"]] = row["error"]
                else:
                    measured = Measured(row["value"], row["raw_s"], row["ours_s"])
                    collected.values.setdefault(row["key"], []).append(measured)
                if tick is not None:
                    tick()
            proc.wait()
            if proc.returncode != 0:
                errors.seek(0)
                message = (
                    f"a benchmark worker exited with status {proc.returncode}:\n{errors.read()}"
                )
                raise RuntimeError(message)
    return collected


def _main(argv: list[str]) -> int:
    settings = _settings_from_json(argv[0])
    for case in cases_for(settings):
        try:
            m = case.measure(settings)
            row: dict[str, object] = {
                "key": case.key,
                "value": m.value,
                "raw_s": m.raw_s,
                "ours_s": m.ours_s,
            }
        except Exception as err:  # one broken row must not hide the others
            row = {"key": case.key, "error": f"{type(err).__name__}: {err}"}
        print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
