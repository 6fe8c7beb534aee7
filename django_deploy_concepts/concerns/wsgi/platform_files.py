"""The files that start a site, one reader per format, each giving commands with file and line.

Procfile, Dockerfile, compose files, fly.toml, render.yaml, railway.json/toml, app.yaml,
.platform.app.yaml, .upsun/config.yaml, .do/app.yaml, nixpacks.toml, systemd units, supervisor
programs, and the shell scripts they run. A file that cannot be parsed gives a ``StartFile`` with
its error (check E012), never a traceback.
"""

from __future__ import annotations

import dataclasses
import json
import posixpath
import re
import shlex
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from django_deploy_concepts import formats
from django_deploy_concepts.context import ProjectContext

MAX_SCRIPT_BYTES = 64 * 1024

MAX_SCRIPTS = 6

MAX_TREE_CONFIGS = 30

MAX_MAKE_DEPTH = 3

# Which files are production's, by evidence: a platform file, the file the platform builds from,
# a file named for production; or development's: a file named for it, a service mounting the source.
PRODUCTION = "production"
DEVELOPMENT = "development"
UNKNOWN = "unknown"
DEVELOPMENT_WORDS = frozenset({"dev", "devel", "develop", "development", "local", "override", "debug", "test", "testing"})
PRODUCTION_WORDS = frozenset({"prod", "production", "live"})
# Platforms that build the Dockerfile at the root of the project when there is one.
DOCKER_PLATFORMS = frozenset({"container", "fly", "cloudrun", "render", "railway", "digitalocean"})
# Base images whose own CMD is a shell or a Python prompt, not a server: without a CMD the container exits.
NON_SERVER_IMAGES = re.compile(
    r"^(?:docker\.io/)?(?:library/)?(?:python|debian|ubuntu|alpine|buildpack-deps|ghcr\.io/astral-sh/uv)(?::|@|$)"
)
# Directories whose Dockerfiles and compose files are nobody's deployment (this app's own test fixtures).
SKIPPED_TREE_DIRS = frozenset({"tests", "test", "fixtures", "docs", "examples", "node_modules"})
COMPOSE_NAME = re.compile(r"^(?:docker-)?compose(?:[._-][A-Za-z0-9._-]*)?\.ya?ml$", re.IGNORECASE)
# cookiecutter-django's compose files at the root.
COMPOSE_ROOT_NAMES = frozenset({"local.yml", "production.yml", "local.yaml", "production.yaml"})
MAX_DOCKER_FILES = 12

PROCFILE_LINE = re.compile(r"^(?P<process>[A-Za-z0-9_-]+):\s*(?P<command>.+)$")

SUPERVISOR_PROGRAM = re.compile(r"^\[program:(?P<name>[^\]]+)\]")


@dataclasses.dataclass(frozen=True)
class StartFile:
    path: str
    kind: str
    commands: int
    error: str | None = None
    # Whether it is production's: "production", "development" or "unknown", and the evidence.
    role: str = PRODUCTION
    role_reason: str = ""
    # A production Dockerfile with no CMD or ENTRYPOINT: its final FROM line and image.
    missing_start: tuple[int, str] | None = None


def path_role(relative_path: str) -> tuple[str, str] | None:
    """A file's role from its name and folders: ``docker-compose.dev.yml``, ``compose/local/``, ``Dockerfile.prod``."""
    words = set(re.split(r"[^a-z0-9]+", relative_path.lower()))
    for role, known in ((DEVELOPMENT, DEVELOPMENT_WORDS), (PRODUCTION, PRODUCTION_WORDS)):
        found = sorted(words & known)
        if found:
            return role, f"its path says {found[0]!r}"
    return None


@dataclasses.dataclass(frozen=True)
class FlyService:
    """What fly.toml says about where Fly's proxy sends requests."""

    internal_port: int | None
    line: int | None


@dataclasses.dataclass
class RawCommand:
    """A command as a file states it, before analysis."""

    file: str
    line: int
    process: str
    command: str | list[str]
    is_web: bool | None
    working_dir: Path | None
    shell: bool | None = True
    sets_port: bool = False
    # None until resolved at the end of reading (a Dockerfile's role depends on the other files).
    role: str | None = PRODUCTION
    role_reason: str = ""
    # Why the line may not run: "inside an if branch (line 3)", or None when it always runs.
    conditional: str | None = None


@dataclasses.dataclass(frozen=True)
class BuildStep:
    """A command the build runs (a Dockerfile RUN, a platform build hook), for what it installs."""

    file: str
    line: int
    command: str
    # Local directory the command runs in, when known.
    working_dir: Path | None
    role: str = PRODUCTION
    # A Dockerfile's copies so far, (local path, container path), to find the files a RUN line names.
    copies: tuple[tuple[str, str], ...] = ()
    # The WORKDIR of a Dockerfile's RUN line (a path in the image).
    container_dir: str | None = None

    def local_file(self, name: str) -> Path | None:
        """The local file that ``name``, as this command sees it, is; None when it cannot be known."""
        if self.container_dir is None:
            if self.working_dir is None or name.startswith(("/", "$", "~")):
                return None
            candidate = (self.working_dir / name).resolve()
            return candidate if candidate.is_file() else None
        target = posixpath.normpath(posixpath.join(self.container_dir, name))
        for local_text, destination in reversed(self.copies):
            local = Path(local_text)
            if local.is_file() and target in (destination, posixpath.join(destination, local.name)):
                return local
            if local.is_dir() and target.startswith(destination.rstrip("/") + "/"):
                candidate = (local / posixpath.relpath(target, destination)).resolve()
                if candidate.is_file():
                    return candidate
        return None


