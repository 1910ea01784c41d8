"""Stand-in images for every core component, built without any image registry.

For hosts that cannot pull images (air-gapped machines, CI without a registry): a Debian base made
with ``debootstrap`` and imported into Docker; Postgres and Redis from Debian's packages, behaving
like the official images' environment contract; the collector, Prometheus and Jaeger binaries that
:mod:`vntp.toolchain` builds; Python from Debian; and the services from ``stack/Dockerfile`` on
that Python. ``stack/images/offline.yaml`` points vntp at them::

    python -m vntp.toolchain build                 # the Go binaries, if not built yet
    python -m vntp.images build [--force] [NAME ...]
    python -m vntp.images status
    VNTP_CONFIG=stack/images/offline.yaml vntp up --runtime docker

Each image carries a ``vntp.inputs`` label: a hash of what it was built from (its recipe folder in
``stack/images/``, its base image's id, the binary or the project sources it holds). An image whose
label matches is reused, so a second ``build`` takes about a second. A rebuilt base makes everything
built on it rebuild.

Building the Debian base needs root (``debootstrap``) and Debian's ``debootstrap`` package; every
other image is built by the Docker engine from the Debian mirror (``$VNTP_DEBIAN_MIRROR``) and, for
the services, PyPI. CA certificates added to this host in ``/usr/local/share/ca-certificates`` (a
proxy's, a company's) are installed into the base image so those downloads verify.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vntp import __version__, toolchain

if TYPE_CHECKING:
    import docker

__all__ = (
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
)

DEBIAN_SUITE = "bookworm"
"""The Debian release every stand-in is built from (its Python is 3.11, its Postgres 15, its Redis 7.0)."""

INPUTS_LABEL = "vntp.inputs"
"""The image label holding the hash of an image's build inputs."""

logger = logging.getLogger(__name__)

_STAND_IN_LABEL = "vntp.stand-in"
_RECIPE = "1"  # bump when the build procedure changes in a way the hashed files do not show
_DEFAULT_MIRROR = "http://deb.debian.org/debian"
_DEFAULT_SECURITY_MIRROR = "http://deb.debian.org/debian-security"
_HOST_CA_DIR = Path("/usr/local/share/ca-certificates")
_LOG_TAIL_LINES = 25
_CLIENT_TIMEOUT = 1800  # seconds; an import or a build step may be silent for long

# What the official Debian images switch off: documentation, man pages, translations and the apt cache.
_DPKG_SLIM = """\
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
"""
_APT_SLIM = """\
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
Acquire::Languages "none";
APT::Install-Recommends "false";
APT::AutoRemove::SuggestsImportant "false";
"""


class ImageBuildError(RuntimeError):
    """A stand-in image could not be built; the message says what failed and how to fix it."""

    def __init__(self, message: str, log_path: Path | None = None) -> None:
        super().__init__(message)
        self.log_path = log_path


@dataclass(frozen=True)
class StandIn:
    """One stand-in image and how it is made."""

    name: str
    """Short name the command line takes; also its recipe folder in ``stack/images/``."""
    image: str
    """The image reference it is tagged with."""
    components: tuple[str, ...] = ()
    """The stack components it stands in for (empty for base images)."""
    base: str | None = None
    """The stand-in it is built ``FROM`` (passed as the ``BASE_IMAGE`` build argument)."""
    binary: str | None = None
    """The :mod:`vntp.toolchain` binary copied into it."""
    description: str = ""
    """One line for ``status``."""


