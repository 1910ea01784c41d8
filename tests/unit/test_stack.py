"""The stack description: start order, profiles, overrides and their validation."""

from __future__ import annotations

from pathlib import Path

import pytest

import vntp.config
import vntp.stack
from vntp.config import ConfigError, Settings, get_settings, override_key, port_env_var
from vntp.stack import (
    Component,
    HealthCheck,
    Port,
    Stack,
    StackError,
    UnknownComponentError,
    build_stack,
    order_components,
)

CORE = ("postgres-imisanzu", "postgres-oracle", "redis", "prometheus", "jaeger", "otel-collector", "oracle", "imisanzu")


def _settings(**kwargs: object) -> Settings:
    kwargs.setdefault("state_dir", Path("/srv/vntp-unit"))
    return Settings(**kwargs)  # type: ignore[arg-type]


def _component(name: str, *depends: str) -> Component:
    return Component(name=name, image="scratch", depends_on=depends)


def test_exported_members_are_pinned() -> None:
    assert set(vntp.stack.__all__) == {
        "DEFAULT_IMAGES",
        "Build",
        "Component",
        "ConfigFile",
        "HealthCheck",
        "LocalCommand",
        "Port",
        "Profile",
        "Stack",
        "StackError",
        "UnknownComponentError",
        "Volume",
        "build_stack",
        "connect_host",
        "order_components",
    }
    for name in (*vntp.stack.__all__, *vntp.config.__all__):
        assert hasattr(vntp.stack if name in vntp.stack.__all__ else vntp.config, name)


# -- ordering ----------------------------------------------------------------------------------


def test_every_component_starts_after_its_dependencies() -> None:
    stack = build_stack(_settings(), profiles=["core", "grafana", "signoz"])
    position = {name: index for index, name in enumerate(stack.names)}
    for component in stack.components:
        for dependency in component.depends_on:
            assert position[dependency] < position[component.name], (component.name, dependency)


def test_core_start_order_is_stable() -> None:
    stack = build_stack(_settings())
    assert tuple(c.name for c in stack.select()) == CORE


def test_order_keeps_declaration_order_among_ready_components() -> None:
    ordered = order_components([_component("b", "a"), _component("c"), _component("a")])
    assert [c.name for c in ordered] == ["c", "a", "b"]


def test_a_cycle_is_an_error_naming_it() -> None:
    with pytest.raises(StackError, match=r"cycle \((a -> b -> a|b -> a -> b)\)"):
        order_components([_component("a", "b"), _component("b", "a"), _component("c")])


def test_an_unknown_dependency_is_an_error() -> None:
    with pytest.raises(StackError, match="'a' depends on 'ghost'"):
        order_components([_component("a", "ghost")])


def test_duplicate_names_are_an_error() -> None:
    with pytest.raises(StackError, match="Two components are named 'a'"):
        order_components([_component("a"), _component("a")])


def test_a_health_check_must_probe_a_declared_port() -> None:
    with pytest.raises(StackError, match="probes port 'http'"):
        Component(name="x", image="scratch", health=HealthCheck(kind="http", port="http"))


# -- profiles and selection ---------------------------------------------------------------------


def test_core_is_always_on_and_optional_profiles_add_components() -> None:
    assert _settings(profiles=("grafana",)).profiles == ("core", "grafana")
    stack = build_stack(_settings(), profiles=["grafana"])
    assert {c.name for c in stack.select()} == {*CORE, "grafana"}
    assert {c.name for c in stack.select(profiles=())} == set(CORE)
    assert {c.profile for c in stack.components} == {"core", "grafana", "signoz"}


def test_signoz_profile_adds_the_collector_overlay() -> None:
    plain = build_stack(_settings()).get("otel-collector")
    with_signoz = build_stack(_settings(), profiles=["signoz"]).get("otel-collector")
    assert [f.source for f in plain.config_files] == ["otel-collector/config.yaml"]
    assert [f.source for f in with_signoz.config_files][-1] == "otel-collector/config.signoz.yaml"
    assert "signoz" in with_signoz.depends_on
    assert "signoz" not in plain.depends_on
    assert with_signoz.local is not None
    assert len(with_signoz.local.args) == 2
    assert "SIGNOZ_OTLP_ENDPOINT" in with_signoz.environment


