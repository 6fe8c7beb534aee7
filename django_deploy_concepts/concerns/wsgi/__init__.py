"""WSGI server: what runs the app in production, and will it start?

Docs: docs/checks/wsgi.rst; Django: https://docs.djangoproject.com/en/stable/howto/deployment/wsgi/

Sub-topics: ``application`` (WSGI_APPLICATION, ASGI, the smoke request), ``start_commands`` and
``commands`` (the files that start the site), ``gunicorn`` (its own configuration check, workers),
``servers`` (what is installed).
"""

from __future__ import annotations

import dataclasses
import importlib.machinery
import os
import shlex
import sys
from collections.abc import Collection
from pathlib import Path
from typing import Any

from django.core.checks import CheckMessage, Error, Warning

from django_deploy_concepts import masking, runner
from django_deploy_concepts.concerns.wsgi import commands as command_text
from django_deploy_concepts.concerns.wsgi.application import (
    AsyncFacts,
    LoadedApplication,
    SmokeRequest,
    collect_async,
    django_default_application,
    load_application,
    smoke_request,
)
from django_deploy_concepts.concerns.wsgi.gunicorn import (
    PORT_SENTINEL,
    GunicornCheck,
    GunicornFacts,
    collect_gunicorn,
    describe_check,
    describe_cpus,
    expected_path,
    recommended_command,
)
from django_deploy_concepts.concerns.wsgi.servers import (
    WSGI_ONLY,
    InstalledServer,
    gunicorn_has_asgi_worker,
    installed_servers,
    serves_asgi,
)
from django_deploy_concepts.concerns.wsgi.start_commands import (
    FlyService,
    StartCommand,
    StartFile,
    read_start_commands,
    release_snippet,
    start_snippet,
)
from django_deploy_concepts.context import ProjectContext
from django_deploy_concepts.report import Explanation, Fact, Finding, Hop, Step

__all__ = [
    "ABOUT",
    "CHECKS",
    "DJANGO_CHECKS",
    "LETTER",
    "NAME",
    "TITLE",
    "Facts",
    "StartCommand",
    "collect_facts",
    "django_check",
    "explain",
    "hops",
]

NAME = "wsgi"
TITLE = "WSGI server"
LETTER = "W"
ABOUT = (
    "What is WSGI, and why not runserver? WSGI is the contract between a Python web server and "
    "Django: the server calls the `application` object in your project's wsgi.py once per request, "
    "and Django answers. `manage.py runserver` is a development server: one process, no hardening, "
    "and Django's own docs say not to use it in production.",
    "In production a WSGI server such as gunicorn runs the site. It starts several worker processes, "
    "each holding a copy of your application; a sync worker answers one request at a time, so the "
    "number of workers is how many requests are served at once (gunicorn suggests 2 x CPU cores + 1; "
    "each worker also costs memory). A request that takes longer than gunicorn's timeout (30 seconds) "
    'is killed with "[CRITICAL] WORKER TIMEOUT" and the visitor sees a 502.',
    "The server needs the dotted path of the application (WSGI_APPLICATION mysite.wsgi.application "
    "becomes `gunicorn mysite.wsgi:application`) and is started by your platform's start command "
    '(Procfile, Dockerfile, ...). A wrong path or directory gives "ModuleNotFoundError: No module named" '
    'and "Worker failed to boot"; on a platform it must listen on the port the platform gives it ($PORT).',
    "ASGI is WSGI's asynchronous successor: needed for websockets (Channels) and worth it when many "
    "views are async. Django serves async views under WSGI too, one event loop per request; under "
    "ASGI (asgi.py, served by gunicorn's ASGI worker, uvicorn or Daphne) they run natively.",
)
DJANGO_CHECKS = ("async.",)


