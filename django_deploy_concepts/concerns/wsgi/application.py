"""The application itself: does WSGI_APPLICATION load, and what does ``GET /`` answer?

The smoke request goes through the project's real WSGI application, in this process, with the
host and headers production will see. It runs in a daemon thread bounded by ``context.timeout``,
touches a database only when the run may connect to every configured alias, never lets the view
write (each SQL statement that is not a read is stopped), and keeps Django's error logging
(tracebacks, admin e-mails) from leaving the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import io
import logging
import os
import re
import threading
import warnings
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.checks import CheckMessage, Error, Warning
from django.utils.module_loading import import_string

from django_deploy_concepts import masking
from django_deploy_concepts.concerns.wsgi.gunicorn import asgi_path, command_for, wants_asgi
from django_deploy_concepts.concerns.wsgi.servers import gunicorn_has_asgi_worker
from django_deploy_concepts.context import ProjectContext
from django_deploy_concepts.report import Fact, Step

if TYPE_CHECKING:
    from django_deploy_concepts.concerns.wsgi import Facts

MAX_BODY_BYTES = 1024 * 1024
MAX_TEXT = 300
MAX_ASYNC_VIEWS_LISTED = 20
MAX_URL_PATTERNS = 5000
CAPTURED_LOGGERS = ("django.request", "django.security")
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "::1", "0.0.0.0", "testserver"})
# Statements a GET may run without changing the database; anything else is stopped.
READ_ONLY_SQL = re.compile(
    r"^\s*(\(?\s*SELECT|WITH\b(?!.*\b(INSERT|UPDATE|DELETE)\b)|SAVEPOINT|RELEASE|ROLLBACK|BEGIN|SET\b|SHOW\b|PRAGMA|EXPLAIN|COMMIT)",
    re.IGNORECASE | re.DOTALL,
)
# The address the smoke request says it comes from: TEST-NET-3, never routed.
PROXY_CLIENT_ADDRESS = "203.0.113.10"


@dataclasses.dataclass(frozen=True)
class LoadedApplication:
    """One of WSGI_APPLICATION and ASGI_APPLICATION, loaded the way Django and the servers load it."""

    setting: str
    path: str | None
    # Why it cannot be loaded, None when it loads (or is not set).
    error: str | None
    # The module Python could not find, for a ModuleNotFoundError.
    missing_module: str | None
    # Warnings emitted while loading, e.g. WhiteNoise's "No directory at: ...".
    warnings: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class SmokeRequest:
    ran: bool
    skipped_because: str | None
    host: str | None
    host_source: str | None
    scheme: str
    headers: tuple[str, ...]
    status: int | None = None
    reason: str | None = None
    location: str | None = None
    # "OperationalError: no such table: blog_post", masked; from the log record or the raised error.
    exception: str | None = None
    # What Django logged while answering (django.request, django.security), masked.
    log: tuple[str, ...] = ()
    timed_out: bool = False
    # SQL statements that would have written, stopped before they ran.
    writes_stopped: int = 0
    # The sqlite file that does not exist yet, when that is why the request was not sent.
    missing_database: str | None = None


@dataclasses.dataclass(frozen=True)
class AsyncFacts:
    asgi: LoadedApplication
    # The project's asgi module next to its wsgi module (mysite.asgi), if it exists.
    asgi_module: str | None
    async_views: tuple[str, ...]
    async_view_count: int
    url_error: str | None
    channels_installed: bool


# Loading ------------------------------------------------------------------------------------------------


def one_line(text: str, secrets: frozenset[str]) -> str:
    text = masking.scrub_text(masking.mask_url(" ".join(str(text).split())), secrets)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 3] + "..."


def describe_exception(exc: BaseException, secrets: frozenset[str]) -> str:
    return one_line(f"{type(exc).__name__}: {exc}", secrets)


def load_application(setting: str, path: object, secrets: frozenset[str]) -> tuple[LoadedApplication, Any]:
    """(what loading ``path`` gave, the object or None). Warnings are recorded, not printed."""
    if path is None:
        return LoadedApplication(setting, None, None, None, ()), None
    if not isinstance(path, str):
        return LoadedApplication(setting, None, f"{setting} should be a dotted path string, not {type(path).__name__}", None, ()), None
    application = None
    error = missing = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            application = import_string(path)
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - the import error is the finding
            error = describe_exception(exc, secrets)
            missing = getattr(exc, "name", None) if isinstance(exc, ModuleNotFoundError) else None
    if application is not None and not callable(application):
        error = f"{path} is a {type(application).__name__}, not a callable application"
        application = None
    recorded = tuple(dict.fromkeys(one_line(f"{item.category.__name__}: {item.message}", secrets) for item in caught))
    return LoadedApplication(setting, path, error, missing, recorded), application


def django_default_application() -> Any:
    """What runserver serves when WSGI_APPLICATION is None: Django's own handler."""
    from django.core.wsgi import get_wsgi_application

    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        return get_wsgi_application()


