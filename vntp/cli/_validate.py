"""``vntp validate`` and ``vntp demo``: prove the telemetry arrived everywhere."""

from __future__ import annotations

import time
from collections.abc import Sequence
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
    fail,
    open_runtime,
    profile_names,
    render_links,
    since,
)

if TYPE_CHECKING:
    from vntp.observe._flow import BurstResult, Step
    from vntp.observe._validate import Report
    from vntp.runtimes import ComponentStatus, Runtime

__all__ = ("demo", "register", "validate")

TimeoutOption = Annotated[
    float, typer.Option("--timeout", help="Seconds to wait for telemetry to reach the backends.", min=1)
]


def _mark(ok: bool) -> str:
    return "[green]✓[/]" if ok else "[red]✗[/]"


def render_report(report: Report) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="Validation", title_justify="left")
    for column in ("", "Backend", "Signal", "Check", "Detail"):
        table.add_column(column, overflow="fold")
    for check in report.checks:
        table.add_row(_mark(check.ok), check.backend, check.signal, escape(check.name), escape(check.detail))
    console().print(table)
    failed = report.failed()
    if failed:
        what = ", ".join(sorted({f"{c.backend} {c.signal}" for c in failed}))
        console().print(f"[red]{len(failed)} of {len(report.checks)} checks failed[/] ({what}).")
    else:
        console().print(
            f"[green]All {len(report.checks)} checks passed[/] in {report.seconds:.1f} s "
            f"(canary trace {report.trace_id})."
        )


def run_validation(
    rt: Runtime, timeout: float, json_mode: bool, statuses: Sequence[ComponentStatus] | None = None
) -> Report:
    from vntp.observe._validate import validate as check_stack

    if json_mode:
        return check_stack(rt, timeout=timeout, statuses=statuses)
    with console().status("Checking the stack and waiting for telemetry in each backend…"):
        return check_stack(rt, timeout=timeout, statuses=statuses)


def validate(runtime: RuntimeOption = None, timeout: TimeoutOption = 60.0, json_output: JsonOption = False) -> None:
    """Check each component's health, then that metrics, one trace across both services and logs
    with trace ids reached every backend. Exits 0 only when every check holds."""
    with errors_handled(json_output):
        rt = open_runtime(runtime)
        statuses = rt.status()
        if not any(s.state == "running" for s in statuses):
            fail("Nothing is running; start the stack with 'vntp up' first.", json_mode=json_output)
        report = run_validation(rt, timeout, json_output, statuses)
    if json_output:
        emit_json({**report.to_dict(), "runtime": rt.name})
    else:
        render_report(report)
    raise typer.Exit(EXIT_OK if report.ok else EXIT_FAILURE)


def _render_step(step: Step) -> None:
    from rich.markup import escape

    console().print(
        f"  {_mark(step.ok)} [bold]{step.number}.[/] {escape(step.title)}  "
        f"[dim]{step.method} {escape(step.url)} → {step.status or '—'}[/]\n      {escape(step.fact)}"
    )


def _render_burst(burst: BurstResult) -> None:
    console().print(
        f"  {_mark(burst.ok)} {burst.requests} requests in {burst.seconds:.1f} s "
        f"({burst.requests / burst.seconds if burst.seconds else 0:.0f}/s), p95 {burst.p95_ms:.0f} ms, "
        f"{burst.errors} errors"
    )


def demo(
    runtime: RuntimeOption = None,
    profile: ProfileOption = None,
    timeout: TimeoutOption = 90.0,
    burst_seconds: Annotated[float, typer.Option("--burst", help="Seconds of load after the walk.", min=0)] = 5.0,
    json_output: JsonOption = False,
) -> None:
    """Start the stack, walk the seed's data flow step by step, load it briefly, validate every
    backend, and print where to look. Exits 0 only when every step passed."""
    from vntp.cli._lifecycle import start_stack
    from vntp.observe._flow import load_burst, walk_flow

    began = time.monotonic()
    out = console()
    with errors_handled(json_output):
        rt = open_runtime(runtime)
        if not json_output:
            out.rule("[bold]1. Start the stack")
        statuses = start_stack(rt, profile_names(profile), json_mode=json_output)
        started = bool(statuses) and all(s.ok for s in statuses)
        endpoints = rt.endpoints()
        oracle, imisanzu = endpoints["oracle"]["http"], endpoints["imisanzu"]["http"]
        if not json_output:
            out.rule("[bold]2. The data flow, step by step")
        steps = walk_flow(oracle, imisanzu, on_step=None if json_output else _render_step)
        burst = None
        if burst_seconds > 0:
            if not json_output:
                out.rule(f"[bold]3. A {burst_seconds:g} s load burst (70 % reads, 30 % writes)")
            burst = load_burst(oracle, imisanzu, seconds=burst_seconds)
            if not json_output:
                _render_burst(burst)
        if not json_output:
            out.rule("[bold]4. Did every backend see it?")
        report = run_validation(rt, timeout, json_output)
        links = rt.links()
    ok = started and all(step.ok for step in steps) and (burst is None or burst.ok) and report.ok
    if json_output:
        emit_json(
            {
                "ok": ok,
                "runtime": rt.name,
                "seconds": since(began),
                "started": started,
                "components": [s.to_dict() for s in statuses],
                "steps": [step.to_dict() for step in steps],
                "burst": burst.to_dict() if burst else None,
                "validate": report.to_dict(),
                "links": links,
            }
        )
    else:
        render_report(report)
        out.rule("[bold]Summary")
        _summary(steps, report.ok, started, burst)
        render_links(links)
        if ok:
            out.print(
                f"[green bold]The demo passed[/] in {since(began):.0f} s: the same requests are visible in "
                "Prometheus, Jaeger and the collector's log export, sent through OpenTelemetry only."
            )
        else:
            out.print("[red bold]The demo failed[/]; the marks above say where. 'vntp logs COMPONENT' shows why.")
        out.print("The stack keeps running: 'vntp status' to look, 'vntp down' to stop it.")
    raise typer.Exit(EXIT_OK if ok else EXIT_FAILURE)


def _summary(steps: Sequence[Step], validated: bool, started: bool, burst: BurstResult | None) -> None:
    passed = sum(step.ok for step in steps)
    out = console()
    out.print(f"  {_mark(started)} stack started")
    out.print(f"  {_mark(passed == len(steps))} data flow: {passed} of {len(steps)} steps passed")
    if burst is not None:
        out.print(f"  {_mark(burst.ok)} load burst: {burst.requests} requests, {burst.errors} errors")
    out.print(f"  {_mark(validated)} telemetry in every backend")


def register(app: typer.Typer) -> None:
    app.command()(validate)
    app.command()(demo)
