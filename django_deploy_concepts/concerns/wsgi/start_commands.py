"""Start commands: what runs the site, from which file and line, and will it start and be reached?

Readers per file format live in ``platform_files``; what one command runs is read by ``commands``.
Checks E002-E005, E010-E012 and E014 are here, with the steps that fix them.
"""

from __future__ import annotations

import dataclasses
import importlib.machinery
import json
import os
import shlex
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

from django.core.checks import CheckMessage, Error, Warning

from django_deploy_concepts import masking
from django_deploy_concepts.concerns.base import Fix
from django_deploy_concepts.concerns.wsgi import commands
from django_deploy_concepts.concerns.wsgi.facts import (
    DEVELOPMENT,
    PRODUCTION,
    UNKNOWN,
    BuildStep,
    Facts,
    FlyService,
    StartCommand,
    StartCommands,
    StartFile,
)
from django_deploy_concepts.concerns.wsgi.gunicorn import PORT_SENTINEL, check_for, expected_path, serving_path
from django_deploy_concepts.concerns.wsgi.platform_files import (
    MAX_MAKE_DEPTH,
    MAX_SCRIPTS,
    NON_SERVER_IMAGES,
    ROOT_FILES,
    SUPERVISOR,
    SYSTEMD,
    DockerfileInfo,
    RawCommand,
    Reader,
    dockerfile_role,
    find_script,
    path_role,
    read_file,
    read_makefile,
    read_small_file,
    script_lines,
    shlex_words,
    tree_config_files,
    tree_docker_files,
)
from django_deploy_concepts.concerns.wsgi.servers import serves_asgi
from django_deploy_concepts.context import ProjectContext
from django_deploy_concepts.helpers import display_path, read_head
from django_deploy_concepts.plan import Plan
from django_deploy_concepts.report import Fact, Step

__all__ = ["BuildStep", "FlyService", "StartCommand", "StartCommands", "StartFile", "project_start_commands", "read_start_commands"]


# Facts --------------------------------------------------------------------------------------------


def find_module(module: str, search_paths: list[str]) -> bool:
    """Whether ``module`` can be imported from ``search_paths``, without running any of its code."""
    locations = search_paths
    parts = module.split(".")
    for index, part in enumerate(parts):
        if not part.isidentifier():
            return False
        spec = importlib.machinery.PathFinder.find_spec(part, locations)
        if spec is None:
            return False
        if index < len(parts) - 1:
            if not spec.submodule_search_locations:
                return False
            locations = list(spec.submodule_search_locations)
    return True


def import_error(command: StartCommand, base_dir: Path, environ: dict[str, str]) -> str | None:
    """Why the command's application module cannot be found from the directory it runs in."""
    if not command.application_path or command.server in (None, "runserver"):
        return None
    module = commands.module_of(command.application_path)
    if not module or "$" in module:
        return None
    where = Path(command.working_dir) if command.working_dir else base_dir
    if module.endswith(".py") or "/" in module:
        return None if (where / module).is_file() else f"{module} does not exist in {where}"
    extra = [str((where / path).resolve()) for path in environ.get("PYTHONPATH", "").split(os.pathsep) if path]
    # Installed packages count; the project directory only counts where the command runs.
    installed = [path for path in sys.path if path and ("site-packages" in path or "dist-packages" in path)]
    if find_module(module, [str(where), *extra, *installed]):
        return None
    top = module.split(".")[0]
    missing = top if not find_module(top, [str(where), *extra, *installed]) else module
    return f"ModuleNotFoundError: No module named '{missing}' (from {where})"


def analysed(raw: RawCommand) -> tuple[StartCommand, commands.CommandAnalysis]:
    analysis = commands.analyse(raw.command, shell=raw.shell)
    # A URL's password written into a command (DATABASE_URL=postgres://u:pw@...) is masked here.
    text = masking.mask_url(raw.command if isinstance(raw.command, str) else json.dumps(raw.command))
    working_dir = raw.working_dir
    for directory in analysis.cd:
        if working_dir is None or directory.startswith(("/", "$", "~")):
            working_dir = None
            break
        working_dir = working_dir / directory
    if working_dir is not None and analysis.chdir:
        working_dir = None if analysis.chdir.startswith(("/", "$", "~")) else working_dir / analysis.chdir
    is_web = raw.is_web if raw.is_web is not None else analysis.server is not None
    return (
        StartCommand(
            file=raw.file,
            line=raw.line,
            process=raw.process,
            command=text,
            server=analysis.server,
            application_path=analysis.application_path,
            workers=analysis.workers,
            workers_from=analysis.workers_from,
            threads=analysis.threads,
            worker_class=analysis.worker_class,
            binds=analysis.binds,
            config_file=analysis.config_file,
            working_dir=None if working_dir is None else str(working_dir.resolve()),
            is_web=bool(is_web),
            runs_migrate=analysis.runs_migrate,
            arguments=tuple(masking.mask_url(word) for word in analysis.arguments),
            unexpanded=analysis.unexpanded,
            sets_port=raw.sets_port,
            role=raw.role or UNKNOWN,
            role_reason=raw.role_reason,
            conditional=raw.conditional,
        ),
        analysis,
    )


