"""Start a service: prepare its database, then serve it with uvicorn."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable

from vntp.services._logging import configure_logging
from vntp.services._settings import ServiceSettings, SettingsError

__all__ = ("main",)

logger = logging.getLogger(__name__)


def main(
    *,
    name: str,
    app_factory: str,
    load: Callable[[], ServiceSettings],
    prepare: Callable[[ServiceSettings], None],
    argv: list[str] | None = None,
) -> int:
    """Command line of one service: ``serve`` (default, migrates first) or ``migrate``."""
    parser = argparse.ArgumentParser(prog=f"python -m vntp.services.{name}", description=f"Run the {name} service.")
    parser.add_argument("command", nargs="?", choices=("serve", "migrate"), default="serve")
    parser.add_argument("--no-migrate", action="store_true", help="serve without applying migrations and seed first")
    args = parser.parse_args(argv)
    try:
        settings = load()
    except SettingsError as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    if args.command == "migrate" or not args.no_migrate:
        try:
            prepare(settings)
        except (OSError, ConnectionError) as exc:
            logger.error("cannot reach the database to migrate: %s", exc)
            return 1
        if args.command == "migrate":
            return 0

    import uvicorn

    uvicorn.run(
        app_factory,
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=5,
        lifespan="on",
    )
    return 0