def test_selecting_components_brings_their_dependencies() -> None:
    stack = build_stack(_settings())
    names = [c.name for c in stack.select(names=["imisanzu"])]
    assert names == list(CORE)  # imisanzu needs everything in core
    assert [c.name for c in stack.select(names=["redis", "postgres-oracle"])] == ["postgres-oracle", "redis"]
    assert [c.name for c in stack.dependants("redis")] == ["imisanzu"]


def test_an_unknown_component_lists_the_known_ones() -> None:
    stack = build_stack(_settings())
    with pytest.raises(UnknownComponentError) as info:
        stack.get("nosuch")
    assert info.value.known == stack.names
    assert "choose one of: postgres-imisanzu" in str(info.value)


def test_unknown_profile_is_a_sentence_with_the_choices() -> None:
    with pytest.raises(ConfigError, match=r"profile 'kibana'.*core, grafana, signoz"):
        _settings(profiles=("kibana",))


# -- defaults -----------------------------------------------------------------------------------


def test_default_ports_images_and_bind_address() -> None:
    stack = build_stack(_settings())
    main_ports = {c.name: c.main_port.host_port for c in stack.components if c.main_port}
    assert main_ports == {
        "postgres-imisanzu": 5432,
        "postgres-oracle": 5433,
        "redis": 6379,
        "prometheus": 9090,
        "jaeger": 16686,
        "otel-collector": 4317,
        "oracle": 3002,
        "imisanzu": 3001,
        "grafana": 3000,
        "signoz": 3301,
    }
    assert stack.bind_host == "127.0.0.1"
    images = {c.name: c.image for c in stack.components}
    assert images["postgres-oracle"].startswith("postgres:15")
    assert images["redis"].startswith("redis:7")
    assert images["otel-collector"].startswith("otel/opentelemetry-collector-contrib:")
    assert images["prometheus"].startswith("prom/prometheus:")
    assert images["jaeger"].startswith("jaegertracing/jaeger:")
    assert images["grafana"].startswith("grafana/grafana:")
    assert images["signoz"].startswith("signoz/")
    build = stack.get("oracle").build
    assert build is not None
    assert build.dockerfile == "stack/Dockerfile"


