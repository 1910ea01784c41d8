"""Real service processes for tests: Postgres, Redis, oracle and imisanzu on free ports."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from vntp.runtimes._servers import PostgresCluster, RedisServer

__all__ = ("ServiceProcess", "free_port", "imisanzu_process", "make_state_dir", "oracle_process")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_state_dir(prefix: str) -> Path:
    """A temporary folder the unprivileged Postgres user can reach (pytest's own is 0700)."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(0o755)
    return path


@dataclass
class ServiceProcess:
    """One service started with ``python -m vntp.services.<name>``."""

    name: str
    port: int
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        env = {**os.environ, **self.env, "HOST": "127.0.0.1", "PORT": str(self.port)}
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", f"vntp.services.{self.name}"], env=env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                msg = f"{self.name} exited with {self.process.returncode}; see {self.log_path}"
                raise RuntimeError(msg)
            try:
                if httpx.get(f"{self.url}/health", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        msg = f"{self.name} did not answer /health within {timeout:.0f} s; see {self.log_path}"
        raise RuntimeError(msg)

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM, then SIGKILL after ``timeout``; returns the exit status."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout=5)

    def pause(self) -> None:
        """Freeze the process: it keeps its port but answers nothing (a hung service)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def restart(self) -> None:
        self.stop()
        self.start()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@dataclass
class Backing:
    """The real databases and cache behind the services."""

    root: Path
    postgres: PostgresCluster
    redis: RedisServer


def start_backing(prefix: str = "vntp-test-") -> Backing:
    root = make_state_dir(prefix)
    postgres = PostgresCluster(root / "postgres", free_port(), databases=("oracle", "imisanzu"))
    postgres.start()
    redis = RedisServer(root / "redis", free_port())
    redis.start()
    return Backing(root, postgres, redis)


def oracle_process(backing: Backing, label: str = "oracle", **env: str) -> ServiceProcess:
    """oracle on a free port over ``backing``'s database, logging to ``<label>.log``; not started."""
    return ServiceProcess(
        "oracle", free_port(), {"DATABASE_URL": backing.postgres.url("oracle"), **env}, backing.root / f"{label}.log"
    )


def imisanzu_process(backing: Backing, oracle: ServiceProcess, label: str = "imisanzu", **env: str) -> ServiceProcess:
    """imisanzu on a free port over ``backing``'s database and Redis, calling ``oracle``; not started."""
    wiring = {
        "DATABASE_URL": backing.postgres.url("imisanzu"),
        "REDIS_URL": backing.redis.url(),
        "ORACLE_URL": oracle.url,
    }
    return ServiceProcess("imisanzu", free_port(), {**wiring, **env}, backing.root / f"{label}.log")
