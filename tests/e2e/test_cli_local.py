"""The main job from the command line: ``vntp demo`` on the local runtime, ``validate``, ``down --purge``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests._backends import free_ports, missing_binaries
from vntp.config import Settings, override_key
from vntp.stack import build_stack

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        bool(missing_binaries()),
        reason=f"{', '.join(missing_binaries())} not built; run 'python -m vntp.toolchain build'",
    ),
]


def vntp(env: dict[str, str], *args: str, timeout: float = 300) -> tuple[int, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "vntp.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    try:
        return result.returncode, json.loads(result.stdout)
    except json.JSONDecodeError:
        msg = f"vntp {' '.join(args)} printed no JSON (exit {result.returncode}):\n{result.stdout}\n{result.stderr}"
        raise AssertionError(msg) from None


@pytest.fixture(scope="module")
def cli_env() -> Iterator[dict[str, str]]:
    root = Path(tempfile.mkdtemp(prefix="vntp-cli-", dir="/tmp"))
    root.chmod(0o755)
    keys = [
        override_key(component.name, port.name)
        for component in build_stack(Settings(state_dir=root)).select()
        for port in component.ports
    ]
    env = {**os.environ, "VNTP_STATE_DIR": str(root), "VNTP_STACK": "clitest", "VNTP_RUNTIME": "local"}
    env.update({f"VNTP_{key}_PORT": str(port) for key, port in zip(keys, free_ports(len(keys)), strict=True)})
    yield env
    subprocess.run(
        [sys.executable, "-m", "vntp.cli", "down", "--purge"], env=env, capture_output=True, timeout=120, check=False
    )
    shutil.rmtree(root, ignore_errors=True)


def test_demo_passes_every_step(cli_env: dict[str, str]) -> None:
    code, report = vntp(cli_env, "demo", "--runtime", "local", "--json", "--burst", "3")
    assert code == 0, json.dumps(report, indent=1)[:4000]
    assert report["ok"] is True
    assert report["started"] is True
    steps = {step["number"]: step for step in report["steps"]}
    assert all(step["ok"] for step in steps.values()), [s for s in steps.values() if not s["ok"]]
    assert steps[1]["data"]["total"] == 2
    assert steps[4]["data"]["total"] == 0, "imisanzu must start with no employees"
    assert steps[5]["data"]["synced"] is True
    assert steps[6]["data"]["total"] == 1
    assert (steps[7]["data"]["cache"], steps[8]["data"]["cache"]) == ("MISS", "HIT")
    assert (steps[9]["data"]["hits"], steps[9]["data"]["misses"]) == (1, 1)
    assert report["burst"]["errors"] == 0
    checks = report["validate"]["checks"]
    assert {(c["backend"], c["signal"]) for c in checks} >= {
        ("stack", "health"),
        ("prometheus", "metrics"),
        ("jaeger", "traces"),
        ("collector file", "logs"),
    }
    assert all(c["ok"] for c in checks)
    assert {"prometheus", "jaeger", "oracle", "imisanzu"} <= set(report["links"])


def test_validate_names_the_backend_that_is_missing(cli_env: dict[str, str]) -> None:
    code, status = vntp(cli_env, "status", "--json")
    assert code == 0, status
    jaeger = next(c for c in status["components"] if c["name"] == "jaeger")
    psutil.Process(jaeger["pid"]).terminate()
    psutil.Process(jaeger["pid"]).wait(timeout=20)

    code, report = vntp(cli_env, "validate", "--json", "--timeout", "10")
    assert code == 1
    failed = {(c["backend"], c["signal"]) for c in report["checks"] if not c["ok"]}
    assert ("jaeger", "traces") in failed
    assert ("stack", "health") in failed
    assert not {f for f in failed if f[0] == "prometheus"}, failed

    code, _ = vntp(cli_env, "up", "--json")
    assert code == 0
    code, report = vntp(cli_env, "validate", "--json")
    assert code == 0, [c for c in report["checks"] if not c["ok"]]


def test_down_purge_leaves_no_process_or_data(cli_env: dict[str, str]) -> None:
    code, status = vntp(cli_env, "status", "--json")
    pids = [c["pid"] for c in status["components"] if c.get("pid")]
    assert pids
    code, _ = vntp(cli_env, "down", "--purge", "--json")
    assert code == 0
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
        time.sleep(0.2)
    assert not [pid for pid in pids if _alive(pid)]
    root = Path(cli_env["VNTP_STATE_DIR"])
    leftovers = list(root.rglob("*")) if root.exists() else []
    assert not leftovers, leftovers[:10]


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False
