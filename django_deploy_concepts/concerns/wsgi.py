"""WSGI server: what runs the app in production, and will it start?

Docs: docs/checks/wsgi.rst; Django: https://docs.djangoproject.com/en/stable/howto/deployment/wsgi/
"""

from __future__ import annotations

import dataclasses
import importlib.util
import re
import shlex
from collections.abc import Collection
from typing import Any

from django.core.checks import CheckMessage, Error, Warning
from django.utils.module_loading import import_string

from django_deploy_concepts import runner
from django_deploy_concepts.context import ProjectContext
from django_deploy_concepts.report import Explanation, Fact, Finding, Hop, Step

NAME = "wsgi"
TITLE = "WSGI server"
LETTER = "W"
ABOUT = (
    "What is WSGI, and why not runserver? WSGI is the contract between a Python web server and "
    "Django: the server calls the `application` object in your project's wsgi.py once per request. "
    "`manage.py runserver` is a development server: one process, no hardening, and Django's own docs "
    "say not to use it in production.",
    "In production a WSGI server such as gunicorn starts several worker processes, each holding your "
    "application, so slow requests do not block everyone else. It needs the dotted path of that "
    "object (WSGI_APPLICATION, e.g. mysite.wsgi:application) and is started by your platform's start "
    'command (Procfile, Dockerfile, ...). A wrong path gives "ModuleNotFoundError" and '
    '"Worker failed to boot".',
)
DJANGO_CHECKS = ("async.",)

# Start-command files and their format, read from the project context.
START_COMMAND_FILES = ("Procfile",)
PROCFILE_LINE = re.compile(r"^(?P<process>[A-Za-z0-9_-]+):\s*(?P<command>.+)$")


# Facts --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class StartCommand:
    file: str
    line: int
    process: str
    command: str
    server: str | None
    # The module:object path a gunicorn command serves, if it names one.
    application_path: str | None


@dataclasses.dataclass(frozen=True)
class Facts:
    wsgi_application: str | None
    wsgi_application_error: str | None
    start_commands: tuple[StartCommand, ...]
    servers_installed: tuple[str, ...]
    errors: tuple[str, ...]


PRODUCTION_SERVERS = ("gunicorn", "uwsgi", "waitress", "mod_wsgi", "granian", "uvicorn", "daphne", "hypercorn")


def installed_servers() -> tuple[str, ...]:
    found = []
    for name in PRODUCTION_SERVERS:
        try:
            if importlib.util.find_spec(name) is not None:
                found.append(name)
        except (ImportError, ValueError):
            continue
    return tuple(found)


def load_wsgi_application(path: object) -> str | None:
    """Why WSGI_APPLICATION cannot be loaded the way Django loads it, or None when it can."""
    if path is None:
        return "WSGI_APPLICATION is not set"
    if not isinstance(path, str):
        return f"WSGI_APPLICATION should be a dotted path string, not {type(path).__name__}"
    try:
        application = import_string(path)
    except Exception as exc:  # noqa: BLE001 - the import error is the finding
        return f"{type(exc).__name__}: {exc}"
    if not callable(application):
        return f"{path} is a {type(application).__name__}, not a callable WSGI application"
    return None


def parse_start_command(file: str, line: int, process: str, command: str) -> StartCommand:
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    server = None
    application_path = None
    if "runserver" in words:
        server = "runserver"
    for index, word in enumerate(words):
        base = word.rsplit("/", 1)[-1]
        if base in PRODUCTION_SERVERS:
            server = base
            positional = [item for item in words[index + 1 :] if not item.startswith("-") and ":" in item and "=" not in item]
            if base == "gunicorn" and positional:
                application_path = positional[0]
            break
    return StartCommand(file, line, process, command, server, application_path)


def read_start_commands(context: ProjectContext) -> tuple[tuple[StartCommand, ...], list[str]]:
    commands: list[StartCommand] = []
    errors: list[str] = []
    procfile = context.files.get("Procfile")
    if procfile is not None:
        if procfile.text is None:
            errors.append(procfile.error or "Procfile could not be read")
        else:
            for number, raw in enumerate(procfile.text.splitlines(), start=1):
                text = raw.strip()
                if not text or text.startswith("#"):
                    continue
                match = PROCFILE_LINE.match(text)
                if match is None:
                    errors.append(f"Procfile line {number} is not 'process: command'")
                    continue
                commands.append(parse_start_command("Procfile", number, match["process"], match["command"]))
    return tuple(commands), errors


def collect_facts(context: ProjectContext) -> Facts:
    path = context.setting("WSGI_APPLICATION")
    commands, errors = read_start_commands(context)
    return Facts(
        wsgi_application=path if isinstance(path, str) else None,
        wsgi_application_error=load_wsgi_application(path),
        start_commands=commands,
        servers_installed=installed_servers(),
        errors=tuple(errors),
    )


# Checks -------------------------------------------------------------------------------------------


