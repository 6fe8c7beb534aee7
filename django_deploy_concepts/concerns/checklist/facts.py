"""The checklist's facts: one frozen dataclass per sub-topic, gathered in ChecklistFacts (a leaf: dataclasses and the constants they need).

Docs: docs/checks/checklist.rst
"""

from __future__ import annotations

import dataclasses

from packaging.utils import canonicalize_name

from django_deploy_concepts.platforms import Platform

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
# Platform kinds that collect what the app writes to stdout and stderr into a log you can read.
LOG_COLLECTING_KINDS = frozenset({"paas", "container", "server"})


@dataclasses.dataclass(frozen=True)
class SourceError:
    file: str
    error: str


@dataclasses.dataclass(frozen=True)
class Route:
    """One handler a server error reaches: what kind it is and whether it passes in production."""

    handler: str
    logger: str
    # "mail_admins", "stream", "file", "null" or "other".
    kind: str
    live: bool
    reason: str | None = None


@dataclasses.dataclass(frozen=True)
class UnconvertedRead:
    """``DEBUG = os.environ.get("X")`` or ``bool(os.getenv("X"))``: the string is used as it is."""

    location: str
    variable: str | None


@dataclasses.dataclass(frozen=True)
class DebugFacts:
    type_name: str
    # repr() of the value, cut short; DEBUG never holds a secret.
    value: str
    # Where the settings source assigns DEBUG last (the line a fix changes), if it was found.
    assigned_at: str | None
    # The environment variable the source reads DEBUG from, if any.
    variable: str | None
    unconverted_reads: tuple[UnconvertedRead, ...]

    @property
    def is_bool(self) -> bool:
        return self.type_name == "bool"

    @property
    def is_off(self) -> bool:
        return self.value == "False"


@dataclasses.dataclass(frozen=True)
class SettingsModuleDefault:
    # "mysite/wsgi.py:11", relative to the project.
    location: str
    module: str
    # The module's source assigns DEBUG = True, or its name says development.
    development: bool


@dataclasses.dataclass(frozen=True)
class EntryPointFacts:
    defaults: tuple[SettingsModuleDefault, ...] = ()
    # Settings modules beside the default whose names say production.
    production_modules: tuple[str, ...] = ()
    # "file:line" of a build or platform file that sets DJANGO_SETTINGS_MODULE itself.
    variable_set_at: str | None = None


@dataclasses.dataclass(frozen=True)
class SecretKeyFacts:
    error: str | None
    length: int | None
    # Django's security.W009 would call it weak (short, few characters, or "django-insecure-").
    weak: bool
    # The line of a string literal that is the key in effect right now.
    literal_at: str | None
    # The line of os.environ.get("VAR", "literal") whose literal is in use because VAR is unset.
    fallback_at: str | None
    # The line of an expression that makes a new random key in every process.
    generated_at: str | None
    # The environment variable the source reads the key from (the name only).
    variable: str | None
    variable_set: bool
    fallbacks_count: int | None
    fallbacks_error: str | None
    # The line of os.environ.get("VAR") or get_random_secret_key(): a random key per process whenever VAR is unset.
    generated_fallback_at: str | None = None


@dataclasses.dataclass(frozen=True)
class HostFacts:
    allowed_hosts: tuple[str, ...]
    error: str | None
    # The detected or declared platform's row of platforms.PLATFORMS.
    platform: Platform
    # The public hostnames declared in DEPLOY_CONCEPTS['hosts'] (or --host).
    declared_hosts: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class StaticReference:
    path: str
    template: str
    found: bool


@dataclasses.dataclass(frozen=True)
class ErrorPage:
    name: str
    # The project's own handler view, when it replaces Django's default one (then the template is its business).
    custom_handler: str | None
    found: bool
    origin: str | None
    load_error: str | None
    render_error: str | None
    static_references: tuple[StaticReference, ...]

    @property
    def missing_static(self) -> tuple[StaticReference, ...]:
        return tuple(reference for reference in self.static_references if not reference.found)


@dataclasses.dataclass(frozen=True)
class ErrorFacts:
    admins: int | None
    managers: int | None
    routes: tuple[Route, ...]
    request_logger_disabled: bool
    logging_unknown: str | None
    # Where the settings start an error tracker (Sentry, Rollbar, ...), if they do.
    tracker: str | None
    # The detected or declared platform's row of platforms.PLATFORMS.
    platform: Platform
    broken_link_emails: bool
    server_email: str
    default_from_email: str
    manifest_storage: bool
    pages: tuple[ErrorPage, ...]
    errors: tuple[str, ...]

    @property
    def platform_collects_logs(self) -> bool:
        return self.platform.kind in LOG_COLLECTING_KINDS

    @property
    def mail_admins_route(self) -> bool:
        return any(route.kind == "mail_admins" and route.live for route in self.routes)

    @property
    def live_destinations(self) -> tuple[str, ...]:
        """Where a server error in production ends up, in words; empty when it reaches nobody."""
        found = [f"the error tracker ({self.tracker})"] if self.tracker else []
        for route in self.routes:
            if not route.live:
                continue
            if route.kind == "mail_admins" and self.admins:
                found.append(f"email to the {self.admins} address(es) in ADMINS")
            elif route.kind == "stream" and self.platform_collects_logs:
                found.append(f"the {self.platform.title} log (handler {route.handler!r})")
            elif route.kind in ("file", "other"):
                found.append(f"handler {route.handler!r} ({route.kind})")
        return tuple(found)