# Facts --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Facts:
    wsgi_application: str | None
    wsgi_application_error: str | None
    start_commands: tuple[StartCommand, ...]
    # Names of the production servers installed here (details in ``servers``).
    servers_installed: tuple[str, ...]
    errors: tuple[str, ...]
    wsgi: LoadedApplication
    smoke_request: SmokeRequest
    start_files: tuple[StartFile, ...]
    fly: FlyService | None
    gunicorn: GunicornFacts
    servers: tuple[InstalledServer, ...]
    asgi: AsyncFacts
    # The package holding settings and wsgi.py ("mysite"), for the code in the steps.
    project_package: str
    platform: str
    platform_title: str
    platform_kind: str
    port_env: str | None
    terminates_tls: bool
    timeout: float


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
    module = command_text.module_of(command.application_path)
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


def project_package(context: ProjectContext, wsgi_path: str | None) -> str:
    if wsgi_path and wsgi_path.count(".") >= 2:
        return wsgi_path.split(".")[0]
    module = context.settings_module or "mysite.settings"
    return module.split(".")[0] if "." in module else "mysite"


def collect_facts(context: ProjectContext) -> Facts:
    secrets = masking.known_secrets(context.environ)
    path = context.setting("WSGI_APPLICATION")
    wsgi, application = load_application("WSGI_APPLICATION", path, secrets)
    if path is None:
        try:
            application = django_default_application()
        except Exception:  # noqa: BLE001 - the smoke request then says it could not load
            application = None
    found = read_start_commands(context)
    environ = dict(context.environ)
    start = tuple(dataclasses.replace(command, import_error=import_error(command, context.base_dir, environ)) for command in found.commands)
    servers = installed_servers()
    platform = context.platform_info
    return Facts(
        wsgi_application=wsgi.path,
        wsgi_application_error=wsgi.error,
        start_commands=start,
        servers_installed=tuple(server.name for server in servers),
        errors=found.errors,
        wsgi=wsgi,
        smoke_request=smoke_request(context, application, secrets),
        start_files=found.files,
        fly=found.fly,
        gunicorn=collect_gunicorn(context, start, wsgi.path, secrets),
        servers=servers,
        asgi=collect_async(context, wsgi.path, secrets),
        project_package=project_package(context, wsgi.path),
        platform=platform.name,
        platform_title=platform.title,
        platform_kind=platform.kind,
        port_env=platform.port_env,
        terminates_tls=platform.terminates_tls,
        timeout=context.timeout,
    )


# Checks -------------------------------------------------------------------------------------------


def where(command: StartCommand) -> str:
    return f"{command.file} line {command.line}"


def missing_dependency(facts: Facts) -> str | None:
    """The module WSGI_APPLICATION's module imports and cannot find (not the module itself)."""
    missing = facts.wsgi.missing_module
    module = (facts.wsgi_application or "").rpartition(".")[0]
    if not missing or module == missing or module.startswith(missing + "."):
        return None
    return missing


def w001(facts: Facts) -> Error:
    missing = missing_dependency(facts)
    hint = (
        f"{facts.wsgi_application.rpartition('.')[0] if facts.wsgi_application else 'wsgi.py'} imports {missing}: add it to the project or its requirements."
        if missing
        else f'Point it at the application in your wsgi.py, e.g. "{facts.project_package}.wsgi.application".'
    )
    return Error(f"WSGI_APPLICATION cannot be loaded: {facts.wsgi_application_error}", hint=hint, id="deploy_concepts.W001")


def check_wsgi_application(facts: Facts) -> list[CheckMessage]:
    return [w001(facts)] if facts.wsgi_application_error else []


def w002(command: StartCommand) -> Error:
    return Error(
        f"{where(command)} serves the site with runserver.",
        hint="Start a production server instead, e.g. gunicorn mysite.wsgi --bind 0.0.0.0:$PORT.",
        obj=command.command,
        id="deploy_concepts.W002",
    )


def check_runserver_in_start_command(facts: Facts) -> list[CheckMessage]:
    return [w002(command) for command in facts.start_commands if command.server == "runserver"]