def read_start_commands(context: ProjectContext) -> StartCommands:
    reader = Reader(context)
    for name, file_format in ROOT_FILES.items():
        project_file = context.files.get(name)
        if project_file is None or project_file.is_dir:
            continue
        if project_file.text is None:
            reader.errors.append(project_file.error or f"{name} could not be read")
            continue
        read_file(reader, name, project_file.text, Path(project_file.path).parent, file_format)
    units, supervisors = tree_config_files(context)
    for path, tree_format in [(unit, SYSTEMD) for unit in units] + [(conf, SUPERVISOR) for conf in supervisors]:
        text, error = read_small_file(path)
        if text is None:
            reader.errors.append(error or f"{path} could not be read")
            continue
        # A template of a unit ({{ ... }}, as this app ships) is not what a server runs.
        if "{{" in text or "{%" in text:
            continue
        read_file(reader, display_path(path, (context.base_dir, context.repository_root)), text, path.parent, tree_format)
    read_tree_docker_files(context, reader)
    resolve_roles(context, reader)

    found: list[StartCommand] = []
    scripts_read: set[Path] = set()
    for raw in reader.raws:
        command, analysis = analysed(raw)
        found.append(command)
        found += followed_commands(context, reader, command, analysis, scripts_read, raw.working_dir, 0)
    files = start_files(reader, found)
    return StartCommands(tuple(found), files, reader.fly, tuple(reader.errors), tuple(reader.builds))


def read_tree_docker_files(context: ProjectContext, reader: Reader) -> None:
    """Compose files and Dockerfiles away from the roots; compose first, for the build contexts they name.
    A file named for development (docker-compose.dev.yml, Dockerfile.local) is noted, not read."""
    dockerfiles, composes = tree_docker_files(context)
    compose_format, dockerfile_format = ROOT_FILES["compose.yaml"], ROOT_FILES["Dockerfile"]
    root = context.repository_root or context.base_dir
    for path, file_format in [(path, compose_format) for path in composes] + [(path, dockerfile_format) for path in dockerfiles]:
        name = display_path(path, (context.base_dir, context.repository_root))
        named = path_role(name)
        info = reader.dockerfiles.get(path.resolve())
        referenced = info is not None and any(role == PRODUCTION for role, _ in info.references)
        if named is not None and named[0] == DEVELOPMENT and not referenced:
            reader.development[name] = f"development ({named[1]}); not read as production's"
            reader.files.append(StartFile(name, file_format.kind, 0, role=DEVELOPMENT, role_reason=reader.development[name]))
            continue
        text, error = read_small_file(path)
        if text is None:
            reader.errors.append(error or f"{name} could not be read")
            continue
        if file_format is dockerfile_format:
            info = reader.dockerfiles.setdefault(path.resolve(), DockerfileInfo(path.resolve(), name, []))
            # Built with the repository as its context (docker build -f docker/Dockerfile .) or its own folder.
            for directory in (path.parent.resolve(), root.resolve()):
                if directory not in info.contexts:
                    info.contexts.append(directory)
        read_file(reader, name, text, path.parent, file_format)


