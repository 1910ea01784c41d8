"""Build and locate the telemetry backends' binaries: the vntp collector, Jaeger and Prometheus.

The local runtime runs these three as processes on this host. They are built from Go modules, pinned
here and only here: :data:`COLLECTOR_VERSION` and :data:`CONFMAP_VERSION` for the collector (its
components are listed in ``stack/otel-collector/builder-config.yaml``), :data:`JAEGER_VERSION` and
:data:`PROMETHEUS_VERSION` for the wrapper modules in ``stack/tools/<name>/``, whose ``go.mod`` and
``go.sum`` lock every dependency. A build first checks that those files agree with the pins.

Binaries land in the tools folder (``$VNTP_TOOLS_DIR``, else ``~/.cache/vntp/tools/bin``), each with a
``<name>.stamp`` file beside it recording what it was built from; a binary whose stamp matches is not
built again. Usage::

    python -m vntp.toolchain build [--force] [otelcol-vntp jaeger prometheus]
    python -m vntp.toolchain path otelcol-vntp
    python -m vntp.toolchain status
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = (
    "BUILD_COMMAND",
    "COLLECTOR_VERSION",
    "CONFMAP_VERSION",
    "JAEGER_VERSION",
    "PROMETHEUS_VERSION",
    "TOOLS",
    "BuildFailedError",
    "BuildResult",
    "GoNotFoundError",
    "ModuleProxyError",
    "Tool",
    "ToolchainError",
    "build",
    "check_pins",
    "default_tools_dir",
    "find",
    "main",
    "stack_dir",
    "validate_collector_config",
)

COLLECTOR_VERSION = "v0.161.0"
"""Collector builder and every collector component, core and contrib."""

CONFMAP_VERSION = "v1.67.0"
"""The collector's stable confmap modules (the env, file and yaml config providers)."""

JAEGER_VERSION = "v1.75.0"
"""``github.com/jaegertracing/jaeger``: the Jaeger v2 binary, configured like a collector."""

PROMETHEUS_VERSION = "v0.316.0"
"""``github.com/prometheus/prometheus``: the Go module version of a Prometheus 3 release."""

_BUILDER_PACKAGE = "go.opentelemetry.io/collector/cmd/builder"
_CONFMAP_PREFIX = "go.opentelemetry.io/collector/confmap/"
_LDFLAGS = "-s -w"
_LOG_TAIL_LINES = 25

# Substrings of Go's errors that mean a module could not be fetched, as opposed to code that did not compile.
_PROXY_ERROR_MARKERS = (
    "dial tcp",
    "no such host",
    "connection refused",
    "connection reset",
    "i/o timeout",
    "TLS handshake timeout",
    "Client.Timeout",
    "module lookup disabled",
    "410 Gone",
    "404 Not Found",
    "reading https://",
    "unrecognized import path",
)


class ToolchainError(RuntimeError):
    """A binary could not be built, found or run; the message says what to do about it."""


class GoNotFoundError(ToolchainError):
    """The ``go`` command is not on PATH."""


class ModuleProxyError(ToolchainError):
    """Go modules could not be downloaded from the module proxy."""


class BuildFailedError(ToolchainError):
    """A build ran and failed; ``log_path`` holds its full output."""

    def __init__(self, message: str, log_path: Path | None = None) -> None:
        super().__init__(message)
        self.log_path = log_path


@dataclass(frozen=True)
class Tool:
    """One binary this module builds."""

    name: str
    """The binary's file name, also the name :func:`find` and the command line take."""
    version: str
    """The pinned version of the module that provides it."""
    module: str
    """The Go module pinned to ``version``."""
    package: str
    """The Go package built (for the collector, the builder that generates and builds it)."""
    source: str
    """What the build reads, relative to the ``stack/`` folder: a builder manifest or a module folder."""

    def inputs(self, stack: Path) -> list[Path]:
        """The files whose content decides the build: a change to any of them means a rebuild."""
        src = stack / self.source
        if src.is_dir():
            return [src / "go.mod", src / "go.sum"]
        return [src]


BUILD_COMMAND = "python -m vntp.toolchain build"
"""What builds the binaries, for error messages."""

TOOLS: dict[str, Tool] = {
    tool.name: tool
    for tool in (
        Tool(
            name="otelcol-vntp",
            version=COLLECTOR_VERSION,
            module="go.opentelemetry.io/collector/cmd/builder",
            package=_BUILDER_PACKAGE,
            source="otel-collector/builder-config.yaml",
        ),
        Tool(
            name="jaeger",
            version=JAEGER_VERSION,
            module="github.com/jaegertracing/jaeger",
            package="github.com/jaegertracing/jaeger/cmd/jaeger",
            source="tools/jaeger",
        ),
        Tool(
            name="prometheus",
            version=PROMETHEUS_VERSION,
            module="github.com/prometheus/prometheus",
            package="github.com/prometheus/prometheus/cmd/prometheus",
            source="tools/prometheus",
        ),
    )
}
"""Every buildable binary by name, in build order."""


