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

PROCFILE_LINE = re.compile(r"^(?P<process>[A-Za-z0-9_-]+):\s*(?P<command>.+)$")

SUPERVISOR_PROGRAM = re.compile(r"^\[program:(?P<name>[^\]]+)\]")


@dataclasses.dataclass(frozen=True)
class StartFile:
    path: str
    kind: str
    commands: int
    error: str | None = None


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


@dataclasses.dataclass
class Reader:
    context: ProjectContext
    raws: list[RawCommand] = dataclasses.field(default_factory=list)
    files: list[StartFile] = dataclasses.field(default_factory=list)
    errors: list[str] = dataclasses.field(default_factory=list)
    fly: FlyService | None = None
    docker_workdir: Path | None = None

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
    workdir = "/"
    copies: list[tuple[str, str]] = []
    starts: dict[str, tuple[int, str]] = {}
    sets_port = False
    for line, instruction, arguments in dockerfile_instructions(text):
        if instruction == "FROM":
            workdir, copies, starts, sets_port = "/", [], {}, False
        elif instruction == "WORKDIR":
            workdir = posixpath.normpath(posixpath.join(workdir, arguments.strip("\"'")))
        elif instruction in ("COPY", "ADD"):
            words = [word for word in shlex_words(arguments) if not word.startswith("--")]
            if "--from" not in arguments and len(words) >= 2:
                destination = posixpath.normpath(posixpath.join(workdir, words[-1]))
                copies += [(source, destination) for source in words[:-1]]
        elif instruction == "ENV":
            sets_port = sets_port or bool(re.match(r"^(.*\s)?PORT(=|\s)", arguments))
        elif instruction in ("CMD", "ENTRYPOINT"):
            starts[instruction] = (line, arguments)
    reader.docker_workdir = map_container_dir(workdir, copies, directory)
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
        reader.raws.append(RawCommand(name, line, process, command, True, reader.docker_workdir, shell, sets_port))
    return error


def shlex_words(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def map_container_dir(workdir: str, copies: Sequence[tuple[str, str]], directory: Path) -> Path | None:
    """The local directory that ends up as the image's WORKDIR, from ``COPY . /app``-style lines."""
    for source, destination in reversed(copies):
        if workdir != destination and not workdir.startswith(destination.rstrip("/") + "/"):
            continue
        local = (directory / source).resolve()
        if not local.is_dir():
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
    for service_name, service in services.items.items():
        if not isinstance(service, formats.YamlMap):
            continue
        has_ports = service.get("ports") is not None
        sets_port = sets_port_variable(service.get("environment"))
        for key in ("entrypoint", "command"):
            node = service.get(key)
            words = formats.yaml_words(node)
            text_value = formats.yaml_text(node)
            if node is None or (words is None and text_value is None):
                continue
            process = service_name if key == "command" else f"{service_name} (entrypoint)"
            command: str | list[str] = words if words is not None else (text_value or "")
            # Compose splits a string into words itself and runs no shell.
            reader.raws.append(RawCommand(name, node.line, process, command, True if has_ports else None, None, False, sets_port))
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
