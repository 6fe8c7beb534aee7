"""Errors reach someone: a log route for server errors, ADMINS and MANAGERS, From addresses, error pages.

Docs: docs/checks/checklist.rst; Django: https://docs.djangoproject.com/en/stable/howto/error-reporting/
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable, Collection, Iterator
from typing import Any

from django.core.checks import CheckMessage, Error, Info, Warning

from django_deploy_concepts.concerns.base import Fix
from django_deploy_concepts.concerns.checklist import logs, source
from django_deploy_concepts.concerns.checklist.facts import ErrorFacts, ErrorPage, StaticReference
from django_deploy_concepts.context import ProjectContext
from django_deploy_concepts.helpers import describe_exception, display_path
from django_deploy_concepts.plan import Plan
from django_deploy_concepts.report import Fact, Step

DEFAULT_SERVER_EMAIL = "root@localhost"
DEFAULT_FROM_EMAIL = "webmaster@localhost"
BROKEN_LINK_MIDDLEWARE = "django.middleware.common.BrokenLinkEmailsMiddleware"
# Error-tracking services that catch exceptions themselves, whatever LOGGING says.
TRACKER_MODULES = ("sentry_sdk", "raven", "rollbar", "bugsnag", "honeybadger", "airbrake", "elasticapm", "newrelic", "scout_apm")
ERROR_PAGES = (("404.html", 404, "django.views.defaults.page_not_found"), ("500.html", 500, "django.views.defaults.server_error"))
STATIC_REFERENCE = re.compile(r"""\{%\s*static\s+(['"])(?P<django>[^'"]+)\1|\bstatic\(\s*(['"])(?P<jinja>[^'"]+)\3\s*\)""")
TEMPLATE_REFERENCE = re.compile(r"""\{%\s*(?:extends|include)\s+(['"])(?P<name>[^'"]+)\1""")
MANIFEST_MISSING = "Missing staticfiles manifest entry"
MAX_TEMPLATES_FOLLOWED = 20


# Facts --------------------------------------------------------------------------------------------


def count_entries(context: ProjectContext, name: str, errors: list[str]) -> int | None:
    value = context.setting(name, [])
    if isinstance(value, (list, tuple)):
        return len(value)
    errors.append(f"{name} should be a list, not {type(value).__name__}")
    return None


def find_tracker(context: ProjectContext, parsed: tuple[source.ParsedSource, ...]) -> str | None:
    for module in TRACKER_MODULES:
        location = source.imports_module(parsed, module)
        if location is not None:
            return f"{module} imported in {location}"
    middleware = context.setting("MIDDLEWARE", [])
    for item in middleware if isinstance(middleware, (list, tuple)) else ():
        if any(module in str(item).lower() for module in TRACKER_MODULES):
            return f"{item} in MIDDLEWARE"
    return None


def uses_manifest(context: ProjectContext) -> bool:
    from django.contrib.staticfiles.storage import ManifestFilesMixin
    from django.utils.module_loading import import_string

    storages = context.setting("STORAGES", {})
    entry = storages.get("staticfiles") if isinstance(storages, dict) else None
    backend = entry.get("BACKEND") if isinstance(entry, dict) else None
    if not isinstance(backend, str):
        return False
    try:
        return issubclass(import_string(backend), ManifestFilesMixin)
    except Exception:  # noqa: BLE001 - an unimportable backend is the static concern's finding
        return "Manifest" in backend


# Exceptions are shown cut to this many characters.
MAX_ERROR_CHARS = 300


class DatabaseAccessBlocked(Exception):
    pass


NO_DATABASE = "it queries the database, so it fails exactly when the database is down"
# What Django's dummy backend says to every use; the render sees only dummy connections.
DUMMY_BACKEND_MESSAGE = "settings.DATABASES is improperly configured"
RENDER_SECONDS = 5.0


def render_without_database(template: Any, timeout: float = RENDER_SECONDS) -> BaseException | None:
    """Render ``template`` as django.views.defaults.server_error does (no context, no request), where no
    database can be reached: None when it renders, else what it raised.

    It renders in a thread of its own whose connections (thread-local in Django) are all Django's
    dummy backend, put there through ``connections[alias] = ...``: nothing connects, nothing is
    patched, and this thread's connections are untouched. Bounded by ``timeout``.
    """
    from django.core.exceptions import ImproperlyConfigured
    from django.db import connections
    from django.db.backends.dummy.base import DatabaseWrapper as DummyWrapper

    outcome: dict[str, BaseException | None] = {}

    def render() -> None:
        try:
            for alias in list(connections.settings):
                connections[alias] = DummyWrapper({**connections.settings[alias], "ENGINE": "django.db.backends.dummy"}, alias)
        except Exception as exc:  # noqa: BLE001 - a broken DATABASES: the page is not rendered at all
            outcome["error"] = exc
            return
        try:
            template.render()
            outcome["error"] = None
        except ImproperlyConfigured as exc:
            outcome["error"] = DatabaseAccessBlocked(NO_DATABASE) if DUMMY_BACKEND_MESSAGE in str(exc) else exc
        except BaseException as exc:  # noqa: BLE001 - whatever breaks the 500 page is the finding
            outcome["error"] = exc

    thread = threading.Thread(target=render, name="deploy-concepts-500-page", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        return TimeoutError(f"it did not finish rendering within {timeout:g} seconds")
    return outcome.get("error")


def template_origin(template: Any) -> str | None:
    origin = getattr(template, "origin", None) or getattr(getattr(template, "template", None), "origin", None)
    name = getattr(origin, "name", None)
    return str(name) if name else None


def template_source(template: Any) -> str:
    inner = getattr(template, "template", None)
    text = getattr(inner, "source", None)
    if isinstance(text, str):
        return text
    filename = getattr(inner, "filename", None)
    if isinstance(filename, str):
        with contextlib.suppress(OSError), open(filename, encoding="utf-8", errors="replace") as handle:
            return handle.read(1024 * 1024)
    return ""


def static_references(name: str, root: Any) -> tuple[StaticReference, ...]:
    """Literal {% static %} paths of a template, its parents and includes, and whether a finder has each."""
    from django.contrib.staticfiles import finders
    from django.template import loader

    references: list[StaticReference] = []
    seen: set[str] = set()
    pending: list[tuple[str, Any]] = [(name, root)]
    while pending and len(seen) < MAX_TEMPLATES_FOLLOWED:
        current, template = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        text = template_source(template)
        for match in STATIC_REFERENCE.finditer(text):
            path = match["django"] or match["jinja"]
            try:
                found = finders.find(path) is not None
            except Exception:  # noqa: BLE001 - a broken finder setting is the static concern's finding
                found = True
            references.append(StaticReference(path, current, found))
        for match in TEMPLATE_REFERENCE.finditer(text):
            with contextlib.suppress(Exception):
                pending.append((match["name"], loader.get_template(match["name"])))
    return tuple(dict.fromkeys(references))


def locate_template(name: str) -> str | None:
    """The file a Django template engine would load ``name`` from, without compiling it."""
    import os

    from django.template import engines

    for engine in engines.all():
        for loader in getattr(getattr(engine, "engine", None), "template_loaders", ()):
            for origin in getattr(loader, "get_template_sources", lambda name: ())(name):
                if os.path.isfile(origin.name):
                    return str(origin.name)
    return None


def custom_handler(status: int, default: str) -> str | None:
    from django.urls import get_resolver

    try:
        view = get_resolver().resolve_error_handler(status)
    except BaseException as exc:  # a broken URLconf, even one raising SystemExit, is for Django's url checks
        if isinstance(exc, KeyboardInterrupt):
            raise
        return None
    path = f"{getattr(view, '__module__', '')}.{getattr(view, '__qualname__', '')}"
    return None if path == default else path


def inspect_page(name: str, status: int, default_handler: str, display: Callable[[str], str]) -> ErrorPage:
    from django.template import TemplateDoesNotExist, loader

    handler = custom_handler(status, default_handler)
    if handler is not None:
        return ErrorPage(name, handler, False, None, None, None, ())
    try:
        template = loader.get_template(name)
    except TemplateDoesNotExist:
        return ErrorPage(name, None, False, None, None, None, ())
    except Exception as exc:  # noqa: BLE001 - TemplateSyntaxError and anything a loader raises
        path = locate_template(name)
        return ErrorPage(name, None, True, display(path) if path else None, describe_exception(exc, MAX_ERROR_CHARS), None, ())
    origin = template_origin(template)
    references = static_references(name, template)
    render_error = None
    if status == 500:
        # As django.views.defaults.server_error does: no context, no request.
        error = render_without_database(template)
        render_error = None if error is None else describe_exception(error, MAX_ERROR_CHARS)
    return ErrorPage(name, None, True, display(origin) if origin else None, None, render_error, references)


def collect(context: ProjectContext, parsed: tuple[source.ParsedSource, ...]) -> ErrorFacts:
    errors: list[str] = []
    analysis = logs.analyse(context.setting("LOGGING_CONFIG", logs.DICT_CONFIG), context.setting("LOGGING", {}))
    middleware = context.setting("MIDDLEWARE", [])

    def display(path: str) -> str:
        return display_path(path, context.search_roots, resolve=True)

    pages = []
    for name, status, default in ERROR_PAGES:
        try:
            pages.append(inspect_page(name, status, default, display))
        except Exception as exc:  # noqa: BLE001 - e.g. a broken TEMPLATES setting
            errors.append(f"cannot look up {name}: {describe_exception(exc, MAX_ERROR_CHARS)}")
    return ErrorFacts(
        admins=count_entries(context, "ADMINS", errors),
        managers=count_entries(context, "MANAGERS", errors),
        routes=analysis.routes,
        request_logger_disabled=analysis.request_logger_disabled,
        logging_unknown=analysis.unknown,
        tracker=find_tracker(context, parsed),
        platform=context.platform_info,
        broken_link_emails=isinstance(middleware, (list, tuple)) and BROKEN_LINK_MIDDLEWARE in middleware,
        server_email=str(context.setting("SERVER_EMAIL", DEFAULT_SERVER_EMAIL)),
        default_from_email=str(context.setting("DEFAULT_FROM_EMAIL", DEFAULT_FROM_EMAIL)),
        manifest_storage=uses_manifest(context),
        pages=tuple(pages),
        errors=tuple(errors),
    )


# Checks -------------------------------------------------------------------------------------------

W011 = Warning(
    "ADMINS is empty: with DEBUG off, server errors are mailed to nobody.",
    hint="Add ADMINS, or a LOGGING handler that writes errors where you read them.",
    id="deploy_checklist.W011",
)


def errors_reach_nobody(facts: ErrorFacts) -> bool:
    return facts.logging_unknown is None and not facts.request_logger_disabled and not facts.live_destinations


def check_admins(facts: ErrorFacts) -> list[CheckMessage]:
    return [W011] if errors_reach_nobody(facts) and facts.mail_admins_route and not facts.admins else []


W012 = Warning(
    "LOGGING disables Django's loggers: server errors are dropped.",
    hint='Set "disable_existing_loggers": False in LOGGING, or configure the "django" logger.',
    id="deploy_checklist.W012",
)


def check_loggers_disabled(facts: ErrorFacts) -> list[CheckMessage]:
    return [W012] if facts.request_logger_disabled and not facts.tracker else []


def w013(facts: ErrorFacts) -> Warning:
    dead = ", ".join(f"{route.handler!r} ({route.reason or 'not read on ' + facts.platform.title})" for route in facts.routes) or "none"
    return Warning(
        "No logging handler sends server errors anywhere in production.",
        hint=f"Handlers on django.request's path: {dead}.",
        id="deploy_checklist.W013",
    )


def check_errors_reach_someone(facts: ErrorFacts) -> list[CheckMessage]:
    # An empty ADMINS on Django's own mail route is W011: one cause, one message.
    if not errors_reach_nobody(facts) or facts.mail_admins_route:
        return []
    return [w013(facts)]


W014 = Warning(
    "BrokenLinkEmailsMiddleware is on, but MANAGERS is empty: nobody gets its mail.",
    hint="Add MANAGERS, or remove the middleware.",
    id="deploy_checklist.W014",
)


def check_managers(facts: ErrorFacts) -> list[CheckMessage]:
    return [W014] if facts.broken_link_emails and facts.managers == 0 else []


def w015(defaults: list[str]) -> Warning:
    return Warning(
        f"{' and '.join(defaults)} {'are' if len(defaults) > 1 else 'is'} still Django's localhost default.",
        hint="Mail servers reject or junk mail from localhost: use an address of your domain.",
        id="deploy_checklist.W015",
    )


def check_from_addresses(facts: ErrorFacts) -> list[CheckMessage]:
    # Only when the project mails someone: ADMINS or MANAGERS set.
    if not (facts.admins or facts.managers):
        return []
    defaults = [
        f"{name} = {value!r}"
        for name, value, default in (
            ("SERVER_EMAIL", facts.server_email, DEFAULT_SERVER_EMAIL),
            ("DEFAULT_FROM_EMAIL", facts.default_from_email, DEFAULT_FROM_EMAIL),
        )
        if value == default
    ]
    return [w015(defaults)] if defaults else []


def i016(page: ErrorPage) -> Info:
    return Info(
        f"No {page.name} template: visitors see Django's bare error page.",
        hint=f"Add templates/{page.name} (it renders without your context processors).",
        obj=page.name,
        id="deploy_checklist.I016",
    )


def check_error_templates_exist(facts: ErrorFacts) -> list[CheckMessage]:
    return [i016(page) for page in facts.pages if page.custom_handler is None and not page.found]


def e017(page: ErrorPage, error: str) -> Error:
    return Error(
        f"{page.name} fails, so the error page itself errors: {error}",
        hint="Fix the template; render it with no context and no request, as Django does.",
        obj=page.origin or page.name,
        id="deploy_checklist.E017",
    )


def check_error_templates_render(facts: ErrorFacts) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    for page in facts.pages:
        error = page.load_error or page.render_error
        if error is None:
            continue
        # A missing manifest entry for files that do exist means collectstatic has not run here;
        # a file that exists nowhere is E018.
        if page.load_error is None and MANIFEST_MISSING in error:
            continue
        messages.append(e017(page, error))
    return messages


def e018(page: ErrorPage, reference: StaticReference) -> Error:
    return Error(
        f"{reference.template} uses {{% static {reference.path!r} %}}, which no finder locates.",
        hint=f"Under a manifest storage the {page.name} page then fails too: add the file or drop the reference.",
        obj=page.origin or page.name,
        id="deploy_checklist.E018",
    )


def check_error_page_static(facts: ErrorFacts) -> list[CheckMessage]:
    if not facts.manifest_storage:
        return []
    return [e018(page, reference) for page in facts.pages if page.name == "500.html" for reference in page.missing_static]


CHECKS = (
    check_admins,
    check_loggers_disabled,
    check_errors_reach_someone,
    check_managers,
    check_from_addresses,
    check_error_templates_exist,
    check_error_templates_render,
    check_error_page_static,
)


# Explanation --------------------------------------------------------------------------------------


def describe_page(page: ErrorPage, manifest_storage: bool) -> tuple[str, bool | None]:
    if page.custom_handler:
        return f"served by your view {page.custom_handler}", None
    if not page.found:
        return "missing: Django's bare page is shown", False
    error = page.load_error or page.render_error
    if error:
        return f"{page.origin or 'found'}, but fails: {error}", False
    if page.missing_static:
        missing = ", ".join(reference.path for reference in page.missing_static)
        return f"{page.origin}; static file(s) not found: {missing}", not manifest_storage
    return page.origin or "found", True


def found(facts: ErrorFacts, ids: Collection[str]) -> list[Fact]:
    destinations = facts.live_destinations
    found_facts = [
        Fact(
            "Server errors in production go to",
            "; ".join(destinations) or facts.logging_unknown or "nobody",
            bool(destinations) if facts.logging_unknown is None else None,
        ),
        Fact(
            "ADMINS",
            f"{facts.admins} address(es)" if facts.admins is not None else "not a list",
            False if "deploy_checklist.W011" in ids else None,
        ),
        Fact("SERVER_EMAIL / DEFAULT_FROM_EMAIL", f"{facts.server_email} / {facts.default_from_email}", None),
    ]
    for page in facts.pages:
        value, ok = describe_page(page, facts.manifest_storage)
        found_facts.append(Fact(page.name, value, ok))
    return found_facts + [Fact("Could not read", error, False) for error in facts.errors]


def logging_step(facts: ErrorFacts, deployment: Plan) -> Iterator[Step]:
    where = (
        f"On {facts.platform.title} whatever the app writes to the console is collected in the platform's log."
        if facts.platform_collects_logs
        else "A console handler writes to the WSGI server's output; make sure that lands in a log you read."
    )
    yield Step(
        "Make server errors reach someone.",
        'With DEBUG off a visitor sees only "Server Error (500)", and Django\'s default logging sends the traceback '
        "nowhere but to email for ADMINS (its console handler works only with DEBUG on). A LOGGING without "
        '"disable_existing_loggers": False switches Django\'s loggers off entirely. '
        + where
        + " To have errors mailed as well, add ADMINS with your address (and a real mail server).",
        deployment.snippet("LOGGING"),
        "python",
    )


def sender_step(facts: ErrorFacts, deployment: Plan) -> Iterator[Step]:
    yield Step(
        "Send mail from an address of your own domain.",
        "SERVER_EMAIL is the sender of error mail to ADMINS and MANAGERS; DEFAULT_FROM_EMAIL of everything else (password resets).",
        'SERVER_EMAIL = "errors@example.com"\nDEFAULT_FROM_EMAIL = "noreply@example.com"',
        "python",
    )


def managers_step(facts: ErrorFacts, deployment: Plan) -> list[Step]:
    return [Step("Tell BrokenLinkEmailsMiddleware whom to mail.", "", 'MANAGERS = ["you@example.com"]', "python")]


def error_pages_step(facts: ErrorFacts, deployment: Plan) -> Iterator[Step]:
    yield Step(
        "Give the error pages templates that cannot fail.",
        "Django renders 500.html with no context and no request, often while the database or a setting is "
        "broken: keep it plain, without database queries, and reference only static files that exist. Under "
        'a manifest storage a missing one raises "ValueError: Missing staticfiles manifest entry" inside the '
        "error page, so every error becomes a second one. 404.html gets request_path and exception.",
        "templates/500.html:\n<!doctype html>\n<title>Server error</title>\n<h1>Sorry, something went wrong.</h1>\n"
        "<p>We have been told and are looking into it.</p>",
        "html",
    )


FIXES = (
    Fix(frozenset({"deploy_checklist.W011", "deploy_checklist.W012", "deploy_checklist.W013"}), logging_step),
    Fix(frozenset({"deploy_checklist.W015"}), sender_step),
    Fix(frozenset({"deploy_checklist.W014"}), managers_step),
    Fix(frozenset({"deploy_checklist.I016", "deploy_checklist.E017", "deploy_checklist.E018"}), error_pages_step),
)