# The smoke request ------------------------------------------------------------------------------------


def choose_host(context: ProjectContext) -> tuple[str, str]:
    """(host, where it comes from): the first usable ALLOWED_HOSTS entry, else the platform's."""
    allowed = context.setting("ALLOWED_HOSTS", [])
    usable: list[str] = []
    if isinstance(allowed, (list, tuple)):
        for entry in allowed:
            if not isinstance(entry, str) or not entry or "*" in entry or "/" in entry or ":" in entry.strip("[]"):
                continue
            usable.append(entry.lstrip(".") if entry.startswith(".") else entry)
    public = [host for host in usable if host not in LOCAL_HOSTS]
    if public:
        return public[0], "the first entry of ALLOWED_HOSTS"
    platform = context.platform_info
    if platform.hostname_env and context.environ.get(platform.hostname_env):
        return context.environ[platform.hostname_env], f"${platform.hostname_env} ({platform.title})"
    if platform.host_suffix:
        return f"example{platform.host_suffix}", f"a name on {platform.title}'s domain"
    if usable:
        return usable[0], "the first entry of ALLOWED_HOSTS"
    return "www.example.com", "a placeholder (no usable ALLOWED_HOSTS entry, no platform hostname)"


def missing_sqlite_files(context: ProjectContext) -> list[str]:
    """sqlite files that do not exist yet: connecting would create them in the user's project."""
    databases = context.setting("DATABASES", {})
    missing: list[str] = []
    if not isinstance(databases, Mapping):
        return missing
    for config in databases.values():
        if not isinstance(config, Mapping) or "sqlite3" not in str(config.get("ENGINE", "")):
            continue
        name = str(config.get("NAME") or "")
        if not name or name == ":memory:" or "mode=memory" in name or name.startswith("file:memorydb"):
            continue
        path = name[5:].split("?", 1)[0] if name.startswith("file:") else name
        if not os.path.exists(path):
            missing.append(path)
    return missing


def why_not_request(context: ProjectContext, application: Any) -> tuple[str | None, str | None]:
    """(why the smoke request must not be sent, the sqlite file it would create), or (None, None)."""
    if application is None:
        return "the application could not be loaded", None
    databases = context.setting("DATABASES", {})
    aliases = [str(alias) for alias in databases] if isinstance(databases, Mapping) else []
    not_allowed = [alias for alias in aliases if alias not in context.databases]
    if not_allowed:
        how = "--offline was given" if not context.databases else f"only {', '.join(context.databases)} may be used"
        return (
            f"the view may query the database {', '.join(repr(alias) for alias in not_allowed)} and this run may not "
            f"connect to it ({how}; `manage.py check` passes databases only with --database)"
        ), None
    missing = missing_sqlite_files(context)
    if missing:
        return f"the sqlite database {missing[0]} does not exist and connecting would create it; run migrate first", missing[0]
    return None, None


def request_environ(host: str, scheme: str, forwarded_header: str | None) -> tuple[dict[str, Any], tuple[str, ...]]:
    headers = {"Host": host, "User-Agent": "django-deploy-concepts smoke request", "Accept": "text/html,*/*"}
    if forwarded_header:
        headers[forwarded_header] = scheme
        headers["X-Forwarded-For"] = PROXY_CLIENT_ADDRESS
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "SERVER_NAME": host,
        "SERVER_PORT": "443" if scheme == "https" else "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scheme,
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ, tuple(f"{name}: {value}" for name, value in headers.items())


