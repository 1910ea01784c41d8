"""``vntp up``, ``vntp down`` and ``vntp status``: start, stop and look at the stack."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated

import typer

from vntp.cli._app import (
    EXIT_FAILURE,
    EXIT_OK,
    JsonOption,
    ProfileOption,
    RuntimeOption,
    console,
    emit_json,
    errors_handled,
    open_runtime,
    profile_names,
    progress_view,
    render_links,
    render_statuses,
    since,
)

if TYPE_CHECKING:
    from vntp.runtimes import ComponentStatus, ProgressEvent, Runtime

__all__ = ("down", "register", "start_stack", "status", "up")


def start_stack(
    runtime: Runtime,
    profiles: list[str] | None,
    components: list[str] | None = None,
    json_mode: bool = False,
) -> list[ComponentStatus]:
    """Run ``up`` with progress on the terminal; call inside :func:`~vntp.cli._app.errors_handled`.

    ``vntp demo`` reuses this for its first step.
    """
    with progress_view(json_mode) as progress:
        return runtime.up(profiles=profiles, progress=progress, components=components)


def up(
    runtime: RuntimeOption = None,
    profile: ProfileOption = None,
    component: Annotated[
        list[str] | None,
        typer.Option("--component", "-c", help="Start only this component and what it needs (repeatable)."),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Start the stack in dependency order, wait until each part is healthy, and print where to click.

    Checks first, before anything starts, that ports are free, binaries are built and memory suffices.
    Running it again is harmless: what runs is kept.
    """
    began = time.monotonic()
    with errors_handled(json_output):
        rt = open_runtime(runtime)
        statuses = start_stack(rt, profile_names(profile), component or None, json_output)
        links = rt.links()
        endpoints = rt.endpoints()
        profiles = list(rt.active_profiles())
    ok = bool(statuses) and all(s.ok for s in statuses)
    if json_output:
        emit_json(
            {
                "ok": ok,
                "runtime": rt.name,
                "profiles": profiles,
                "seconds": since(began),
                "components": [s.to_dict() for s in statuses],
                "links": links,
                "endpoints": endpoints,
            }
        )
    else:
        render_statuses(statuses)
        render_links({name: url for name, url in links.items() if name in {s.name for s in statuses}})
        if ok:
            console().print(f"[green]The stack is up[/] ({rt.name} runtime, {since(began):.1f} s).")
        else:
            console().print("[red]Some components are not healthy[/]; 'vntp logs COMPONENT' shows why.")
    raise typer.Exit(EXIT_OK if ok else EXIT_FAILURE)


def down(
    purge: Annotated[bool, typer.Option("--purge", help="Also delete the data: databases, metrics, logs.")] = False,
    runtime: RuntimeOption = None,
    json_output: JsonOption = False,
) -> None:
    """Stop everything the stack started; with --purge, also delete its data."""
    stopped: list[str] = []
    with errors_handled(json_output):
        rt = open_runtime(runtime)
        with progress_view(json_output) as progress:

            def on_event(event: ProgressEvent) -> None:
                if event.phase == "stopped":
                    stopped.append(event.component)
                if progress is not None:
                    progress(event)

            rt.down(purge=purge, progress=on_event)
    if json_output:
        emit_json({"ok": True, "runtime": rt.name, "stopped": stopped, "purged": purge})
    elif stopped or purge:
        what = f"Stopped {len(stopped)} component{'s' if len(stopped) != 1 else ''}"
        console().print(f"[green]{what}[/]{' and removed the data' if purge else ''}.")
    else:
        console().print("Nothing was running.")
    raise typer.Exit(EXIT_OK)


def status(runtime: RuntimeOption = None, json_output: JsonOption = False) -> None:
    """Show each component: state, health, ports, pid and uptime. Exits 0 only when all are running and healthy."""
    with errors_handled(json_output):
        rt = open_runtime(runtime)
        statuses = rt.status()
    ok = bool(statuses) and all(s.ok for s in statuses)
    if json_output:
        emit_json({"ok": ok, "runtime": rt.name, "components": [s.to_dict() for s in statuses]})
    else:
        render_statuses(statuses, title=f"vntp stack ({rt.name} runtime)")
        if not any(s.state == "running" for s in statuses):
            console().print("Nothing is running; 'vntp up' starts the stack.")
        elif not ok:
            console().print("[red]Not every component is healthy[/]; 'vntp logs COMPONENT' shows why.")
    raise typer.Exit(EXIT_OK if ok else EXIT_FAILURE)


def register(app: typer.Typer) -> None:
    """Add ``up``, ``down`` and ``status`` to ``app``."""
    app.command()(up)
    app.command()(down)
    app.command()(status)