def resolve_roles(context: ProjectContext, reader: Reader) -> None:
    """Give each Dockerfile's commands and build steps its role; set development commands aside as notes."""
    platform = context.platform_info
    roles: dict[str, tuple[str, str]] = {}
    dockerfiles = {info.display for info in reader.dockerfiles.values()}
    production_file = next(
        (raw.file for raw in reader.raws if raw.is_web and raw.role == PRODUCTION and raw.file not in dockerfiles),
        None,
    )
    for info in reader.dockerfiles.values():
        role, reason = dockerfile_role(info, platform.name, platform.title)
        development = [why for kind, why in info.references if kind == DEVELOPMENT]
        if role == UNKNOWN and production_file and development and len(development) == len(info.references):
            # Only development services build it, and production starts from another file.
            role, reason = DEVELOPMENT, f"{development[0]}; production starts from {production_file}"
        roles[info.display] = (role, reason)
    kept: list[RawCommand] = []
    for raw in reader.raws:
        if raw.role is None:
            raw.role, raw.role_reason = roles.get(raw.file, (UNKNOWN, "no platform file says that production builds it"))
        if raw.role == DEVELOPMENT:
            text = raw.command if isinstance(raw.command, str) else shlex.join(raw.command)
            note = f"line {raw.line} ({raw.process}) runs {masking.mask_url(text)[:120]}"
            previous = reader.development.get(raw.file)
            reader.development[raw.file] = (
                f"{previous}; {note}" if previous else f"development ({raw.role_reason}), not production's: {note}"
            )
        else:
            kept.append(raw)
    reader.raws = kept
    reader.builds = [
        dataclasses.replace(step, role=roles.get(step.file, (UNKNOWN, ""))[0]) if step.role == UNKNOWN else step for step in reader.builds
    ]
    reader.builds = [step for step in reader.builds if step.role != DEVELOPMENT]
    production_web = any(raw.is_web and raw.role == PRODUCTION and raw.file not in roles for raw in reader.raws)
    for name, (_line, image) in list(reader.missing_start.items()):
        role = roles.get(name, (UNKNOWN, ""))[0]
        if role != PRODUCTION or production_web or not NON_SERVER_IMAGES.match(image):
            del reader.missing_start[name]


def start_files(reader: Reader, found: list[StartCommand]) -> tuple[StartFile, ...]:
    files: list[StartFile] = []
    for start_file in reader.files:
        note = reader.development.get(start_file.path)
        in_use = any(command.file == start_file.path for command in found)
        if note and start_file.role != DEVELOPMENT:
            start_file = dataclasses.replace(start_file, role=UNKNOWN if in_use else DEVELOPMENT, role_reason=note)
        if start_file.path in reader.missing_start:
            start_file = dataclasses.replace(start_file, missing_start=reader.missing_start[start_file.path])
        files.append(start_file)
    return tuple(files)


def project_start_commands(context: ProjectContext) -> StartCommands:
    """The start commands, read once per run and shared: the WSGI facts, and the concerns that
    only need to know which server runs with how many workers (without loading the application
    or running gunicorn's own check)."""
    return context.memo("wsgi:start_commands", lambda: read_start_commands(context))  # type: ignore[no-any-return]


def followed_commands(
    context: ProjectContext,
    reader: Reader,
    parent: StartCommand,
    analysis: commands.CommandAnalysis,
    scripts_read: set[Path],
    working_dir: Path | None,
    depth: int,
) -> list[StartCommand]:
    """The commands of the scripts and Makefile targets that ``parent`` runs, attributed to their own file and line."""
    found: list[StartCommand] = []
    if depth > MAX_MAKE_DEPTH:
        return found
    for script in analysis.scripts:
        script_path = reader.container_files.get(script) if script.startswith("/") else None
        if script_path is None and script.startswith("/") and not script.endswith(".sh"):
            continue  # /start: only the file a COPY line put there, not any file of that name
        script_path = script_path or find_script(context, script, working_dir)
        if script_path is None or script_path in scripts_read or len(scripts_read) >= MAX_SCRIPTS:
            continue
        scripts_read.add(script_path)
        found += script_commands(context, script_path, parent, reader)
    for makefile, target in analysis.make_targets:
        found += make_commands(context, reader, parent, makefile, target, scripts_read, working_dir, depth)
    return found


def make_commands(
    context: ProjectContext,
    reader: Reader,
    parent: StartCommand,
    makefile: str,
    target: str,
    scripts_read: set[Path],
    working_dir: Path | None,
    depth: int,
) -> list[StartCommand]:
    """What ``make <target>`` runs: the recipes of the target and its prerequisites, read from the Makefile."""
    directory = working_dir or context.base_dir
    path = (directory / makefile).resolve()
    if not path.is_file():
        return []
    text, error = read_small_file(path)
    name = display_path(path, (context.base_dir, context.repository_root))
    if text is None:
        reader.errors.append(error or f"{name} could not be read")
        return []
    targets, default = read_makefile(text)
    found: list[StartCommand] = []
    seen: set[str] = set()

    def run(current: str) -> None:
        # Prerequisites first, as make runs them; each target once, a few levels deep.
        if current in seen or current not in targets or len(seen) >= 10:
            return
        seen.add(current)
        rule = targets[current]
        for prerequisite in rule.prerequisites:
            run(prerequisite)
        for number, line in rule.recipe:
            raw = RawCommand(name, number, parent.process, line, parent.is_web, path.parent, True, parent.sets_port)
            raw.role, raw.role_reason, raw.conditional = parent.role, parent.role_reason, parent.conditional
            command, analysis = analysed(raw)
            if analysis.server is not None or analysis.runs_migrate:
                found.append(command)
            found.extend(followed_commands(context, reader, command, analysis, scripts_read, path.parent, depth + 1))

    run(target or default or "")
    if not any(start_file.path == name for start_file in reader.files):
        reader.files.append(StartFile(name, "Makefile", len(found)))
    return found