class _Recorder(logging.Handler):
    """Keeps the records of the thread it was made for; the rest are dropped, never printed."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.records: dict[int, list[logging.LogRecord]] = {}

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread in self.records:
            self.records[record.thread].append(record)


_capture_lock = threading.Lock()
_capture_users = 0
_recorder = _Recorder()
_saved_loggers: list[tuple[logging.Logger, list[logging.Handler], bool]] = []


@contextlib.contextmanager
def captured_django_logs() -> Iterator[list[logging.LogRecord]]:
    """Django's request and security logs of this thread, kept from stderr and from ADMINS' inboxes.

    Overlapping captures (a timed-out smoke request may still be running) share one recorder;
    the loggers are restored when the last one ends.
    """
    global _capture_users
    records: list[logging.LogRecord] = []
    with _capture_lock:
        if _capture_users == 0:
            names = [
                name
                for name in list(logging.root.manager.loggerDict)
                if any(name == prefix or name.startswith(prefix + ".") for prefix in CAPTURED_LOGGERS)
            ]
            for name in dict.fromkeys([*CAPTURED_LOGGERS, *names]):
                logger = logging.getLogger(name)
                _saved_loggers.append((logger, logger.handlers[:], logger.propagate))
                logger.handlers = [_recorder]
                logger.propagate = False
        _capture_users += 1
        _recorder.records[threading.get_ident()] = records
    try:
        yield records
    finally:
        with _capture_lock:
            _recorder.records.pop(threading.get_ident(), None)
            _capture_users -= 1
            if _capture_users == 0:
                for logger, handlers, propagate in _saved_loggers:
                    logger.handlers = handlers
                    logger.propagate = propagate
                _saved_loggers.clear()


class _WriteGuard:
    """An execute wrapper that lets reads through and stops every statement that could write."""

    def __init__(self) -> None:
        self.stopped = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        if not READ_ONLY_SQL.match(str(sql)):
            self.stopped += 1
            raise PermissionError("django-deploy-concepts stopped a write during its smoke request: " + str(sql).split()[0])
        return execute(sql, params, many, context)


def call_application(application: Any, environ: dict[str, Any], guard: _WriteGuard) -> tuple[str, list[tuple[str, str]]]:
    from django.db import connections

    response_start: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        response_start[:] = [status, headers]
        return lambda data: None

    with contextlib.ExitStack() as stack:
        for alias in connections:
            stack.enter_context(connections[alias].execute_wrapper(guard))
        result = application(environ, start_response)
        try:
            size = 0
            for chunk in result:
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    break
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
    if not response_start:
        raise RuntimeError("the application returned without calling start_response")
    return response_start[0], response_start[1]


def smoke_request(context: ProjectContext, application: Any, secrets: frozenset[str]) -> SmokeRequest:
    platform = context.platform_info
    scheme = "https" if platform.terminates_tls and platform.kind != "unknown" else "http"
    host, host_source = choose_host(context)
    environ, headers = request_environ(host, scheme, platform.forwarded_proto_header if scheme == "https" else None)
    skipped, missing_database = why_not_request(context, application)
    if skipped:
        return SmokeRequest(False, skipped, host, host_source, scheme, headers, missing_database=missing_database)

    outcome: dict[str, Any] = {}
    guard = _WriteGuard()

    def run() -> None:
        from django.db import connections

        with captured_django_logs() as records, warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            try:
                outcome["response"] = call_application(application, environ, guard)
            except BaseException as exc:  # noqa: BLE001 - whatever the view raises is the finding
                outcome["error"] = exc
            finally:
                outcome["records"] = list(records)
                with contextlib.suppress(Exception):
                    connections.close_all()

    thread = threading.Thread(target=run, name="deploy-concepts-smoke-request", daemon=True)
    thread.start()
    thread.join(context.timeout)
    if thread.is_alive():
        return SmokeRequest(True, None, host, host_source, scheme, headers, timed_out=True)

    records: list[logging.LogRecord] = outcome.get("records", [])
    log = tuple(one_line(f"{record.levelname} {record.name}: {record.getMessage()}", secrets) for record in records)
    exception = None
    if "error" in outcome:
        exception = describe_exception(outcome["error"], secrets)
    else:
        for record in records:
            if record.exc_info and record.exc_info[1] is not None:
                exception = describe_exception(record.exc_info[1], secrets)
                break
        else:
            security = next((record for record in records if record.name.startswith("django.security")), None)
            if security is not None:
                exception = one_line(f"{security.name.rsplit('.', 1)[-1]}: {security.getMessage()}", secrets)
    status = reason = location = None
    if "response" in outcome:
        status_line, response_headers = outcome["response"]
        code, _, reason = str(status_line).partition(" ")
        status = int(code) if code.isdigit() else None
        location = next((value for name, value in response_headers if name.lower() == "location"), None)
        if location:
            location = one_line(location, secrets)
    return SmokeRequest(
        True, None, host, host_source, scheme, headers, status, reason or None, location, exception, log, False, guard.stopped
    )


# Async views and ASGI ---------------------------------------------------------------------------------


def is_async_view(callback: Any) -> bool:
    from asgiref.sync import iscoroutinefunction

    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        with contextlib.suppress(Exception):
            return bool(view_class.view_is_async)
    return bool(iscoroutinefunction(callback) or asyncio.iscoroutinefunction(callback))


def async_views(urlconf: object) -> tuple[list[str], int, str | None]:
    """The async views the URLconf routes to: (first names, how many, why the walk failed)."""
    from django.urls import URLPattern, URLResolver, get_resolver

    names: list[str] = []
    seen = 0
    try:
        resolver = get_resolver(urlconf if isinstance(urlconf, str) else None)
        stack: list[tuple[Any, int]] = [(resolver, 0)]
        while stack and seen < MAX_URL_PATTERNS:
            node, depth = stack.pop()
            for pattern in node.url_patterns:
                seen += 1
                if isinstance(pattern, URLResolver) and depth < 20:
                    stack.append((pattern, depth + 1))
                elif isinstance(pattern, URLPattern) and is_async_view(pattern.callback):
                    callback = getattr(pattern.callback, "view_class", pattern.callback)
                    names.append(f"{getattr(callback, '__module__', '?')}.{getattr(callback, '__qualname__', repr(callback))}")
    except Exception as exc:  # noqa: BLE001 - a broken URLconf is reported, the rest goes on
        return names, len(names), f"{type(exc).__name__}: {exc}"
    unique = list(dict.fromkeys(names))
    return unique[:MAX_ASYNC_VIEWS_LISTED], len(unique), None


def sibling_asgi_module(wsgi_path: str | None, base_dir: Path) -> str | None:
    """``mysite.asgi`` when WSGI_APPLICATION is ``mysite.wsgi.application`` and mysite/asgi.py exists."""
    if not wsgi_path or "." not in wsgi_path:
        return None
    package = wsgi_path.rsplit(".", 2)[0] if wsgi_path.count(".") >= 2 else ""
    if not package:
        return None
    import importlib.util

    try:
        spec = importlib.util.find_spec(f"{package}.asgi")
    except (ImportError, ValueError):
        spec = None
    if spec is not None:
        return f"{package}.asgi"
    return f"{package}.asgi" if (base_dir / package.replace(".", "/") / "asgi.py").is_file() else None


def collect_async(context: ProjectContext, wsgi_path: str | None, secrets: frozenset[str]) -> AsyncFacts:
    asgi, _ = load_application("ASGI_APPLICATION", context.setting("ASGI_APPLICATION"), secrets)
    names, count, url_error = async_views(context.setting("ROOT_URLCONF"))
    installed = context.setting("INSTALLED_APPS", [])
    # CHANNEL_LAYERS means nothing without Channels: either sign is enough.
    channels = bool(context.setting("CHANNEL_LAYERS")) or (
        isinstance(installed, (list, tuple))
        and any(isinstance(app, str) and app.split(".")[0] in ("channels", "daphne") for app in installed)
    )
    return AsyncFacts(
        asgi=asgi,
        asgi_module=sibling_asgi_module(wsgi_path, context.base_dir),
        async_views=tuple(names),
        async_view_count=count,
        url_error=None if url_error is None else one_line(url_error, secrets),
        channels_installed=channels,
    )


# Checks --------------------------------------------------------------------------------------------


def missing_dependency(facts: Facts) -> str | None:
    """The module WSGI_APPLICATION's module imports and cannot find (not the module itself)."""
    missing = facts.wsgi.missing_module
    module = (facts.wsgi_application or "").rpartition(".")[0]
    if not missing or module == missing or module.startswith(missing + "."):
        return None
    return missing


