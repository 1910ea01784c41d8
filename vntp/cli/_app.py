"""The Typer application and what every command shares: options, output, errors and progress.

Command modules import from here. Keep this module light: ``vntp --help`` imports it, so heavy
libraries (and the runtimes, which pull in psutil) are imported inside the functions that use them.
"""

from __future__ import annotations

import contextlib
import enum
import json
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from vntp.runtimes import ComponentStatus, ProgressCallback, ProgressEvent, Runtime

__all__ = (
    "EXIT_FAILURE",
    "EXIT_OK",
    "EXIT_USAGE",
    "JsonOption",
    "ProfileChoice",
    "ProfileOption",
    "RuntimeChoice",
    "RuntimeOption",
    "app",
    "console",
    "emit_json",
    "err_console",
    "errors_handled",
    "fail",
    "main",
    "open_runtime",
    "profile_names",
    "progress_view",
    "render_links",
    "render_statuses",
    "since",
)

EXIT_OK = 0
"""What the command checks holds."""
EXIT_FAILURE = 1
"""Something failed at run time (a port in use, a component that did not start, an unhealthy stack)."""
EXIT_USAGE = 2
"""The command line or the settings are wrong (an unknown component, a bad override)."""

app = typer.Typer(
    name="vntp",
    help="Start, watch, load and break the vendor-neutral telemetry stack.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_show_locals=False,
)


class RuntimeChoice(enum.StrEnum):
    """Where the stack runs."""

    auto = "auto"
    local = "local"
    docker = "docker"


class ProfileChoice(enum.StrEnum):
    """Optional parts of the stack; ``core`` is always on."""

    core = "core"
    grafana = "grafana"
    signoz = "signoz"