def test_services_are_wired_to_each_other_and_to_the_collector() -> None:
    stack = build_stack(_settings())
    imisanzu = stack.get("imisanzu")
    assert imisanzu.environment["ORACLE_URL"] == "http://oracle:3002"
    assert imisanzu.environment["REDIS_URL"] == "redis://redis:6379/0"
    assert "@postgres-imisanzu:5432/imisanzu" in imisanzu.environment["DATABASE_URL"]
    assert imisanzu.local is not None
    local = imisanzu.local.environment
    assert local["ORACLE_URL"] == "http://127.0.0.1:3002"
    assert local["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://127.0.0.1:4318"
    assert local["OTEL_SERVICE_NAME"] == "imisanzu"
    assert local["HOST"] == "127.0.0.1"
    assert local["PORT"] == "3001"
    collector = stack.get("otel-collector")
    assert collector.local is not None
    assert collector.local.environment["JAEGER_OTLP_ENDPOINT"] == "127.0.0.1:14317"
    assert collector.local.environment["PROMETHEUS_REMOTE_WRITE_URL"] == "http://127.0.0.1:9090/api/v1/write"


# -- overrides ----------------------------------------------------------------------------------


def test_port_override_moves_the_port_and_everything_that_addresses_it() -> None:
    stack = build_stack(_settings(ports={"oracle": 13002, "otel-collector.otlp-http": 14418}))
    assert stack.get("oracle").port("http").host_port == 13002
    assert stack.get("oracle").port("http").container_port == 3002
    local = stack.get("imisanzu").local
    assert local is not None
    assert local.environment["ORACLE_URL"] == "http://127.0.0.1:13002"
    assert local.environment["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://127.0.0.1:14418"
    assert stack.get("imisanzu").environment["ORACLE_URL"] == "http://oracle:3002"  # containers keep theirs


def test_environment_overrides_ports_and_images() -> None:
    settings = Settings.from_env(
        {
            "VNTP_STATE_DIR": "/srv/vntp-unit",
            "VNTP_ORACLE_PORT": "13002",
            "VNTP_OTEL_COLLECTOR_OTLP_GRPC_PORT": "14417",
            "VNTP_REDIS_IMAGE": "mirror.example/redis:7-alpine",
            "VNTP_STACK": "demo",
            "VNTP_PROFILES": "grafana",
        },
        cwd=Path("/nonexistent"),
    )
    stack = build_stack(settings)
    assert stack.name == "demo"
    assert stack.profiles == ("core", "grafana")
    assert stack.get("oracle").port("http").host_port == 13002
    assert stack.get("otel-collector").port("otlp-grpc").host_port == 14417
    assert stack.get("redis").image == "mirror.example/redis:7-alpine"
    assert settings.stack_state_dir == Path("/srv/vntp-unit/demo")


def test_config_file_overrides_and_environment_wins(tmp_path: Path) -> None:
    (tmp_path / "vntp.yaml").write_text(
        "ports:\n  oracle: 13002\n  jaeger:\n    otlp-grpc: 24417\nimages:\n  postgres-oracle: mirror/pg:16\n"
    )
    settings = Settings.from_env({"VNTP_ORACLE_PORT": "23002"}, cwd=tmp_path)
    stack = build_stack(settings)
    assert settings.config_file == tmp_path / "vntp.yaml"
    assert stack.get("oracle").port("http").host_port == 23002
    assert stack.get("jaeger").port("otlp-grpc").host_port == 24417
    assert stack.get("postgres-oracle").image == "mirror/pg:16"


def test_unknown_override_in_the_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "vntp.yaml").write_text("ports:\n  oracel: 13002\n")
    settings = Settings.from_env({}, cwd=tmp_path)
    with pytest.raises(StackError, match=r"'ORACEL'.*names no component port.*ORACLE"):
        build_stack(settings)


def test_explicit_config_file_must_exist() -> None:
    with pytest.raises(ConfigError, match=r"VNTP_CONFIG='/nonexistent/vntp\.yaml' names no readable file"):
        Settings.from_env({"VNTP_CONFIG": "/nonexistent/vntp.yaml"})


@pytest.mark.parametrize("value", ["abc", "0", "70000", "-1"])
def test_bad_port_values_name_the_variable_and_the_value(value: str) -> None:
    with pytest.raises(ConfigError) as info:
        Settings.from_env({"VNTP_ORACLE_PORT": value}, cwd=Path("/nonexistent"))
    message = str(info.value)
    assert f"VNTP_ORACLE_PORT={value!r}" in message
    assert "between 1 and 65535" in message


def test_two_components_on_one_host_port_is_an_error_naming_both() -> None:
    with pytest.raises(StackError) as info:
        build_stack(_settings(ports={"imisanzu": 3002}))
    message = str(info.value)
    assert "3002" in message
    assert "'oracle'" in message
    assert "'imisanzu'" in message
    assert "VNTP_IMISANZU_PORT" in message


def test_port_range_is_checked_in_the_model() -> None:
    with pytest.raises(StackError, match="outside 1-65535"):
        Port("http", 80, 70000, env_var="VNTP_X_PORT")


def test_override_keys_and_variable_names() -> None:
    assert override_key("otel-collector", "otlp-grpc") == "OTEL_COLLECTOR_OTLP_GRPC"
    assert port_env_var("postgres-oracle") == "VNTP_POSTGRES_ORACLE_PORT"
    assert port_env_var("jaeger", "otlp-http") == "VNTP_JAEGER_OTLP_HTTP_PORT"
    stack = build_stack(_settings())
    assert stack.get("jaeger").port("otlp-http").env_var == "VNTP_JAEGER_OTLP_HTTP_PORT"
    assert stack.get("jaeger").port("query").env_var == "VNTP_JAEGER_PORT"


def test_bad_stack_name_and_runtime_are_rejected() -> None:
    with pytest.raises(ConfigError, match="VNTP_STACK='My Stack'"):
        _settings(stack="My Stack")
    with pytest.raises(ConfigError, match=r"VNTP_RUNTIME='podman'.*auto, local, docker"):
        _settings(runtime="podman")


def test_wildcard_bind_address_is_reached_on_loopback() -> None:
    stack = build_stack(_settings(bind_host="0.0.0.0"))
    assert stack.connect_host == "127.0.0.1"
    local = stack.get("imisanzu").local
    assert local is not None
    assert local.environment["HOST"] == "0.0.0.0"
    assert Stack(name="x", components=(), bind_host="10.0.0.5").connect_host == "10.0.0.5"


def test_settings_are_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    get_settings.cache_clear()
    monkeypatch.setenv("VNTP_STACK", "once")
    first = get_settings()
    monkeypatch.setenv("VNTP_STACK", "twice")
    assert get_settings() is first
    assert first.stack == "once"
    get_settings.cache_clear()