def w003(command: StartCommand, expected: str) -> Error:
    return Error(
        f"{where(command)} serves {command.application_path}, not {expected}.",
        hint=f"Use the path from WSGI_APPLICATION: gunicorn {expected}.",
        obj=command.command,
        id="deploy_concepts.W003",
    )


def same_application(path: str, expected: str, server: str | None) -> bool:
    module, _, attribute = path.partition(":")
    expected_module, _, expected_attribute = expected.partition(":")
    default = command_text.DEFAULT_ATTRIBUTES.get(server or "", "")
    return module == expected_module and (attribute or default) == expected_attribute


def check_start_command_path(facts: Facts) -> list[CheckMessage]:
    expected = expected_path(facts.wsgi_application) if not facts.wsgi_application_error else None
    if expected is None:
        return []
    return [
        w003(command, expected)
        for command in facts.start_commands
        if command.application_path
        and not serves_asgi(command.server, command.worker_class)
        and command.server not in ("runserver", "mod_wsgi")
        and load_failure(facts, command) is None
        and not same_application(command.application_path, expected, command.server)
    ]


def w004(command: StartCommand) -> Warning:
    return Warning(
        f"{where(command)} runs migrate in the {command.process!r} process.",
        hint="Move it to a release step (Procfile release:), so each web worker does not run it.",
        obj=command.command,
        id="deploy_concepts.W004",
    )


def check_migrate_in_web_process(facts: Facts) -> list[CheckMessage]:
    return [w004(command) for command in facts.start_commands if command.is_web and command.runs_migrate]


def check_for(facts: Facts, command: StartCommand) -> GunicornCheck | None:
    return next((check for check in facts.gunicorn.checks if check.file == command.file and check.line == command.line), None)


def load_failure(facts: Facts, command: StartCommand) -> str | None:
    """Why the server of ``command`` cannot load its application: gunicorn's own word, else ours."""
    check = check_for(facts, command)
    if check is not None:
        return check.error if check.stage == "application" else None
    return command.import_error


def w005(command: StartCommand, error: str) -> Error:
    return Error(
        f"{where(command)}: {command.server} cannot load {command.application_path or 'the application'}: {error}",
        hint="Fix the dotted path or the directory it runs in (--chdir); it must import from there.",
        obj=command.command,
        id="deploy_concepts.W005",
    )


def check_start_command_loads(facts: Facts) -> list[CheckMessage]:
    wsgi_module = facts.wsgi_application.rpartition(".")[0] if facts.wsgi_application else None
    messages: list[CheckMessage] = []
    for command in facts.start_commands:
        error = load_failure(facts, command)
        if error is None:
            continue
        path_module = command_text.module_of(command.application_path or "")
        if facts.wsgi_application_error and (not path_module or path_module == wsgi_module):
            continue  # the same broken module: W001 says it once
        messages.append(w005(command, error))
    return messages


def w006(facts: Facts) -> Error:
    return Error(
        f"ASGI_APPLICATION cannot be loaded: {facts.asgi.asgi.error}",
        hint=f'Point it at the application in your asgi.py, e.g. "{facts.project_package}.asgi.application".',
        id="deploy_concepts.W006",
    )


def check_asgi_application(facts: Facts) -> list[CheckMessage]:
    return [w006(facts)] if facts.asgi.asgi.error else []


def w007(smoke: SmokeRequest) -> Error:
    status = smoke.status if smoke.status is not None else "no response"
    return Error(
        f"GET / on {smoke.host} gives {status}: {smoke.exception or 'Server Error (500)'}",
        hint="Fix the error above; production will show this page as 'Server Error (500)'.",
        id="deploy_concepts.W007",
    )


def check_smoke_request_error(facts: Facts) -> list[CheckMessage]:
    smoke = facts.smoke_request
    if not smoke.ran or smoke.timed_out or smoke.writes_stopped:
        return []
    failed = (smoke.status is not None and smoke.status >= 500) or (smoke.status is None and smoke.exception is not None)
    return [w007(smoke)] if failed else []