STAND_INS: tuple[StandIn, ...] = (
    StandIn("debian", f"vntp-local/debian:{DEBIAN_SUITE}", description="Debian minbase from debootstrap"),
    StandIn("python", "vntp-local/python:3.11", base="debian", description="python3 and venv from Debian"),
    StandIn(
        "postgres",
        "vntp-local/postgres:15",
        ("postgres-imisanzu", "postgres-oracle"),
        base="debian",
        description="Debian's postgresql-15 behind the official image's entrypoint contract",
    ),
    StandIn("redis", "vntp-local/redis:7", ("redis",), base="debian", description="Debian's redis-server 7.0"),
    StandIn(
        "otelcol",
        f"vntp-local/otelcol:{toolchain.COLLECTOR_VERSION}",
        ("otel-collector",),
        base="debian",
        binary="otelcol-vntp",
        description="the Go-built vntp collector",
    ),
    StandIn(
        "prometheus",
        f"vntp-local/prometheus:{toolchain.PROMETHEUS_VERSION}",
        ("prometheus",),
        base="debian",
        binary="prometheus",
        description="the Go-built Prometheus",
    ),
    StandIn(
        "jaeger",
        f"vntp-local/jaeger:{toolchain.JAEGER_VERSION}",
        ("jaeger",),
        base="debian",
        binary="jaeger",
        description="the Go-built Jaeger v2",
    ),
    StandIn(
        "services",
        f"vntp-local/services:{__version__}",
        ("oracle", "imisanzu"),
        base="python",
        description="oracle and imisanzu from stack/Dockerfile",
    ),
)
"""Every stand-in, each after the one it is built on."""

_BY_NAME = {stand_in.name: stand_in for stand_in in STAND_INS}


@dataclass(frozen=True)
class ImageResult:
    """What :func:`build` did for one stand-in."""

    name: str
    """The stand-in's short name."""
    image: str
    """Its image reference."""
    image_id: str
    """The id of the image now tagged ``image``."""
    reused: bool
    """True when an image with the same inputs was already there."""
    seconds: float
    """Wall time spent on it (checking the hash, when reused)."""

    def to_dict(self) -> dict[str, Any]:
        """Return the result as plain JSON-ready values."""
        return {
            "name": self.name,
            "image": self.image,
            "image_id": self.image_id,
            "reused": self.reused,
            "seconds": round(self.seconds, 1),
        }


def offline_overrides() -> dict[str, str]:
    """Return ``{component: stand-in image}`` for every component a stand-in replaces."""
    return {component: stand_in.image for stand_in in STAND_INS for component in stand_in.components}


def render_offline_file() -> str:
    """Return the text of ``stack/images/offline.yaml``, the override file that selects the stand-ins."""
    lines = [
        "# Points vntp at the offline stand-in images that `python -m vntp.images build` makes.",
        "# Generated by `python -m vntp.images overrides > stack/images/offline.yaml`; a test keeps it in step.",
        "#",
        "#   VNTP_CONFIG=stack/images/offline.yaml vntp up --runtime docker",
        "#",
        "# Or copy the entries you need into your own vntp.yaml; VNTP_<COMPONENT>_IMAGE variables override them.",
        "images:",
    ]
    lines += [f"  {component}: {image}" for component, image in offline_overrides().items()]
    return "\n".join(lines) + "\n"


# -- inputs ------------------------------------------------------------------------------------


def _project_root(stack_dir: Path) -> Path:
    return stack_dir.parent


