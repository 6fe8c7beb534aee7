"""Email: a backend that really sends, configured the way the installed Django expects.

Django 6.1 replaced EMAIL_BACKEND and the EMAIL_* settings with MAILERS (the old ones still work,
deprecated) and checks a development-only backend in MAILERS itself (mail.E001); this module checks
EMAIL_BACKEND, which Django does not, and explains both.
Docs: docs/checks/checklist.rst; Django: https://docs.djangoproject.com/en/stable/topics/email/
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping
from typing import Any

import django
from django.core.checks import CheckMessage, Error, Warning

from django_deploy_concepts.context import ProjectContext
from django_deploy_concepts.plan import Plan
from django_deploy_concepts.report import Fact, Finding, Step

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
# The same set as Django 6.1's mail.E001; they print, keep or drop mail instead of sending it.
DEVELOPMENT_BACKENDS = frozenset(
    {
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.dummy.EmailBackend",
        "django.core.mail.backends.filebased.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
    }
)
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", ""})
# Platforms run no mail server next to the app: SMTP to localhost goes nowhere there.
NO_LOCAL_MAIL_KINDS = frozenset({"paas", "container"})
MAILERS_VERSION = (6, 1)


# Facts --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Facts:
    django_has_mailers: bool
    mailers_defined: bool
    # "EMAIL_BACKEND" or "MAILERS['default']": where the backend in use is configured.
    backend_setting: str
    backend: str | None
    host: str | None
    # Whether a password is configured; the password itself is never read into the facts.
    password_set: bool
    mails_someone: bool
    platform_title: str
    platform_kind: str

    @property
    def development_only(self) -> bool:
        return self.backend in DEVELOPMENT_BACKENDS

    @property
    def smtp_to_localhost(self) -> bool:
        return self.backend == SMTP_BACKEND and (self.host or "").strip().lower() in LOCAL_HOSTS


def deprecated_setting(context: ProjectContext, name: str, default: Any) -> Any:
    """An EMAIL_* setting, read without Django 6.1's pending deprecation warning for reading it."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=rf"The {name} setting is deprecated", category=PendingDeprecationWarning)
        return context.setting(name, default)


def collect(context: ProjectContext) -> Facts:
    mailers = context.setting("MAILERS", None)
    platform = context.platform_info
    admins = context.setting("ADMINS", [])
    managers = context.setting("MANAGERS", [])
    mails_someone = bool(admins) or bool(managers) or context.has_setting("DEFAULT_FROM_EMAIL") or context.has_setting("SERVER_EMAIL")
    if isinstance(mailers, Mapping):
        default = mailers.get("default")
        config: Mapping[str, Any] = default if isinstance(default, Mapping) else {}
        options = config.get("OPTIONS")
        options = options if isinstance(options, Mapping) else {}
        backend = config.get("BACKEND", SMTP_BACKEND) if default is not None else None
        return Facts(
            django_has_mailers=True,
            mailers_defined=True,
            backend_setting="MAILERS['default']",
            backend=str(backend) if backend is not None else None,
            host=str(options.get("host", "localhost")),
            password_set=bool(options.get("password")),
            mails_someone=mails_someone,
            platform_title=platform.title,
            platform_kind=platform.kind,
        )
    backend = deprecated_setting(context, "EMAIL_BACKEND", SMTP_BACKEND)
    return Facts(
        django_has_mailers=django.VERSION[:2] >= MAILERS_VERSION,
        mailers_defined=False,
        backend_setting="EMAIL_BACKEND",
        backend=str(backend),
        host=str(deprecated_setting(context, "EMAIL_HOST", "localhost")),
        password_set=bool(deprecated_setting(context, "EMAIL_HOST_PASSWORD", "")),
        mails_someone=mails_someone,
        platform_title=platform.title,
        platform_kind=platform.kind,
    )


# Checks -------------------------------------------------------------------------------------------


def e019(facts: Facts) -> Error:
    return Error(
        f"EMAIL_BACKEND is {facts.backend}, which never sends mail.",
        hint="Use the SMTP backend (or your provider's) outside development.",
        id="deploy_checklist.E019",
    )


def check_development_backend(facts: Facts) -> list[CheckMessage]:
    # With MAILERS, Django 6.1's own mail.E001 reports this; it is explained, not repeated.
    return [e019(facts)] if facts.development_only and not facts.mailers_defined else []


def w020(facts: Facts) -> Warning:
    return Warning(
        f"Mail goes over SMTP to {facts.host or 'localhost'}, and {facts.platform_title} runs no mail server.",
        hint="Set the host, user and password of your mail provider, from the environment.",
        obj=facts.backend_setting,
        id="deploy_checklist.W020",
    )


def check_smtp_to_localhost(facts: Facts) -> list[CheckMessage]:
    if facts.smtp_to_localhost and facts.mails_someone and facts.platform_kind in NO_LOCAL_MAIL_KINDS:
        return [w020(facts)]
    return []


CHECKS = (check_development_backend, check_smtp_to_localhost)


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


def explain(facts: Facts, findings: tuple[Finding, ...], deployment: Plan) -> tuple[list[Fact], list[Step]]:
    ids = {finding.id for finding in findings}
    backend = facts.backend or "(no 'default' mailer)"
    host = f", host {facts.host}" if facts.backend == SMTP_BACKEND else ""
    password = ", password set (not shown)" if facts.password_set else ""
    found = [Fact(f"Email ({facts.backend_setting})", f"{backend}{host}{password}", not (facts.development_only or ids & MAIL_IDS))]
    steps: list[Step] = []
    if ids & MAIL_IDS:
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
        steps.append(
            Step(
                "Send mail through a real mail server, with its credentials from the environment.",
                "Password resets and the error mails to ADMINS go through this backend; a console, file, in-memory or "
                f"dummy backend drops them silently, and SMTP to localhost finds no server on {facts.platform_title}. " + detail,
                code,
                "python",
            )
        )
    return found, steps


MAIL_IDS = frozenset({"deploy_checklist.E019", "deploy_checklist.W020", "mail.E001", "mail.W001"})