def script_commands(context: ProjectContext, path: Path, parent: StartCommand, reader: Reader) -> list[StartCommand]:
    """The lines of a start script that start a server or run migrate, attributed to the script."""
    text, error = read_small_file(path)
    name = display_path(path, (context.base_dir, context.repository_root))
    if text is None:
        reader.errors.append(error or f"{name} could not be read")
        return []
    found: list[StartCommand] = []
    working_dir = Path(parent.working_dir) if parent.working_dir else None
    problem = None
    for number, line, conditional in script_lines(text):
        if "\0" in line:
            problem = problem or f"line {number}: a NUL byte in the command; no program can be started with it"
            continue
        raw = RawCommand(name, number, parent.process, line, parent.is_web, working_dir, True, parent.sets_port)
        raw.role, raw.role_reason = parent.role, parent.role_reason
        raw.conditional = parent.conditional or (f"{conditional} of {name}" if conditional else None)
        command, analysis = analysed(raw)
        if analysis.server is not None or analysis.runs_migrate:
            found.append(command)
        if analysis.cd and working_dir is not None and command.working_dir:
            working_dir = Path(command.working_dir)
    reader.files.append(StartFile(name, "script", len(found), problem))
    return found


# Checks --------------------------------------------------------------------------------------------


def where(command: StartCommand) -> str:
    return f"{command.file} line {command.line}"


def e002(command: StartCommand, path: str) -> Error:
    return Error(
        f"{where(command)} serves the site with runserver.",
        hint=f"Start a production server instead: gunicorn {path} --bind 0.0.0.0:$PORT.",
        obj=command.command,
        id="deploy_wsgi.E002",
    )


def check_runserver_in_start_command(facts: Facts) -> list[CheckMessage]:
    return [e002(command, serving_path(facts)) for command in facts.start_commands if command.server == "runserver" and command.certain]


def w018(command: StartCommand, path: str) -> Warning:
    why = command.conditional or f"if production runs {command.file}" + (f" ({command.role_reason})" if command.role_reason else "")
    return Warning(
        f"{where(command)} may serve the site with runserver: {why}.",
        hint=f"Make sure production starts gunicorn {path}; declare DEPLOY_CONCEPTS['platform'] so its files are known.",
        obj=command.command,
        id="deploy_wsgi.W018",
    )


def check_runserver_may_start(facts: Facts) -> list[CheckMessage]:
    return [w018(command, serving_path(facts)) for command in facts.start_commands if command.server == "runserver" and not command.certain]


def e019(start_file: StartFile, path: str) -> Error:
    line, image = start_file.missing_start or (1, "")
    return Error(
        f"{start_file.path} has no CMD: the container runs {image}'s own command (line {line}), not the site.",
        hint=f"End the Dockerfile with the start command, e.g. CMD gunicorn {path} --bind 0.0.0.0:$PORT.",
        obj=start_file.path,
        id="deploy_wsgi.E019",
    )


def check_dockerfile_starts_something(facts: Facts) -> list[CheckMessage]:
    return [e019(start_file, serving_path(facts)) for start_file in facts.start_files if start_file.missing_start]


def e003(command: StartCommand, expected: str) -> Error:
    return Error(
        f"{where(command)} serves {command.application_path}, not {expected}.",
        hint=f"Use the path from WSGI_APPLICATION: gunicorn {expected}.",
        obj=command.command,
        id="deploy_wsgi.E003",
    )


def same_application(path: str, expected: str, server: str | None) -> bool:
    module, _, attribute = path.partition(":")
    expected_module, _, expected_attribute = expected.partition(":")
    default = commands.DEFAULT_ATTRIBUTES.get(server or "", "")
    return module == expected_module and (attribute or default) == expected_attribute


