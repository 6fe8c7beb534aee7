"""State kept per process, which several workers do not share: worker count, local-memory cache, sessions in it.

Docs: https://docs.djangoproject.com/en/stable/topics/cache/#local-memory-caching
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.checks import CheckMessage, Warning

from django_deploy_concepts.concerns.wsgi.start_commands import project_start_commands

if TYPE_CHECKING:
    from django_deploy_concepts.concerns.database import Facts
    from django_deploy_concepts.context import ProjectContext

LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
CACHE_SESSIONS = "django.contrib.sessions.backends.cache"
SESSION_MIDDLEWARE = "django.contrib.sessions.middleware.SessionMiddleware"
# Worker and thread flags of the servers whose command line says how many run at once.
PROCESS_FLAGS: Mapping[str, re.Pattern[str]] = {
    "gunicorn": re.compile(r"(?:^|\s)(?:--workers(?:=|\s+)|-w\s*)(\d+)"),
    "uwsgi": re.compile(r"(?:^|\s)(?:--processes|--workers|-p)(?:=|\s+)(\d+)"),
}
THREAD_FLAG = re.compile(r"(?:^|\s)--threads(?:=|\s+)(\d+)")
# What each server runs when its command line says nothing.
DEFAULT_PROCESSES: Mapping[str, int] = {"gunicorn": 1, "uwsgi": 1, "waitress": 1}
DEFAULT_THREADS: Mapping[str, int] = {"waitress": 4}


# Facts --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Workers:
    processes: int | None
    threads: int | None
    # Where the numbers come from, e.g. "Procfile line 1".
    source: str | None

    @property
    def concurrency(self) -> int | None:
        """How many requests can touch the database at once."""
        if self.processes is None:
            return None
        return self.processes * (self.threads or 1)


UNKNOWN_WORKERS = Workers(None, None, None)


@dataclasses.dataclass(frozen=True)
class Caches:
    default_backend: str | None
    session_engine: str | None
    session_cache_backend: str | None
    sessions_used: bool


@dataclasses.dataclass(frozen=True)
class Processes:
    workers: Workers
    caches: Caches


def as_count(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return None


def number(text: str | None) -> int | None:
    return as_count(int(text)) if text and text.isdigit() else None


def flag(pattern: re.Pattern[str] | None, command: str) -> int | None:
    match = pattern.search(command) if pattern is not None else None
    return int(match[1]) if match else None


def count_workers(context: ProjectContext) -> Workers:
    """Processes and threads of the web start command, as the WSGI concern reads it.

    Only the start commands: the rest of the WSGI facts (loading the application, gunicorn's own
    check in a subprocess) would cost more than the whole database concern.
    """
    try:
        start_commands = project_start_commands(context).commands
    except Exception:  # noqa: BLE001 - the WSGI concern reports its own failure
        return UNKNOWN_WORKERS
    for command in start_commands:
        server = getattr(command, "server", None)
        if getattr(command, "process", "web") != "web" or not isinstance(server, str) or server not in DEFAULT_PROCESSES:
            continue
        text = str(getattr(command, "command", ""))
        processes = as_count(getattr(command, "workers", None)) or flag(PROCESS_FLAGS.get(server), text)
        if processes is None and server == "gunicorn":
            # gunicorn reads WEB_CONCURRENCY when --workers is absent; platforms such as Heroku set it.
            processes = number(context.environ.get("WEB_CONCURRENCY"))
        threads = as_count(getattr(command, "threads", None)) or flag(THREAD_FLAG, text) or DEFAULT_THREADS.get(server)
        file, line = getattr(command, "file", "start command"), getattr(command, "line", None)
        source = f"{file} line {line}" if line else str(file)
        return Workers(processes or DEFAULT_PROCESSES[server], threads, source)
    return UNKNOWN_WORKERS


def backend_of(caches: object, alias: str) -> str | None:
    if not isinstance(caches, Mapping):
        return None
    config = caches.get(alias)
    backend = config.get("BACKEND") if isinstance(config, Mapping) else None
    return backend if isinstance(backend, str) else None


def read_caches(context: ProjectContext) -> Caches:
    caches: Any = context.setting("CACHES", {})
    session_engine = context.setting("SESSION_ENGINE")
    session_alias = context.setting("SESSION_CACHE_ALIAS", "default")
    middleware = context.setting("MIDDLEWARE", [])
    return Caches(
        default_backend=backend_of(caches, "default"),
        session_engine=session_engine if isinstance(session_engine, str) else None,
        session_cache_backend=backend_of(caches, session_alias) if isinstance(session_alias, str) else None,
        sessions_used=isinstance(middleware, (list, tuple)) and SESSION_MIDDLEWARE in middleware,
    )


# Checks -------------------------------------------------------------------------------------------


def w020(workers: Workers) -> Warning:
    return Warning(
        f"LocMemCache is the default cache: each of {workers.processes} workers ({workers.source}) has its own.",
        hint="Cached values differ between workers and vanish at restart; use Redis, Memcached or the database.",
        obj="default",
        id="deploy_database.W020",
    )


def check_local_memory_cache(facts: Facts) -> list[CheckMessage]:
    workers = facts.processes.workers
    if facts.processes.caches.default_backend != LOCMEM or workers.processes is None or workers.processes < 2:
        return []
    return [w020(workers)]


W021 = Warning(
    "Sessions are kept in a LocMemCache: users are logged out at restarts and between workers.",
    hint='Use SESSION_ENGINE = "django.contrib.sessions.backends.cached_db", or a shared cache.',
    id="deploy_database.W021",
)


def check_sessions_in_local_memory(facts: Facts) -> list[CheckMessage]:
    caches = facts.processes.caches
    return [W021] if caches.sessions_used and caches.session_engine == CACHE_SESSIONS and caches.session_cache_backend == LOCMEM else []


# Explanation --------------------------------------------------------------------------------------


SHARED_CACHE = """# Django 4.0+; needs the redis package and a Redis server (the platform's REDIS_URL).
# Without REDIS_URL, as under runserver, Django's default cache stays.
if "REDIS_URL" in os.environ:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db\""""


def describe(workers: Workers) -> str:
    if workers.processes is None:
        return "unknown (no gunicorn, uWSGI or waitress start command found)"
    threads = f" x {workers.threads} threads" if workers.threads and workers.threads > 1 else ""
    return f"{workers.processes} process{'es' if workers.processes != 1 else ''}{threads} ({workers.source})"
