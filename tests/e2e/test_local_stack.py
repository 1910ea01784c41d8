"""The whole core stack through the local runtime, on free ports: up, use, kill, up again, down --purge."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests._backends import free_ports, missing_binaries
from vntp.config import Settings, override_key
from vntp.runtimes import LocalRuntime, ProgressEvent
from vntp.stack import build_stack

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        bool(missing_binaries()),
        reason=f"{', '.join(missing_binaries())} not built; run 'python -m vntp.toolchain build'",
    ),
]

_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _get(url: str) -> tuple[int, object]:
    with _NO_PROXY.open(url, timeout=10) as response:
        return response.status, json.loads(response.read() or b"null")


@pytest.fixture
def runtime() -> Iterator[LocalRuntime]:
    root = Path(tempfile.mkdtemp(prefix="vntp-e2e-", dir="/tmp"))
    root.chmod(0o755)  # traversable by the user Postgres runs as
    keys = [
        override_key(component.name, port.name)
        for component in build_stack(Settings(state_dir=root)).select()
        for port in component.ports
    ]
    settings = Settings(state_dir=root, stack="e2e", ports=dict(zip(keys, free_ports(len(keys)), strict=True)))
    local = LocalRuntime(settings)
    yield local
    local.down(purge=True)
    shutil.rmtree(root, ignore_errors=True)


def test_core_stack_runs_and_leaves_nothing_behind(runtime: LocalRuntime) -> None:
    events: list[ProgressEvent] = []
    statuses = runtime.up(progress=events.append)
    assert [s.name for s in statuses] == [c.name for c in runtime.stack().select()]
    assert all(s.ok for s in statuses), [(s.name, s.state, s.health, s.detail) for s in statuses]
    assert {e.component for e in events if e.phase == "healthy"} == {s.name for s in statuses}

    urls = runtime.endpoints()
    imisanzu = urls["imisanzu"]["http"]
    status, body = _get(f"{imisanzu}/api/v1/contributions/employee/1023829A")
    assert status == 200
    assert isinstance(body, dict)
    assert body["rssbNumber"] == "1023829A"
    assert _get(f"{urls['prometheus']['http']}/api/v1/status/buildinfo")[0] == 200
    assert _get(f"{urls['jaeger']['query']}/api/services")[0] == 200
    assert set(runtime.links()) >= {"oracle", "imisanzu", "prometheus", "jaeger"}

    # A crashed service shows as dead while the rest keep running; up restores it.
    pids = {s.name: s.pid for s in statuses}
    runtime.kill_component("oracle")
    by_name = {s.name: s for s in runtime.status()}
    assert by_name["oracle"].state == "dead"
    assert by_name["imisanzu"].state == "running"
    restored = {s.name: s for s in runtime.up()}
    assert restored["oracle"].ok
    assert restored["oracle"].pid != pids["oracle"]
    assert restored["imisanzu"].pid == pids["imisanzu"]

    live = [s.pid for s in runtime.status() if s.pid]
    runtime.down(purge=True)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(_alive(pid) for pid in live):
        time.sleep(0.2)
    assert not [pid for pid in live if _alive(pid)]
    assert not runtime.root.exists()


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False