def check_start_command_path(facts: Facts) -> list[CheckMessage]:
    expected = expected_path(facts.wsgi_application) if not facts.wsgi_application_error else None
    if expected is None:
        return []
    return [
        e003(command, expected)
        for command in facts.start_commands
        if command.judged
        and command.application_path
        and not serves_asgi(command.server, command.worker_class)
        and command.server not in ("runserver", "mod_wsgi")
        and load_failure(facts, command) is None
        and not same_application(command.application_path, expected, command.server)
    ]


def w004(command: StartCommand) -> Warning:
    where_to = release_snippet(command.file)[0]
    return Warning(
        f"{where(command)} runs migrate in the {command.process!r} process.",
        hint=f"Move it to a release step ({where_to}), so it runs once per deploy, not at every start.",
        obj=command.command,
        id="deploy_wsgi.W004",
    )


def check_migrate_in_web_process(facts: Facts) -> list[CheckMessage]:
    return [w004(command) for command in facts.start_commands if command.is_web and command.runs_migrate]


def load_failure(facts: Facts, command: StartCommand) -> str | None:
    """Why the server of ``command`` cannot load its application: gunicorn's own word, else ours."""
    check = check_for(facts, command)
    if check is not None:
        return check.error if check.stage == "application" else None
    return command.import_error


def e005(command: StartCommand, error: str) -> Error:
    return Error(
        f"{where(command)}: {command.server} cannot load {command.application_path or 'the application'}: {error}",
        hint="Fix the dotted path or the directory it runs in (--chdir); it must import from there.",
        obj=command.command,
        id="deploy_wsgi.E005",
    )


def check_start_command_loads(facts: Facts) -> list[CheckMessage]:
    wsgi_module = facts.wsgi_application.rpartition(".")[0] if facts.wsgi_application else None
    messages: list[CheckMessage] = []
    for command in facts.start_commands:
        error = load_failure(facts, command) if command.judged else None
        if error is None:
            continue
        path_module = commands.module_of(command.application_path or "")
        if facts.wsgi_application_error and (not path_module or path_module == wsgi_module):
            continue  # the same broken module: E001 says it once
        messages.append(e005(command, error))
    return messages


def effective_binds(facts: Facts, command: StartCommand) -> tuple[str, ...] | None:
    """Where the command listens; None when it cannot be known (a uWSGI socket behind nginx)."""
    if command.binds:
        return command.binds
    check = check_for(facts, command)
    if command.server == "gunicorn":
        if check is not None and check.config_file and check.bind:
            return tuple(item.replace(PORT_SENTINEL, "$PORT") for item in check.bind)
        if command.sets_port or facts.platform.port_env == "PORT":
            return ("0.0.0.0:$PORT",)
    default = commands.DEFAULT_BINDS.get(command.server or "")
    return (default,) if default else None


def unreachable(facts: Facts, command: StartCommand) -> str | None:
    """How the platform's router misses the server, or None."""
    if not command.is_web or command.server in (None, "runserver"):
        return None
    binds = effective_binds(facts, command)
    if not binds:
        return None
    shown = ", ".join(binds)
    if all(commands.is_loopback(bind) for bind in binds) and facts.platform.kind in ("paas", "container"):
        return f"listens on {shown} only, which the {facts.platform.title} router cannot reach"
    if facts.platform.port_env:
        names = (facts.platform.port_env, "SOCKET") if facts.platform.name == "upsun" else (facts.platform.port_env,)
        if any(commands.references_variable(bind, name) for bind in binds for name in names):
            return None
        if facts.platform.name == "upsun" and any(bind.startswith("unix:") for bind in binds):
            return None
        return f"listens on {shown}, not on ${facts.platform.port_env} where {facts.platform.title} sends requests"
    if facts.platform.name == "fly" and facts.fly is not None and facts.fly.internal_port is not None:
        ports = {commands.bind_port(bind) for bind in binds}
        if str(facts.fly.internal_port) not in ports and not any("$" in (port or "") for port in ports):
            return f"listens on {shown}, not on internal_port {facts.fly.internal_port} from fly.toml"
    return None


def e010(command: StartCommand, problem: str) -> Error:
    port = "$PORT" if command.server == "gunicorn" else "0.0.0.0:$PORT"
    return Error(
        f"{where(command)} {problem}.",
        hint=f"Listen on all interfaces and the platform's port, e.g. --bind 0.0.0.0:{port.split(':')[-1]}.",
        obj=command.command,
        id="deploy_wsgi.E010",
    )