def w008(smoke: SmokeRequest, timeout: float) -> Warning:
    return Warning(
        f"GET / on {smoke.host} did not answer within {timeout:g} seconds.",
        hint="A request slower than gunicorn's --timeout (30 s) ends in WORKER TIMEOUT and a 502.",
        id="deploy_concepts.W008",
    )


def check_smoke_request_time(facts: Facts) -> list[CheckMessage]:
    return [w008(facts.smoke_request, facts.timeout)] if facts.smoke_request.timed_out else []


def w009(check: GunicornCheck) -> Error:
    return Error(
        f"gunicorn rejects the configuration of {check.source}: {check.error}",
        hint=f"Run `{check.command_line}` in {check.cwd} and fix what it reports.",
        id="deploy_concepts.W009",
    )


def check_gunicorn_configuration(facts: Facts) -> list[CheckMessage]:
    return [w009(check) for check in facts.gunicorn.checks if check.stage == "config"]


def effective_binds(facts: Facts, command: StartCommand) -> tuple[str, ...] | None:
    """Where the command listens; None when it cannot be known (a uWSGI socket behind nginx)."""
    if command.binds:
        return command.binds
    check = check_for(facts, command)
    if command.server == "gunicorn":
        if check is not None and check.config_file and check.bind:
            return tuple(item.replace(PORT_SENTINEL, "$PORT") for item in check.bind)
        if command.sets_port or facts.port_env == "PORT":
            return ("0.0.0.0:$PORT",)
    default = command_text.DEFAULT_BINDS.get(command.server or "")
    return (default,) if default else None


def unreachable(facts: Facts, command: StartCommand) -> str | None:
    """How the platform's router misses the server, or None."""
    if not command.is_web or command.server in (None, "runserver"):
        return None
    binds = effective_binds(facts, command)
    if not binds:
        return None
    shown = ", ".join(binds)
    if all(command_text.is_loopback(bind) for bind in binds) and facts.platform_kind in ("paas", "container"):
        return f"listens on {shown} only, which the {facts.platform_title} router cannot reach"
    if facts.port_env:
        names = (facts.port_env, "SOCKET") if facts.platform == "upsun" else (facts.port_env,)
        if any(command_text.references_variable(bind, name) for bind in binds for name in names):
            return None
        if facts.platform == "upsun" and any(bind.startswith("unix:") for bind in binds):
            return None
        return f"listens on {shown}, not on ${facts.port_env} where {facts.platform_title} sends requests"
    if facts.platform == "fly" and facts.fly is not None and facts.fly.internal_port is not None:
        ports = {command_text.bind_port(bind) for bind in binds}
        if str(facts.fly.internal_port) not in ports and not any("$" in (port or "") for port in ports):
            return f"listens on {shown}, not on internal_port {facts.fly.internal_port} from fly.toml"
    return None


def w010(command: StartCommand, problem: str) -> Error:
    port = "$PORT" if command.server == "gunicorn" else "0.0.0.0:$PORT"
    return Error(
        f"{where(command)} {problem}.",
        hint=f"Listen on all interfaces and the platform's port, e.g. --bind 0.0.0.0:{port.split(':')[-1]}.",
        obj=command.command,
        id="deploy_concepts.W010",
    )


def check_listens_where_platform_sends(facts: Facts) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    for command in facts.start_commands:
        problem = unreachable(facts, command)
        if problem:
            messages.append(w010(command, problem))
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


def w011(command: StartCommand) -> Warning:
    return Warning(
        f"{where(command)} starts one sync gunicorn worker: one request at a time.",
        hint="Use --workers 2 x CPU cores + 1 (or set WEB_CONCURRENCY), or add --threads.",
        obj=command.command,
        id="deploy_concepts.W011",
    )


