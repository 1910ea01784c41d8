"""The Postgres and Redis stand-ins keep the official images' contract: environment, user, port, health check."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from typing import Any

import asyncpg
import pytest
import redis

from tests._backends import free_ports

pytestmark = pytest.mark.docker

LABELS = {"vntp.test": f"stand-ins-{os.getpid()}"}


@pytest.fixture
def run(docker_client: Any, stand_ins: dict[str, str]) -> Iterator[Any]:
    """``docker run -d`` that records each container and removes it (with its volumes) afterwards."""
    created: list[Any] = []

    def _run(image: str, **kwargs: Any) -> Any:
        container = docker_client.containers.run(image, detach=True, labels=LABELS, **kwargs)
        created.append(container)
        return container

    yield _run
    for container in created:
        container.remove(force=True, v=True)
    assert docker_client.containers.list(all=True, filters={"label": f"vntp.test={LABELS['vntp.test']}"}) == []


def _wait(check: Any, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    pytest.fail("the stand-in did not become ready in time")


def test_postgres_honours_the_official_environment(run: Any, stand_ins: dict[str, str]) -> None:
    (port,) = free_ports(1)
    env = {"POSTGRES_USER": "alice", "POSTGRES_PASSWORD": "s3cret", "POSTGRES_DB": "shop"}
    container = run(stand_ins["postgres-oracle"], environment=env, ports={"5432/tcp": ("127.0.0.1", port)})
    _wait(lambda: container.exec_run(["pg_isready", "-h", "127.0.0.1", "-U", "alice", "-d", "shop"]).exit_code == 0)
    container.reload()
    assert container.attrs["Config"]["User"] == "postgres"

    async def query(password: str) -> object:
        connection = await asyncpg.connect(
            host="127.0.0.1", port=port, user="alice", password=password, database="shop", timeout=10
        )
        try:
            return await connection.fetchval("SELECT current_user")
        finally:
            await connection.close()

    assert asyncio.run(query("s3cret")) == "alice"
    with pytest.raises(asyncpg.InvalidPasswordError):
        asyncio.run(query("wrong"))


def test_postgres_refuses_to_initialise_without_a_password(run: Any, stand_ins: dict[str, str]) -> None:
    container = run(stand_ins["postgres-oracle"])
    assert container.wait(timeout=60)["StatusCode"] == 1
    assert b"POSTGRES_PASSWORD is not set" in container.logs()


def test_redis_answers_other_hosts_as_the_redis_user(run: Any, stand_ins: dict[str, str]) -> None:
    (port,) = free_ports(1)
    container = run(stand_ins["redis"], command=["redis-server", "--save", ""], ports={"6379/tcp": ("127.0.0.1", port)})
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=2)

    def ready() -> bool:
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False

    _wait(ready)
    assert client.set("k", "v")
    assert client.get("k") == b"v"
    client.close()
    assert container.exec_run(["redis-cli", "ping"]).output.strip() == b"PONG"
    assert container.attrs["Config"]["User"] == "redis"
