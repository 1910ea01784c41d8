"""Developer sessions; they reuse the project's .venv (see scripts/bootstrap)."""

from __future__ import annotations

import sys

import nox

nox.options.default_venv_backend = "none"
nox.options.sessions = ["lint", "typecheck", "tests"]


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite (unit, integration, e2e)."""
    session.run(sys.executable, "-m", "pytest", *session.posargs)


@nox.session
def unit(session: nox.Session) -> None:
    """Only the tests that need no server."""
    session.run(sys.executable, "-m", "pytest", "tests/unit", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    session.run(sys.executable, "-m", "ruff", "check", "vntp", "tests", "bench", "noxfile.py")
    session.run(sys.executable, "-m", "ruff", "format", "--check", "vntp", "tests", "bench", "noxfile.py")


@nox.session
def typecheck(session: nox.Session) -> None:
    session.run(sys.executable, "-m", "mypy")