def check_worker_count(facts: Facts) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    for command in facts.start_commands:
        if command.server != "gunicorn" or not command.is_web:
            continue
        workers, worker_class, threads = worker_setup(facts, command)
        if workers == 1 and worker_class.rsplit(".", 1)[-1] in ("sync", "SyncWorker") and threads <= 1:
            messages.append(w011(command))
    return messages


def w012(start_file: StartFile) -> Error:
    return Error(
        f"{start_file.path} cannot be parsed: {start_file.error}",
        hint=f"The platform cannot read it either; fix the {start_file.kind} syntax at that line.",
        id="deploy_concepts.W012",
    )


def check_start_files_parse(facts: Facts) -> list[CheckMessage]:
    return [w012(start_file) for start_file in facts.start_files if start_file.error]


def w013(command: StartCommand) -> Warning:
    return Warning(
        f"Channels is installed but {where(command)} serves WSGI with {command.server}.",
        hint="Websockets need an ASGI server: daphne or gunicorn with an ASGI worker.",
        obj=command.command,
        id="deploy_concepts.W013",
    )


def check_channels_served(facts: Facts) -> list[CheckMessage]:
    if not facts.asgi.channels_installed:
        return []
    return [
        w013(command)
        for command in facts.start_commands
        if command.is_web
        and (command.server in WSGI_ONLY or (command.server == "gunicorn" and not serves_asgi("gunicorn", command.worker_class)))
    ]


def w014(command: StartCommand) -> Error:
    return Error(
        f"{where(command)} passes {' '.join(command.unexpanded)} on literally: no shell runs it.",
        hint='Let a shell run it: ["sh", "-c", "..."], or the shell form of the command.',
        obj=command.command,
        id="deploy_concepts.W014",
    )


def check_shell_syntax(facts: Facts) -> list[CheckMessage]:
    return [w014(command) for command in facts.start_commands if command.unexpanded]


CHECKS = (
    check_wsgi_application,
    check_runserver_in_start_command,
    check_start_command_path,
    check_migrate_in_web_process,
    check_start_command_loads,
    check_asgi_application,
    check_smoke_request_error,
    check_smoke_request_time,
    check_gunicorn_configuration,
    check_listens_where_platform_sends,
    check_worker_count,
    check_start_files_parse,
    check_channels_served,
    check_shell_syntax,
)


def django_check(app_configs: Any = None, databases: Collection[str] | None = None, **kwargs: Any) -> list[CheckMessage]:
    return runner.check_concern(NAME, databases)


# Explanation --------------------------------------------------------------------------------------


def web_command(facts: Facts) -> StartCommand | None:
    """The command that serves HTTP: the first web process that starts a server, else the first web one."""
    web = [command for command in facts.start_commands if command.is_web]
    return next((command for command in web if command.server is not None), web[0] if web else None)


def serving_path(facts: Facts) -> str:
    path = expected_path(facts.wsgi_application) if not facts.wsgi_application_error else None
    return path or f"{facts.project_package}.wsgi:application"


def asgi_path(facts: Facts) -> str | None:
    asgi = facts.asgi.asgi
    if asgi.path and not asgi.error and "." in asgi.path:
        return expected_path(asgi.path)
    return f"{facts.asgi.asgi_module}:application" if facts.asgi.asgi_module else None


def wants_asgi(facts: Facts) -> bool:
    return bool(facts.asgi.async_view_count or facts.asgi.channels_installed or (facts.asgi.asgi.path and not facts.asgi.asgi.error))


def command_for(facts: Facts, *, asgi: bool = False) -> str:
    worker_class = None
    path = serving_path(facts)
    if asgi and asgi_path(facts):
        path = asgi_path(facts) or path
        worker_class = "asgi" if gunicorn_has_asgi_worker(facts.gunicorn.version) else "uvicorn_worker.UvicornWorker"
    return recommended_command(
        path,
        platform_kind=facts.platform_kind,
        port_env=facts.port_env,
        fly_port=facts.fly.internal_port if facts.fly else None,
        terminates_tls=facts.terminates_tls,
        workers=facts.gunicorn.cpus.recommended_workers,
        worker_class=worker_class,
    )