@dataclass(frozen=True)
class BuildResult:
    """What :func:`build` did for one binary."""

    name: str
    path: Path
    version: str
    skipped: bool
    """True when an up-to-date binary was already there."""
    seconds: float
    """Wall time of the build (0 when skipped)."""
    size: int
    """Size of the binary in bytes."""


def stack_dir() -> Path:
    """The ``stack/`` folder of this checkout (``$VNTP_STACK_DIR`` overrides it)."""
    override = os.environ.get("VNTP_STACK_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent.parent / "stack"


def default_tools_dir() -> Path:
    """``$VNTP_TOOLS_DIR`` when set, else ``~/.cache/vntp/tools/bin``."""
    override = os.environ.get("VNTP_TOOLS_DIR")
    if override:
        return Path(override).expanduser()
    return Path.home() / ".cache" / "vntp" / "tools" / "bin"


def find(name: str, tools_dir: Path | None = None) -> Path | None:
    """Locate a binary: the tools folder first, then PATH; None when it is in neither."""
    candidate = (tools_dir or default_tools_dir()) / name
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return candidate
    on_path = shutil.which(name)
    return Path(on_path) if on_path else None


def check_pins(stack: Path | None = None, names: Iterable[str] | None = None) -> list[str]:
    """Compare the build inputs with the pins in this module.

    Returns:
        One sentence per disagreement, each naming the file and the fix; empty when all agree.
    """
    stack = stack or stack_dir()
    problems: list[str] = []
    for name in names or TOOLS:
        tool = TOOLS[name]
        missing = [path for path in tool.inputs(stack) if not path.is_file()]
        if missing:
            problems.append(f"{missing[0]} is missing: it is needed to build {tool.name}.")
        elif name == "otelcol-vntp":
            problems.extend(_check_manifest(stack / tool.source))
        else:
            problems.extend(_check_wrapper_module(tool, stack / tool.source))
    return problems


def _check_manifest(manifest: Path) -> list[str]:
    problems: list[str] = []
    text = manifest.read_text()
    mods = re.findall(r"^\s*-?\s*gomod:\s*(\S+)\s+(\S+)\s*$", text, flags=re.MULTILINE)
    if not mods:
        problems.append(f"{manifest} lists no `gomod:` components.")
    for module, version in mods:
        expected = CONFMAP_VERSION if module.startswith(_CONFMAP_PREFIX) else COLLECTOR_VERSION
        if version != expected:
            problems.append(
                f"{manifest}: {module} is at {version}, but vntp.toolchain pins {expected}; "
                "set every component to the pinned release."
            )
    if _manifest_field(text, "name") != "otelcol-vntp":
        problems.append(f"{manifest}: dist.name must be 'otelcol-vntp', the name the runtimes look for.")
    if not _manifest_field(text, "output_path"):
        problems.append(f"{manifest}: dist.output_path must be set (a path relative to the build folder).")
    return problems


def _check_wrapper_module(tool: Tool, folder: Path) -> list[str]:
    gomod = (folder / "go.mod").read_text()
    problems: list[str] = []
    if not re.search(rf"^tool\s+{re.escape(tool.package)}\s*$", gomod, flags=re.MULTILINE):
        problems.append(f"{folder / 'go.mod'} has no `tool {tool.package}` line.")
    found = re.search(rf"^\s*(?:require\s+)?{re.escape(tool.module)}\s+(\S+)", gomod, flags=re.MULTILINE)
    if found is None or found.group(1) != tool.version:
        have = found.group(1) if found else "no version"
        problems.append(
            f"{folder / 'go.mod'} requires {tool.module} at {have}, but vntp.toolchain pins {tool.version}; "
            f"run `go get -tool {tool.package}@{tool.version}` in {folder}."
        )
    return problems


def _manifest_field(text: str, key: str) -> str | None:
    found = re.search(rf"^\s+{key}:\s*(\S+)\s*$", text, flags=re.MULTILINE)
    return found.group(1) if found else None


def _fingerprint(tool: Tool, stack: Path) -> str:
    digest = hashlib.sha256(f"{tool.name}\0{tool.version}\0{_LDFLAGS}".encode())
    for path in tool.inputs(stack):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _stamp_path(binary: Path) -> Path:
    return binary.with_name(binary.name + ".stamp")


def _read_stamp(binary: Path) -> dict[str, object]:
    try:
        data = json.loads(_stamp_path(binary).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _is_current(binary: Path, tool: Tool, fingerprint: str) -> bool:
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        return False
    stamp = _read_stamp(binary)
    return stamp.get("version") == tool.version and stamp.get("fingerprint") == fingerprint


def _write_stamp(binary: Path, tool: Tool, fingerprint: str, seconds: float, go_version: str) -> None:
    stamp = {
        "name": tool.name,
        "module": tool.module,
        "version": tool.version,
        "fingerprint": fingerprint,
        "go": go_version,
        "seconds": round(seconds, 1),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    _stamp_path(binary).write_text(json.dumps(stamp, indent=2) + "\n")


def _go_executable() -> str:
    go = shutil.which("go")
    if go is None:
        raise GoNotFoundError(
            "The `go` command is not on PATH, and the collector, Jaeger and Prometheus are built from Go "
            "modules. Install Go 1.26 or newer (https://go.dev/doc/install), put its bin folder on PATH, and "
            "run `python -m vntp.toolchain build` again."
        )
    return go


def _go_env() -> dict[str, str]:
    """This process's environment, with GOFLAGS that keep binaries free of local paths and VCS state."""
    env = dict(os.environ)
    flags = env.get("GOFLAGS", "").split()
    for flag in ("-trimpath", "-buildvcs=false"):
        if flag not in flags:
            flags.append(flag)
    env["GOFLAGS"] = " ".join(flags)
    return env


def _run_logged(args: Sequence[str], cwd: Path, log: Path, env: dict[str, str]) -> None:
    with log.open("a") as out:
        out.write(f"$ {' '.join(args)}  (in {cwd})\n")
        out.flush()
        completed = subprocess.run(args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, check=False)
    if completed.returncode == 0:
        return

    tail = "\n".join(log.read_text(errors="replace").splitlines()[-_LOG_TAIL_LINES:])
    if any(marker in tail for marker in _PROXY_ERROR_MARKERS):
        proxy = env.get("GOPROXY") or "the default proxy"
        raise ModuleProxyError(
            f"Go could not download modules (GOPROXY={proxy}) while running `{' '.join(args)}`. Check that "
            f"this host reaches the Go module proxy, or point GOPROXY at a reachable one, then build again. "
            f"Full log: {log}\n{tail}"
        )
    raise BuildFailedError(
        f"`{' '.join(args)}` failed with exit status {completed.returncode}. Full log: {log}\n{tail}", log
    )


def _build_collector(tool: Tool, stack: Path, work: Path, go: str, log: Path, env: dict[str, str]) -> Path:
    manifest = stack / tool.source
    output = _manifest_field(manifest.read_text(), "output_path") or "."
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    builder = [go, "run", f"{tool.package}@{tool.version}"]
    _run_logged([*builder, "--config", str(manifest), f"--ldflags={_LDFLAGS}"], work, log, env)
    return work / output / tool.name


def _build_wrapped(tool: Tool, stack: Path, work: Path, go: str, log: Path, env: dict[str, str]) -> Path:
    work.mkdir(parents=True, exist_ok=True)
    target = work / tool.name
    args = [go, "build", "-mod=readonly", f"-ldflags={_LDFLAGS}", "-o", str(target), tool.package]
    _run_logged(args, stack / tool.source, log, env)
    return target


def build(
    names: Iterable[str] | None = None,
    tools_dir: Path | None = None,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> list[BuildResult]:
    """Build the named binaries (all of :data:`TOOLS` by default) into the tools folder.

    A binary whose stamp records the same pin and the same build inputs is kept, unless ``force``.
    Builds run one after another: each Go build already uses every core.

    Args:
        names: Binaries to build, from :data:`TOOLS`.
        tools_dir: Where binaries go; :func:`default_tools_dir` when None.
        force: Rebuild even when a binary is up to date.
        progress: Called with one human-readable line per step.

    Returns:
        One result per binary, in build order.

    Raises:
        ToolchainError: an unknown name, or build inputs that disagree with the pins.
        GoNotFoundError: ``go`` is not on PATH (and something needs building).
        ModuleProxyError: a module could not be downloaded.
        BuildFailedError: a build failed for another reason.
    """
    report = progress or (lambda _line: None)
    wanted = list(names) if names else list(TOOLS)
    unknown = [name for name in wanted if name not in TOOLS]
    if unknown:
        raise ToolchainError(f"Unknown tool {unknown[0]!r}: choose from {', '.join(TOOLS)}.")

    stack = stack_dir()
    problems = check_pins(stack, wanted)
    if problems:
        raise ToolchainError("The build inputs disagree with the pins in vntp/toolchain.py:\n" + "\n".join(problems))

    target_dir = tools_dir or default_tools_dir()
    target_dir.mkdir(parents=True, exist_ok=True)
    results: list[BuildResult] = []
    go: str | None = None
    go_version = ""
    for name in (name for name in TOOLS if name in wanted):
        tool = TOOLS[name]
        binary = target_dir / name
        fingerprint = _fingerprint(tool, stack)
        if not force and _is_current(binary, tool, fingerprint):
            report(f"{name} {tool.version}: up to date ({binary})")
            results.append(BuildResult(name, binary, tool.version, True, 0.0, binary.stat().st_size))
            continue

        if go is None:
            go = _go_executable()
            go_version = subprocess.run([go, "version"], capture_output=True, text=True, check=False).stdout.strip()
        work = target_dir / ".build" / name
        log = target_dir / ".build" / f"{name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text("")
        report(f"{name} {tool.version}: building (log: {log})")

        started = time.monotonic()
        builder = _build_collector if name == "otelcol-vntp" else _build_wrapped
        built = builder(tool, stack, work, go, log, _go_env())
        if not built.is_file():
            raise BuildFailedError(f"The build of {name} finished but left no binary at {built}. Full log: {log}", log)
        os.replace(built, binary)
        seconds = time.monotonic() - started
        _write_stamp(binary, tool, fingerprint, seconds, go_version)

        size = binary.stat().st_size
        report(f"{name} {tool.version}: built in {seconds:.1f} s, {size / 2**20:.1f} MiB -> {binary}")
        results.append(BuildResult(name, binary, tool.version, False, seconds, size))
    return results


def validate_collector_config(configs: Sequence[Path], binary: Path | None = None) -> None:
    """Run ``otelcol-vntp validate`` on a config and its overlays, merged in the order given.

    Raises:
        ToolchainError: the collector is not built, or it rejects the config (its output is in the message).
    """
    collector = binary or find("otelcol-vntp")
    if collector is None:
        raise ToolchainError(
            "otelcol-vntp is not built: run `python -m vntp.toolchain build otelcol-vntp` "
            "(or set VNTP_TOOLS_DIR to where it is)."
        )
    args = [str(collector), "validate"]
    for config in configs:
        args.append(f"--config={config}")
    completed = subprocess.run(args, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        shown = " + ".join(str(config) for config in configs)
        output = (completed.stderr + completed.stdout).strip()
        raise ToolchainError(f"The collector rejects {shown} (exit status {completed.returncode}):\n{output}")


def _status_lines(tools_dir: Path) -> list[str]:
    stack = stack_dir()
    lines = []
    for tool in TOOLS.values():
        binary = tools_dir / tool.name
        if not binary.is_file():
            state = "not built"
        elif _is_current(binary, tool, _fingerprint(tool, stack)):
            state = f"built ({binary.stat().st_size / 2**20:.1f} MiB)"
        else:
            state = "out of date"
        lines.append(f"{tool.name:<14} {tool.version:<10} {state:<22} {binary}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``build``, ``path`` and ``status``. Returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m vntp.toolchain", description="Build and locate the collector, Jaeger and Prometheus."
    )
    parser.add_argument("--tools-dir", type=Path, help="default: $VNTP_TOOLS_DIR, else ~/.cache/vntp/tools/bin")
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build", help="build the binaries that are missing or out of date")
    build_cmd.add_argument("--force", action="store_true", help="rebuild even when up to date")
    build_cmd.add_argument("names", nargs="*", metavar="NAME", help=f"any of {', '.join(TOOLS)} (default: all)")
    path_cmd = commands.add_parser("path", help="print where a binary is (tools folder, then PATH)")
    path_cmd.add_argument("name", metavar="NAME")
    commands.add_parser("status", help="show each binary's pin and whether it is built")
    args = parser.parse_args(argv)

    tools_dir: Path = args.tools_dir or default_tools_dir()
    unknown = [name for name in getattr(args, "names", []) if name not in TOOLS]
    if unknown:
        parser.error(f"unknown tool {unknown[0]!r}: choose from {', '.join(TOOLS)}")
    if args.command == "path":
        found = find(args.name, tools_dir)
        if found is None:
            print(
                f"{args.name} is neither in {tools_dir} nor on PATH; build it with "
                f"`python -m vntp.toolchain build {args.name}`.",
                file=sys.stderr,
            )
            return 1
        print(found)
        return 0
    if args.command == "status":
        print("\n".join(_status_lines(tools_dir)))
        return 0

    started = time.monotonic()
    try:
        results = build(args.names or None, tools_dir, force=args.force, progress=lambda line: print(line, flush=True))
    except ToolchainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    built = sum(not result.skipped for result in results)
    print(f"{built} built, {len(results) - built} up to date, {time.monotonic() - started:.1f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
