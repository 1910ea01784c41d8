"""The offline stand-in images: their recipes and the override file that selects them."""

from __future__ import annotations

from pathlib import Path

import vntp.images
from vntp.config import Settings
from vntp.images import STAND_INS, offline_overrides, render_offline_file
from vntp.stack import DEFAULT_IMAGES, build_stack

ROOT = Path(__file__).resolve().parents[2]
OFFLINE_FILE = ROOT / "stack" / "images" / "offline.yaml"


def test_exported_members_are_pinned() -> None:
    assert set(vntp.images.__all__) == {
        "DEBIAN_SUITE",
        "INPUTS_LABEL",
        "STAND_INS",
        "ImageBuildError",
        "ImageResult",
        "StandIn",
        "build",
        "main",
        "offline_overrides",
        "render_offline_file",
        "status",
    }


def test_the_committed_override_file_is_up_to_date() -> None:
    assert OFFLINE_FILE.read_text(encoding="utf-8") == render_offline_file(), (
        "stack/images/offline.yaml is stale: regenerate it with "
        "'python -m vntp.images overrides > stack/images/offline.yaml'."
    )


def test_the_override_file_replaces_every_core_image_with_a_stand_in() -> None:
    settings = Settings.from_env({"VNTP_CONFIG": str(OFFLINE_FILE), "VNTP_STATE_DIR": "/srv/vntp-unit"})
    stack = build_stack(settings)
    images = {component.name: component.image for component in stack.select()}
    assert images == offline_overrides()
    assert all(image.startswith("vntp-local/") for image in images.values())
    # Optional profiles keep their official images.
    assert stack.get("grafana").image == DEFAULT_IMAGES["grafana"]


def test_each_stand_in_has_a_recipe_and_a_base_built_before_it() -> None:
    seen: set[str] = set()
    for stand_in in STAND_INS:
        if stand_in.base is not None:
            assert stand_in.base in seen, f"{stand_in.name} is built before its base {stand_in.base}"
        if stand_in.name == "services":
            assert (ROOT / "stack" / "Dockerfile").is_file()
        elif stand_in.name != "debian":
            dockerfile = ROOT / "stack" / "images" / stand_in.name / "Dockerfile"
            assert "ARG BASE_IMAGE" in dockerfile.read_text(encoding="utf-8")
        seen.add(stand_in.name)