RuntimeOption = Annotated[
    RuntimeChoice | None,
    typer.Option(
        "--runtime",
        "-r",
        help="Where the stack runs: docker, local processes, or auto (docker when an engine answers). "
        "Default: $VNTP_RUNTIME, else auto.",
        show_default=False,
    ),
]
ProfileOption = Annotated[
    list[ProfileChoice] | None,
    typer.Option("--profile", "-p", help="Add a profile (repeatable). Default: $VNTP_PROFILES, else core."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON only.")]


def console() -> Console:
    """A console on the current stdout (created per call, so test runners that swap stdout see it)."""
    from rich.console import Console

    return Console(highlight=False)


def err_console() -> Console:
    """A console on the current stderr."""
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def emit_json(data: Any) -> None:
    """Print ``data`` as JSON on stdout, and nothing else."""
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
    sys.stdout.flush()


def fail(message: str, *, json_mode: bool = False, code: int = EXIT_FAILURE, **fields: Any) -> NoReturn:
    """Report an expected failure without a traceback, then exit with ``code``.

    In JSON mode the error goes to stdout as ``{"ok": false, "error": message, **fields}``.
    """
    if json_mode:
        emit_json({"ok": False, "error": message, **fields})
    else:
        from rich.markup import escape

        err_console().print(f"[bold red]Error:[/] {escape(message)}")
    raise typer.Exit(code)


@contextlib.contextmanager
def errors_handled(json_mode: bool = False) -> Iterator[None]:
    """Turn the errors vntp expects into a message and an exit status; let bugs raise.

    Usage errors (bad settings, an unknown component) exit 2; runtime failures exit 1.
    """
    from vntp.config import ConfigError
    from vntp.runtimes import ComponentStartError, PreflightError, StackRuntimeError
    from vntp.stack import StackError, UnknownComponentError

    try:
        yield
    except UnknownComponentError as exc:
        fail(str(exc), json_mode=json_mode, code=EXIT_USAGE, components=list(exc.known))
    except (ConfigError, StackError) as exc:
        fail(str(exc), json_mode=json_mode, code=EXIT_USAGE)
    except PreflightError as exc:
        if json_mode:
            fail(
                "Nothing was started.",
                json_mode=True,
                stage="preflight",
                problems=[problem.to_dict() for problem in exc.problems],
            )
        from rich.markup import escape

        out = err_console()
        out.print("[bold red]Nothing was started[/], because:")
        for problem in exc.problems:
            out.print(f"  [red]✗[/] {escape(str(problem))}")
        raise typer.Exit(EXIT_FAILURE) from exc
    except ComponentStartError as exc:
        if json_mode:
            fail(str(exc), json_mode=True, stage="start", component=exc.component, log_tail=exc.log_tail)
        from rich.markup import escape
        from rich.panel import Panel

        out = err_console()
        out.print(f"[bold red]Error:[/] {escape(str(exc))}")
        if exc.log_tail.strip():
            out.print(Panel(escape(exc.log_tail.rstrip()), title=f"last lines of {exc.component}'s log", style="dim"))
        out.print("What started is still running: 'vntp status' shows it, 'vntp down' stops it.")
        raise typer.Exit(EXIT_FAILURE) from exc
    except StackRuntimeError as exc:
        fail(str(exc), json_mode=json_mode)
    except KeyboardInterrupt:
        fail("Interrupted. What already started keeps running; 'vntp down' stops it.", json_mode=json_mode, code=130)


def open_runtime(runtime: RuntimeChoice | str | None = None) -> Runtime:
    """Return the runtime the command line asked for; call inside :func:`errors_handled`."""
    from vntp.config import get_settings
    from vntp.runtimes import get_runtime

    name = runtime.value if isinstance(runtime, RuntimeChoice) else runtime
    return get_runtime(name, get_settings())


def profile_names(profiles: Sequence[ProfileChoice] | None) -> list[str] | None:
    """The ``--profile`` values as plain names, or None when none were given."""
    return None if not profiles else [profile.value for profile in profiles]


class _ProgressView:
    """Renders runtime progress events as one Rich progress line per component."""

    _STYLES: Mapping[str, str] = {
        "starting": "[cyan]starting…[/]",
        "waiting": "[yellow]waiting for health[/]",
        "healthy": "[green]✓ healthy[/]",
        "running": "[green]already running[/]",
        "failed": "[red]✗ failed[/]",
        "stopping": "[cyan]stopping…[/]",
        "stopped": "[green]✓ stopped[/]",
        "purged": "[green]✓ data removed[/]",
    }
    _DONE = frozenset({"healthy", "failed", "stopped", "purged"})

    def __init__(self) -> None:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            SpinnerColumn(finished_text=" "),
            TextColumn("[bold]{task.fields[component]:<18}"),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console(),
        )
        self.tasks: dict[str, Any] = {}
        self.started = False

    def __call__(self, event: ProgressEvent) -> None:
        from rich.markup import escape

        if not self.started:  # nothing is drawn when nothing happens (e.g. preflight fails)
            self.progress.start()
            self.started = True
        task = self.tasks.get(event.component)
        if task is None:
            label = "state folder" if event.component == "*" else event.component
            task = self.progress.add_task("", total=1, component=label)
            self.tasks[event.component] = task
        text = self._STYLES.get(event.phase, event.phase)
        if event.message and event.phase in {"starting", "waiting", "failed", "purged"}:
            text += f" [dim]{escape(event.message)}[/]"
        done = event.phase in self._DONE
        self.progress.update(task, description=text, completed=1 if done else 0)
        if done:
            self.progress.stop_task(task)


@contextlib.contextmanager
def progress_view(json_mode: bool = False) -> Iterator[ProgressCallback | None]:
    """Yield a progress callback that draws on the terminal; None in JSON mode."""
    if json_mode:
        yield None
        return
    view = _ProgressView()
    try:
        yield view
    finally:
        if view.started:
            view.progress.stop()


def _uptime(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def _ports(ports: list[int]) -> str:
    """The main port, and how many more there are (``--json`` lists them all)."""
    if not ports:
        return "—"
    return str(ports[0]) + (f" [dim]+{len(ports) - 1}[/]" if len(ports) > 1 else "")


def render_statuses(statuses: Sequence[ComponentStatus], title: str | None = None) -> None:
    """Print a table of component states: state, health, ports, pid, uptime and what is wrong."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    table.add_column("Component", no_wrap=True)
    for column in ("State", "Health", "Ports", "PID", "Uptime"):
        table.add_column(column)
    table.add_column("Detail", overflow="fold")
    state_style = {
        "running": "green",
        "paused": "yellow",
        "stopped": "dim",
        "dead": "bold red",
        "unavailable": "yellow",
    }
    health_style = {"healthy": "green", "unhealthy": "red", "none": "dim"}
    for status in statuses:
        table.add_row(
            status.name,
            f"[{state_style[status.state]}]{status.state}[/]",
            f"[{health_style[status.health]}]{'—' if status.health == 'none' else status.health}[/]",
            _ports(list(status.ports.values())),
            str(status.pid) if status.pid and status.state in ("running", "paused") else "—",
            _uptime(status.uptime),
            escape(status.detail),
        )
    console().print(table)


def render_links(links: Mapping[str, str]) -> None:
    """Print where to click: one URL per component that has a UI or API docs."""
    from rich.table import Table

    if not links:
        return
    table = Table(title="Open", title_justify="left", show_header=False, box=None, padding=(0, 2))
    for name, url in links.items():
        table.add_row(f"[bold]{name}[/]", f"[link={url}]{url}[/link]")
    console().print(table)


def since(start: float) -> float:
    """Seconds elapsed since ``start`` (a :func:`time.monotonic` value), rounded for reports."""
    return round(time.monotonic() - start, 2)


def main() -> None:
    """Run the ``vntp`` command line (the console script)."""
    app()
