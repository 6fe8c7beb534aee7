"""Email: a backend that really sends, configured the way the installed Django expects.

Django 6.1 replaced EMAIL_BACKEND and the EMAIL_* settings with MAILERS (the old ones still work,
deprecated) and checks a development-only backend in MAILERS itself (mail.E001); this module checks
EMAIL_BACKEND, which Django does not, and explains both. With MAILERS, Django 6.1's AdminEmailHandler
no longer sends the error mail with fail_silently: a mail server that refuses ends the failing
request with no response at all (W037).
Docs: docs/checks/checklist.rst; Django: https://docs.djangoproject.com/en/stable/topics/email/
"""

from __future__ import annotations

import warnings
from collections.abc import Collection, Iterator, Mapping
from typing import Any

import django
from django.core.checks import CheckMessage, Warning
from django.utils.log import DEFAULT_LOGGING

from django_deploy_concepts.concerns.base import Fix
from django_deploy_concepts.concerns.checklist import logs
from django_deploy_concepts.concerns.checklist.facts import SMTP_BACKEND, ErrorMailer, MailFacts
from django_deploy_concepts.context import ProjectContext
from django_deploy_concepts.plan import Plan
from django_deploy_concepts.report import Fact, Step

# Platforms run no mail server next to the app: SMTP to localhost goes nowhere there.
NO_LOCAL_MAIL_KINDS = frozenset({"paas", "container"})
MAILERS_VERSION = (6, 1)
# Django's own handler; a subclass may send its mail another way, so it is not judged.
ADMIN_EMAIL_HANDLER = "django.utils.log.AdminEmailHandler"
DEFAULT_MAILER = "default"


# Facts --------------------------------------------------------------------------------------------


def deprecated_setting(context: ProjectContext, name: str, default: Any) -> Any:
    """An EMAIL_* setting, read without Django 6.1's pending deprecation warning for reading it."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=rf"The {name} setting is deprecated", category=PendingDeprecationWarning)
        return context.setting(name, default)


def error_mail_aliases(logging_config: object, logging_settings: object) -> tuple[str, ...]:
    """The MAILERS aliases Django's own AdminEmailHandler uses for a server error, with DEBUG off."""
    project = logging_settings if isinstance(logging_settings, Mapping) else {}
    project_loggers = project.get("loggers")
    project_loggers = project_loggers if isinstance(project_loggers, Mapping) else {}
    aliases: list[str] = []
    for route in logs.analyse(logging_config, logging_settings).routes:
        if route.kind != "mail_admins" or not route.live:
            continue
        # A logger the project's LOGGING configures takes its handlers from there, else from Django's default.
        configured = "root" in project if route.logger == "root" else route.logger in project_loggers
        handlers = (project if configured else DEFAULT_LOGGING).get("handlers")
        spec = handlers.get(route.handler) if isinstance(handlers, Mapping) else None
        if not isinstance(spec, Mapping) or (spec.get("class") or spec.get("()")) != ADMIN_EMAIL_HANDLER:
            continue
        alias = str(spec.get("using") or DEFAULT_MAILER)
        if alias not in aliases:
            aliases.append(alias)
    return tuple(aliases)


def error_mailers(context: ProjectContext, mailers: Mapping[str, Any]) -> tuple[ErrorMailer, ...]:
    if django.VERSION[:2] < MAILERS_VERSION:
        # Before 6.1 MAILERS is an unknown setting, and the handler sends with fail_silently.
        return ()
    found = []
    for alias in error_mail_aliases(context.setting("LOGGING_CONFIG", logs.DICT_CONFIG), context.setting("LOGGING", {})):
        config = mailers.get(alias)
        if not isinstance(config, Mapping):
            # An alias missing from MAILERS: the handler catches MailerDoesNotExist and sends nothing.
            continue
        options = config.get("OPTIONS")
        options = options if isinstance(options, Mapping) else {}
        found.append(
            ErrorMailer(
                alias, str(config.get("BACKEND", SMTP_BACKEND)), bool(options.get("fail_silently")), options.get("timeout") is not None
            )
        )
    return tuple(found)


