"""``vntp logs COMPONENT``: one component's log, optionally followed."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from vntp.cli._app import EXIT_OK, RuntimeOption, errors_handled, open_runtime

__all__ = ("logs", "register")


def logs(
    component: Annotated[str, typer.Argument(help="The component whose log to show, e.g. oracle or postgres-oracle.")],
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing new lines until Ctrl-C.")] = False,
    lines: Annotated[
        int | None, typer.Option("--lines", "-n", min=0, help="Show only the last N lines. Default: all.")
    ] = None,
    runtime: RuntimeOption = None,
) -> None:
    """Print one component's log. An unknown component exits 2 and lists the known ones."""
    with errors_handled():
        rt = open_runtime(runtime)
        stream = rt.logs(component, follow=follow, lines=lines)
    try:
        for line in stream:
            sys.stdout.write(line)
            if follow:
                sys.stdout.flush()
    except KeyboardInterrupt:
        pass
    except BrokenPipeError:  # e.g. piped into head
        pass
    raise typer.Exit(EXIT_OK)


def register(app: typer.Typer) -> None:
    """Add ``logs`` to ``app``."""
    app.command()(logs)