def check_listens_where_platform_sends(facts: Facts) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    for command in facts.start_commands:
        problem = unreachable(facts, command) if command.judged else None
        if problem:
            messages.append(e010(command, problem))
    return messages


def worker_setup(facts: Facts, command: StartCommand) -> tuple[int | None, str, int]:
    """(workers, worker class, threads) of a gunicorn command, from its flags and its configuration."""
    check = check_for(facts, command)
    configured = check is not None and check.config_file is not None
    workers = command.workers
    if workers is None and command.workers_from is None and configured and check is not None:
        workers = check.workers
    worker_class = command.worker_class or (check.worker_class if configured and check is not None else None) or "sync"
    threads = command.threads or (check.threads if configured and check is not None else None) or 1
    return workers, worker_class, threads


# Bound on reading a gunicorn configuration file for the WEB_CONCURRENCY it reads.
MAX_CONFIG_BYTES = 256 * 1024


def w011(command: StartCommand) -> Warning:
    return Warning(
        f"{where(command)} starts one sync gunicorn worker: one request at a time.",
        hint="Use --workers 2 x CPU cores + 1 (or set WEB_CONCURRENCY), or add --threads.",
        obj=command.command,
        id="deploy_wsgi.W011",
    )


def check_worker_count(facts: Facts) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    for command in facts.start_commands:
        if command.server != "gunicorn" or not command.is_web or not command.judged:
            continue
        workers, worker_class, threads = worker_setup(facts, command)
        if workers == 1 and worker_class.rsplit(".", 1)[-1] in ("sync", "SyncWorker") and threads <= 1:
            if command.workers is None and config_reads_web_concurrency(facts, command):
                # One worker here because WEB_CONCURRENCY is unset here; the platform sets it.
                continue
            messages.append(w011(command))
    return messages


def config_reads_web_concurrency(facts: Facts, command: StartCommand) -> bool:
    check = check_for(facts, command)
    if check is None or check.config_file is None:
        return False
    try:
        return b"WEB_CONCURRENCY" in read_head(os.path.join(check.cwd, check.config_file), MAX_CONFIG_BYTES)
    except OSError:
        return False


def e012(start_file: StartFile) -> Error:
    return Error(
        f"{start_file.path} cannot be parsed: {start_file.error}",
        hint=f"The platform cannot read it either; fix the {start_file.kind} syntax at that line.",
        id="deploy_wsgi.E012",
    )


def check_start_files_parse(facts: Facts) -> list[CheckMessage]:
    return [e012(start_file) for start_file in facts.start_files if start_file.error]


def e014(command: StartCommand) -> Error:
    return Error(
        f"{where(command)} passes {' '.join(command.unexpanded)} on literally: no shell runs it.",
        hint='Let a shell run it: ["sh", "-c", "..."], or the shell form of the command.',
        obj=command.command,
        id="deploy_wsgi.E014",
    )


def check_shell_syntax(facts: Facts) -> list[CheckMessage]:
    return [e014(command) for command in facts.start_commands if command.unexpanded and command.judged]


CHECKS = (
    check_runserver_in_start_command,
    check_runserver_may_start,
    check_dockerfile_starts_something,
    check_start_command_path,
    check_migrate_in_web_process,
    check_start_command_loads,
    check_listens_where_platform_sends,
    check_worker_count,
    check_start_files_parse,
    check_shell_syntax,
)


# Explanation --------------------------------------------------------------------------------------


def web_command(facts: Facts) -> StartCommand | None:
    """The command that serves HTTP: the first web process that starts a server, else the first web one."""
    web = [command for command in facts.start_commands if command.is_web]
    return next((command for command in web if command.server is not None), web[0] if web else None)


def start_snippet(file: str, command: str) -> tuple[str, str, str]:
    """(where, language, code): how ``command`` is written as the web process in a file of that kind."""
    name = file.rsplit("/", 1)[-1]
    if name == "Procfile":
        return "Procfile", "text", f"web: {command}"
    if name == "Dockerfile":
        if "$" in command:
            return "Dockerfile", "dockerfile", f'CMD ["sh", "-c", "exec {command}"]'
        return "Dockerfile", "dockerfile", "CMD " + json.dumps(shlex_words(command))
    if name == "fly.toml":
        return "fly.toml", "toml", f"[processes]\napp = {json.dumps(command)}"
    if name == "render.yaml":
        return "render.yaml", "yaml", f"services:\n  - type: web\n    startCommand: {command}"
    if name in ("railway.json", "railway.toml"):
        return "railway.toml", "toml", f"[deploy]\nstartCommand = {json.dumps(command)}"
    if name == "app.yaml" and not file.startswith(".do"):
        return "app.yaml", "yaml", f"entrypoint: {command}"
    if name in (".platform.app.yaml", "config.yaml"):
        return file, "yaml", f"web:\n  commands:\n    start: {json.dumps(command)}"
    if name == "nixpacks.toml":
        return "nixpacks.toml", "toml", f"[start]\ncmd = {json.dumps(command)}"
    if name.endswith(".service"):
        return file, "ini", f"ExecStart=/path/to/venv/bin/{command}"
    return file, "shell", command


