"""A progress bar on stderr: tqdm's where it is installed, else a plain counter line."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from typing import Protocol, cast

__all__ = ["Progress", "progress"]


class Progress(Protocol):
    """What the benchmark uses of a bar (tqdm's interface)."""

    def update(self, n: int = 1, /) -> object: ...
    def close(self) -> None: ...


class _Plain:
    """``desc: 3/12`` rewritten in place on a terminal; silent when stderr is not one."""

    def __init__(self, total: int, desc: str, enabled: bool) -> None:
        self.total, self.desc, self.done = total, desc, 0
        self.enabled = enabled and sys.stderr.isatty()

    def update(self, n: int = 1, /) -> object:
        self.done += n
        if self.enabled:
            print(f"\r{self.desc}: {self.done}/{self.total}", end="", file=sys.stderr, flush=True)
        return None

    def close(self) -> None:
        if self.enabled:
            print(file=sys.stderr)


class _TqdmFactory(Protocol):
    def __call__(self, *, total: int, desc: str, disable: bool, leave: bool) -> Progress: ...


def progress(total: int, desc: str, *, enabled: bool = True) -> Progress:
    """A bar of ``total`` steps (tqdm if installed: ``pip install "arraybackend[bench]"``)."""
    if importlib.util.find_spec("tqdm") is None:
        return _Plain(total, desc, enabled)
    # Imported by name: tqdm ships no inline types, and the bar is all this module needs.
    factory = cast(_TqdmFactory, importlib.import_module("tqdm").tqdm)
    return factory(total=total, desc=desc, disable=not enabled, leave=False)
