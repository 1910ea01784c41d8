"""Postgres clusters and Redis servers run as plain processes on this host.

The local runtime and the integration tests both need real servers without a Docker
engine. Each server lives in its own data directory, listens on 127.0.0.1 only and is
started detached, so it outlives the command that started it and is found again by its
pid file.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = (
    "LocalServerError",
    "PostgresCluster",
    "RedisServer",
    "find_postgres_bindir",
    "find_redis_server",
    "port_is_free",
    "wait_for_port",
)

_UNPRIVILEGED_USERS = ("postgres", "nobody")


class LocalServerError(RuntimeError):
    """A local server could not be set up, started or stopped."""


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Return True when nothing listens on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def wait_for_port(port: int, host: str = "127.0.0.1", timeout: float = 30.0) -> bool:
    """Wait until something accepts connections on ``host:port``; False on time-out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return True
        time.sleep(0.1)
    return False


def find_redis_server() -> str:
    """Locate ``redis-server``.

    Raises:
        LocalServerError: when it is not installed.
    """
    binary = shutil.which("redis-server")
    if binary is None:
        msg = "redis-server was not found. Install it with 'apt-get install redis-server'."
        raise LocalServerError(msg)
    return binary


def find_postgres_bindir() -> Path:
    """Locate the directory holding ``initdb`` and ``pg_ctl``.

    Debian keeps them out of PATH under ``/usr/lib/postgresql/<major>/bin``.

    Raises:
        LocalServerError: when no Postgres server binaries are installed.
    """
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if candidates:
        return candidates[-1].parent
    msg = (
        "Postgres server binaries (initdb, pg_ctl) were not found. "
        "Install them with 'apt-get install postgresql' or put their directory on PATH."
    )
    raise LocalServerError(msg)


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[:1] == ["Z"]