# Where each platform file runs a release step: the place for migrate.
RELEASE_SNIPPETS: Mapping[str, tuple[str, str, str]] = {
    "Procfile": ("Procfile", "text", "release: python manage.py migrate --noinput"),
    "fly.toml": ("fly.toml", "toml", '[deploy]\nrelease_command = "python manage.py migrate --noinput"'),
    "render.yaml": ("render.yaml", "yaml", "    preDeployCommand: python manage.py migrate --noinput"),
    "railway.json": ("railway.toml", "toml", '[deploy]\npreDeployCommand = ["python manage.py migrate --noinput"]'),
    "railway.toml": ("railway.toml", "toml", '[deploy]\npreDeployCommand = ["python manage.py migrate --noinput"]'),
    ".platform.app.yaml": (".platform.app.yaml", "yaml", "hooks:\n  deploy: |\n    python manage.py migrate --noinput"),
    "config.yaml": (".upsun/config.yaml", "yaml", "    hooks:\n      deploy: |\n        python manage.py migrate --noinput"),
}


def release_snippet(file: str) -> tuple[str, str, str]:
    name = file.rsplit("/", 1)[-1]
    if name in RELEASE_SNIPPETS:
        return RELEASE_SNIPPETS[name]
    return (
        "your deploy script",
        "shell",
        "# once per deploy, before the new version serves requests:\npython manage.py migrate --noinput",
    )


def json_words(text: str) -> list[str]:
    """The words of an exec-form command as reported (a JSON array), else its shell words."""
    try:
        words = json.loads(text)
    except ValueError:
        return shlex_words(text)
    return [str(word) for word in words] if isinstance(words, list) else [text]


def default_start_file(facts: Facts) -> str:
    return {
        "heroku": "Procfile",
        "fly": "Dockerfile",
        "render": "render.yaml",
        "railway": "railway.toml",
        "upsun": ".upsun/config.yaml",
        "appengine": "app.yaml",
        "container": "Dockerfile",
        "cloudrun": "Dockerfile",
    }.get(facts.platform.name, "Procfile" if facts.platform.port_env else "your start command")


def serves(facts: Facts, command: StartCommand) -> bool:
    """A production server that loads the application and listens where requests arrive."""
    return command.server not in (None, "runserver") and load_failure(facts, command) is None and unreachable(facts, command) is None


def mismatched(facts: Facts, command: StartCommand) -> bool:
    expected = expected_path(facts.wsgi_application) if not facts.wsgi_application_error else None
    return bool(expected and command.application_path and not same_application(command.application_path, expected, command.server))


def found(facts: Facts) -> list[Fact]:
    facts_found = [
        Fact(f"{where(command)} ({command.process})", command.command, serves(facts, command) if command.is_web else None)
        for command in facts.start_commands
    ]
    for start_file in facts.start_files:
        if start_file.role_reason and start_file.role != PRODUCTION:
            facts_found.append(Fact(f"{start_file.path} ({start_file.role})", start_file.role_reason, None))
    if not facts.start_commands:
        names = ", ".join(start_file.path for start_file in facts.start_files if start_file.role != DEVELOPMENT)
        facts_found.append(
            Fact("Start command", f"none found{' in ' + names if names else ' (no Procfile, Dockerfile, fly.toml, ...)'}", None)
        )
    return facts_found


def path_step(facts: Facts, command: StartCommand) -> Step:
    return Step(
        f"Serve {serving_path(facts)} in {where(command)}.",
        "The server imports it from the directory the command runs in; a typo such as mysite.wgsi, or a directory "
        "above the project, gives ModuleNotFoundError and 'Worker failed to boot'.",
        command.command.replace(command.application_path or "", serving_path(facts), 1),
        "text",
    )


def unloadable_path_steps(facts: Facts, deployment: Plan) -> list[Step]:
    return [
        path_step(facts, command)
        for command in facts.start_commands
        if command.application_path and load_failure(facts, command) is not None
    ]