@dataclasses.dataclass
class DockerfileInfo:
    path: Path
    display: str
    # The directories COPY sources are relative to (the build context), best first.
    contexts: list[Path]
    # (role, evidence) given by the files that build it: fly.toml, render.yaml, a compose service.
    references: list[tuple[str, str]] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Reader:
    context: ProjectContext
    raws: list[RawCommand] = dataclasses.field(default_factory=list)
    files: list[StartFile] = dataclasses.field(default_factory=list)
    errors: list[str] = dataclasses.field(default_factory=list)
    fly: FlyService | None = None
    docker_workdir: Path | None = None
    builds: list[BuildStep] = dataclasses.field(default_factory=list)
    dockerfiles: dict[Path, DockerfileInfo] = dataclasses.field(default_factory=dict)
    # Container path -> local path, from the COPY lines of the Dockerfiles read.
    container_files: dict[str, Path] = dataclasses.field(default_factory=dict)
    # Notes on the files whose commands are development's, by file.
    development: dict[str, str] = dataclasses.field(default_factory=dict)
    missing_start: dict[str, tuple[int, str]] = dataclasses.field(default_factory=dict)

    def reference_dockerfile(self, path: Path, context_dir: Path, role: str, reason: str) -> None:
        """A platform file or a compose service builds ``path`` with ``context_dir`` as the build context."""
        path = path.resolve()
        info = self.dockerfiles.setdefault(path, DockerfileInfo(path, display_path(self.context, path), []))
        if context_dir.resolve() not in info.contexts:
            info.contexts.insert(0, context_dir.resolve())
        info.references.append((role, reason))

    def add_file(self, path: str, kind: str, before: int, error: str | None = None) -> None:
        self.files.append(StartFile(path, kind, len(self.raws) - before, error))


# Formats -------------------------------------------------------------------------------------------


def read_procfile(reader: Reader, name: str, text: str, directory: Path) -> str | None:
    error = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = PROCFILE_LINE.match(line)
        if match is None:
            error = error or f"line {number} is not 'process: command'"
            continue
        process = match["process"]
        reader.raws.append(RawCommand(name, number, process, match["command"], process == "web", directory))
    return error


def dockerfile_instructions(text: str) -> Iterator[tuple[int, str, str]]:
    """(line, INSTRUCTION, arguments) with continuation lines joined and heredocs skipped."""
    escape = "\\"
    lines = text.splitlines()
    index = 0
    heredoc: str | None = None
    while index < len(lines):
        raw = lines[index]
        index += 1
        if heredoc is not None:
            if raw.strip() == heredoc:
                heredoc = None
            continue
        stripped = raw.strip()
        directive = re.match(r"^#\s*escape\s*=\s*(\S)", stripped)
        if directive and index == 1:
            escape = directive[1]
        if not stripped or stripped.startswith("#"):
            continue
        start = index
        parts = [stripped]
        while parts[-1].endswith(escape) and index < len(lines):
            parts[-1] = parts[-1][:-1].rstrip()
            following = lines[index].strip()
            index += 1
            # Comment lines inside a continuation are dropped and the continuation goes on.
            parts.append(escape if following.startswith("#") else following)
        logical = " ".join(part for part in parts if part and part != escape).strip()
        instruction, _, arguments = logical.partition(" ")
        marker = re.search(r"<<-?\s*[\"']?([A-Za-z_][A-Za-z0-9_]*)", arguments)
        if marker and instruction.upper() in ("RUN", "COPY"):
            heredoc = marker[1]
        yield start, instruction.upper(), arguments.strip()


