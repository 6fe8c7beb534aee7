"""Which servers this environment has, and does the one that runs fit the project (WSGI or ASGI)?

What is installed where the command runs says nothing about production: this app itself brings
gunicorn, WhiteNoise and dj-database-url wherever it is installed. What production runs comes from
what production installs (its requirements, lock file or Dockerfile), which the checklist concern reads.
"""

from __future__ import annotations

import importlib.metadata
import shutil
from collections.abc import Mapping

from django.core.checks import CheckMessage, Warning

from django_deploy_concepts.concerns.wsgi.facts import Facts, InstalledServer, StartCommand
from django_deploy_concepts.report import Fact

# Server name -> (distributions that provide it, the interface it serves).
SERVERS: Mapping[str, tuple[tuple[str, ...], str]] = {
    "gunicorn": (("gunicorn",), "WSGI"),
    "uwsgi": (("uWSGI", "pyuwsgi"), "WSGI"),
    "waitress": (("waitress",), "WSGI"),
    "mod_wsgi": (("mod_wsgi", "mod-wsgi"), "WSGI"),
    "granian": (("granian",), "WSGI and ASGI"),
    "uvicorn": (("uvicorn",), "ASGI"),
    "daphne": (("daphne",), "ASGI"),
    "hypercorn": (("hypercorn",), "ASGI"),
}
# Servers whose start commands serve only WSGI (gunicorn serves ASGI with an ASGI worker class).
WSGI_ONLY = frozenset({"uwsgi", "waitress", "mod_wsgi"})
ASGI_WORKER_CLASSES = ("asgi", "uvicorn", "gunicorn.workers.gasgi")
# gunicorn's own ASGI worker ("-k asgi") arrived in gunicorn 24.
GUNICORN_ASGI_WORKER_SINCE = 24


def installed_servers() -> tuple[InstalledServer, ...]:
    found = []
    for name, (distributions, interface) in SERVERS.items():
        version = None
        for distribution in distributions:
            try:
                version = importlib.metadata.version(distribution)
                break
            except importlib.metadata.PackageNotFoundError:
                continue
        if version is not None or (name == "uwsgi" and shutil.which("uwsgi")):
            found.append(InstalledServer(name, version, interface))
    return tuple(found)


def serves_asgi(server: str | None, worker_class: str | None) -> bool:
    if server in ("uvicorn", "daphne", "hypercorn"):
        return True
    return server == "gunicorn" and bool(worker_class) and str(worker_class).startswith(ASGI_WORKER_CLASSES)


def gunicorn_has_asgi_worker(version: str | None) -> bool:
    major = (version or "").split(".")[0]
    return major.isdigit() and int(major) >= GUNICORN_ASGI_WORKER_SINCE


# Checks --------------------------------------------------------------------------------------------


def w013(command: StartCommand) -> Warning:
    return Warning(
        f"Channels is installed but {command.file} line {command.line} serves WSGI with {command.server}.",
        hint="Websockets need an ASGI server: daphne or gunicorn with an ASGI worker.",
        obj=command.command,
        id="deploy_wsgi.W013",
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


CHECKS = (check_channels_served,)


# Explanation ------------------------------------------------------------------------------------------


# Said next to the servers found: they are this environment's, not production's.
NOT_PRODUCTION = "what this environment has, not what production installs: that comes from its requirements, lock file or Dockerfile"


def found(facts: Facts) -> list[Fact]:
    installed = ", ".join(f"{server.name} {server.version or '(on PATH)'} ({server.interface})" for server in facts.servers)
    # Neutral: gunicorn is always here (this app depends on it), so it proves nothing about production.
    return [Fact("Servers installed in this environment", f"{installed or 'none'} ({NOT_PRODUCTION})", None)]