def smoke_fact(smoke: SmokeRequest) -> Fact:
    label = f"GET {smoke.scheme}://{smoke.host}/"
    if not smoke.ran:
        return Fact(label, f"not tried: {smoke.skipped_because}", None)
    if smoke.timed_out:
        return Fact(label, "no answer in time (the request may still be running)", False)
    status = f"{smoke.status} {smoke.reason or ''}".strip() if smoke.status is not None else "no response"
    value = status
    if smoke.location:
        value += f", redirects to {smoke.location}"
    if smoke.exception:
        value += f"\n{smoke.exception}"
    if smoke.writes_stopped:
        value += f"\nthe view tried to write to the database ({smoke.writes_stopped} statement(s) stopped), so the answer may differ"
    ok = smoke.status is not None and smoke.status < 400 and not smoke.writes_stopped
    return Fact(label, value, ok if smoke.status != 404 else None)


def found_facts(facts: Facts) -> list[Fact]:
    wsgi = facts.wsgi
    found = [
        Fact("WSGI_APPLICATION", wsgi.path or "(not set: runserver uses Django's default handler)", wsgi.error is None and bool(wsgi.path))
    ]
    if wsgi.error:
        found.append(Fact("Loading WSGI_APPLICATION", wsgi.error, False))
    found += [Fact("Warning while loading it", warning, None) for warning in wsgi.warnings]
    smoke = facts.smoke_request
    found.append(smoke_fact(smoke))
    if smoke.ran:
        found.append(Fact("Sent as the proxy would", "; ".join(smoke.headers) + f"; host from {smoke.host_source}", None))
    for command in facts.start_commands:
        serves = command.server not in (None, "runserver") and load_failure(facts, command) is None and unreachable(facts, command) is None
        found.append(Fact(f"{where(command)} ({command.process})", command.command, serves if command.is_web else None))
    if not facts.start_commands:
        names = ", ".join(start_file.path for start_file in facts.start_files)
        found.append(Fact("Start command", f"none found{' in ' + names if names else ' (no Procfile, Dockerfile, fly.toml, ...)'}", None))
    for check in facts.gunicorn.checks:
        found.append(Fact(f"gunicorn --check-config ({check.source})", describe_check(check), check.loads))
    found += [Fact("Not checked with gunicorn", reason, None) for reason in facts.gunicorn.not_checked]
    found.append(Fact("CPUs for workers on this machine", describe_cpus(facts.gunicorn.cpus), None))
    installed = ", ".join(f"{server.name} {server.version or '(on PATH)'} ({server.interface})" for server in facts.servers)
    found.append(Fact("Production servers installed here", installed or "none", bool(facts.servers)))
    asgi = facts.asgi
    if asgi.asgi.path or asgi.asgi.error:
        found.append(Fact("ASGI_APPLICATION", asgi.asgi.error or asgi.asgi.path or "", asgi.asgi.error is None))
    if asgi.async_view_count:
        listed = ", ".join(asgi.async_views) + (" ..." if asgi.async_view_count > len(asgi.async_views) else "")
        found.append(Fact("Async views", f"{asgi.async_view_count}: {listed}", None))
    if asgi.url_error:
        found.append(Fact("Reading the URLconf", asgi.url_error, False))
    if asgi.channels_installed:
        found.append(Fact("Channels", "in INSTALLED_APPS: websockets need an ASGI server", None))
    found += [Fact("Could not read", error, False) for error in facts.errors]
    return found


def fix_path_step(facts: Facts, findings_ids: set[str]) -> list[Step]:
    steps = []
    for command in facts.start_commands:
        broken = load_failure(facts, command) is not None and "deploy_concepts.W005" in findings_ids
        mismatched = "deploy_concepts.W003" in findings_ids and command.application_path and check_start_command_path(facts)
        if not (broken or mismatched) or not command.application_path:
            continue
        fixed = command.command.replace(command.application_path, serving_path(facts), 1)
        detail = "gunicorn imports it from the directory the command runs in; a typo such as mysite.wgsi, or a directory above the project, gives ModuleNotFoundError and 'Worker failed to boot'."
        steps.append(Step(f"Serve {serving_path(facts)} in {where(command)}.", detail, fixed, "text"))
    return steps


