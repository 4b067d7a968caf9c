"""Developer sessions: ``nox`` runs lint, typecheck and tests; ``nox -s bench`` the benchmarks."""

from __future__ import annotations

import nox

nox.needs_version = ">=2025.2"
nox.options.default_venv_backend = "uv|virtualenv"
# Never fetch an interpreter: use the one nox runs under (downloads fail on these machines).
nox.options.download_python = "never"
nox.options.sessions = ["lint", "typecheck", "tests"]

TYPING_TOOLS = ["mypy==2.4.1", "pyright==1.1.414"]


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff: lint and formatting check."""
    session.install("ruff==0.17.6")
    session.run("ruff", "check", ".", *session.posargs)
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on src, tests, benchmarks and this file."""
    session.install("-e", ".[test]", *TYPING_TOOLS, "nox")
    session.run("mypy", *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite, with the doctests in src."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Overhead against raw NumPy, measured in the same run (medians and ratios)."""
    session.install("-e", ".", "threadpoolctl")
    session.run("python", "benchmarks/bench_numpy.py", *session.posargs)