def read_dockerfile(reader: Reader, name: str, text: str, directory: Path) -> str | None:
    error = None
    path = (directory / Path(name).name).resolve()
    info = reader.dockerfiles.setdefault(path, DockerfileInfo(path, name, []))
    contexts = [*info.contexts, directory.resolve()]
    workdir = "/"
    copies: list[tuple[str, str]] = []
    local_copies: list[tuple[str, str]] = []
    starts: dict[str, tuple[int, str]] = {}
    runs: list[tuple[int, str, str, tuple[tuple[str, str], ...]]] = []
    sets_port = False
    stage = (1, "")
    for line, instruction, arguments in dockerfile_instructions(text):
        if instruction == "FROM":
            # RUN lines of every stage count: a builder stage installs what the final one copies.
            workdir, copies, local_copies, starts, sets_port = "/", [], [], {}, False
            stage = (line, next((word for word in arguments.split() if not word.startswith("--")), ""))
        elif instruction == "WORKDIR":
            workdir = posixpath.normpath(posixpath.join(workdir, arguments.strip("\"'")))
        elif instruction in ("COPY", "ADD"):
            words = [word for word in shlex_words(arguments) if not word.startswith("--")]
            if "--from" not in arguments and len(words) >= 2:
                destination = posixpath.normpath(posixpath.join(workdir, words[-1]))
                copies += [(source, destination) for source in words[:-1]]
                for source in words[:-1]:
                    local = local_source(contexts, source)
                    if local is not None:
                        local_copies.append((str(local), destination))
                    if local is not None and local.is_file():
                        target = destination
                        if words[-1].endswith("/") or len(words) > 2:
                            target = posixpath.join(destination, posixpath.basename(source))
                        reader.container_files[target] = local
        elif instruction == "ENV":
            sets_port = sets_port or bool(re.match(r"^(.*\s)?PORT(=|\s)", arguments))
        elif instruction == "RUN":
            runs.append((line, arguments, workdir, tuple(local_copies)))
        elif instruction in ("CMD", "ENTRYPOINT"):
            starts[instruction] = (line, arguments)
    reader.docker_workdir = map_container_dir(workdir, copies, contexts)
    for line, arguments, run_dir, run_copies in runs:
        reader.builds.append(BuildStep(name, line, arguments, None, UNKNOWN, run_copies, run_dir))
    if not starts:
        reader.missing_start[name] = stage
    for instruction in ("ENTRYPOINT", "CMD"):
        if instruction not in starts:
            continue
        line, arguments = starts[instruction]
        command: str | list[str] = arguments
        shell = True
        if arguments.startswith("["):
            try:
                words = json.loads(arguments)
                if not isinstance(words, list) or not all(isinstance(word, str) for word in words):
                    raise ValueError("not a list of strings")
                command, shell = words, False
            except ValueError:
                error = (
                    error
                    or f"line {line}: {instruction} {arguments[:60]} is not a valid JSON array; Docker runs it with /bin/sh -c as written"
                )
        process = "web" if instruction == "CMD" else "web (ENTRYPOINT)"
        reader.raws.append(RawCommand(name, line, process, command, True, reader.docker_workdir, shell, sets_port, role=None))
    return error


def local_source(contexts: Sequence[Path], source: str) -> Path | None:
    """The local file or folder a COPY source names, in the first build context that has it."""
    for context_dir in contexts:
        # Docker reads COPY sources inside the build context only (a leading / is the context's root).
        candidate = (context_dir / source.lstrip("/")).resolve()
        if (candidate == context_dir or context_dir in candidate.parents) and candidate.exists():
            return candidate
    return None