def collect(context: ProjectContext) -> MailFacts:
    mailers = context.setting("MAILERS", None)
    admins = context.setting("ADMINS", [])
    managers = context.setting("MANAGERS", [])
    mails_someone = bool(admins) or bool(managers) or context.has_setting("DEFAULT_FROM_EMAIL") or context.has_setting("SERVER_EMAIL")
    if isinstance(mailers, Mapping):
        default = mailers.get("default")
        config: Mapping[str, Any] = default if isinstance(default, Mapping) else {}
        options = config.get("OPTIONS")
        options = options if isinstance(options, Mapping) else {}
        backend = config.get("BACKEND", SMTP_BACKEND) if default is not None else None
        return MailFacts(
            django_has_mailers=True,
            mailers_defined=True,
            backend_setting="MAILERS['default']",
            backend=str(backend) if backend is not None else None,
            host=str(options.get("host", "localhost")),
            password_set=bool(options.get("password")),
            mails_someone=mails_someone,
            platform=context.platform_info,
            admins=bool(admins),
            error_mailers=error_mailers(context, mailers),
        )
    backend = deprecated_setting(context, "EMAIL_BACKEND", SMTP_BACKEND)
    return MailFacts(
        django_has_mailers=django.VERSION[:2] >= MAILERS_VERSION,
        mailers_defined=False,
        backend_setting="EMAIL_BACKEND",
        backend=str(backend),
        host=str(deprecated_setting(context, "EMAIL_HOST", "localhost")),
        password_set=bool(deprecated_setting(context, "EMAIL_HOST_PASSWORD", "")),
        mails_someone=mails_someone,
        platform=context.platform_info,
        admins=bool(admins),
    )


# Checks -------------------------------------------------------------------------------------------


def w019(facts: MailFacts) -> Warning:
    return Warning(
        f"EMAIL_BACKEND is {facts.backend}, which never sends mail.",
        hint="Use the SMTP backend (or your provider's) outside development.",
        id="deploy_checklist.W019",
    )


def check_development_backend(facts: MailFacts) -> list[CheckMessage]:
    # With MAILERS, Django 6.1's own mail.E001 reports this; it is explained, not repeated.
    return [w019(facts)] if facts.development_only and not facts.mailers_defined else []


def w020(facts: MailFacts) -> Warning:
    return Warning(
        f"Mail goes over SMTP to {facts.host or 'localhost'}, and {facts.platform.title} runs no mail server.",
        hint="Set the host, user and password of your mail provider, from the environment.",
        obj=facts.backend_setting,
        id="deploy_checklist.W020",
    )


def check_smtp_to_localhost(facts: MailFacts) -> list[CheckMessage]:
    if facts.smtp_to_localhost and facts.mails_someone and facts.platform.kind in NO_LOCAL_MAIL_KINDS:
        return [w020(facts)]
    return []


def w037(mailer: ErrorMailer) -> Warning:
    return Warning(
        f"MAILERS[{mailer.alias!r}] sends the error mails without fail_silently; if mail fails, no 500 page.",
        hint='Add "fail_silently": True and a "timeout" to its OPTIONS, or send error mails through such a mailer.',
        obj=f"MAILERS[{mailer.alias!r}]",
        id="deploy_checklist.W037",
    )


def check_error_mail_can_drop_the_response(facts: MailFacts) -> list[CheckMessage]:
    # AdminEmailHandler sends nothing without ADMINS; the stated assumption is a mail server that may fail.
    if not facts.admins:
        return []
    return [w037(mailer) for mailer in facts.error_mailers if mailer.backend == SMTP_BACKEND and not mailer.fail_silently]


CHECKS = (check_development_backend, check_smtp_to_localhost, check_error_mail_can_drop_the_response)


# Explanation --------------------------------------------------------------------------------------

MAILERS_CODE = """MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": os.environ["EMAIL_HOST"],
            "port": 587,
            "username": os.environ["EMAIL_HOST_USER"],
            "password": os.environ["EMAIL_HOST_PASSWORD"],
            "use_tls": True,
        },
    },
}"""
EMAIL_SETTINGS_CODE = """EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ["EMAIL_HOST"]
EMAIL_PORT = 587
EMAIL_HOST_USER = os.environ["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = os.environ["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = True"""
# Error mails through their own mailer, which gives up quietly and quickly; other mail stays loud.
# The LOGGING is Django's default (DEFAULT_LOGGING) with "using" added: a project with its own
# LOGGING adds "using": "errors" to its mail_admins handler instead.
ERROR_MAILER_CODE = """MAILERS["errors"] = {
    **MAILERS["default"],
    "OPTIONS": {**MAILERS["default"].get("OPTIONS", {}), "fail_silently": True, "timeout": 10},
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
        "require_debug_true": {"()": "django.utils.log.RequireDebugTrue"},
    },
    "handlers": {
        "console": {"level": "INFO", "filters": ["require_debug_true"], "class": "logging.StreamHandler"},
        "mail_admins": {
            "level": "ERROR",
            "filters": ["require_debug_false"],
            "class": "django.utils.log.AdminEmailHandler",
            "using": "errors",
        },
    },
    "loggers": {"django": {"handlers": ["console", "mail_admins"], "level": "INFO"}},
}"""


