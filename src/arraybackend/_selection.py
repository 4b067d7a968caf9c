"""Which backend the module-level functions use.

Precedence: innermost ``use_backend`` > ``set_backend`` > ``$ARRAYBACKEND`` > ``"numpy"``.
``use_backend`` lives in a ``ContextVar``, so it is private to a thread or asyncio task;
``set_backend`` is the process default, shared by all of them.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Literal, overload

from arraybackend._protocol import Backend
from arraybackend._registry import get_backend
from arraybackend.errors import UnknownBackendError

if TYPE_CHECKING:
    from arraybackend.backends.cupy import CuPyBackend
    from arraybackend.backends.numpy import NumPyBackend

__all__ = ["ENV_VAR", "current_backend", "set_backend", "use_backend"]

ENV_VAR = "ARRAYBACKEND"

_selected: ContextVar[Backend[Any] | None] = ContextVar("arraybackend.selected", default=None)
_default: Backend[Any] | None = None
_from_env: Backend[Any] | None = None


def _resolve(backend: str | Backend[Any], caller: str) -> Backend[Any]:
    # Callers without a type checker pass anything. The ``object`` local keeps mypy from
    # calling the final raise unreachable; pyright narrows it on assignment anyway, hence
    # its marker on the check that typed callers never fail.
    given: object = backend
    if isinstance(given, str):
        return get_backend(given)
    if isinstance(given, Backend):  # pyright: ignore[reportUnnecessaryIsInstance]
        return given
    msg = f"{caller}: expected a backend name or a backend object, got {backend!r}"
    raise TypeError(msg)


def _environment_backend() -> Backend[Any]:
    """``$ARRAYBACKEND`` (default ``"numpy"``), resolved at first use and then kept."""
    global _from_env
    if _from_env is None:
        name = os.environ.get(ENV_VAR, "").strip() or "numpy"
        try:
            _from_env = get_backend(name)
        except UnknownBackendError as err:
            msg = f"${ENV_VAR}={name!r} names no backend: {err}; unset it or fix the name"
            raise UnknownBackendError(msg) from err
    return _from_env


def current_backend() -> Backend[Any]:
    """The backend the module-level ``matrix_multiply``, ``transpose`` and ``dot`` use now."""
    return _selected.get() or _default or _environment_backend()


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
    global _default
    _default = None if backend is None else _resolve(backend, "set_backend")
    return _default or _environment_backend()


@overload
def use_backend(
    backend: Literal["numpy"] | NumPyBackend, /
) -> AbstractContextManager[NumPyBackend]: ...
@overload
def use_backend(
    backend: Literal["cupy"] | CuPyBackend, /
) -> AbstractContextManager[CuPyBackend]: ...
@overload
def use_backend(backend: str | Backend[Any], /) -> AbstractContextManager[Backend[Any]]: ...
def use_backend(backend: str | Backend[Any], /) -> AbstractContextManager[Any]:
    """Use ``backend`` inside a ``with`` block (this thread or task only), then restore.

    Examples
    --------
    >>> import numpy as np
    >>> import arraybackend as ab
    >>> with ab.use_backend("numpy") as be:
    ...     ab.dot(np.array([1, 2, 3]), np.array([4, 5, 6]))
    np.int64(32)
    """
    return _use(_resolve(backend, "use_backend"))


@contextmanager
def _use(backend: Backend[Any]) -> Generator[Backend[Any], None, None]:
    token = _selected.set(backend)
    try:
        yield backend
    finally:
        _selected.reset(token)
