"""Backend selection: precedence, restoration, isolation between threads and tasks."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import AsyncGenerator, Generator, Iterator
from contextlib import AbstractContextManager
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
        match=r"unknown backend 'nmupy'; known: 'numpy', 'cupy'.*did you mean 'numpy'\?",
    ):
        ab.use_backend("nmupy")
    with pytest.raises(ab.ArgumentError, match=r"expected a backend name .* got 3 of type int"):
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
        "UnknownBackendError $ARRAYBACKEND='cuda' names no backend: unknown backend 'cuda'; known: 'numpy', 'cupy'"
    )
    assert lines[2] == "numpy"


# --- blocks left out of order ------------------------------------------------------------


class FalsyBackend(RecordingBackend):
    """A valid backend that is falsy: selection must test identity, never truthiness."""

    def __len__(self) -> int:
        return 0

    def __bool__(self) -> bool:
        return False


def _inside(manager: AbstractContextManager[Any]) -> Generator[None, None, None]:
    """A generator suspended inside a ``with`` block until it is closed."""
    with manager:
        yield


def test_generators_closed_in_the_order_opened_restore_the_selection() -> None:
    # The example: with ContextVar.reset the first generator's backend stayed.
    first, second = RecordingBackend("first"), RecordingBackend("second")
    a, b = _inside(ab.use_backend(first)), _inside(ab.use_backend(second))
    next(a)
    next(b)
    assert ab.current_backend() is second  # documented: the caller sees the suspended block
    a.close()
    assert ab.current_backend() is second
    b.close()
    assert ab.current_backend() is numpy_backend


def test_async_generators_closed_out_of_order_restore_the_selection() -> None:
    async def inside(backend: ab.Backend[Any]) -> AsyncGenerator[None, None]:
        with ab.use_backend(backend):
            yield

    async def main() -> list[str]:
        seen: list[str] = []
        a, b = inside(RecordingBackend("a")), inside(RecordingBackend("b"))
        await anext(a)
        await anext(b)
        seen.append(ab.current_backend().name)
        await a.aclose()
        seen.append(ab.current_backend().name)
        await b.aclose()
        seen.append(ab.current_backend().name)
        return seen

    assert asyncio.run(main()) == ["b", "b", "numpy"]
    assert ab.current_backend() is numpy_backend


def test_a_falsy_backend_is_still_used() -> None:
    falsy = FalsyBackend("falsy")
    x = np.ones((2, 2))
    with ab.use_backend(falsy) as selected:
        assert selected is falsy
        assert ab.current_backend() is falsy
        assert ab.matrix_multiply(x, x)[0] == "falsy"
    assert ab.set_backend(falsy) is falsy
    assert ab.current_backend() is falsy
    assert ab.dot(x, x)[0] == "falsy"


def test_a_use_backend_object_is_reusable_and_reentrant() -> None:
    inner = RecordingBackend("inner")
    block = ab.use_backend(inner)
    for _ in range(2):  # reused after it was left
        with block as selected:
            assert selected is inner
            with ab.use_backend("numpy"):
                with block:  # entered again while open
                    assert ab.current_backend() is inner
                assert ab.current_backend() is numpy_backend
            assert ab.current_backend() is inner
        assert ab.current_backend() is numpy_backend
    assert repr(block) == "use_backend('inner')"


def test_leaving_a_block_where_it_is_not_open_warns_and_changes_nothing() -> None:
    block = ab.use_backend(RecordingBackend("here"))
    with pytest.warns(RuntimeWarning, match="not open; the selection here is unchanged"):
        block.__exit__(None, None, None)
    block.__enter__()
    seen: list[str] = []

    def elsewhere() -> None:
        with pytest.warns(RuntimeWarning, match="not open"):
            block.__exit__(None, None, None)
        seen.append(ab.current_backend().name)

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()
    assert seen == ["numpy"]
    assert ab.current_backend().name == "here"  # still open in this thread
    block.__exit__(None, None, None)


def test_the_warning_for_a_block_left_where_it_is_not_open_points_at_the_caller() -> None:
    block = ab.use_backend(RecordingBackend("here"))
    with pytest.warns(RuntimeWarning, match="not open") as record:
        block.__exit__(None, None, None)  # this file is reported, not arraybackend's
    (warning,) = record
    assert warning.filename == __file__
    assert ab.current_backend() is numpy_backend


# A program: ("enter", manager index, through a generator?) or ("exit", manager index, _).
Op = tuple[str, int, bool]


@st.composite
def programs(draw: st.DrawFn, managers: int) -> list[Op]:
    """Random enters and exits of ``managers`` context managers, then all left in any order."""
    ops: list[Op] = []
    open_count = [0] * managers
    for _ in range(draw(st.integers(0, 14))):
        opened = [i for i in range(managers) if open_count[i]]
        leave = draw(st.booleans()) if opened else False
        if leave:
            i = draw(st.sampled_from(opened))
            ops.append(("exit", i, False))
            open_count[i] -= 1
        else:
            i = draw(st.integers(0, managers - 1))
            ops.append(("enter", i, draw(st.booleans())))
            open_count[i] += 1
    rest = [i for i in range(managers) for _ in range(open_count[i])]
    ops += [("exit", i, False) for i in draw(st.permutations(rest))]
    return ops


def _run_program(
    backends: list[ab.Backend[Any]], ops: list[Op], baseline: ab.Backend[Any]
) -> Iterator[None]:
    """Run ``ops``, checking the selection against a model after every step (yields)."""
    managers = [ab.use_backend(be) for be in backends]
    handles: list[list[Generator[None, None, None] | None]] = [[] for _ in managers]
    model: list[int] = []  # manager indices, innermost last
    for op, i, through_generator in ops:
        if op == "enter":
            if through_generator:
                gen = _inside(managers[i])
                next(gen)
                handles[i].append(gen)
            else:
                managers[i].__enter__()
                handles[i].append(None)
            model.append(i)
        else:
            handle = handles[i].pop()
            if handle is None:
                managers[i].__exit__(None, None, None)
            else:
                handle.close()
            del model[len(model) - 1 - model[::-1].index(i)]  # its innermost entry
        expected = backends[model[-1]] if model else baseline
        assert ab.current_backend() is expected, (ops, model)
        yield
    assert not model
    assert ab.current_backend() is baseline


def _pool(prefix: str) -> list[ab.Backend[Any]]:
    # Two managers share one backend; one backend is falsy.
    a, b = RecordingBackend(f"{prefix}a"), FalsyBackend(f"{prefix}falsy")
    return [a, b, a, RecordingBackend(f"{prefix}c")]


@given(ops=programs(4), outer=st.booleans())
def test_any_interleaving_restores_the_selection(ops: list[Op], outer: bool) -> None:
    backends = _pool("")
    baseline: ab.Backend[Any] = RecordingBackend("outer") if outer else numpy_backend
    with ab.use_backend(baseline):
        for _ in _run_program(backends, ops, baseline):
            pass
        assert ab.current_backend() is baseline
    assert ab.current_backend() is numpy_backend


@settings(max_examples=15)
@given(ops=st.lists(programs(4), min_size=2, max_size=3))
def test_interleavings_in_threads_are_isolated(ops: list[list[Op]]) -> None:
    default = RecordingBackend("default")
    ab.set_backend(default)  # threads start outside every block: they see the process default
    steps = max(len(p) for p in ops)
    barrier = threading.Barrier(len(ops), timeout=30)
    errors: list[BaseException] = []

    def work(t: int) -> None:
        program = _run_program(_pool(f"t{t}"), ops[t], default)
        try:
            for _ in range(steps):  # in lock-step: every thread moves one step at a time
                next(program, None)
                barrier.wait()
        except BaseException as err:  # reported by the main thread
            errors.append(err)
            barrier.abort()

    with ab.use_backend("numpy"):
        threads = [threading.Thread(target=work, args=(t,)) for t in range(len(ops))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert ab.current_backend() is numpy_backend
    assert not errors, errors
    assert ab.current_backend() is default


@settings(max_examples=15)
@given(ops=st.lists(programs(4), min_size=2, max_size=3))
def test_interleavings_in_asyncio_tasks_are_isolated(ops: list[list[Op]]) -> None:
    outer = RecordingBackend("outer")

    async def work(t: int) -> None:
        for _ in _run_program(_pool(f"t{t}"), ops[t], outer):
            await asyncio.sleep(0)  # let the other tasks take a step

    async def main() -> None:
        # Tasks start in a copy of their creator's context: inside `outer`.
        await asyncio.gather(*(work(t) for t in range(len(ops))))
        assert ab.current_backend() is outer

    with ab.use_backend(outer):
        asyncio.run(main())
        assert ab.current_backend() is outer
    assert ab.current_backend() is numpy_backend


# --- wrong arguments -----------------------------------------------------------------------


def test_a_backend_class_is_refused_at_once() -> None:
    from arraybackend.backends.numpy import NumPyBackend

    match = r"got the class NumPyBackend, not a backend object; pass an instance"
    with pytest.raises(ab.ArgumentError, match=match):
        ab.use_backend(NumPyBackend)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]
    with pytest.raises(ab.ArgumentError, match=match):
        ab.set_backend(NumPyBackend)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]
    assert ab.current_backend() is numpy_backend


@pytest.mark.parametrize("bad", [None, 3, b"numpy", np, object()], ids=repr)
def test_other_wrong_types_say_what_is_valid(bad: object) -> None:
    with pytest.raises(ab.ArgumentError) as info:
        ab.use_backend(bad)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    message = str(info.value)
    assert message.startswith("use_backend: expected a backend name ('numpy', 'cupy'")
    assert f"got {bad!r} of type {type(bad).__qualname__}" in message
    assert isinstance(info.value, TypeError)


class HalfABackend:
    """Has ``name``, ``transpose`` and ``to_numpy``; lacks ``matrix_multiply`` and ``dot``."""

    name = "half"

    def transpose(self, x: Any, /, axes: Any = None) -> Any:
        return x

    def to_numpy(self, x: Any, /) -> Any:
        return x


def test_an_incomplete_backend_object_is_told_exactly_what_it_lacks() -> None:
    calls: list[Any] = [ab.use_backend, ab.set_backend]  # untyped callers get here
    for call in calls:
        with pytest.raises(ab.ArgumentError) as info:
            call(HalfABackend())
        assert str(info.value).endswith("of type HalfABackend, which lacks matrix_multiply, dot")
    assert ab.current_backend() is numpy_backend


def test_the_default_is_resolved_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from arraybackend import _selection

    ab.current_backend()

    def no_lookup(*args: object, **kwargs: object) -> None:
        raise AssertionError("the default path looked the backend up again")

    monkeypatch.setattr(_selection, "get_backend", no_lookup)
    assert ab.current_backend() is numpy_backend
    assert ab.set_backend(None) is numpy_backend
    assert ab.current_backend() is numpy_backend


def test_an_unavailable_backend_in_the_environment_names_the_variable() -> None:
    code = (
        "import arraybackend as ab\n"
        "def broken():\n"
        "    raise ab.BackendUnavailableError('broken', 'no device here')\n"
        "ab.register_backend('broken', broken)\n"
        "try:\n"
        "    ab.current_backend()\n"
        "except ab.BackendUnavailableError as err:\n"
        "    print(err)\n"
    )
    done = _run(code, "broken")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "the broken backend is unavailable: no device here "
        "(selected by $ARRAYBACKEND='broken': unset it to use numpy)"
    )


class RaisingNameBackend:
    """Every member, but ``name`` raises (not AttributeError)."""

    @property
    def name(self) -> str:
        raise RuntimeError("boom")

    def matrix_multiply(self, x: Any, w: Any, /, *, out: Any = None) -> Any:
        return x @ w

    def transpose(self, x: Any, /, axes: Any = None) -> Any:
        return x.T

    def dot(self, u: Any, v: Any, /) -> Any:
        return u @ v

    def to_numpy(self, x: Any, /) -> Any:
        return x


@pytest.mark.parametrize("seed", ["0", "1", "2", "3"])
def test_a_member_that_raises_is_refused_whatever_the_hash_seed(seed: str) -> None:
    # On Python 3.11, isinstance against the protocol let the RuntimeError escape for some
    # hash seeds (the order it reads the members in); the members are read first now.
    code = (
        "import arraybackend as ab\n"
        "from tests.test_selection import RaisingNameBackend\n"
        "try:\n"
        "    ab.use_backend(RaisingNameBackend()).__enter__()\n"
        "except ab.ArgumentError as err:\n"
        "    print(type(err).__name__, str(err).endswith('which lacks name'))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert done.stdout.strip() == "ArgumentError True", done.stderr


class BlockedToNumpyBackend(HalfABackend):
    """Every member, but ``to_numpy`` is None: Python's way of saying a method is absent."""

    to_numpy = None  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]

    def matrix_multiply(self, x: Any, w: Any, /, *, out: Any = None) -> Any:
        return x @ w

    def dot(self, u: Any, v: Any, /) -> Any:
        return u @ v


def test_a_member_set_to_none_is_named_as_lacking() -> None:
    # isinstance against the protocol refuses a None method, but the members read found
    # nothing missing: the message ended "which lacks " and named nothing.
    use: Any = ab.use_backend  # an untyped caller gets here
    with pytest.raises(ab.ArgumentError) as info:
        use(BlockedToNumpyBackend())
    assert str(info.value).endswith("of type BlockedToNumpyBackend, which lacks to_numpy")
