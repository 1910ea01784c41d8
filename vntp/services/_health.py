"""``/health`` (the process answers) and ``/ready`` (its dependencies answer)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from litestar import Response, get
from litestar.handlers import HTTPRouteHandler

__all__ = ("ReadinessCheck", "health_handlers")

ReadinessCheck = Callable[[], Awaitable[None]]
"""Raises when the dependency it checks does not answer."""

_CHECK_TIMEOUT = 2.0


def health_handlers(checks: Mapping[str, ReadinessCheck]) -> list[HTTPRouteHandler]:
    """Build the two probe handlers; ``checks`` name each dependency ``/ready`` asks."""

    @get("/health", include_in_schema=True, tags=["health"], sync_to_thread=False)
    def health() -> dict[str, str]:
        """The process is alive."""
        return {"status": "ok"}

    @get("/ready", tags=["health"])
    async def ready() -> Response[dict[str, Any]]:
        """Every dependency answers; 503 names the ones that do not."""
        results: dict[str, str] = {}

        async def run(name: str, check: ReadinessCheck) -> None:
            try:
                await asyncio.wait_for(check(), timeout=_CHECK_TIMEOUT)
            except Exception as exc:
                results[name] = f"down: {type(exc).__name__}"
            else:
                results[name] = "ok"

        await asyncio.gather(*(run(name, check) for name, check in checks.items()))
        ok = all(value == "ok" for value in results.values())
        body = {"status": "ready" if ok else "not ready", "checks": results}
        return Response(body, status_code=200 if ok else 503)

    return [health, ready]