def explain(facts: Facts, findings: tuple[Finding, ...]) -> Explanation:
    ids = {finding.id for finding in findings}
    steps: list[Step] = []
    package = facts.project_package
    if "deploy_concepts.W001" in ids:
        missing = missing_dependency(facts)
        if missing:
            module = (facts.wsgi_application or "").rpartition(".")[0]
            steps.append(
                Step(
                    f"Make {module} importable: it imports {missing}, which Python cannot find.",
                    f"runserver and every gunicorn worker stop with: {facts.wsgi_application_error} (then 'Worker failed to boot'). "
                    "Commit the missing module, or add the package that provides it to your requirements.",
                    f"python -c 'import {module}'",
                    "shell",
                )
            )
        else:
            steps.append(
                Step(
                    "Make WSGI_APPLICATION point at the application object in your wsgi.py.",
                    f"Django (runserver) and gunicorn both import it; it fails with: {facts.wsgi_application_error}.",
                    f'WSGI_APPLICATION = "{package}.wsgi.application"',
                    "python",
                )
            )
    steps += fix_path_step(facts, ids)
    web = web_command(facts)
    gunicorn_line = command_for(facts)
    needs_server = web is None or web.server in (None, "runserver")
    if needs_server:
        where_to, language, code = start_snippet(web.file if web else default_start_file(facts), gunicorn_line)
        steps.append(
            Step(
                f"Start the site with gunicorn in {where_to}.",
                "runserver is for development only. This is the exact command for this project: the workers "
                f"come from this machine's CPUs ({facts.gunicorn.cpus.usable}); on a platform set WEB_CONCURRENCY for its machine instead."
                + (
                    " --forwarded-allow-ips='*' lets gunicorn believe the router's X-Forwarded-Proto (only the router can reach the app)."
                    if "--forwarded-allow-ips" in gunicorn_line
                    else ""
                ),
                code,
                language,
            )
        )
    if "deploy_concepts.W004" in ids and web is not None:
        where_to, language, code = release_snippet(web.file)
        steps.append(
            Step(
                f"Run migrate once per deploy, in {where_to}, not in the web process.",
                "In the web command it runs at every start and on every instance at once; a failing migration keeps the site down.",
                code,
                language,
            )
        )
    for command in facts.start_commands:
        problem = unreachable(facts, command)
        if problem:
            steps.append(
                Step(
                    f"Listen where {facts.platform_title} sends requests ({where(command)}).",
                    f"It {problem}; the router then reports the app as not responding (a 502 or 'connection refused').",
                    gunicorn_line
                    if command.server == "gunicorn"
                    else f"{command.server} ... --host 0.0.0.0 --port ${facts.port_env or 'PORT'}",
                    "shell",
                )
            )
    if "deploy_concepts.W014" in ids:
        for command in facts.start_commands:
            if command.unexpanded:
                text = command.command if not command.command.startswith("[") else " ".join(json_words(command.command))
                steps.append(
                    Step(
                        f"Let a shell run {where(command)}.",
                        "Without a shell, $VARIABLES and && reach the program as plain text.",
                        f'["sh", "-c", "exec {text}"]',
                        "text",
                    )
                )
    if "deploy_concepts.W011" in ids:
        steps.append(
            Step(
                "Run more than one worker.",
                f"gunicorn suggests 2 x cores + 1 workers: {facts.gunicorn.cpus.recommended_workers} on this machine "
                "(in a container, count the CPUs it is given, not the host's; each worker also needs memory).",
                gunicorn_line,
                "shell",
            )
        )
    for check in facts.gunicorn.checks:
        if check.stage == "config":
            steps.append(
                Step(
                    f"Fix the gunicorn configuration ({check.source}).", check.error or "", f"cd {check.cwd}\n{check.command_line}", "shell"
                )
            )
    smoke = facts.smoke_request
    if "deploy_concepts.W007" in ids:
        steps.append(
            Step(
                "Fix the error GET / raises with production settings.",
                f"{smoke.exception or 'The page fails'}. Visitors see 'Server Error (500)'; the traceback is in the server's log.",
                f"{gunicorn_line.split(' --workers')[0]}\ncurl -i -H 'Host: {smoke.host}' http://127.0.0.1:8000/",
                "shell",
            )
        )
    if smoke.ran and smoke.status == 400:
        steps.append(
            Step(
                f"Accept the host {smoke.host} in ALLOWED_HOSTS.",
                f"Django answers 'Bad Request (400)' and logs: {smoke.exception or 'Invalid HTTP_HOST header'}.",
                f'ALLOWED_HOSTS = ["{smoke.host}"]',
                "python",
            )
        )
    if "deploy_concepts.W008" in ids:
        steps.append(
            Step(
                "Make GET / answer quickly.",
                "gunicorn kills a sync worker whose request runs past --timeout (30 s): the log says [CRITICAL] WORKER TIMEOUT and the visitor gets a 502.",
            )
        )
    if not smoke.ran and smoke.skipped_because and "does not exist" in smoke.skipped_because:
        steps.append(
            Step(
                "Create the local database, then explain again to try GET /.",
                smoke.skipped_because,
                "python manage.py migrate\npython manage.py explain_wsgi",
                "shell",
            )
        )
    if wants_asgi(facts) and asgi_path(facts):
        asgi_line = command_for(facts, asgi=True)
        detail = "Async views then run natively instead of one event loop per request."
        if not gunicorn_has_asgi_worker(facts.gunicorn.version):
            detail += " The uvicorn worker needs: pip install uvicorn-worker."
        if facts.asgi.channels_installed:
            asgi_line += f"\n# or Channels' own server:\ndaphne -b 0.0.0.0 -p ${{PORT:-8000}} {asgi_path(facts)}"
            detail = "Channels' websockets need an ASGI server; WSGI servers never call your consumers."
        steps.append(Step("Serve the ASGI application.", detail, asgi_line, "shell"))
    found = found_facts(facts)
    if not needs_server:
        found.append(Fact("gunicorn command line for this project", gunicorn_line, None))
    return Explanation(about=ABOUT, found=tuple(found), steps=tuple(steps))