def shlex_words(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def map_container_dir(workdir: str, copies: Sequence[tuple[str, str]], contexts: Sequence[Path]) -> Path | None:
    """The local directory that ends up as the image's WORKDIR, from ``COPY . /app``-style lines."""
    for source, destination in reversed(copies):
        if workdir != destination and not workdir.startswith(destination.rstrip("/") + "/"):
            continue
        local = local_source(contexts, source)
        if local is None or not local.is_dir():
            continue
        rest = posixpath.relpath(workdir, destination)
        candidate = (local / rest).resolve() if rest != "." else local
        if candidate.is_dir():
            return candidate
    return None


def read_compose(reader: Reader, name: str, document: formats.YamlNode | None, directory: Path) -> str | None:
    services = document.get("services") if isinstance(document, formats.YamlMap) else None
    if not isinstance(services, formats.YamlMap):
        return None if document is None else "no 'services:' mapping"
    file_role = path_role(name)
    detection = reader.context.platform
    # Containers declared as the platform (DEPLOY_CONCEPTS or --platform): a compose file is how they run.
    declared = (
        (PRODUCTION, f"the declared platform is {detection.title}") if detection.overridden and detection.platform == "container" else None
    )
    for service_name, service in services.items.items():
        if not isinstance(service, formats.YamlMap):
            continue
        has_ports = service.get("ports") is not None
        sets_port = sets_port_variable(service.get("environment"))
        build_context, dockerfile = compose_build(service.get("build"), directory)
        role, reason = (
            file_role
            or service_role(service, build_context or directory, directory)
            or declared
            or (
                UNKNOWN,
                "nothing says whether it is production's or development's",
            )
        )
        reason = f"service {service_name!r}: {reason}"
        if dockerfile is not None and build_context is not None and dockerfile.is_file():
            reader.reference_dockerfile(dockerfile, build_context, role, f"{reason or f'service {service_name!r}'} in {name} builds it")
        for key in ("entrypoint", "command"):
            node = service.get(key)
            words = formats.yaml_words(node)
            text_value = formats.yaml_text(node)
            if node is None or (words is None and text_value is None):
                continue
            process = service_name if key == "command" else f"{service_name} (entrypoint)"
            command: str | list[str] = words if words is not None else (text_value or "")
            # Compose splits a string into words itself and runs no shell.
            reader.raws.append(
                RawCommand(
                    name, node.line, process, command, True if has_ports else None, None, False, sets_port, role=role, role_reason=reason
                )
            )
    return None


def compose_build(node: formats.YamlNode | None, directory: Path) -> tuple[Path | None, Path | None]:
    """(build context, Dockerfile) of a compose service's ``build:``, short or long form."""
    if node is None:
        return None, None
    context_text = formats.yaml_text(node) if isinstance(node, formats.YamlScalar) else None
    dockerfile_text = None
    if isinstance(node, formats.YamlMap):
        context_text = formats.yaml_text(node.get("context")) or "."
        dockerfile_text = formats.yaml_text(node.get("dockerfile"))
    if not context_text or "://" in context_text or "$" in context_text:
        return None, None
    context_dir = (directory / context_text).resolve()
    return context_dir, (context_dir / (dockerfile_text or "Dockerfile")).resolve()


def service_role(service: formats.YamlMap, context_dir: Path, directory: Path) -> tuple[str, str] | None:
    """Development when a service mounts the source over the image or sits in a development profile."""
    profiles = service.get("profiles")
    for profile in profiles.items if isinstance(profiles, formats.YamlList) else ():
        value = formats.yaml_text(profile) or ""
        role = path_role(value)
        if role is not None and role[0] == DEVELOPMENT:
            return DEVELOPMENT, f"in the {value!r} profile"
    volumes = service.get("volumes")
    for volume in volumes.items if isinstance(volumes, formats.YamlList) else ():
        if isinstance(volume, formats.YamlMap):
            source = formats.yaml_text(volume.get("source")) or ""
            target = formats.yaml_text(volume.get("target")) or ""
        else:
            source, _, target = (formats.yaml_text(volume) or "").partition(":")
        if not source.startswith(".") or not target:
            continue
        local = (directory / source).resolve()
        if local in (directory.resolve(), context_dir) or (local / "manage.py").is_file():
            return DEVELOPMENT, f"mounts the source ({source}:{target.split(':')[0]}) over the image"
    return None


def sets_port_variable(environment: formats.YamlNode | None) -> bool:
    """Whether a compose ``environment`` (a mapping, or a list of ``NAME=value``) sets PORT."""
    if isinstance(environment, formats.YamlMap):
        return "PORT" in environment.items
    if isinstance(environment, formats.YamlList):
        return any(
            isinstance(item, formats.YamlScalar) and (item.value or "").split("=", 1)[0].strip() == "PORT" for item in environment.items
        )
    return False


def read_fly(reader: Reader, name: str, data: dict[str, Any], directory: Path, text: str) -> str | None:
    lines = formats.toml_key_lines(text)
    working_dir = reader.docker_workdir or directory
    http_service: dict[str, Any] = data["http_service"] if isinstance(data.get("http_service"), dict) else {}
    web_processes: list[Any] = http_service["processes"] if isinstance(http_service.get("processes"), list) else ["app"]
    port = http_service.get("internal_port")
    port_line = lines.get(("http_service", "internal_port"))
    services = data.get("services")
    if port is None and isinstance(services, list) and services and isinstance(services[0], dict):
        port = services[0].get("internal_port")
        port_line = lines.get(("services", "0", "internal_port"))
    reader.fly = FlyService(port if isinstance(port, int) else None, port_line)
    build = data.get("build")
    if isinstance(build, dict) and isinstance(build.get("dockerfile"), str):
        reader.reference_dockerfile(directory / build["dockerfile"], directory, PRODUCTION, f"{name} builds it")
    processes = data.get("processes")
    if isinstance(processes, dict):
        for process, command in processes.items():
            if isinstance(command, (str, list)):
                line = lines.get(("processes", process), 1)
                reader.raws.append(RawCommand(name, line, process, words_or_text(command), process in web_processes, working_dir, None))
    experimental = data.get("experimental")
    if isinstance(experimental, dict) and isinstance(experimental.get("cmd"), (str, list)):
        line = lines.get(("experimental", "cmd"), 1)
        reader.raws.append(RawCommand(name, line, "app", words_or_text(experimental["cmd"]), True, working_dir, None))
    deploy = data.get("deploy")
    if isinstance(deploy, dict) and isinstance(deploy.get("release_command"), str):
        line = lines.get(("deploy", "release_command"), 1)
        reader.raws.append(RawCommand(name, line, "release", deploy["release_command"], False, working_dir, None))
    return None


def words_or_text(value: Any) -> str | list[str]:
    if isinstance(value, list):
        return [str(word) for word in value]
    return str(value)


def read_render(reader: Reader, name: str, document: formats.YamlNode | None, directory: Path) -> str | None:
    services = document.get("services") if isinstance(document, formats.YamlMap) else None
    for service in services.items if isinstance(services, formats.YamlList) else []:
        if not isinstance(service, formats.YamlMap):
            continue
        service_type = formats.yaml_text(service.get("type")) or "web"
        process = formats.yaml_text(service.get("name")) or service_type
        root = formats.yaml_text(service.get("rootDir"))
        working_dir = directory / root if root else directory
        dockerfile = formats.yaml_text(service.get("dockerfilePath"))
        if dockerfile:
            docker_context = formats.yaml_text(service.get("dockerContext")) or "."
            reader.reference_dockerfile(working_dir / dockerfile, working_dir / docker_context, PRODUCTION, f"{name} builds it")
        build_node = service.get("buildCommand")
        build_command = formats.yaml_text(build_node)
        if build_node is not None and build_command:
            add_build_lines(reader, name, build_node.line, build_command, working_dir, offset=0)
        for key, label, is_web in (
            ("startCommand", process, service_type == "web"),
            ("dockerCommand", process, service_type == "web"),
            ("preDeployCommand", f"{process} (preDeployCommand)", False),
        ):
            node = service.get(key)
            value = formats.yaml_text(node)
            if node is not None and value:
                reader.raws.append(RawCommand(name, node.line, label, value, is_web, working_dir))
    return None


def read_railway(reader: Reader, name: str, data: Any, directory: Path, text: str) -> str | None:
    lines = (
        {} if name.endswith(".json") else {key[-1]: line for key, line in formats.toml_key_lines(text).items() if key[:1] == ("deploy",)}
    )
    build = data.get("build") if isinstance(data, dict) else None
    if isinstance(build, dict):
        if isinstance(build.get("dockerfilePath"), str):
            reader.reference_dockerfile(directory / build["dockerfilePath"], directory, PRODUCTION, f"{name} builds it")
        if isinstance(build.get("buildCommand"), str):
            line = line_of(text, "buildCommand") or 1
            add_build_lines(reader, name, line, build["buildCommand"], directory, offset=0)
    deploy = data.get("deploy") if isinstance(data, dict) else None
    if isinstance(deploy, dict):
        for key, process, is_web in (("startCommand", "web", True), ("preDeployCommand", "preDeployCommand", False)):
            value = deploy.get(key)
            if isinstance(value, list):
                value = " && ".join(str(item) for item in value)
            if isinstance(value, str) and value:
                line = lines.get(key) or line_of(text, f'"{key}"') or 1
                reader.raws.append(RawCommand(name, line, process, value, is_web, directory))
    return None


def line_of(text: str, needle: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return None


def add_build_lines(reader: Reader, name: str, line: int, text: str, directory: Path, offset: int = 1) -> None:
    """Each line of a build command or hook as a build step; ``offset``: 1 for a block scalar starting below its key."""
    for number, command in enumerate(text.splitlines(), start=offset):
        if command.strip() and not command.strip().startswith("#"):
            reader.builds.append(BuildStep(name, line + number, command.strip(), directory))


def read_app_engine(reader: Reader, name: str, document: formats.YamlNode | None, directory: Path) -> str | None:
    if isinstance(document, formats.YamlMap):
        entrypoint = document.get("entrypoint")
        runtime = formats.yaml_text(document.get("runtime")) or ""
        if entrypoint is not None and formats.yaml_text(entrypoint):
            reader.raws.append(RawCommand(name, entrypoint.line, "web", formats.yaml_text(entrypoint) or "", True, directory))
        elif runtime.startswith("python3"):
            # App Engine's documented default when app.yaml names no entrypoint.
            reader.raws.append(
                RawCommand(name, document.line, "web (App Engine's default)", "gunicorn -b :$PORT main:app", True, directory)
            )
    return None


def read_upsun(reader: Reader, name: str, document: formats.YamlNode | None, directory: Path) -> str | None:
    applications: list[tuple[str, formats.YamlMap, Path]] = []
    if isinstance(document, formats.YamlMap):
        nested = document.get("applications")
        if isinstance(nested, formats.YamlMap):
            root = directory.parent if directory.name == ".upsun" else directory
            for app_name, app in nested.items.items():
                if isinstance(app, formats.YamlMap):
                    source = app.get("source")
                    source_root = formats.yaml_text(source.get("root")) if isinstance(source, formats.YamlMap) else None
                    applications.append((app_name, app, root / source_root.strip("/") if source_root else root))
        else:
            applications.append((formats.yaml_text(document.get("name")) or "app", document, directory))
    for app_name, app, working_dir in applications:
        web = app.get("web")
        web_commands = web.get("commands") if isinstance(web, formats.YamlMap) else None
        start = web_commands.get("start") if isinstance(web_commands, formats.YamlMap) else None
        if start is not None and formats.yaml_text(start):
            reader.raws.append(RawCommand(name, start.line, f"{app_name} web", formats.yaml_text(start) or "", True, working_dir))
        hooks = app.get("hooks")
        build_hook = hooks.get("build") if isinstance(hooks, formats.YamlMap) else None
        if build_hook is not None and formats.yaml_text(build_hook):
            add_build_lines(reader, name, build_hook.line, formats.yaml_text(build_hook) or "", working_dir)
        if isinstance(hooks, formats.YamlMap):
            for hook in ("deploy", "post_deploy"):
                node = hooks.get(hook)
                value = formats.yaml_text(node)
                if node is not None and value:
                    for offset, line in enumerate(value.splitlines(), start=1):
                        if line.strip() and not line.strip().startswith("#"):
                            reader.raws.append(RawCommand(name, node.line + offset, f"{hook} hook", line.strip(), False, working_dir))
    return None


def read_digitalocean(reader: Reader, name: str, document: formats.YamlNode | None, directory: Path) -> str | None:
    root = directory.parent if directory.name == ".do" else directory
    for group, is_web in (("services", True), ("workers", False), ("jobs", False)):
        entries = document.get(group) if isinstance(document, formats.YamlMap) else None
        for entry in entries.items if isinstance(entries, formats.YamlList) else []:
            if not isinstance(entry, formats.YamlMap):
                continue
            source_root = formats.yaml_text(entry.get("source_dir"))
            entry_dir = root / source_root.strip("/") if source_root else root
            dockerfile = formats.yaml_text(entry.get("dockerfile_path"))
            if dockerfile and is_web:
                reader.reference_dockerfile(root / dockerfile, entry_dir, PRODUCTION, f"{name} builds it")
            build_node = entry.get("build_command")
            if build_node is not None and formats.yaml_text(build_node):
                add_build_lines(reader, name, build_node.line, formats.yaml_text(build_node) or "", entry_dir, offset=0)
            node = entry.get("run_command")
            value = formats.yaml_text(node)
            if node is None or not value:
                continue
            label = formats.yaml_text(entry.get("name")) or group
            kind = formats.yaml_text(entry.get("kind"))
            if kind:
                label = f"{label} ({kind})"
            source_dir = formats.yaml_text(entry.get("source_dir"))
            reader.raws.append(RawCommand(name, node.line, label, value, is_web, root / source_dir.strip("/") if source_dir else root))
    return None


def read_nixpacks(reader: Reader, name: str, data: dict[str, Any], directory: Path, text: str) -> str | None:
    phases = data.get("phases")
    lines = formats.toml_key_lines(text)
    for phase, settings in phases.items() if isinstance(phases, dict) else ():
        commands = settings.get("cmds") if isinstance(settings, dict) else None
        for command in commands if isinstance(commands, list) else ():
            if isinstance(command, str):
                line = lines.get(("phases", phase, "cmds"), 1)
                reader.builds.append(BuildStep(name, line, command, directory))
    start = data.get("start")
    if isinstance(start, dict) and isinstance(start.get("cmd"), str):
        line = formats.toml_key_lines(text).get(("start", "cmd"), 1)
        reader.raws.append(RawCommand(name, line, "web", start["cmd"], True, directory))
    return None


def read_systemd(reader: Reader, name: str, text: str, directory: Path) -> str | None:
    unit = Path(name).name.rsplit(".", 1)[0]
    error = None
    section = ""
    sets_port = False
    pending: list[tuple[int, str, str]] = []
    for number, line in continued_lines(text, comments=("#", ";")):
        if line.startswith("["):
            if not line.endswith("]"):
                error = error or f"line {number}: unclosed section header {line[:40]!r}"
            section = line.strip("[]")
            continue
        if "=" not in line:
            error = error or f"line {number} is not 'Key=value': {line[:40]!r}"
            continue
        key, _, value = line.partition("=")
        key = key.strip()
        if section == "Service" and key == "Environment" and re.search(r"(^|[\s\"'])PORT=", value):
            sets_port = True
        if section == "Service" and key in ("ExecStart", "ExecStartPre"):
            pending.append((number, key, value.strip().lstrip("@-:+!")))
    for number, key, value in pending:
        process = unit if key == "ExecStart" else f"{unit} ({key})"
        # systemd splits ExecStart into words itself and runs no shell.
        reader.raws.append(RawCommand(name, number, process, value, None if key == "ExecStart" else False, None, False, sets_port))
    return error


def read_supervisor(reader: Reader, name: str, text: str, directory: Path) -> str | None:
    program = None
    error = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")) or raw[:1] in (" ", "\t"):
            continue  # blank, comment, or the continuation of a multi-line value
        if line.startswith("["):
            if not line.endswith("]"):
                error = error or f"line {number}: unclosed section header {line[:40]!r}"
            match = SUPERVISOR_PROGRAM.match(line)
            program = match["name"] if match else None
            continue
        if "=" not in line and ":" not in line:
            error = error or f"line {number} is not 'key=value': {line[:40]!r}"
            continue
        if program and re.match(r"^command\s*[=:]", line):
            value = re.split(r"[=:]", line, maxsplit=1)[1].strip()
            reader.raws.append(RawCommand(name, number, program, value, None, None, False))
    return error


def as_text(text: str) -> str:
    return text


def read_json(text: str) -> Any:
    return json.loads(text)


@dataclasses.dataclass(frozen=True)
class Format:
    """How one kind of start file is parsed and what its reader takes from the parsed document.

    ``read(reader, name, document, directory[, text])`` adds the file's commands and returns the
    first problem found, or None.
    """

    kind: str
    parse: Callable[[str], Any]
    read: Callable[..., str | None]
    # TOML and JSON readers also get the text, to find the line of each key.
    needs_text: bool = False
    # A file without this text, commands or problems is no start file (supervisord.conf itself).
    recorded_if: str | None = None


def read_file(reader: Reader, name: str, text: str, directory: Path, file_format: Format) -> None:
    """Parse a file and read its commands; a parse error or a reader's failure is recorded on its StartFile (check E012)."""
    before = len(reader.raws)
    try:
        document = file_format.parse(text)
        extra = (text,) if file_format.needs_text else ()
        error = file_format.read(reader, name, document, directory, *extra)
    except ValueError as exc:  # FormatError, JSONDecodeError
        error = str(exc)
    except Exception as exc:  # noqa: BLE001 - a reader bug must not hide the other files
        error = f"could not be read: {type(exc).__name__}: {exc}"
    # execve() refuses a NUL byte in a command line: such a command can start nothing, and is not analysed.
    commands = reader.raws[before:]
    refused = [raw for raw in commands if "\0" in (raw.command if isinstance(raw.command, str) else "".join(raw.command))]
    if refused:
        reader.raws[before:] = [raw for raw in commands if raw not in refused]
        error = error or f"line {refused[0].line}: a NUL byte in the command; no program can be started with it"
    if len(reader.raws) > before or error or file_format.recorded_if is None or file_format.recorded_if in text:
        reader.add_file(name, file_format.kind, before, error)


YAML = formats.read_yaml
TOML = formats.read_toml

# One format per file name in context.PROJECT_FILES that holds start commands.
ROOT_FILES: Mapping[str, Format] = {
    "Dockerfile": Format("Dockerfile", as_text, read_dockerfile),
    "Procfile": Format("Procfile", as_text, read_procfile),
    "docker-compose.yml": Format("compose", YAML, read_compose),
    "docker-compose.yaml": Format("compose", YAML, read_compose),
    "compose.yaml": Format("compose", YAML, read_compose),
    "compose.yml": Format("compose", YAML, read_compose),
    "fly.toml": Format("fly.toml", TOML, read_fly, needs_text=True),
    "render.yaml": Format("render.yaml", YAML, read_render),
    "railway.json": Format("railway.json", read_json, read_railway, needs_text=True),
    "railway.toml": Format("railway.toml", TOML, read_railway, needs_text=True),
    "app.yaml": Format("app.yaml", YAML, read_app_engine),
    ".platform.app.yaml": Format("Upsun", YAML, read_upsun),
    ".upsun/config.yaml": Format("Upsun", YAML, read_upsun),
    ".do/app.yaml": Format("DigitalOcean app spec", YAML, read_digitalocean),
    "nixpacks.toml": Format("nixpacks.toml", TOML, read_nixpacks, needs_text=True),
}
SYSTEMD = Format("systemd unit", as_text, read_systemd)
SUPERVISOR = Format("supervisor", as_text, read_supervisor, recorded_if="[program:")


# Files anywhere in the tree, and the scripts commands run ------------------------------------------


def tree_config_files(context: ProjectContext) -> tuple[list[Path], list[Path]]:
    """systemd units and supervisor configurations anywhere in the listed project tree."""
    tree = context.tree()
    root = Path(tree.root)
    units: list[Path] = []
    supervisors: list[Path] = []
    for relative in tree.files:
        lowered = relative.lower()
        if lowered.endswith(".service") and len(units) < MAX_TREE_CONFIGS:
            units.append(root / relative)
        elif lowered.endswith((".conf", ".ini")) and ("supervisor" in lowered) and len(supervisors) < MAX_TREE_CONFIGS:
            supervisors.append(root / relative)
    return units, supervisors


def tree_docker_files(context: ProjectContext) -> tuple[list[Path], list[Path]]:
    """Dockerfiles and compose files outside the roots (``docker/``, ``deploy/``, ``compose/production/``),
    and compose files at the roots under other names (``docker-compose.prod.yml``); bounded."""
    tree = context.tree()
    root = Path(tree.root)
    known = {Path(project_file.path).resolve() for project_file in context.files.values()}
    dockerfiles: list[Path] = []
    composes: list[Path] = []
    for relative in tree.files:
        parts = relative.replace("\\", "/").split("/")
        if SKIPPED_TREE_DIRS & {part.lower() for part in parts[:-1]}:
            continue
        name = parts[-1]
        lowered = name.lower()
        is_dockerfile = lowered == "dockerfile" or lowered.startswith("dockerfile.") or lowered.endswith(".dockerfile")
        is_compose = bool(COMPOSE_NAME.match(name)) or (len(parts) == 1 and lowered in COMPOSE_ROOT_NAMES)
        if not (is_dockerfile or is_compose) or (root / relative).resolve() in known:
            continue
        found = dockerfiles if is_dockerfile else composes
        if len(found) < MAX_DOCKER_FILES:
            found.append(root / relative)
    return dockerfiles, composes


def dockerfile_role(info: DockerfileInfo, platform: str, platform_title: str) -> tuple[str, str]:
    """Whether production builds this Dockerfile: a production file builds it, its name says so, or
    the platform builds the one at the root. A development service building it does not make the
    root one development's (production often builds the same file)."""
    production = [reason for role, reason in info.references if role == PRODUCTION]
    if production:
        return PRODUCTION, production[0]
    named = path_role(info.display)
    if named is not None:
        return named
    development = [reason for role, reason in info.references if role == DEVELOPMENT]
    undecided = [reason for role, reason in info.references if role == UNKNOWN]
    at_root = "/" not in info.display
    if at_root and platform in DOCKER_PLATFORMS and not (development and not undecided):
        return PRODUCTION, f"{platform_title} builds the Dockerfile at the root"
    if development and not undecided and not at_root:
        return DEVELOPMENT, development[0]
    return UNKNOWN, "no platform file says that production builds it"


def read_small_file(path: Path) -> tuple[str | None, str | None]:
    try:
        return formats.read_text_file(path, MAX_SCRIPT_BYTES), None
    except OSError as exc:
        return None, f"cannot read {path.name}: {exc.strerror or exc}"


def display_path(context: ProjectContext, path: Path) -> str:
    for root in (context.base_dir, context.repository_root):
        if root is None:
            continue
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            continue
    return str(path)


def find_script(context: ProjectContext, script: str, working_dir: Path | None) -> Path | None:
    """The file a command's ``./start.sh`` names: next to where it runs, else by name in the tree."""
    if working_dir is not None and not script.startswith("/"):
        candidate = (working_dir / script).resolve()
        if candidate.is_file() and is_inside(candidate, context):
            return candidate
    tree = context.tree()
    name = script.rsplit("/", 1)[-1]
    tail = script.lstrip("./")
    matches = [relative for relative in tree.files if relative == tail or relative.endswith("/" + tail)]
    matches = matches or [relative for relative in tree.files if relative.rsplit("/", 1)[-1] == name]
    if not matches:
        return None
    return Path(tree.root) / min(matches, key=len)


def is_inside(path: Path, context: ProjectContext) -> bool:
    return any(path == root or root in path.parents for root in context.search_roots)


SHELL_FUNCTION = re.compile(r"^(?:function\s+[A-Za-z_][\w-]*(?:\s*\(\))?|[A-Za-z_][\w-]*\s*\(\))\s*\{?$")
TEST_PREFIX = re.compile(r"^(?:\[\[?\s|test\s).*?(?:&&|\|\|)")


def script_lines(text: str) -> Iterator[tuple[int, str, str | None]]:
    """(line, text, why it may not run) of each line of a shell script, read simply: lines inside an
    ``if``, ``case`` or a function, or behind a ``[ test ] &&``, may not run; lines after a top-level
    ``exec`` never do (they are not given)."""
    blocks: list[tuple[str, int]] = []
    for number, line in continued_lines(text):
        first = line.split(None, 1)[0] if line.split() else ""
        closing = first in ("fi", "esac", "done", "}") or line in ("fi", "esac", "done", "}")
        if closing:
            kind = {"fi": "if", "esac": "case", "done": "loop", "}": "function"}[first]
            if blocks and blocks[-1][0] == kind:
                blocks.pop()
            continue
        reason = next(
            (
                f"inside the {kind} at line {start}" if kind != "function" else f"inside a shell function (line {start})"
                for kind, start in reversed(blocks)
                if kind != "loop"
            ),
            None,
        )
        if first == "if":
            if re.search(r"[;\s]fi;?$", line):
                yield number, line, reason or f"inside the if at line {number}"
                continue
            blocks.append(("if", number))
        elif first == "case" and line.rstrip().endswith(" in"):
            blocks.append(("case", number))
        elif first in ("while", "until", "for"):
            if not re.search(r"[;\s]done;?$", line):
                blocks.append(("loop", number))
        elif SHELL_FUNCTION.match(line):
            blocks.append(("function", number))
            continue
        elif TEST_PREFIX.match(line):
            reason = reason or f"only when the test on line {number} holds"
        yield number, line, reason
        if first == "exec" and not blocks:
            return


MAKE_RULE = re.compile(r"^(?P<targets>[^\s:=#][^:=#]*?)\s*::?(?!=)\s*(?P<prerequisites>[^;#]*)(?:;\s*(?P<inline>.*))?$")
MAKE_VARIABLE = re.compile(
    r"^(?:export\s+|override\s+)?(?P<name>[A-Za-z_][A-Za-z0-9_.]*)\s*(?P<operator>::?=|:::=|\?=|\+=|!=|=)\s*(?P<value>.*)$"
)
MAKE_REFERENCE = re.compile(r"\$[({](?P<name>[A-Za-z_][A-Za-z0-9_.]*)[)}]")


@dataclasses.dataclass(frozen=True)
class MakeTarget:
    line: int
    prerequisites: tuple[str, ...]
    # (line, command) of each recipe line, variables expanded, ``@``/``-``/``+`` prefixes removed.
    recipe: tuple[tuple[int, str], ...]


def read_makefile(text: str) -> tuple[dict[str, MakeTarget], str | None]:
    """The targets of a Makefile, read simply: rules, tab-indented recipes, ``NAME = value`` variables
    (no functions, conditionals or includes). Returns the targets and the default (first) target."""
    variables: dict[str, str] = {}
    rules: list[tuple[int, list[str], list[str], list[tuple[int, str]]]] = []
    current: list[tuple[int, str]] | None = None
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        number = index + 1
        raw = lines[index]
        index += 1
        while raw.endswith("\\") and index < len(lines):
            raw = raw[:-1] + " " + lines[index].strip()
            index += 1
        if raw.startswith("\t"):
            if current is not None and raw.strip() and not raw.strip().startswith("#"):
                current.append((number, raw.strip().lstrip("@-+").strip()))
            continue
        line = raw.split("#", 1)[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if not line.strip():
            continue
        variable = MAKE_VARIABLE.match(line.strip())
        rule = MAKE_RULE.match(line.strip())
        if variable:
            if variable["operator"] == "?=" and variable["name"] in variables:
                continue
            value = variable["value"].strip()
            if variable["operator"] == "+=":
                value = f"{variables.get(variable['name'], '')} {value}".strip()
            variables[variable["name"]] = value
            current = None
            continue
        if rule is not None:
            current = []
            if rule["inline"]:
                current.append((number, rule["inline"].strip().lstrip("@-+").strip()))
            rules.append((number, rule["targets"].split(), rule["prerequisites"].split(), current))
            continue
        current = None
    targets: dict[str, MakeTarget] = {}
    default = None
    for number, names, prerequisites, recipe in rules:
        expanded = tuple((line, expand_make(command, variables)) for line, command in recipe)
        for name in names:
            if name.startswith(".") or "%" in name:
                continue
            default = default or name
            targets.setdefault(name, MakeTarget(number, tuple(prerequisites), expanded))
    return targets, default


def expand_make(text: str, variables: Mapping[str, str]) -> str:
    """``$(NAME)`` and ``${NAME}`` replaced by the Makefile's values, a few levels deep; ``$$`` becomes ``$``."""
    for _ in range(5):
        replaced = MAKE_REFERENCE.sub(lambda match: variables.get(match["name"], match[0]), text)
        if replaced == text:
            break
        text = replaced
    return text.replace("$$", "$")


def continued_lines(text: str, comments: tuple[str, ...] = ("#",)) -> Iterator[tuple[int, str]]:
    """(line, text) of each line that is not blank or a comment, ``\\`` continuations joined (shell scripts, systemd)."""
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        number = index + 1
        line = lines[index].strip()
        index += 1
        while line.endswith("\\") and index < len(lines):
            line = line[:-1] + " " + lines[index].strip()
            index += 1
        if line and not line.startswith(comments):
            yield number, line
