"""``python -m vntp.services.oracle``: migrate, seed, serve."""

from __future__ import annotations

import sys

from vntp.services._migrations import upgrade
from vntp.services._server import main
from vntp.services._settings import ServiceSettings
from vntp.services.oracle.app import BIND_KEY, MIGRATIONS, settings_from_env
from vntp.services.oracle.seed import load_seed


def prepare(settings: ServiceSettings) -> None:
    upgrade(settings.database_url, MIGRATIONS, BIND_KEY)
    load_seed(settings.database_url)


if __name__ == "__main__":
    sys.exit(
        main(name="oracle", app_factory="vntp.services.oracle.app:create_app", load=settings_from_env, prepare=prepare)
    )
