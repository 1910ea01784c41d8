"""What the docker runtime says when it cannot get an image."""

from __future__ import annotations

from typing import Any

import pytest

from tests.docker.conftest import DockerStack
from vntp.config import Settings
from vntp.runtimes import DockerRuntime, PreflightError
from vntp.stack.containers import STACK_LABEL

pytestmark = pytest.mark.docker


def test_a_missing_image_is_named_with_how_to_get_it(docker_client: Any, docker_stack: DockerStack) -> None:
    settings = Settings.from_env({**docker_stack.env, "VNTP_REDIS_IMAGE": "vntp-local/no-such-redis:0"})
    runtime = DockerRuntime(settings)
    with pytest.raises(PreflightError) as caught:
        runtime.up(components=["redis"])
    (problem,) = caught.value.problems
    assert problem.component == "redis"
    assert "vntp-local/no-such-redis:0" in problem.what
    assert "VNTP_REDIS_IMAGE" in problem.fix
    assert "offline.yaml" in problem.fix
    label = {"label": f"{STACK_LABEL}={docker_stack.name}"}
    assert docker_client.containers.list(all=True, filters=label) == []
