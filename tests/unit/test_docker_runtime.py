"""The docker runtime without an engine: how its absence is found and reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from vntp.config import Settings
from vntp.runtimes import LocalRuntime, RuntimeUnavailableError, engine_answers, get_runtime


@pytest.fixture
def no_engine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    return Settings(state_dir=tmp_path)


def test_an_absent_engine_is_reported_with_the_fix(no_engine: Settings) -> None:
    with pytest.raises(RuntimeUnavailableError, match="--runtime local") as caught:
        get_runtime("docker", no_engine)
    assert "unix:///nonexistent/docker.sock" in str(caught.value)
    assert "scripts/docker-setup" in str(caught.value)


def test_auto_falls_back_to_local_when_no_engine_answers(no_engine: Settings) -> None:
    assert engine_answers() is False
    assert isinstance(get_runtime("auto", no_engine), LocalRuntime)