def error_mail_step(facts: MailFacts, deployment: Plan) -> Iterator[Step]:
    flagged = [mailer for mailer in facts.error_mailers if not mailer.fail_silently]
    names = ", ".join(f"MAILERS[{mailer.alias!r}]" for mailer in flagged) or "MAILERS"
    if any(mailer.alias == DEFAULT_MAILER for mailer in flagged):
        code = ERROR_MAILER_CODE
    else:
        code = "\n".join(f'MAILERS["{mailer.alias}"]["OPTIONS"] |= {{"fail_silently": True, "timeout": 10}}' for mailer in flagged)
    yield Step(
        "Let a failed error mail fail quietly, within seconds, so the 500 page still goes out.",
        f"Django 6.1 sends the mail to ADMINS inside the failing request, through {names}, and no longer with "
        "fail_silently. When the mail server refuses the connection (or any SMTP error), that exception escapes "
        'the request: gunicorn logs "Socket error processing request." and closes the connection with no '
        'response ("Remote end closed connection without response"; behind nginx "upstream prematurely closed '
        'connection", a 502), and the error mail is lost too. A mail server that does not answer holds the worker '
        'until gunicorn\'s "WORKER TIMEOUT" without a "timeout" option. Give the error mails a mailer with '
        '"fail_silently": True and a "timeout" (below), or add both to the OPTIONS of the mailer they use if '
        "every mail may fail quietly. Before MAILERS (EMAIL_BACKEND), Django sent error mails with fail_silently.",
        code,
        "python",
    )


def found(facts: MailFacts, ids: Collection[str]) -> list[Fact]:
    backend = facts.backend or "(no 'default' mailer)"
    host = f", host {facts.host}" if facts.backend == SMTP_BACKEND else ""
    password = ", password set (not shown)" if facts.password_set else ""
    found_facts = [
        Fact(f"Email ({facts.backend_setting})", f"{backend}{host}{password}", not facts.development_only and MAIL_IDS.isdisjoint(ids))
    ]
    for mailer in facts.error_mailers:
        quiet = "fails quietly" if mailer.fail_silently else "raises into the request"
        timeout = "with a timeout" if mailer.timeout_set else "no timeout"
        found_facts.append(
            Fact(
                f"Error mails to ADMINS (MAILERS[{mailer.alias!r}])",
                f"{mailer.backend}, {quiet}, {timeout}",
                "deploy_checklist.W037" not in ids,
            )
        )
    return found_facts


def mail_server_step(facts: MailFacts, deployment: Plan) -> Iterator[Step]:
    if facts.django_has_mailers:
        detail = (
            "Django 6.1 configures mail with MAILERS (EMAIL_BACKEND and the EMAIL_* settings are deprecated and "
            "cannot be mixed with it); a development-only backend there is Django's own mail.E001, and a MAILERS "
            "without a 'default' entry is mail.W001. Keep the console backend for development only."
        )
        code = MAILERS_CODE
    else:
        detail = "Keep the console backend for development only (for example inside `if DEBUG:`)."
        code = EMAIL_SETTINGS_CODE
    yield Step(
        "Send mail through a real mail server, with its credentials from the environment.",
        "Password resets and the error mails to ADMINS go through this backend; a console, file, in-memory or "
        f"dummy backend drops them silently, and SMTP to localhost finds no server on {facts.platform.title}. " + detail,
        code,
        "python",
    )


MAIL_IDS = frozenset({"deploy_checklist.W019", "deploy_checklist.W020", "mail.E001", "mail.W001"})
FIXES = (Fix(MAIL_IDS, mail_server_step), Fix(frozenset({"deploy_checklist.W037"}), error_mail_step))
