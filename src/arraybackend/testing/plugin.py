"""The pytest plugin: a ``backend`` fixture over every registered backend.

Installed with arraybackend (entry point ``pytest11``), so it is active in any project
that has arraybackend installed; disable it with ``-p no:arraybackend``. Do not also list
it in ``pytest_plugins``: pytest would register the module twice.

* ``backend``: parametrised over ``known_backends()`` (or ``--arraybackend=numpy,cupy``);
  a backend that cannot run here is a **skipped** test carrying the reason, never a
  missing one.
* A test that parametrises ``backend`` itself, or a project that defines its own
  ``backend`` fixture, is left alone.
"""

from __future__ import annotations

from typing import Any

import pytest

from arraybackend._protocol import Backend
from arraybackend._registry import get_backend, known_backends
from arraybackend.errors import BackendUnavailableError

__all__ = ["backend", "pytest_addoption", "pytest_generate_tests"]

_OPTION = "--arraybackend"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--arraybackend=NAME[,NAME...]``."""
    group = parser.getgroup("arraybackend")
    group.addoption(
        _OPTION,
        action="store",
        default=None,
        metavar="NAMES",
        help="comma-separated backends for the 'backend' fixture (default: all registered)",
    )


def _selected(config: pytest.Config) -> list[str]:
    option: str | None = config.getoption(_OPTION)
    known = known_backends()
    if option is None:
        return list(known)
    names = [n.strip() for n in option.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown:
        msg = f"{_OPTION}: unknown backend(s) {unknown!r}; registered: {', '.join(known)}"
        raise pytest.UsageError(msg)
    return names


def _param(name: str) -> Any:
    try:
        get_backend(name)
    except BackendUnavailableError as err:
        return pytest.param(name, id=name, marks=pytest.mark.skip(reason=str(err)))
    return pytest.param(name, id=name)


def _ours(metafunc: pytest.Metafunc) -> bool:
    """Whether ``backend`` is our fixture and not parametrised by the test itself."""
    for marker in metafunc.definition.iter_markers("parametrize"):
        argnames = marker.args[0] if marker.args else marker.kwargs.get("argnames", "")
        names = argnames.split(",") if isinstance(argnames, str) else list(argnames)
        if "backend" in (n.strip() for n in names):
            return False
    # pytest has no public way to ask which fixture a name resolves to; without this a
    # project's own ``backend`` fixture would be parametrised by us. Missing internals
    # (a future pytest) fall back to "ours".
    info: Any = getattr(metafunc.definition, "_fixtureinfo", None)
    defs: Any = getattr(info, "name2fixturedefs", {}).get("backend") if info else None
    if not defs:
        return info is None
    return getattr(defs[-1].func, "__module__", None) == __name__


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise the ``backend`` fixture over the selected backends."""
    if "backend" in metafunc.fixturenames and _ours(metafunc):
        params = [_param(name) for name in _selected(metafunc.config)]
        metafunc.parametrize("backend", params, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> Backend[Any]:
    """A registered backend (one test per backend; unavailable ones skipped with the reason)."""
    name: str = request.param
    return get_backend(name)