def json_words(text: str) -> list[str]:
    try:
        import json

        words = json.loads(text)
    except ValueError:
        return shlex.split(text)
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
    }.get(facts.platform, "Procfile" if facts.port_env else "your start command")


def hops(facts: Facts) -> tuple[Hop, ...]:
    command = web_command(facts)
    if command is None:
        server = Hop("wsgi_server", "WSGI server", "no start command found", None)
    else:
        check = check_for(facts, command)
        starts = "" if check is None else " - starts" if check.loads else " - does not start" if check.loads is False else ""
        serves = command.server not in (None, "runserver") and load_failure(facts, command) is None and unreachable(facts, command) is None
        server = Hop("wsgi_server", "WSGI server", f"{command.server or 'unknown'} ({where(command)}){starts}", serves)
    smoke = facts.smoke_request
    detail = facts.wsgi_application or "WSGI_APPLICATION not set"
    ready: bool | None = facts.wsgi_application_error is None
    if facts.wsgi_application_error:
        detail += " - cannot be loaded"
    elif smoke.ran and smoke.status is not None:
        detail += f" - GET / {smoke.status}"
        ready = smoke.status < 400 or smoke.status == 404
    elif smoke.ran:
        detail += " - GET / timed out" if smoke.timed_out else " - GET / failed"
        ready = False
    else:
        detail += " - GET / not tried"
    return (server, Hop("application", "Django application", detail, ready))