def e001(facts: Facts) -> Error:
    missing = missing_dependency(facts)
    hint = (
        f"{facts.wsgi_application.rpartition('.')[0] if facts.wsgi_application else 'wsgi.py'} imports {missing}: add it to the project or its requirements."
        if missing
        else f'Point it at the application in your wsgi.py, e.g. "{facts.project_package}.wsgi.application".'
    )
    return Error(f"WSGI_APPLICATION cannot be loaded: {facts.wsgi_application_error}", hint=hint, id="deploy_wsgi.E001")


def check_wsgi_application(facts: Facts) -> list[CheckMessage]:
    return [e001(facts)] if facts.wsgi_application_error else []


def e006(facts: Facts) -> Error:
    return Error(
        f"ASGI_APPLICATION cannot be loaded: {facts.asgi.asgi.error}",
        hint=f'Point it at the application in your asgi.py, e.g. "{facts.project_package}.asgi.application".',
        id="deploy_wsgi.E006",
    )


def check_asgi_application(facts: Facts) -> list[CheckMessage]:
    return [e006(facts)] if facts.asgi.asgi.error else []


def e007(smoke: SmokeRequest) -> Error:
    status = smoke.status if smoke.status is not None else "no response"
    return Error(
        f"GET / on {smoke.host} gives {status}: {smoke.exception or 'Server Error (500)'}",
        hint="Fix the error above; production will show this page as 'Server Error (500)'.",
        id="deploy_wsgi.E007",
    )