def _pid_alive(pid: int) -> bool:
    """True when ``pid`` runs; a killed process not yet reaped by its parent (a zombie) does not."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _is_zombie(pid)


def _pids_working_in(directory: Path) -> list[int]:
    """Return the pids whose working directory is ``directory`` (Postgres backends sit in their data dir)."""
    target = str(directory.resolve())
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if os.readlink(entry / "cwd") == target and _pid_alive(int(entry.name)):
                    found.append(int(entry.name))
    return found


def _read_pid(path: Path) -> int | None:
    try:
        first = path.read_text().split(maxsplit=1)[0]
    except (OSError, IndexError):
        return None
    return int(first) if first.isdigit() else None


@dataclass
class PostgresCluster:
    """One Postgres cluster in ``data_dir``, serving ``databases`` on 127.0.0.1:``port``.

    When the caller is root the cluster is owned by and run as an unprivileged user
    (``postgres`` if it exists, else ``nobody``), because Postgres refuses to run as root.
    """

    data_dir: Path
    """Where the cluster keeps its files; created on first start."""
    port: int
    """TCP port on 127.0.0.1."""
    databases: tuple[str, ...] = ("vntp",)
    """Databases created after the first start."""
    user: str = "vntp"
    """Superuser name; local connections are trusted."""
    log_file: Path | None = None
    """Server log; defaults to ``<data_dir>.log``."""
    _bindir: Path | None = field(default=None, repr=False)

    @property
    def bindir(self) -> Path:
        if self._bindir is None:
            self._bindir = find_postgres_bindir()
        return self._bindir

    @property
    def log_path(self) -> Path:
        return self.log_file or self.data_dir.with_suffix(".log")

    def url(self, database: str | None = None) -> str:
        """Return the SQLAlchemy asyncpg URL of one database of this cluster."""
        name = database or self.databases[0]
        return f"postgresql+asyncpg://{self.user}@127.0.0.1:{self.port}/{name}"

    def _run_as(self) -> list[str]:
        if os.geteuid() != 0:
            return []
        return ["runuser", "-u", self._service_user(), "--"]

    @staticmethod
    def _service_user() -> str:
        for name in _UNPRIVILEGED_USERS:
            with contextlib.suppress(KeyError):
                pwd.getpwnam(name)
                return name
        msg = "Postgres cannot run as root and no unprivileged user exists; create one with 'useradd postgres'."
        raise LocalServerError(msg)

    def check_reachable(self) -> None:
        """As root, make sure the unprivileged user Postgres runs as can reach the data directory.

        Raises:
            LocalServerError: when no such user exists or a parent directory is closed to it.
        """
        if os.geteuid() != 0:
            return
        entry = pwd.getpwnam(self._service_user())
        start = self.data_dir.parent.resolve()
        for parent in (start, *start.parents):
            if not parent.exists():
                continue  # created later, searchable by all (mode 0755)
            info = parent.stat()
            if not info.st_mode & 0o001 and info.st_uid != entry.pw_uid:
                msg = (
                    f"Postgres runs as {entry.pw_name!r} (it refuses root) but cannot reach {self.data_dir}: "
                    f"{parent} is not searchable by other users. Choose a state directory outside it "
                    "(for example under /var/lib or /tmp), or run 'chmod o+x' on that directory."
                )
                raise LocalServerError(msg)

    def _chown(self, path: Path) -> None:
        if os.geteuid() == 0:
            entry = pwd.getpwnam(self._service_user())
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def _ctl(self, *args: str, check: bool = True, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
        cmd = [*self._run_as(), str(self.bindir / "pg_ctl"), "-D", str(self.data_dir), *args]
        return subprocess.run(cmd, capture_output=True, text=True, check=check, timeout=timeout)

    @property
    def initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def init(self) -> None:
        """Create the cluster files if they do not exist yet."""
        if self.initialised:
            return
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self.check_reachable()
        self.data_dir.mkdir(mode=0o700, exist_ok=True)
        self._chown(self.data_dir)
        log = self.log_path
        log.touch()
        self._chown(log)
        cmd = [
            *self._run_as(),
            str(self.bindir / "initdb"),
            "-D",
            str(self.data_dir),
            "-U",
            self.user,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",
        ]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=120)
        if result.returncode != 0:
            msg = f"initdb failed for {self.data_dir}: {result.stderr.strip() or result.stdout.strip()}"
            raise LocalServerError(msg)

    def pid(self) -> int | None:
        """Return the postmaster's pid when it runs."""
        pid = _read_pid(self.data_dir / "postmaster.pid")
        return pid if pid is not None and _pid_alive(pid) else None

    def start(self, timeout: float = 60.0) -> None:
        """Initialise when needed, start, and create the databases. Harmless when running."""
        self.init()
        if self.pid() is None:
            self._clear_stale_lock(timeout)
            if not self.log_path.exists():
                self.log_path.touch()
                self._chown(self.log_path)
            options = f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories='' -c fsync=on"
            result = self._ctl(
                "start",
                "-w",
                "-t",
                str(int(timeout)),
                "-l",
                str(self.log_path),
                "-o",
                options,
                check=False,
                timeout=timeout + 10,
            )
            if result.returncode != 0:
                tail = self.log_path.read_text(errors="replace")[-800:] if self.log_path.exists() else ""
                msg = f"Postgres in {self.data_dir} did not start on port {self.port}: {result.stderr.strip()}\n{tail}"
                raise LocalServerError(msg)
        self._create_databases()

    def _clear_stale_lock(self, timeout: float) -> None:
        """After a crash, wait for orphaned backends to exit; drop a lock file naming an unreaped postmaster.

        Postgres removes a lock file whose pid is gone, but not one whose pid is a zombie that the
        init process has yet to reap; it must not start while old backends still use the data dir.
        """
        lock = self.data_dir / "postmaster.pid"
        stale = _read_pid(lock)
        if stale is None:
            return
        deadline = time.monotonic() + timeout
        while _pids_working_in(self.data_dir) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _is_zombie(stale) and not _pids_working_in(self.data_dir):
            lock.unlink(missing_ok=True)

    def _create_databases(self) -> None:
        for name in self.databases:
            cmd = [
                str(self.bindir / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                self.user,
                "-d",
                "postgres",
                "-tAc",
                f"SELECT 1 FROM pg_database WHERE datname = '{name}'",  # noqa: S608 - names come from code
            ]
            exists = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=30).stdout.strip()
            if exists != "1":
                create = [str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, name]
                subprocess.run(create, capture_output=True, text=True, check=True, timeout=30)

    def stop(self, mode: str = "fast", timeout: float = 60.0) -> None:
        """Stop the server; harmless when it is not running."""
        if self.pid() is None:
            return
        self._ctl("stop", "-w", "-m", mode, "-t", str(int(timeout)), check=False, timeout=timeout + 10)

    def kill(self) -> None:
        """Kill the postmaster at once, as a crash would."""
        pid = self.pid()
        if pid is not None:
            os.kill(pid, signal.SIGKILL)

    def purge(self) -> None:
        """Stop and delete every file of the cluster."""
        self.stop(mode="immediate")
        shutil.rmtree(self.data_dir, ignore_errors=True)
        self.log_path.unlink(missing_ok=True)


@dataclass
class RedisServer:
    """One Redis server in ``data_dir`` on 127.0.0.1:``port``, detached, without persistence."""

    data_dir: Path
    """Holds the pid file and the log."""
    port: int
    """TCP port on 127.0.0.1."""
    log_file: Path | None = None
    """Server log; defaults to ``<data_dir>/redis.log``."""

    @property
    def pid_file(self) -> Path:
        return self.data_dir / "redis.pid"

    @property
    def log_path(self) -> Path:
        return self.log_file or self.data_dir / "redis.log"

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def pid(self) -> int | None:
        pid = _read_pid(self.pid_file)
        return pid if pid is not None and _pid_alive(pid) else None

    def start(self, timeout: float = 30.0) -> None:
        """Start when not running and wait until it accepts connections."""
        if self.pid() is not None:
            return
        binary = find_redis_server()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        cmd = [
            binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.data_dir),
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "yes",
            "--pidfile",
            str(self.pid_file),
            "--logfile",
            str(self.log_path),
        ]
        subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=timeout)
        if not wait_for_port(self.port, timeout=timeout):
            msg = (
                f"Redis did not accept connections on 127.0.0.1:{self.port} within {timeout:.0f} s; "
                f"see {self.log_path}."
            )
            raise LocalServerError(msg)
        # Redis listens before it writes its pid file; wait for both so pid() finds it.
        deadline = time.monotonic() + timeout
        while self.pid() is None and time.monotonic() < deadline:
            time.sleep(0.02)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server; harmless when it is not running."""
        pid = self.pid()
        if pid is None:
            return
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _pid_alive(pid):
            os.kill(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)

    def purge(self) -> None:
        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)
