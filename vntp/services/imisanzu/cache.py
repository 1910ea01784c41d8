"""The contribution cache in Redis, with single-flight loading and a bypass when Redis is down."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from redis.asyncio import Redis
from redis.exceptions import RedisError

__all__ = ("CacheStats", "CacheUnavailable", "ContributionCache", "SingleFlight")

logger = logging.getLogger(__name__)

T = TypeVar("T")

_PREFIX = "imisanzu:contributions:"
_STALE_PREFIX = "imisanzu:contributions-stale:"
_STATS_KEY = "imisanzu:cache-stats"
_BACKOFF = 1.0


class CacheUnavailable(Exception):
    """Redis did not answer; the caller goes to oracle instead."""


class SingleFlight(Generic[T]):
    """Run one load per key at a time; callers that arrive meanwhile share its result."""

    def __init__(self) -> None:
        self._flights: dict[str, asyncio.Future[T]] = {}

    async def do(self, key: str, load: Callable[[], Awaitable[T]]) -> T:
        flight = self._flights.get(key)
        if flight is not None:
            return await asyncio.shield(flight)
        flight = asyncio.get_running_loop().create_future()
        self._flights[key] = flight
        try:
            result = await load()
        except asyncio.CancelledError:
            flight.cancel()
            raise
        except Exception as exc:
            flight.set_exception(exc)
            flight.exception()  # NOTE: marks it retrieved when nobody else waited
            raise
        else:
            flight.set_result(result)
            return result
        finally:
            del self._flights[key]


@dataclass(frozen=True)
class CacheStats:
    hits: int
    misses: int
    bypasses: int
    keys: int
    available: bool

    @property
    def hit_ratio(self) -> float:
        looked_up = self.hits + self.misses
        return round(self.hits / looked_up, 4) if looked_up else 0.0


class ContributionCache:
    """Contribution lists by rssbNumber: fresh for ``ttl`` seconds, a last-known copy for ``stale_ttl``.

    Every Redis failure raises :class:`CacheUnavailable`; after one, Redis is left alone
    for a second so a dead cache costs requests nothing.
    """

    def __init__(self, redis: Redis, ttl: int, stale_ttl: int) -> None:
        self.redis = redis
        self.ttl = ttl
        self.stale_ttl = stale_ttl
        self.bypasses = 0
        self._skip_until = 0.0

    async def _call(self, command: Callable[[], Awaitable[T]]) -> T:
        if time.monotonic() < self._skip_until:
            raise CacheUnavailable
        try:
            return await command()
        except (RedisError, OSError, TimeoutError) as exc:
            self._skip_until = time.monotonic() + _BACKOFF
            logger.warning("redis unavailable, bypassing the cache: %s", type(exc).__name__)
            raise CacheUnavailable from exc

    async def get(self, rssb_number: str) -> list[dict[str, Any]] | None:
        raw = await self._call(lambda: self.redis.get(_PREFIX + rssb_number))
        return None if raw is None else json.loads(raw)

    async def get_stale(self, rssb_number: str) -> list[dict[str, Any]] | None:
        raw = await self._call(lambda: self.redis.get(_STALE_PREFIX + rssb_number))
        return None if raw is None else json.loads(raw)

    async def put(self, rssb_number: str, items: list[dict[str, Any]]) -> None:
        payload = json.dumps(items, separators=(",", ":"))

        async def write() -> None:
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.set(_PREFIX + rssb_number, payload, ex=self.ttl)
                pipe.set(_STALE_PREFIX + rssb_number, payload, ex=self.stale_ttl)
                await pipe.execute()

        await self._call(write)

    async def count(self, outcome: str) -> None:
        """Count a ``hits`` or ``misses`` in Redis, shared by every worker."""
        await self._call(lambda: cast("Awaitable[int]", self.redis.hincrby(_STATS_KEY, outcome, 1)))

    async def stats(self) -> CacheStats:
        try:
            raw = await self._call(lambda: cast("Awaitable[dict[bytes, bytes]]", self.redis.hgetall(_STATS_KEY)))
            keys = 0
            async for _ in self.redis.scan_iter(match=_PREFIX + "*", count=500):
                keys += 1
        except CacheUnavailable:
            return CacheStats(hits=0, misses=0, bypasses=self.bypasses, keys=0, available=False)
        counts = {k.decode() if isinstance(k, bytes) else k: int(v) for k, v in raw.items()}
        return CacheStats(
            hits=counts.get("hits", 0),
            misses=counts.get("misses", 0),
            bypasses=self.bypasses,
            keys=keys,
            available=True,
        )