def check_smoke_request_error(facts: Facts) -> list[CheckMessage]:
    smoke = facts.smoke_request
    if not smoke.ran or smoke.timed_out or smoke.writes_stopped:
        return []
    failed = (smoke.status is not None and smoke.status >= 500) or (smoke.status is None and smoke.exception is not None)
    return [e007(smoke)] if failed else []


def w008(smoke: SmokeRequest, timeout: float) -> Warning:
    return Warning(
        f"GET / on {smoke.host} did not answer within {timeout:g} seconds.",
        hint="A request slower than gunicorn's --timeout (30 s) ends in WORKER TIMEOUT and a 502.",
        id="deploy_wsgi.W008",
    )


def check_smoke_request_time(facts: Facts) -> list[CheckMessage]:
    return [w008(facts.smoke_request, facts.timeout)] if facts.smoke_request.timed_out else []


CHECKS = (check_wsgi_application, check_asgi_application, check_smoke_request_error, check_smoke_request_time)


# Explanation ------------------------------------------------------------------------------------------


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


def found(facts: Facts) -> list[Fact]:
    wsgi = facts.wsgi
    loaded = [
        Fact("WSGI_APPLICATION", wsgi.path or "(not set: runserver uses Django's default handler)", wsgi.error is None and bool(wsgi.path))
    ]
    if wsgi.error:
        loaded.append(Fact("Loading WSGI_APPLICATION", wsgi.error, False))
    loaded += [Fact("Warning while loading it", warning, None) for warning in wsgi.warnings]
    smoke = facts.smoke_request
    loaded.append(smoke_fact(smoke))
    if smoke.ran:
        loaded.append(Fact("Sent as the proxy would", "; ".join(smoke.headers) + f"; host from {smoke.host_source}", None))
    return loaded


