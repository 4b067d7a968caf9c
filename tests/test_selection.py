"""Backend selection: precedence, restoration, isolation between threads and tasks."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import arraybackend as ab
from arraybackend.errors import ArrayTypeError

numpy_backend = ab.get_backend("numpy")


class RecordingBackend:
    """A NumPy-backed backend with its own name, to tell selections apart."""

    array_module = "recording"

    def __init__(self, name: str = "recording") -> None:
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    def matrix_multiply(self, x: Any, w: Any, /, *, out: Any = None) -> Any:
        return (self.name, numpy_backend.matrix_multiply(x, w, out=out))

    def transpose(self, x: Any, /, axes: Any = None) -> Any:
        return (self.name, numpy_backend.transpose(x, axes))

    def dot(self, u: Any, v: Any, /) -> Any:
        return (self.name, numpy_backend.dot(u, v))

    def to_numpy(self, x: Any, /) -> Any:
        return x


@pytest.fixture(autouse=True)
def _restore_default() -> Iterator[None]:
    yield
    ab.set_backend(None)


def test_default_is_numpy() -> None:
    assert ab.current_backend() is numpy_backend


def test_set_backend_then_use_backend_precedence() -> None:
    outer, inner = RecordingBackend("outer"), RecordingBackend("inner")
    assert ab.set_backend(outer) is outer
    assert ab.current_backend() is outer
    with ab.use_backend(inner) as selected:
        assert selected is inner
        assert ab.current_backend() is inner
        with ab.use_backend("numpy"):
            assert ab.current_backend() is numpy_backend
        assert ab.current_backend() is inner
    assert ab.current_backend() is outer
    ab.set_backend(None)
    assert ab.current_backend() is numpy_backend


def test_module_functions_dispatch_to_the_current_backend() -> None:
    x = np.ones((2, 2))
    with ab.use_backend(RecordingBackend()):
        assert ab.matrix_multiply(x, x)[0] == "recording"
        assert ab.transpose(x)[0] == "recording"
        assert ab.dot(x, x)[0] == "recording"


def test_use_backend_restores_on_exception() -> None:
    with pytest.raises(RuntimeError, match="boom"), ab.use_backend(RecordingBackend()):
        raise RuntimeError("boom")
    assert ab.current_backend() is numpy_backend


def test_unknown_names_fail_before_the_block() -> None:
    with pytest.raises(
        ab.UnknownBackendError,
        match=r"unknown backend 'nmupy'; available: 'numpy', 'cupy'.*did you mean 'numpy'\?",
    ):
        ab.use_backend("nmupy")
    with pytest.raises(TypeError, match="expected a backend name or a backend object, got 3"):
        ab.set_backend(3)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]
    assert ab.current_backend() is numpy_backend


def test_selection_is_isolated_between_threads() -> None:
    barrier = threading.Barrier(2)
    seen: dict[str, str] = {}

    def work(name: str) -> None:
        with ab.use_backend(RecordingBackend(name)):
            barrier.wait()  # both threads are inside their blocks at once
            seen[name] = ab.current_backend().name
            barrier.wait()

    threads = [threading.Thread(target=work, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"a": "a", "b": "b"}
    assert ab.current_backend() is numpy_backend


def test_selection_is_isolated_between_asyncio_tasks() -> None:
    async def work(name: str, started: asyncio.Event, other: asyncio.Event) -> str:
        with ab.use_backend(RecordingBackend(name)):
            started.set()
            await other.wait()  # the other task is inside its block now
            return ab.current_backend().name

    async def main() -> list[str]:
        a, b = asyncio.Event(), asyncio.Event()
        return list(await asyncio.gather(work("a", a, b), work("b", b, a)))

    assert asyncio.run(main()) == ["a", "b"]


def test_a_numpy_array_is_never_sent_to_another_backend_silently() -> None:
    class Strict(RecordingBackend):
        def matrix_multiply(self, x: Any, w: Any, /, *, out: Any = None) -> Any:
            raise ArrayTypeError("strict: refused")

    with ab.use_backend(Strict()), pytest.raises(ab.ArrayTypeError, match="refused"):
        ab.matrix_multiply(np.ones((2, 2)), np.ones((2, 2)))


def _run(code: str, env_value: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "ARRAYBACKEND"}
    if env_value is not None:
        env["ARRAYBACKEND"] = env_value
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )


def test_environment_variable_selects_the_default() -> None:
    done = _run("import arraybackend as ab; print(ab.current_backend().name)", "numpy")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "numpy"


def test_bad_environment_variable_fails_clearly_at_first_use_not_import() -> None:
    code = (
        "import arraybackend as ab\n"
        "print('imported')\n"
        "try:\n"
        "    ab.current_backend()\n"
        "except ab.UnknownBackendError as err:\n"
        "    print(type(err).__name__, err)\n"
        "with ab.use_backend('numpy'):\n"  # an explicit choice still works
        "    print(ab.current_backend().name)\n"
    )
    done = _run(code, "cuda")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "imported"
    assert lines[1].startswith(
        "UnknownBackendError $ARRAYBACKEND='cuda' names no backend: unknown backend 'cuda'; available: 'numpy', 'cupy'"
    )
    assert lines[2] == "numpy"
