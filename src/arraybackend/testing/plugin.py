"""The pytest plugin: an ``array_backend`` fixture over every registered backend.

Installed with arraybackend (entry point ``pytest11``), so it is active in any project
that has arraybackend installed; disable it with ``-p no:arraybackend``. Do not also list
it in ``pytest_plugins``: pytest would register the module twice.

* ``array_backend``: a plain parametrised fixture, one test per backend known when pytest
  starts (built-ins and entry points). A backend that cannot run here is a **skipped**
  test carrying the reason, never a missing one.
* ``--arraybackend=numpy,cupy`` keeps only those backends (the others are deselected); a
  name that is not known, an empty entry or a repeated name is a usage error (exit code 4,
  one line naming the valid backends).
* A test that parametrises ``array_backend`` itself, or a project that defines its own
  ``array_backend`` fixture, overrides this one the usual pytest way.
"""

from __future__ import annotations

from typing import Any

import pytest

from arraybackend._protocol import Backend
from arraybackend._registry import get_backend, known_backends
from arraybackend.errors import BackendUnavailableError

__all__ = [
    "array_backend",
    "pytest_addoption",
    "pytest_collection_modifyitems",
    "pytest_configure",
]

_OPTION = "--arraybackend"
_FIXTURE = "array_backend"
# Known when the plugin is imported, which pytest does at start-up: built-ins and the
# backends of installed entry points. Only names here; nothing is imported until used.
_NAMES: tuple[str, ...] = tuple(known_backends())


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--arraybackend=NAME[,NAME...]``."""
    group = parser.getgroup("arraybackend")
    group.addoption(
        _OPTION,
        action="store",
        default=None,
        metavar="NAMES",
        help=(
            f"comma-separated backends for the '{_FIXTURE}' fixture "
            f"(default: all of {', '.join(_NAMES)})"
        ),
    )


def _parse(option: str) -> tuple[str, ...]:
    """The names in ``option``, or ``pytest.UsageError`` saying what is wrong and what is valid."""
    valid = f"valid backends: {', '.join(_NAMES)}"
    names = [name.strip() for name in option.split(",")]
    if "" in names:
        msg = f"{_OPTION}={option!r} has an empty name; give names separated by commas ({valid})"
        raise pytest.UsageError(msg)
    unknown = [name for name in names if name not in _NAMES]
    if unknown:
        msg = f"{_OPTION}: unknown backend(s) {', '.join(map(repr, unknown))}; {valid}"
        raise pytest.UsageError(msg)
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        msg = f"{_OPTION}: {', '.join(map(repr, repeated))} given more than once; give each once"
        raise pytest.UsageError(msg)
    return tuple(names)


def pytest_configure(config: pytest.Config) -> None:
    """Refuse a bad ``--arraybackend`` before collecting anything."""
    option: str | None = config.getoption(_OPTION)
    if option is not None:
        _parse(option)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the ``array_backend`` cases of backends ``--arraybackend`` leaves out."""
    option: str | None = config.getoption(_OPTION)
    if option is None:
        return
    selected = _parse(option)
    keep: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        callspec: Any = getattr(item, "callspec", None)  # pytest.Function's parameters
        name: object = callspec.params.get(_FIXTURE) if callspec is not None else None
        left_out = isinstance(name, str) and name in _NAMES and name not in selected
        (dropped if left_out else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.fixture(params=[pytest.param(name, id=name) for name in _NAMES])
def array_backend(request: pytest.FixtureRequest) -> Backend[Any]:
    """A registered backend (one test per backend; unavailable ones skipped with the reason)."""
    name: str = request.param
    try:
        return get_backend(name)
    except BackendUnavailableError as err:
        pytest.skip(str(err))
