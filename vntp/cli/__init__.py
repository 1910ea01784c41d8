"""The ``vntp`` command line (Typer, Rich): ``vntp.cli:main`` is the console script.

One private module per command group, each with a ``register(app)`` function. To add a command
group, write ``vntp/cli/_<group>.py`` (reuse the options, output and error helpers of
:mod:`vntp.cli._app`), then add one import and one ``register`` line below. Keep heavy imports
(docker, locust, sqlalchemy, httpx, the OpenTelemetry SDK, litestar) inside the command functions:
``vntp --help`` imports every module listed here, and a test keeps it free of them.
"""

from __future__ import annotations

from vntp.cli import _lifecycle, _logs, _validate
from vntp.cli._app import app, main

__all__ = ("app", "main")

_lifecycle.register(app)
_logs.register(app)
_validate.register(app)
