"""Which backend the module-level functions use.

Precedence: innermost ``use_backend`` > ``set_backend`` > ``$ARRAYBACKEND`` > ``"numpy"``.
``use_backend`` lives in context variables, so it is private to a thread or asyncio task;
``set_backend`` is the process default, shared by all of them.

Each thread or task holds a stack of open ``use_backend`` blocks (an immutable tuple in a
``ContextVar``). Leaving a block removes *its own* entry, wherever it is in the stack, and
the selection is recomputed from what is left. A plain ``ContextVar.reset(token)`` would
restore whatever was current when the block was entered, which is wrong when blocks exit
out of order (two generators suspended inside blocks, closed in the order they were
opened). The recomputed selection is kept in a second ``ContextVar`` so that
``current_backend()`` costs one ``ContextVar.get`` and an ``is None`` test.
"""

from __future__ import annotations

import _thread
import os
import warnings
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Literal, cast, overload

from arraybackend._protocol import Backend
from arraybackend._registry import get_backend, known_backends
from arraybackend.errors import ArgumentError, BackendUnavailableError, UnknownBackendError

if TYPE_CHECKING:
    from contextlib import AbstractContextManager
    from types import TracebackType

    from arraybackend.backends.cupy import CuPyBackend
    from arraybackend.backends.numpy import NumPyBackend

__all__ = ["ENV_VAR", "current_backend", "set_backend", "use_backend"]

ENV_VAR = "ARRAYBACKEND"

# The open ``use_backend`` blocks of this thread or task, innermost last. A tuple: a context
# copied into a new task must not share (and mutate) its parent's stack.
_stack: ContextVar[tuple[_Selection, ...]] = ContextVar("arraybackend.stack", default=())
# The backend of the innermost open block, or None: derived from ``_stack`` on every change.
# ``selected`` and ``fallback`` are read directly by the module-level functions (``_api``).
selected: ContextVar[Backend[Any] | None] = ContextVar("arraybackend.selected", default=None)

_lock = _thread.allocate_lock()  # not threading: ~1 ms of import time
_chosen: Backend[Any] | None = None  # set_backend's choice
_from_env: Backend[Any] | None = None  # $ARRAYBACKEND, resolved at first use and then kept
fallback: Backend[Any] | None = None  # _chosen, else _from_env once resolved: the fast path

_MEMBERS = ("name", "matrix_multiply", "transpose", "dot", "to_numpy")


def _has(obj: object, member: str) -> bool:
    try:
        value = getattr(obj, member)
    except Exception:  # a property that raises is as good as missing here
        return False
    # A method set to None is absent (Python's convention, which the protocol check follows).
    return value is not None or member == "name"


def _resolve(backend: object, caller: str) -> Backend[Any]:
    """A backend name or object, checked at once: a wrong type never reaches a block."""
    if isinstance(backend, str):
        return get_backend(backend)
    if isinstance(backend, type):
        msg = (
            f"{caller}: got the class {backend.__qualname__}, not a backend object; pass an "
            f"instance ({backend.__qualname__}()) or a registered name such as 'numpy'"
        )
        raise ArgumentError(msg)
    # The members, each read once, are the protocol check itself: isinstance(backend,
    # Backend) would let a property that raises (not AttributeError) escape on Python 3.11,
    # and from 3.12 it ignores members an object gives through __getattr__.
    missing = [m for m in _MEMBERS if not _has(backend, m)]
    if not missing:
        return cast("Backend[Any]", backend)
    names = ", ".join(repr(name) for name in known_backends())
    msg = (
        f"{caller}: expected a backend name ({names}) or a backend object, got {backend!r} "
        f"of type {type(backend).__qualname__}, which lacks {', '.join(missing)}"
    )
    raise ArgumentError(msg)


def _environment_backend() -> Backend[Any]:
    """``$ARRAYBACKEND`` (default ``"numpy"``), resolved at first use and then kept."""
    global _from_env
    if _from_env is not None:
        return _from_env
    name = os.environ.get(ENV_VAR, "").strip() or "numpy"
    try:
        backend = get_backend(name)
    except UnknownBackendError as err:
        msg = f"${ENV_VAR}={name!r} names no backend: {err}; unset it or fix the name"
        raise UnknownBackendError(msg) from err
    except BackendUnavailableError as err:
        reason = f"{err.reason} (selected by ${ENV_VAR}={name!r}: unset it to use numpy)"
        raise BackendUnavailableError(err.backend, reason) from err
    _from_env = backend
    return backend