def _services_sources(root: Path) -> Iterator[Path]:
    """The files the services image is built from (what ``.dockerignore`` lets into the context)."""
    for name in (".dockerignore", "pyproject.toml", "README.md", "stack/Dockerfile"):
        path = root / name
        if path.is_file():
            yield path
    for path in sorted((root / "vntp").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            yield path


def _digest(parts: Iterable[str | bytes]) -> str:
    sha = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        sha.update(len(data).to_bytes(8, "big"))
        sha.update(data)
    return sha.hexdigest()


def _files_digest(files: Iterable[Path], relative_to: Path) -> Iterator[str | bytes]:
    for path in sorted(files):
        yield str(path.relative_to(relative_to))
        yield path.read_bytes()


def _host_cas(ca_dir: Path) -> list[Path]:
    return sorted(path for path in ca_dir.glob("*.crt") if path.is_file()) if ca_dir.is_dir() else []


@dataclass(frozen=True)
class _Debian:
    mirror: str
    security_mirror: str
    ca_dir: Path

    def sources_list(self) -> str:
        lines = [f"deb {self.mirror} {DEBIAN_SUITE} main", f"deb {self.mirror} {DEBIAN_SUITE}-updates main"]
        if self.security_mirror:
            lines.append(f"deb {self.security_mirror} {DEBIAN_SUITE}-security main")
        return "\n".join(lines) + "\n"

    def inputs(self) -> str:
        cas = _host_cas(self.ca_dir)
        return _digest(
            [
                _RECIPE,
                "debian",
                DEBIAN_SUITE,
                self.mirror,
                self.sources_list(),
                _DPKG_SLIM,
                _APT_SLIM,
                *_files_digest(cas, self.ca_dir),
            ]
        )


# -- the engine --------------------------------------------------------------------------------


def _client() -> docker.DockerClient:
    try:
        import docker
        from docker.errors import DockerException
    except ImportError as exc:  # pragma: no cover - docker is a dependency of vntp
        msg = "The Docker SDK for Python is not installed; install vntp's dependencies with 'pip install -e .'."
        raise ImageBuildError(msg) from exc
    try:
        client = docker.from_env(timeout=_CLIENT_TIMEOUT)
        client.ping()
    except DockerException as exc:
        msg = (
            f"No Docker engine answers ({exc}). Start one: 'scripts/docker-setup' installs docker.io and "
            "starts dockerd on Debian; elsewhere start Docker and check DOCKER_HOST."
        )
        raise ImageBuildError(msg) from exc
    return client


def _image_state(client: docker.DockerClient, ref: str) -> tuple[str, str] | None:
    """Return ``(image id, inputs label)`` of the image tagged ``ref``, or None when there is none."""
    from docker.errors import ImageNotFound

    try:
        image = client.images.get(ref)
    except ImageNotFound:
        return None
    labels = image.labels or {}
    return str(image.id), str(labels.get(INPUTS_LABEL, ""))


# -- building ----------------------------------------------------------------------------------


class _Builder:
    def __init__(
        self,
        client: docker.DockerClient,
        stack_dir: Path,
        tools_dir: Path | None,
        debian: _Debian,
        log_dir: Path,
        progress: Callable[[str], None],
    ) -> None:
        self.client = client
        self.stack_dir = stack_dir
        self.tools_dir = tools_dir
        self.debian = debian
        self.log_dir = log_dir
        self.progress = progress
        self.ids: dict[str, str] = {}

    def inputs(self, stand_in: StandIn) -> str:
        if stand_in.name == "debian":
            return self.debian.inputs()
        parts: list[str | bytes] = [_RECIPE, stand_in.name, stand_in.image]
        if stand_in.base is not None:
            parts += ["base", self.ids[stand_in.base]]
        if stand_in.name == "services":
            root = _project_root(self.stack_dir)
            parts += list(_files_digest(_services_sources(root), root))
        else:
            recipe = self.stack_dir / "images" / stand_in.name
            parts += list(_files_digest((p for p in recipe.rglob("*") if p.is_file()), recipe))
        if stand_in.binary is not None:
            binary = self._binary(stand_in)
            stamp = binary.with_name(f"{binary.name}.stamp")
            stat = binary.stat()
            parts += ["binary", str(stat.st_size), str(stat.st_mtime_ns)]
            if stamp.is_file():
                parts.append(stamp.read_bytes())
        return _digest(parts)

    def _binary(self, stand_in: StandIn) -> Path:
        assert stand_in.binary is not None
        found = toolchain.find(stand_in.binary, self.tools_dir)
        if found is None:
            msg = (
                f"The {stand_in.name} stand-in needs the {stand_in.binary!r} binary, which is not built; "
                f"build it with 'python -m vntp.toolchain build {stand_in.binary}'."
            )
            raise ImageBuildError(msg)
        return found

    def ensure(self, stand_in: StandIn, force: bool) -> ImageResult:
        began = time.monotonic()
        inputs = self.inputs(stand_in)
        state = _image_state(self.client, stand_in.image)
        if state is not None and state[1] == inputs and not force:
            self.ids[stand_in.name] = state[0]
            self.progress(f"{stand_in.name}: {stand_in.image} is up to date")
            return ImageResult(stand_in.name, stand_in.image, state[0], True, time.monotonic() - began)

        self.progress(f"{stand_in.name}: building {stand_in.image}")
        log_path = self.log_dir / f"{stand_in.name}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        labels = {INPUTS_LABEL: inputs, _STAND_IN_LABEL: stand_in.name}
        with log_path.open("w", encoding="utf-8") as log:
            if stand_in.name == "debian":
                self._debootstrap(stand_in, labels, log, log_path)
            else:
                self._docker_build(stand_in, labels, log, log_path)
        replaced = state[0] if state is not None else None
        state = _image_state(self.client, stand_in.image)
        if state is None:  # pragma: no cover - the engine said it succeeded
            msg = f"{stand_in.image} was built but the engine does not list it; see {log_path}."
            raise ImageBuildError(msg, log_path)
        self.ids[stand_in.name] = state[0]
        if replaced is not None and replaced != state[0]:
            self._forget(replaced)
        seconds = time.monotonic() - began
        self.progress(f"{stand_in.name}: built {stand_in.image} in {seconds:.1f} s")
        return ImageResult(stand_in.name, stand_in.image, state[0], False, seconds)

    def _forget(self, image_id: str) -> None:
        """Remove the image a rebuild replaced, unless a container or another tag still uses it."""
        from docker.errors import APIError

        try:
            self.client.images.remove(image_id, noprune=False)
        except APIError as exc:
            logger.debug("kept the replaced image %s: %s", image_id, exc)

    def _docker_build(self, stand_in: StandIn, labels: dict[str, str], log: Any, log_path: Path) -> None:
        from docker.errors import APIError

        assert stand_in.base is not None
        base_image = _BY_NAME[stand_in.base].image
        with tempfile.TemporaryDirectory(prefix=f"vntp-image-{stand_in.name}-") as tmp:
            if stand_in.name == "services":
                context, dockerfile = _project_root(self.stack_dir), "stack/Dockerfile"
            elif stand_in.binary is not None:
                context, dockerfile = Path(tmp), "Dockerfile"
                shutil.copy2(self.stack_dir / "images" / stand_in.name / "Dockerfile", context / "Dockerfile")
                _link_or_copy(self._binary(stand_in), context / stand_in.binary)
            else:
                context, dockerfile = self.stack_dir / "images" / stand_in.name, "Dockerfile"
            try:
                stream = self.client.api.build(
                    path=str(context),
                    dockerfile=dockerfile,
                    tag=stand_in.image,
                    buildargs={"BASE_IMAGE": base_image},
                    labels=labels,
                    rm=True,
                    forcerm=True,
                    pull=False,
                    decode=True,
                )
                for chunk in stream:
                    if "stream" in chunk:
                        text = str(chunk["stream"])
                        log.write(text)
                        if text.startswith("Step "):
                            self.progress(f"{stand_in.name}:   {text.strip()}")
                    elif "error" in chunk:
                        log.write(f"ERROR: {chunk['error']}\n")
                        log.flush()
                        msg = (
                            f"Building {stand_in.image} failed: {str(chunk['error']).strip()}\n"
                            f"{_tail(log_path)}\nThe whole log is {log_path}. If a download failed, check that "
                            "containers reach the Debian mirror ($VNTP_DEBIAN_MIRROR) and PyPI."
                        )
                        raise ImageBuildError(msg, log_path)
            except APIError as exc:
                msg = f"The engine refused to build {stand_in.image}: {exc.explanation or exc}. See {log_path}."
                raise ImageBuildError(msg, log_path) from exc

    def _debootstrap(self, stand_in: StandIn, labels: dict[str, str], log: Any, log_path: Path) -> None:
        from docker.errors import APIError

        if os.geteuid() != 0:
            msg = "Building the Debian base with debootstrap needs root; run 'sudo python -m vntp.images build'."
            raise ImageBuildError(msg)
        debootstrap = shutil.which("debootstrap")
        if debootstrap is None:
            msg = "debootstrap was not found; install it with 'apt-get install -y debootstrap'."
            raise ImageBuildError(msg)

        with tempfile.TemporaryDirectory(prefix="vntp-debootstrap-", dir="/var/tmp") as tmp:
            rootfs = Path(tmp) / "rootfs"
            try:
                self.progress(f"{stand_in.name}:   debootstrap --variant=minbase {DEBIAN_SUITE} {self.debian.mirror}")
                argv = [
                    debootstrap,
                    "--variant=minbase",
                    "--include=ca-certificates",
                    DEBIAN_SUITE,
                    str(rootfs),
                    self.debian.mirror,
                ]
                _run(argv, log, log_path, "debootstrap")
                self._slim(rootfs, log, log_path)
                self.progress(f"{stand_in.name}:   importing the root file system into Docker")
                tar = subprocess.Popen(
                    ["tar", "--numeric-owner", "--xattrs", "-C", str(rootfs), "-cf", "-", "."],
                    stdout=subprocess.PIPE,
                    stderr=log,
                )
                assert tar.stdout is not None
                out = tar.stdout
                changes = [
                    *(f"LABEL {key}={value}" for key, value in labels.items()),
                    "ENV LANG=C.UTF-8",
                    'CMD ["bash"]',
                ]
                try:
                    answer = self.client.api.import_image(
                        src=iter(lambda: out.read(1 << 20), b""),
                        repository=stand_in.image.rsplit(":", 1)[0],
                        tag=stand_in.image.rsplit(":", 1)[1],
                        changes=changes,
                        stream_src=True,
                    )
                finally:
                    out.close()
                    tar.wait()
                log.write(f"import: {answer}\n")
                if tar.returncode != 0 or '"error"' in str(answer):
                    msg = f"Importing the Debian root file system failed: {str(answer).strip()[:500]}; see {log_path}."
                    raise ImageBuildError(msg, log_path)
            except APIError as exc:
                msg = f"The engine refused to import {stand_in.image}: {exc.explanation or exc}. See {log_path}."
                raise ImageBuildError(msg, log_path) from exc
            finally:
                _unmount_below(rootfs)

    def _slim(self, rootfs: Path, log: Any, log_path: Path) -> None:
        """Make the debootstrap tree a container base: sources, slim dpkg/apt settings, the host's CAs."""
        (rootfs / "etc/apt/sources.list").write_text(self.debian.sources_list(), encoding="utf-8")
        (rootfs / "etc/dpkg/dpkg.cfg.d").mkdir(parents=True, exist_ok=True)
        (rootfs / "etc/dpkg/dpkg.cfg.d/vntp-slim").write_text(_DPKG_SLIM, encoding="utf-8")
        (rootfs / "etc/apt/apt.conf.d/90vntp-slim").write_text(_APT_SLIM, encoding="utf-8")
        cas = _host_cas(self.debian.ca_dir)
        if cas:
            target = rootfs / "usr/local/share/ca-certificates"
            target.mkdir(parents=True, exist_ok=True)
            for ca in cas:
                shutil.copy2(ca, target / ca.name)
            _run(["chroot", str(rootfs), "update-ca-certificates"], log, log_path, "update-ca-certificates")
        for pattern in ("var/cache/apt/archives/*.deb", "var/lib/apt/lists/*", "var/log/*.log", "tmp/*"):
            for path in rootfs.glob(pattern):
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink()
        for docs in ("usr/share/doc", "usr/share/man", "usr/share/info", "usr/share/locale"):
            for path in (rootfs / docs).glob("*"):
                if path.name in ("locale.alias",) or path.is_symlink() or not path.is_dir():
                    continue
                shutil.rmtree(path, ignore_errors=True)
        for name in ("etc/resolv.conf", "etc/hostname"):
            (rootfs / name).unlink(missing_ok=True)


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _run(argv: Sequence[str], log: Any, log_path: Path, what: str) -> None:
    log.write(f"$ {' '.join(argv)}\n")
    log.flush()
    result = subprocess.run(argv, stdout=log, stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0:
        log.flush()
        msg = f"{what} failed with status {result.returncode}:\n{_tail(log_path)}\nThe whole log is {log_path}."
        raise ImageBuildError(msg, log_path)


def _tail(path: Path, lines: int = _LOG_TAIL_LINES) -> str:
    try:
        return "".join(path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)[-lines:])
    except OSError:
        return ""


def _unmount_below(root: Path) -> None:
    """Unmount anything a failed debootstrap left mounted inside ``root``, so deleting it is safe."""
    try:
        mounts = Path("/proc/self/mounts").read_text(encoding="utf-8").splitlines()
    except OSError:
        return
    prefix = str(root.resolve()) + "/"
    points = [line.split()[1] for line in mounts if len(line.split()) > 1 and line.split()[1].startswith(prefix)]
    for point in sorted(points, key=len, reverse=True):
        subprocess.run(["umount", "-l", point], check=False, capture_output=True)


def _with_bases(names: Iterable[str]) -> list[StandIn]:
    wanted: set[str] = set()
    for name in names:
        current: str | None = name
        while current is not None:
            wanted.add(current)
            current = _BY_NAME[current].base
    return [stand_in for stand_in in STAND_INS if stand_in.name in wanted]


def _debian_settings(mirror: str | None, ca_dir: Path | None) -> _Debian:
    return _Debian(
        mirror=mirror or os.environ.get("VNTP_DEBIAN_MIRROR") or _DEFAULT_MIRROR,
        security_mirror=os.environ.get("VNTP_DEBIAN_SECURITY_MIRROR", _DEFAULT_SECURITY_MIRROR),
        ca_dir=_HOST_CA_DIR if ca_dir is None else ca_dir,
    )


def _default_log_dir() -> Path:
    return Path.home() / ".cache" / "vntp" / "images"


def build(
    names: Iterable[str] | None = None,
    *,
    force: bool = False,
    stack_dir: Path | None = None,
    tools_dir: Path | None = None,
    mirror: str | None = None,
    ca_dir: Path | None = None,
    log_dir: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[ImageResult]:
    """Build the stand-in images that are missing or whose inputs changed; reuse the others.

    Args:
        names: Stand-ins to build (the images they are built on come along); all when None.
        force: Rebuild the named images even when their inputs are unchanged.
        stack_dir: The ``stack/`` folder; :func:`vntp.toolchain.stack_dir` when None.
        tools_dir: Where the Go binaries are; :func:`vntp.toolchain.default_tools_dir` when None.
        mirror: The Debian mirror; ``$VNTP_DEBIAN_MIRROR``, else deb.debian.org, when None.
        ca_dir: Extra CA certificates (``*.crt``) to trust inside the images; the host's
            ``/usr/local/share/ca-certificates`` when None.
        log_dir: Where each image's build log goes; ``~/.cache/vntp/images`` when None.
        progress: Receives one line per step.

    Returns:
        One result per image, in build order.

    Raises:
        ImageBuildError: when no engine answers, a binary is missing, or a build fails.
        ValueError: when ``names`` holds an unknown stand-in.
    """
    unknown = [name for name in names or () if name not in _BY_NAME]
    if unknown:
        msg = f"There is no stand-in image called {unknown[0]!r}; choose from {', '.join(_BY_NAME)}."
        raise ValueError(msg)
    chosen = STAND_INS if names is None else _with_bases(names)
    forced = {s.name for s in chosen} if names is None else set(names)
    builder = _Builder(
        _client(),
        stack_dir or toolchain.stack_dir(),
        tools_dir,
        _debian_settings(mirror, ca_dir),
        log_dir or _default_log_dir(),
        progress or (lambda line: None),
    )
    return [builder.ensure(stand_in, force and stand_in.name in forced) for stand_in in chosen]


def status(stack_dir: Path | None = None, tools_dir: Path | None = None) -> list[dict[str, Any]]:
    """Report each stand-in: whether it exists and whether it is up to date with its inputs.

    Raises:
        ImageBuildError: when no engine answers.
    """
    builder = _Builder(
        _client(),
        stack_dir or toolchain.stack_dir(),
        tools_dir,
        _debian_settings(None, None),
        _default_log_dir(),
        lambda line: None,
    )
    out: list[dict[str, Any]] = []
    for stand_in in STAND_INS:
        state = _image_state(builder.client, stand_in.image)
        current: bool | None = None
        if state is not None:
            builder.ids[stand_in.name] = state[0]
            try:
                current = state[1] == builder.inputs(stand_in)
            except (ImageBuildError, KeyError):
                current = None
        out.append(
            {
                "name": stand_in.name,
                "image": stand_in.image,
                "present": state is not None,
                "up_to_date": current,
                "components": list(stand_in.components),
                "description": stand_in.description,
            }
        )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``build``, ``status`` and ``overrides``. Returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m vntp.images", description="Build stand-in images for every core component, without a registry."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build", help="build the stand-ins that are missing or out of date")
    build_cmd.add_argument("--force", action="store_true", help="rebuild the named images even when up to date")
    build_cmd.add_argument("--mirror", help=f"Debian mirror (default: $VNTP_DEBIAN_MIRROR, else {_DEFAULT_MIRROR})")
    build_cmd.add_argument("--json", action="store_true", help="print the results as JSON")
    build_cmd.add_argument("names", nargs="*", metavar="NAME", help=f"any of {', '.join(_BY_NAME)} (default: all)")
    status_cmd = commands.add_parser("status", help="show each stand-in and whether it is up to date")
    status_cmd.add_argument("--json", action="store_true", help="print the report as JSON")
    commands.add_parser("overrides", help="print the override file that selects the stand-ins (offline.yaml)")
    args = parser.parse_args(argv)

    if args.command == "overrides":
        sys.stdout.write(render_offline_file())
        return 0
    unknown = [name for name in getattr(args, "names", []) if name not in _BY_NAME]
    if unknown:
        parser.error(f"unknown stand-in {unknown[0]!r}: choose from {', '.join(_BY_NAME)}")
    try:
        if args.command == "status":
            report = status()
            if args.json:
                print(json.dumps(report, indent=2))
            else:
                for row in report:
                    state = "missing" if not row["present"] else "up to date" if row["up_to_date"] else "out of date"
                    print(f"{row['name']:<11} {row['image']:<34} {state:<12} {row['description']}")
            return 0 if all(row["up_to_date"] for row in report) else 1

        began = time.monotonic()
        say: Callable[[str], None] = (lambda line: None) if args.json else (lambda line: print(line, flush=True))
        results = build(args.names or None, force=args.force, mirror=args.mirror, progress=say)
    except ImageBuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    total = time.monotonic() - began
    if args.json:
        print(json.dumps({"seconds": round(total, 1), "images": [r.to_dict() for r in results]}, indent=2))
        return 0
    built = sum(not result.reused for result in results)
    for result in results:
        how = "reused" if result.reused else "built"
        print(f"  {result.name:<11} {result.image:<34} {how:<7} {result.seconds:6.1f} s")
    print(f"{built} built, {len(results) - built} reused, {total:.1f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