def other_path_steps(facts: Facts, deployment: Plan) -> list[Step]:
    return [
        path_step(facts, command)
        for command in facts.start_commands
        if command.application_path and load_failure(facts, command) is None and mismatched(facts, command)
    ]


def file_snippet(where_to: str, language: str, code: str, deployment: Plan) -> tuple[str, str]:
    """The snippet for ``where_to``, or the whole platform file of the plan when it is that file."""
    complete = deployment.platform_file
    return (complete.text.rstrip("\n"), complete.language) if complete.name == where_to else (code, language)


def start_step(facts: Facts, deployment: Plan) -> Iterator[Step]:
    """The exact start command for this project when nothing serves the site (the whole platform file when it is that file)."""
    web = web_command(facts)
    if web is not None and web.server not in (None, "runserver"):
        return
    gunicorn_line = deployment.start_command
    where_to, language, code = start_snippet(web.file if web else default_start_file(facts), gunicorn_line)
    code, language = file_snippet(where_to, language, code, deployment)
    detail = (
        "runserver is for development only. This is the exact command for this project: the workers come from this "
        f"machine's CPUs ({facts.gunicorn.cpus.usable}); on a platform, WEB_CONCURRENCY takes their place."
    )
    if web is None:
        detail = (
            f"No start command was found, so {facts.platform.title if facts.platform.name != 'unknown' else 'the platform'} "
            "does not know how to start the site. " + detail.replace("runserver is for development only. ", "")
        )
    if "--forwarded-allow-ips" in gunicorn_line:
        detail += " --forwarded-allow-ips='*' lets gunicorn believe the router's X-Forwarded-Proto (only the router can reach the app)."
    yield Step(f"Start the site with gunicorn in {where_to}.", detail, code, language)


def release_step(facts: Facts, deployment: Plan) -> Iterator[Step]:
    web = web_command(facts)
    if web is None:
        return
    where_to, language, code = release_snippet(web.file)
    code, language = file_snippet(where_to, language, code, deployment)
    yield Step(
        f"Run migrate once per deploy, in {where_to}, not in the web process.",
        "In the web command it runs at every start and on every instance at once; a failing migration keeps the site down.",
        code,
        language,
    )


def listen_steps(facts: Facts, deployment: Plan) -> list[Step]:
    return [
        Step(
            f"Listen where {facts.platform.title} sends requests ({where(command)}).",
            f"It {problem}; the router then reports the app as not responding (a 502 or 'connection refused').",
            deployment.start_command
            if command.server == "gunicorn"
            else f"{command.server} ... --host 0.0.0.0 --port ${facts.platform.port_env or 'PORT'}",
            "shell",
        )
        for command in facts.start_commands
        if command.judged and (problem := unreachable(facts, command))
    ]


def shell_steps(facts: Facts, deployment: Plan) -> Iterator[Step]:
    for command in facts.start_commands:
        if command.unexpanded:
            text = " ".join(json_words(command.command)) if command.command.startswith("[") else command.command
            yield Step(
                f"Let a shell run {where(command)}.",
                "Without a shell, $VARIABLES and && reach the program as plain text.",
                f'["sh", "-c", "exec {text}"]',
                "text",
            )


def workers_step(facts: Facts, deployment: Plan) -> Iterator[Step]:
    yield Step(
        "Run more than one worker.",
        f"gunicorn suggests 2 x cores + 1 workers: {facts.gunicorn.cpus.recommended_workers} on this machine "
        "(in a container, count the CPUs it is given, not the host's; each worker also needs memory).",
        deployment.start_command,
        "shell",
    )


# Each step with the ids of the checks that report what it fixes (wsgi/__init__.py FIXES orders them).
FIX_UNLOADABLE_PATH = Fix(frozenset({"deploy_wsgi.E005"}), unloadable_path_steps)
FIX_OTHER_PATH = Fix(frozenset({"deploy_wsgi.E003"}), other_path_steps)
# From the facts alone: no web command, or runserver (E002, W018, E020, W021 report it).
FIX_START = Fix(frozenset(), start_step)
FIX_RELEASE = Fix(frozenset({"deploy_wsgi.W004"}), release_step)
# From the facts alone: a command listening where no request arrives (E010 reports it).
FIX_LISTEN = Fix(frozenset(), listen_steps)
FIX_SHELL = Fix(frozenset({"deploy_wsgi.E014"}), shell_steps)
FIX_WORKERS = Fix(frozenset({"deploy_wsgi.W011"}), workers_step)