@dataclasses.dataclass(frozen=True)
class ErrorMailer:
    """A MAILERS entry that Django's AdminEmailHandler sends the server error mails through."""

    alias: str
    backend: str
    # The OPTIONS "fail_silently" and "timeout" of the entry (never its password).
    fail_silently: bool
    timeout_set: bool


@dataclasses.dataclass(frozen=True)
class MailFacts:
    django_has_mailers: bool
    mailers_defined: bool
    # "EMAIL_BACKEND" or "MAILERS['default']": where the backend in use is configured.
    backend_setting: str
    backend: str | None
    host: str | None
    # Whether a password is configured; the password itself is never read into the facts.
    password_set: bool
    mails_someone: bool
    # The detected or declared platform's row of platforms.PLATFORMS.
    platform: Platform
    admins: bool = False
    # Django 6.1+ with MAILERS only: the mailers a server error's mail goes through in production.
    error_mailers: tuple[ErrorMailer, ...] = ()

    @property
    def development_only(self) -> bool:
        return self.backend in DEVELOPMENT_BACKENDS

    @property
    def smtp_to_localhost(self) -> bool:
        return self.backend == SMTP_BACKEND and (self.host or "").strip().lower() in LOCAL_HOSTS


@dataclasses.dataclass(frozen=True)
class Requirement:
    name: str
    spec: str
    source: str


@dataclasses.dataclass(frozen=True)
class PythonPin:
    file: str
    version: str
    minor: tuple[int, int] | None


@dataclasses.dataclass(frozen=True)
class ModuleUse:
    """A module the settings name (INSTALLED_APPS, MIDDLEWARE, a storage backend, a database engine)."""

    setting: str
    value: str
    module: str
    # The distributions that install it, from importlib.metadata.packages_distributions().
    distributions: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class DependencyFacts:
    # The files the platform installs from, e.g. "requirements.txt" or "pyproject.toml, poetry.lock".
    manifest: str | None
    requirements: tuple[Requirement, ...]
    read_errors: tuple[str, ...]
    # Production servers named by a start command (Procfile, ...), e.g. ("gunicorn",).
    started_servers: tuple[str, ...]
    database_backends: tuple[str, ...]
    whitenoise_used_by: str | None
    dj_database_url_imported_at: str | None
    python_pins: tuple[PythonPin, ...]
    django_version: str
    django_python_min: tuple[int, int] | None
    django_python_max: tuple[int, int] | None
    # The detected or declared platform's row of platforms.PLATFORMS.
    platform: Platform
    # The evidence of what the build installs: "Dockerfile:7 pip install -r requirements.txt", ...
    installed_by: tuple[str, ...] = ()
    # True when that evidence says this is everything production installs (declared, a build file, the platform).
    complete: bool = False
    # Requirement files in the repository that production may install too, and what they list.
    other_files: tuple[str, ...] = ()
    other_requirements: tuple[Requirement, ...] = ()
    modules: tuple[ModuleUse, ...] = ()
    # Distributions the listed requirements bring with them (their dependencies, as installed here).
    brought: frozenset[str] = frozenset()
    # False when a listed requirement is not installed here, so what it brings is not known.
    brought_known: bool = True

    @property
    def names(self) -> frozenset[str]:
        return frozenset(requirement.name for requirement in self.requirements)

    def missing(self, *packages: str) -> bool:
        """None of ``packages`` is installed; False (nothing to report) when one of them is only in a
        requirements file that production may install, unless the evidence says the list is complete."""
        wanted = {canonicalize_name(package) for package in packages}
        if self.names & wanted:
            return False
        return self.complete or not {requirement.name for requirement in self.other_requirements} & wanted


@dataclasses.dataclass(frozen=True)
class SettingsBlock:
    platform: str
    location: str
    # The environment variable that switches the block on (ON_HEROKU, ON_FLYIO, ...).
    switch: str | None
    names: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class SimpleDeployFacts:
    installed: str | None
    in_installed_apps: bool
    declared: bool
    blocks: tuple[SettingsBlock, ...]
    log_dir: str | None
    # The detected or declared platform's row of platforms.PLATFORMS.
    platform: Platform

    @property
    def present(self) -> bool:
        return bool(self.installed or self.in_installed_apps or self.declared or self.blocks or self.log_dir)


@dataclasses.dataclass(frozen=True)
class ChecklistFacts:
    settings_files: tuple[str, ...]
    source_errors: tuple[SourceError, ...]
    debug: DebugFacts
    secret_key: SecretKeyFacts
    hosts: HostFacts
    errors: ErrorFacts
    mail: MailFacts
    dependencies: DependencyFacts
    simple_deploy: SimpleDeployFacts
    # What is wrong with DEPLOY_CONCEPTS, one sentence each (django_deploy_concepts.target).
    target_errors: tuple[str, ...] = ()
    entry_points: EntryPointFacts = dataclasses.field(default_factory=EntryPointFacts)
