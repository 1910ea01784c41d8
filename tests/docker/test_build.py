"""The docker runtime builds a missing services image from stack/Dockerfile through the SDK, with progress."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.docker.conftest import DockerStack
from vntp.config import Settings
from vntp.runtimes import DockerRuntime, ProgressEvent

pytestmark = pytest.mark.docker

OFFICIAL_BASE = "python:3.11-slim"  # stack/Dockerfile's default BASE_IMAGE


@pytest.fixture
def official_base(docker_client: Any, stand_ins: dict[str, str]) -> Iterator[None]:
    """``python:3.11-slim`` on the engine: the real one if present, else the stand-in tagged so for this test."""
    from docker.errors import ImageNotFound

    try:
        docker_client.images.get(OFFICIAL_BASE)
    except ImageNotFound:
        docker_client.images.get("vntp-local/python:3.11").tag(OFFICIAL_BASE)
        yield
        docker_client.images.remove(OFFICIAL_BASE, noprune=True)
    else:
        yield


@pytest.mark.timeout(600)
def test_a_missing_services_image_is_built(docker_client: Any, docker_stack: DockerStack, official_base: None) -> None:
    from docker.errors import ImageNotFound

    image = f"vntptest-services:{os.getpid()}"
    runtime = DockerRuntime(Settings.from_env({**docker_stack.env, "VNTP_ORACLE_IMAGE": image}))
    events: list[ProgressEvent] = []
    try:
        statuses = runtime.up(components=["oracle"], progress=events.append)
        docker_stack.record()
        assert {s.name: s.health for s in statuses}["oracle"] == "healthy"
        assert any(e.component == "oracle" and e.message.startswith(f"building {image}") for e in events)
        assert docker_client.images.get(image).attrs["Config"]["User"] == "10001:10001"
    finally:
        runtime.down(purge=True)
        with contextlib.suppress(ImageNotFound):
            docker_client.images.remove(image)
