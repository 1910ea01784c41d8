"""Every module says what it exports, and exports only what exists."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import vntp

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(vntp.__path__, "vntp.")
    if not info.name.endswith("__main__") and ".migrations" not in info.name
)


@pytest.mark.parametrize("name", MODULES)
def test_module_pins_its_exports(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert isinstance(exported, tuple), f"{name} has no __all__ tuple"
    assert len(exported) == len(set(exported)), f"{name} exports a name twice"
    missing = [item for item in exported if not hasattr(module, item)]
    assert not missing, f"{name}.__all__ names what it does not define: {missing}"