def async_found(facts: Facts) -> list[Fact]:
    asgi = facts.asgi
    found_async: list[Fact] = []
    if asgi.asgi.path or asgi.asgi.error:
        found_async.append(Fact("ASGI_APPLICATION", asgi.asgi.error or asgi.asgi.path or "", asgi.asgi.error is None))
    if asgi.async_view_count:
        listed = ", ".join(asgi.async_views) + (" ..." if asgi.async_view_count > len(asgi.async_views) else "")
        found_async.append(Fact("Async views", f"{asgi.async_view_count}: {listed}", None))
    if asgi.url_error:
        found_async.append(Fact("Reading the URLconf", asgi.url_error, False))
    if asgi.channels_installed:
        found_async.append(Fact("Channels", "in use (INSTALLED_APPS or CHANNEL_LAYERS): websockets need an ASGI server", None))
    return found_async


def loading_steps(facts: Facts, ids: set[str]) -> list[Step]:
    if "deploy_wsgi.E001" not in ids:
        return []
    missing = missing_dependency(facts)
    if missing:
        module = (facts.wsgi_application or "").rpartition(".")[0]
        return [
            Step(
                f"Make {module} importable: it imports {missing}, which Python cannot find.",
                f"runserver and every gunicorn worker stop with: {facts.wsgi_application_error} (then 'Worker failed to boot'). "
                "Commit the missing module, or add the package that provides it to your requirements.",
                f"python -c 'import {module}'",
                "shell",
            )
        ]
    return [
        Step(
            "Make WSGI_APPLICATION point at the application object in your wsgi.py.",
            f"Django (runserver) and gunicorn both import it; it fails with: {facts.wsgi_application_error}.",
            f'WSGI_APPLICATION = "{facts.project_package}.wsgi.application"',
            "python",
        )
    ]


def request_steps(facts: Facts, ids: set[str]) -> list[Step]:
    smoke = facts.smoke_request
    found_steps: list[Step] = []
    if "deploy_wsgi.E007" in ids:
        found_steps.append(
            Step(
                "Fix the error GET / raises with production settings.",
                f"{smoke.exception or 'The page fails'}. Visitors see 'Server Error (500)'; the traceback is in the server's log.",
                f"{command_for(facts).split(' --workers')[0]}\ncurl -i -H 'Host: {smoke.host}' http://127.0.0.1:8000/",
                "shell",
            )
        )
    if smoke.ran and smoke.status == 400:
        found_steps.append(
            Step(
                f"Accept the host {smoke.host} in ALLOWED_HOSTS.",
                f"Django answers 'Bad Request (400)' and logs: {smoke.exception or 'Invalid HTTP_HOST header'}.",
                f'ALLOWED_HOSTS = ["{smoke.host}"]',
                "python",
            )
        )
    if "deploy_wsgi.W008" in ids:
        found_steps.append(
            Step(
                "Make GET / answer quickly.",
                "gunicorn kills a sync worker whose request runs past --timeout (30 s): the log says "
                "[CRITICAL] WORKER TIMEOUT and the visitor gets a 502.",
            )
        )
    if smoke.missing_database:
        found_steps.append(
            Step(
                "Create the local database, then explain again to try GET /.",
                f"{smoke.missing_database} does not exist; Django would create it on the first connection, so GET / was not sent.",
                "python manage.py migrate\npython manage.py explain_wsgi",
                "shell",
            )
        )
    return found_steps


def asgi_steps(facts: Facts) -> list[Step]:
    path = asgi_path(facts)
    if not wants_asgi(facts) or path is None:
        return []
    command = command_for(facts, asgi=True)
    detail = "Async views then run natively instead of one event loop per request."
    if not gunicorn_has_asgi_worker(facts.gunicorn.version):
        detail += " The uvicorn worker needs: pip install uvicorn-worker."
    if facts.asgi.channels_installed:
        command += f"\n# or Channels' own server:\ndaphne -b 0.0.0.0 -p ${{PORT:-8000}} {path}"
        detail = "Channels' websockets need an ASGI server; WSGI servers never call your consumers."
    return [Step("Serve the ASGI application.", detail, command, "shell")]
