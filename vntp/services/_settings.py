"""Service settings, read once from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit

__all__ = ("ServiceSettings", "SettingsError", "load_settings")


class SettingsError(ValueError):
    """A setting read from the environment is unusable."""


def _normalise_database_url(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if not sep:
        msg = f"DATABASE_URL {url!r} is not a URL; use e.g. 'postgresql://user:pass@host:5432/db'."
        raise SettingsError(msg)
    if scheme in {"postgres", "postgresql"}:
        scheme = "postgresql+asyncpg"
    if scheme != "postgresql+asyncpg":
        msg = f"DATABASE_URL scheme {scheme!r} is not supported; use 'postgresql://' or 'postgresql+asyncpg://'."
        raise SettingsError(msg)
    return f"{scheme}://{rest}"


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        msg = f"{name}={raw!r} is not a number; set it to seconds, e.g. {name}={default}."
        raise SettingsError(msg) from exc
    if value <= 0:
        msg = f"{name}={raw!r} must be greater than zero."
        raise SettingsError(msg)
    return value


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        msg = f"{name}={raw!r} is not a whole number; e.g. {name}={default}."
        raise SettingsError(msg) from exc


@dataclass(frozen=True)
class ServiceSettings:
    """What one service needs to run, taken from environment variables."""

    name: str
    """Service name; also the default ``OTEL_SERVICE_NAME``."""
    database_url: str
    """``DATABASE_URL``: the service's own Postgres database."""
    host: str = "0.0.0.0"
    """``HOST``: the address to listen on."""
    port: int = 8000
    """``PORT``: the TCP port to listen on."""
    workers: int = 1
    """``WORKERS``: server worker processes (forked)."""
    log_level: str = "INFO"
    """``LOG_LEVEL``: the level of the service's own log lines."""
    redis_url: str = "redis://localhost:6379/0"
    """``REDIS_URL`` (imisanzu): the shared cache."""
    oracle_url: str = "http://localhost:3002"
    """``ORACLE_URL`` (imisanzu): where oracle answers."""
    oracle_timeout: float = 3.0
    """``ORACLE_TIMEOUT``: seconds one call to oracle may take in all."""
    oracle_fail_fast_after: int = 3
    """``ORACLE_FAIL_FAST_AFTER``: consecutive oracle failures after which calls fail at once (0: never)."""
    oracle_fail_fast_for: float = 5.0
    """``ORACLE_FAIL_FAST_FOR``: seconds calls fail at once before one tries oracle again."""
    cache_ttl: int = 60
    """``CACHE_TTL``: seconds a cached contribution list stays fresh."""
    stale_ttl: int = 86_400
    """``STALE_TTL``: seconds a last-known copy is kept to answer while oracle is down."""
    redis_timeout: float = 0.5
    """``REDIS_TIMEOUT``: seconds one Redis command may take before the cache is bypassed."""
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            msg = f"PORT={self.port!r} is not a TCP port; choose one between 1 and 65535."
            raise SettingsError(msg)
        if self.workers < 1:
            msg = f"WORKERS={self.workers!r} must be at least 1."
            raise SettingsError(msg)
        if urlsplit(self.oracle_url).scheme not in {"http", "https"}:
            msg = f"ORACLE_URL {self.oracle_url!r} must start with http:// or https://."
            raise SettingsError(msg)


def load_settings(name: str, *, default_port: int, default_database_url: str) -> ServiceSettings:
    """Read the settings of service ``name`` from the environment.

    Raises:
        SettingsError: when a variable holds an unusable value; the message names it.
    """
    env = os.environ
    return ServiceSettings(
        name=name,
        database_url=_normalise_database_url(env.get("DATABASE_URL") or default_database_url),
        host=env.get("HOST") or "0.0.0.0",
        port=_int("PORT", default_port),
        workers=_int("WORKERS", 1),
        log_level=(env.get("LOG_LEVEL") or "INFO").upper(),
        redis_url=env.get("REDIS_URL") or "redis://localhost:6379/0",
        oracle_url=(env.get("ORACLE_URL") or "http://localhost:3002").rstrip("/"),
        oracle_timeout=_float("ORACLE_TIMEOUT", 3.0),
        oracle_fail_fast_after=_int("ORACLE_FAIL_FAST_AFTER", 3),
        oracle_fail_fast_for=_float("ORACLE_FAIL_FAST_FOR", 5.0),
        cache_ttl=_int("CACHE_TTL", 60),
        stale_ttl=_int("STALE_TTL", 86_400),
        redis_timeout=_float("REDIS_TIMEOUT", 0.5),
    )
