from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator

import pytest
import redis as redis_client

from tests._services import Backing, ServiceProcess, imisanzu_process, oracle_process, start_backing
from vntp.runtimes._servers import find_postgres_bindir


@pytest.fixture(scope="session")
def backing() -> Iterator[Backing]:
    started = start_backing()
    yield started
    started.redis.purge()
    started.postgres.purge()
    shutil.rmtree(started.root, ignore_errors=True)


@pytest.fixture(scope="session")
def oracle(backing: Backing) -> Iterator[ServiceProcess]:
    service = oracle_process(backing, OTEL_SDK_DISABLED="true")
    service.start()
    yield service
    service.stop()


@pytest.fixture(scope="session")
def imisanzu(backing: Backing, oracle: ServiceProcess) -> Iterator[ServiceProcess]:
    service = imisanzu_process(backing, oracle, ORACLE_TIMEOUT="2", ORACLE_FAIL_FAST_FOR="1", OTEL_SDK_DISABLED="true")
    service.start()
    yield service
    service.stop()


@pytest.fixture
def fresh_imisanzu(backing: Backing, imisanzu: ServiceProcess) -> ServiceProcess:
    """imisanzu as on its first start: no local employees, an empty cache."""
    _sql(backing, "imisanzu", "TRUNCATE employee")
    redis_client.Redis.from_url(backing.redis.url()).flushdb()
    return imisanzu


def _sql(backing: Backing, database: str, statement: str) -> None:
    subprocess.run(
        [
            str(find_postgres_bindir() / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(backing.postgres.port),
            "-U",
            "vntp",
            "-d",
            database,
            "-v",
            "ON_ERROR_STOP=1",
            "-qc",
            statement,
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )


@pytest.fixture
def oracle_down(oracle: ServiceProcess) -> Iterator[ServiceProcess]:
    """oracle stopped for the test, started again afterwards."""
    oracle.stop()
    yield oracle
    oracle.start()


@pytest.fixture
def redis_down(backing: Backing) -> Iterator[None]:
    backing.redis.stop()
    yield
    backing.redis.start()


@pytest.fixture
def fresh_oracle(backing: Backing, oracle: ServiceProcess) -> ServiceProcess:
    """oracle holding exactly its seed: the tables emptied, then the seed migration run again."""
    _sql(backing, "oracle", "TRUNCATE contribution, employee, employer")
    _sql(backing, "oracle", "UPDATE oracle_alembic_version SET version_num = '0001'")
    env = {**os.environ, **oracle.env}
    subprocess.run(
        [sys.executable, "-m", "vntp.services.oracle", "migrate"], env=env, check=True, timeout=120, capture_output=True
    )
    return oracle
