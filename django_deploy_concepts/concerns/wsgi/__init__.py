"""WSGI server: what runs the app in production, and will it start?

Docs: docs/checks/wsgi.rst; Django: https://docs.djangoproject.com/en/stable/howto/deployment/wsgi/

One module per sub-topic, each with its facts, checks and explanation: ``application``
(WSGI_APPLICATION and ASGI, loaded in a child process), ``start_commands`` (what the platform files start;
read by ``platform_files`` and ``commands``), ``gunicorn`` (its own configuration check, workers,
the command line for this project), ``servers`` (what is installed). ``formats`` reads YAML and TOML.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from django.core.checks import CheckMessage, Error, Warning

from django_deploy_concepts import plan
from django_deploy_concepts.concerns.base import Concern, fix_steps
from django_deploy_concepts.concerns.wsgi import application, gunicorn, servers, start_commands
from django_deploy_concepts.concerns.wsgi.facts import Facts, GunicornFacts
from django_deploy_concepts.context import ProjectContext
from django_deploy_concepts.plan import Plan
from django_deploy_concepts.report import Explanation, Fact, Finding, Hop

NAME = "wsgi"
TITLE = "WSGI server"
LABEL = "deploy_wsgi"
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
# The tags of the Django checks that can report those ids: a run of this concern alone runs only them.
DJANGO_CHECK_TAGS: tuple[str, ...] | None = ("async_support",)


# Facts --------------------------------------------------------------------------------------------


def project_package(context: ProjectContext, wsgi_path: str | None) -> str:
    if wsgi_path and wsgi_path.count(".") >= 2:
        return wsgi_path.split(".")[0]
    module = context.settings_module or "mysite.settings"
    return module.split(".")[0] if "." in module else "mysite"


def configured_path(value: object) -> str | None:
    """WSGI_APPLICATION as a path to load, as ``application.load_application`` takes it."""
    return value if isinstance(value, str) else None


def checking_gunicorn(context: ProjectContext) -> Callable[[], GunicornFacts]:
    """gunicorn's own checks of the start commands, started once per run; call to wait for them."""
    return context.memo(  # type: ignore[no-any-return]
        "wsgi:gunicorn",
        lambda: gunicorn.start_gunicorn(
            context,
            start_commands.project_start_commands(context).commands,
            configured_path(context.setting("WSGI_APPLICATION")),
            context.known_secrets(),
        ),
    )


def loading(context: ProjectContext) -> Callable[[], Any]:
    """The child process loading the applications, started once per run; call to wait for it."""
    return context.memo("wsgi:loading", lambda: application.start_loading(context))  # type: ignore[no-any-return]


def prepare(context: ProjectContext) -> None:
    """Start gunicorn's checks and the loading at the start of a run: they run in other processes meanwhile."""
    checking_gunicorn(context)
    loading(context)


def collect_facts(context: ProjectContext) -> Facts:
    gunicorn_facts = checking_gunicorn(context)
    loaded_in_child, loaded, result = loading(context)()
    wsgi = loaded["WSGI_APPLICATION"]
    found = start_commands.project_start_commands(context)
    environ = dict(context.environ)
    commands = tuple(
        dataclasses.replace(command, import_error=start_commands.import_error(command, context.base_dir, environ))
        for command in found.commands
    )
    installed = servers.installed_servers()
    return Facts(
        wsgi_application=wsgi.path,
        wsgi_application_error=wsgi.error,
        start_commands=commands,
        servers_installed=tuple(server.name for server in installed),
        errors=found.errors,
        wsgi=wsgi,
        loading=loaded_in_child,
        start_files=found.files,
        fly=found.fly,
        gunicorn=gunicorn_facts(),
        servers=installed,
        asgi=application.collect_async(context, loaded["ASGI_APPLICATION"], result, wsgi.path),
        project_package=project_package(context, wsgi.path),
        platform=context.platform_info,
        timeout=context.timeout,
    )


# Checks -------------------------------------------------------------------------------------------


# Platforms where only a file of the repository can start the web process (Heroku runs no web
# dyno without a Procfile), and those where a start command may instead be set in their dashboard.
START_FILE_REQUIRED = frozenset({"heroku"})
START_COMMAND_EXPECTED = frozenset({"render", "fly", "railway", "digitalocean", "cloudrun", "container"})