def _slow_fallback() -> Backend[Any]:
    global fallback
    with _lock:  # so that a concurrent set_backend is never overwritten by the environment
        if fallback is None:
            fallback = _chosen if _chosen is not None else _environment_backend()
        return fallback


def current_backend() -> Backend[Any]:
    """The backend the module-level ``matrix_multiply``, ``transpose`` and ``dot`` use now.

    Examples
    --------
    >>> import arraybackend as ab
    >>> ab.current_backend().name
    'numpy'
    """
    backend = selected.get()
    if backend is None:
        backend = fallback
        if backend is None:
            backend = _slow_fallback()
    return backend


@overload
def set_backend(backend: Literal["numpy"] | NumPyBackend, /) -> NumPyBackend: ...
@overload
def set_backend(backend: Literal["cupy"] | CuPyBackend, /) -> CuPyBackend: ...
@overload
def set_backend(backend: str | Backend[Any] | None, /) -> Backend[Any]: ...
def set_backend(backend: str | Backend[Any] | None, /) -> Backend[Any]:
    """Make ``backend`` the process default; ``None`` returns to ``$ARRAYBACKEND``.

    Returns the backend now in force outside any ``use_backend`` block.
    """
    global _chosen, fallback
    chosen = None if backend is None else _resolve(backend, "set_backend")
    with _lock:
        _chosen = chosen
        fallback = chosen if chosen is not None else _from_env
    return chosen if chosen is not None else _slow_fallback()


class _Selection:
    """What ``use_backend`` returns: a reusable, re-entrant context manager.

    Entering pushes this object onto the stack of the current thread or task; leaving
    removes the innermost occurrence of it, wherever it is, and recomputes the selection.
    """

    __slots__ = ("_backend",)

    def __init__(self, backend: Backend[Any]) -> None:
        self._backend = backend

    def __repr__(self) -> str:
        return f"use_backend({self._backend.name!r})"

    def __enter__(self) -> Backend[Any]:
        _stack.set((*_stack.get(), self))
        selected.set(self._backend)
        return self._backend

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        stack = _stack.get()
        for i in range(len(stack) - 1, -1, -1):
            if stack[i] is self:
                stack = (*stack[:i], *stack[i + 1 :])
                break
        else:
            msg = (
                f"{self!r} was left in a thread or task where it is not open; the selection "
                f"here is unchanged. Leave a use_backend block where it was entered"
            )
            warnings.warn(msg, RuntimeWarning, stacklevel=2)
            return
        _stack.set(stack)
        selected.set(stack[-1]._backend if stack else None)


@overload
def use_backend(
    backend: Literal["numpy"] | NumPyBackend, /
) -> AbstractContextManager[NumPyBackend, None]: ...
@overload
def use_backend(
    backend: Literal["cupy"] | CuPyBackend, /
) -> AbstractContextManager[CuPyBackend, None]: ...
@overload
def use_backend(backend: str | Backend[Any], /) -> AbstractContextManager[Backend[Any], None]: ...
def use_backend(backend: str | Backend[Any], /) -> AbstractContextManager[Any, None]:
    """Use ``backend`` inside a ``with`` block (this thread or task only), then restore.

    The name is looked up, and the argument checked, at the call: an unknown name or a
    wrong type raises before the block starts. The returned object may be entered again,
    also while it is open (nested), and from several threads or tasks at once.

    Blocks may be left in any order (generators closed out of order, ``__exit__`` called
    by hand): once all have been left, the selection is what it was before any of them.

    Notes
    -----
    Like ``decimal.localcontext``, the selection belongs to the thread or task, not to a
    generator's frame: a generator (or async generator) suspended at a ``yield`` inside a
    ``with use_backend(...)`` block leaves that backend selected for the code that resumed
    it, until the generator is resumed and leaves the block (or is closed). To keep a
    generator's choice to itself, do not ``yield`` inside the block: open the block around
    the work between ``yield``s, or call the backend object directly
    (``be = ab.get_backend("cupy")``, then ``be.matrix_multiply(...)``). A block must be
    left in the thread or task that entered it; leaving it elsewhere (an async generator
    closed by the event loop's finaliser) warns and changes nothing there, so close
    generators explicitly (``contextlib.closing`` / ``contextlib.aclosing``).

    Examples
    --------
    >>> import numpy as np
    >>> import arraybackend as ab
    >>> with ab.use_backend("numpy") as be:
    ...     ab.dot(np.array([1, 2, 3]), np.array([4, 5, 6]))
    np.int64(32)
    """
    return _Selection(_resolve(backend, "use_backend"))