def w001(facts: Facts) -> Error:
    return Error(
        f"WSGI_APPLICATION cannot be loaded: {facts.wsgi_application_error}",
        hint='Point it at the application in your wsgi.py, e.g. "mysite.wsgi.application".',
        id="deploy_concepts.W001",
    )


def check_wsgi_application(facts: Facts) -> list[CheckMessage]:
    return [w001(facts)] if facts.wsgi_application_error else []


def w002(command: StartCommand) -> Error:
    return Error(
        f"{command.file} line {command.line} serves the site with runserver.",
        hint="Start a production server instead, e.g. gunicorn mysite.wsgi --bind 0.0.0.0:$PORT.",
        obj=command.command,
        id="deploy_concepts.W002",
    )


def check_runserver_in_start_command(facts: Facts) -> list[CheckMessage]:
    return [w002(command) for command in facts.start_commands if command.server == "runserver"]


def expected_gunicorn_path(wsgi_application: str) -> str:
    module, _, attribute = wsgi_application.rpartition(".")
    return f"{module}:{attribute}"


def w003(command: StartCommand, expected: str) -> Error:
    return Error(
        f"{command.file} line {command.line} serves {command.application_path}, not {expected}.",
        hint=f"Use the path from WSGI_APPLICATION: gunicorn {expected}.",
        obj=command.command,
        id="deploy_concepts.W003",
    )


def check_start_command_path(facts: Facts) -> list[CheckMessage]:
    if facts.wsgi_application is None:
        return []
    expected = expected_gunicorn_path(facts.wsgi_application)
    module = expected.split(":")[0]
    messages: list[CheckMessage] = []
    for command in facts.start_commands:
        path = command.application_path
        # gunicorn accepts "module" alone and then serves its "application".
        if path is not None and path not in (expected, module) and f"{path}:application" != expected:
            messages.append(w003(command, expected))
    return messages


def w004(command: StartCommand) -> Warning:
    return Warning(
        f"{command.file} line {command.line} runs migrate in the {command.process!r} process.",
        hint="Move it to a release step (Procfile release:), so each web worker does not run it.",
        obj=command.command,
        id="deploy_concepts.W004",
    )


def check_migrate_in_web_process(facts: Facts) -> list[CheckMessage]:
    return [w004(command) for command in facts.start_commands if command.process == "web" and re.search(r"\bmigrate\b", command.command)]


CHECKS = (check_wsgi_application, check_runserver_in_start_command, check_start_command_path, check_migrate_in_web_process)


def django_check(app_configs: Any = None, databases: Collection[str] | None = None, **kwargs: Any) -> list[CheckMessage]:
    return runner.check_concern(NAME, databases)


# Explanation --------------------------------------------------------------------------------------


def gunicorn_command(facts: Facts) -> str:
    path = expected_gunicorn_path(facts.wsgi_application) if facts.wsgi_application else "mysite.wsgi:application"
    return f"gunicorn {path} --bind 0.0.0.0:${{PORT:-8000}} --workers 3"


def explain(facts: Facts, findings: tuple[Finding, ...]) -> Explanation:
    found = [
        Fact("WSGI_APPLICATION", facts.wsgi_application or "(not set)", facts.wsgi_application_error is None),
        Fact("Production servers installed", ", ".join(facts.servers_installed) or "none", bool(facts.servers_installed)),
    ]
    found += [
        Fact(f"{command.file} line {command.line} ({command.process})", command.command, command.server not in (None, "runserver"))
        for command in facts.start_commands
    ]
    if not facts.start_commands:
        found.append(Fact("Start command", "none found (no Procfile)", None))
    if facts.wsgi_application_error:
        found.append(Fact("Loading WSGI_APPLICATION", facts.wsgi_application_error, False))
    found += [Fact("Could not read", error, False) for error in facts.errors]
    steps: list[Step] = []
    if facts.wsgi_application_error:
        steps.append(
            Step(
                "Make WSGI_APPLICATION point at the application object in your wsgi.py.",
                "",
                'WSGI_APPLICATION = "mysite.wsgi.application"',
                "python",
            )
        )
    if not any(command.server not in (None, "runserver") for command in facts.start_commands):
        steps.append(Step("Start the site with gunicorn, e.g. in a Procfile.", "", f"web: {gunicorn_command(facts)}", "text"))
    return Explanation(about=ABOUT, found=tuple(found), steps=tuple(steps))


def hops(facts: Facts) -> tuple[Hop, ...]:
    command = next((command for command in facts.start_commands if command.process == "web"), None)
    if command is None:
        server = Hop("wsgi_server", "WSGI server", "no start command found", None)
    else:
        server = Hop(
            "wsgi_server",
            "WSGI server",
            f"{command.server or 'unknown'} ({command.file} line {command.line})",
            command.server not in (None, "runserver"),
        )
    application = Hop(
        "application", "Django application", facts.wsgi_application or "WSGI_APPLICATION not set", facts.wsgi_application_error is None
    )
    return (server, application)