def e020(facts: Facts) -> Error:
    return Error(
        f"No start command found for {facts.platform.title}: no web process starts.",
        hint=f"Add a Procfile with web: gunicorn {facts.project_package}.wsgi (python manage.py explain_deploy --emit platform).",
        id="deploy_wsgi.E020",
    )


def w021(facts: Facts) -> Warning:
    return Warning(
        f"No start command in the repository for {facts.platform.title}; unless its dashboard sets one, nothing starts.",
        hint="Write it in the platform's file: python manage.py explain_deploy --emit platform.",
        id="deploy_wsgi.W021",
    )


def check_start_command_exists(facts: Facts) -> list[CheckMessage]:
    if start_commands.web_command(facts) is not None:
        return []
    if facts.platform.name in START_FILE_REQUIRED:
        return [e020(facts)]
    # A start file without a command (a Dockerfile with no CMD) has its own finding (E019).
    return [w021(facts)] if facts.platform.name in START_COMMAND_EXPECTED and not facts.start_files else []


CHECKS = (*application.CHECKS, *start_commands.CHECKS, *gunicorn.CHECKS, *servers.CHECKS, check_start_command_exists)


# Explanation --------------------------------------------------------------------------------------

# The steps in the order the explanation shows them; each is defined next to the check it fixes.
FIXES = (
    application.FIX_LOADING,
    application.FIX_QUICK_IMPORT,
    start_commands.FIX_UNLOADABLE_PATH,
    start_commands.FIX_OTHER_PATH,
    start_commands.FIX_START,
    start_commands.FIX_RELEASE,
    start_commands.FIX_LISTEN,
    start_commands.FIX_SHELL,
    start_commands.FIX_WORKERS,
    gunicorn.FIX_CONFIG,
    application.FIX_ASGI,
)


def explain(facts: Facts, findings: tuple[Finding, ...], deployment: Plan | None = None) -> Explanation:
    deployment = deployment or plan.for_platform(
        facts.platform.name,
        project_package=facts.project_package or "mysite",
        wsgi_application=facts.wsgi_application,
        workers=facts.gunicorn.cpus.recommended_workers,
        fly_port=facts.fly.internal_port if facts.fly else None,
    )
    web = start_commands.web_command(facts)
    serving = web is not None and web.server not in (None, "runserver")
    found = [
        *application.found(facts),
        *start_commands.found(facts),
        *gunicorn.found(facts, with_command_line=serving),
        *servers.found(facts),
        *application.async_found(facts),
        *(Fact("Could not read", error, False) for error in facts.errors),
    ]
    steps = fix_steps(FIXES, facts, {finding.id for finding in findings}, deployment)
    return Explanation(about=(situation(deployment), *ABOUT), found=tuple(found), steps=tuple(steps))


def situation(deployment: Plan) -> str:
    platform = deployment.platform
    if platform.name == "pythonanywhere":
        return f"On {platform.title} no WSGI server is yours to start: {platform.port_note}."
    return (
        f"On {deployment.where}, the command that starts the site is written in {deployment.platform_file.name}, and "
        f"{platform.port_note}. A release step runs migrate once per deploy: {platform.release_step}."
    )


def hops(facts: Facts) -> tuple[Hop, ...]:
    command = start_commands.web_command(facts)
    if command is None:
        # A platform or a container starts nothing by itself: there, no start command means no site.
        needs_one = facts.platform.kind in ("paas", "container") and facts.platform.name != "pythonanywhere"
        server = Hop("wsgi_server", "WSGI server", "no start command found", False if needs_one else None)
    else:
        check = gunicorn.check_for(facts, command)
        starts = "" if check is None or check.loads is None else " - starts" if check.loads else " - does not start"
        detail = f"{command.server or 'unknown'} ({start_commands.where(command)}){starts}"
        server = Hop("wsgi_server", "WSGI server", detail, start_commands.serves(facts, command))
    detail = facts.wsgi_application or "WSGI_APPLICATION not set"
    ready: bool | None = facts.wsgi_application_error is None
    if facts.wsgi_application_error:
        detail += " - cannot be loaded"
    elif facts.wsgi.unverified:
        detail += " - not verified"
        ready = None
    elif facts.wsgi.path:
        detail += " - loads"
    detail += f"; {application.REHEARSAL}"
    return (server, Hop("application", "Django application", detail, ready))


CONCERN = Concern(__name__)
