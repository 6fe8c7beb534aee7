"""Database: will the project's data survive deployment, and can production reach it?

Docs: docs/checks/database.rst; Django: https://docs.djangoproject.com/en/stable/ref/databases/
"""

from __future__ import annotations

import dataclasses
import importlib.util
from collections.abc import Collection, Mapping
from typing import Any

from django.core.checks import CheckMessage, Error, Warning

from django_deploy_concepts import masking, runner
from django_deploy_concepts.context import ProjectContext
from django_deploy_concepts.report import Explanation, Fact, Finding, Hop, Step

NAME = "database"
TITLE = "Database"
LETTER = "D"
ABOUT = (
    "Doesn't my sqlite file work in production? It is a single file on the server's disk. On most "
    "platforms that disk is thrown away at every deploy or restart, so the data resets; and several "
    "worker processes writing to one sqlite file wait on each other's locks.",
    "Production databases are usually a server (PostgreSQL, MySQL) that the platform gives you as a "
    "DATABASE_URL, such as postgres://user:password@host:5432/name. dj-database-url turns that URL "
    "into the DATABASES setting; the matching driver (psycopg for PostgreSQL) must be installed; and "
    "`manage.py migrate` must run against the new database before the first request, or pages fail "
    'with "relation does not exist".',
)
DJANGO_CHECKS = ("database.", "mysql.", "postgres.", "sqlite3.", "models.W042")

# The module each engine needs, in the order Django tries them, and the package that provides it.
DRIVERS: Mapping[str, tuple[tuple[str, ...], str]] = {
    "django.db.backends.postgresql": (("psycopg", "psycopg2"), "psycopg[binary]"),
    "django.db.backends.mysql": (("MySQLdb",), "mysqlclient"),
    "django.db.backends.oracle": (("oracledb",), "oracledb"),
    "django.db.backends.sqlite3": (("sqlite3",), "(part of Python)"),
}


# Facts --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Alias:
    alias: str
    engine: str | None
    name: str | None
    host: str | None
    port: str | None
    user: str | None
    password_set: bool
    driver_modules: tuple[str, ...]
    driver_available: bool | None
    driver_package: str | None


@dataclasses.dataclass(frozen=True)
class Facts:
    aliases: tuple[Alias, ...]
    database_url_set: bool
    # The URL with its password masked, and what dj-database-url made of it.
    database_url: str | None
    database_url_engine: str | None
    database_url_error: str | None
    database_url_used: bool | None
    platform_title: str
    ephemeral_disk: bool
    errors: tuple[str, ...]


def as_optional_text(value: object) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def driver_status(engine: str | None) -> tuple[tuple[str, ...], bool | None, str | None]:
    if engine is None or engine not in DRIVERS:
        return (), None, None
    modules, package = DRIVERS[engine]
    available = False
    for module in modules:
        try:
            available = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            available = False
        if available:
            break
    return modules, available, package


def read_alias(alias: str, config: object) -> tuple[Alias | None, str | None]:
    if not isinstance(config, Mapping):
        return None, f"DATABASES[{alias!r}] should be a dict, not {type(config).__name__}"
    engine = as_optional_text(config.get("ENGINE"))
    modules, available, package = driver_status(engine)
    return (
        Alias(
            alias=alias,
            engine=engine,
            name=as_optional_text(config.get("NAME")),
            host=as_optional_text(config.get("HOST")),
            port=as_optional_text(config.get("PORT")),
            user=as_optional_text(config.get("USER")),
            password_set=bool(config.get("PASSWORD")),
            driver_modules=modules,
            driver_available=available,
            driver_package=package,
        ),
        None,
    )


def parse_database_url(url: str) -> tuple[str | None, str | None]:
    """The engine dj-database-url makes of ``url``, or why it cannot parse it (password masked)."""
    import dj_database_url

    try:
        config = dj_database_url.parse(url)
    except Exception as exc:  # noqa: BLE001 - any parse failure is the finding
        return None, masking.mask_url(f"{type(exc).__name__}: {exc}")
    return as_optional_text(config.get("ENGINE")), None


def collect_facts(context: ProjectContext) -> Facts:
    errors: list[str] = []
    aliases: list[Alias] = []
    databases = context.setting("DATABASES", {})
    if isinstance(databases, Mapping):
        for alias, config in databases.items():
            parsed, error = read_alias(str(alias), config)
            if parsed is not None:
                aliases.append(parsed)
            if error:
                errors.append(error)
    else:
        errors.append(f"DATABASES should be a dict, not {type(databases).__name__}")

    url = context.environ.get("DATABASE_URL")
    url_engine = url_error = None
    url_used = None
    if url:
        url_engine, url_error = parse_database_url(url)
        default = next((alias for alias in aliases if alias.alias == "default"), None)
        if url_engine and default is not None:
            url_used = default.engine == url_engine
    platform = context.platform_info
    return Facts(
        aliases=tuple(aliases),
        database_url_set=bool(url),
        database_url=masking.mask_url(url) if url else None,
        database_url_engine=url_engine,
        database_url_error=url_error,
        database_url_used=url_used,
        platform_title=platform.title,
        ephemeral_disk=platform.ephemeral_disk and platform.kind != "unknown",
        errors=tuple(errors),
    )


# Checks -------------------------------------------------------------------------------------------


def d001(alias: Alias) -> Error:
    return Error(
        f"The driver for {alias.engine} ({' or '.join(alias.driver_modules)}) is not installed.",
        hint=f"pip install {alias.driver_package} and add it to your requirements.",
        obj=alias.alias,
        id="deploy_concepts.D001",
    )


def check_driver(facts: Facts) -> list[CheckMessage]:
    return [d001(alias) for alias in facts.aliases if alias.driver_available is False]


def d002(alias: Alias, platform_title: str) -> Error:
    return Error(
        f"The sqlite file {alias.name} lives on {platform_title}'s ephemeral disk.",
        hint="Every deploy or restart resets the data: use a database server through DATABASE_URL.",
        obj=alias.alias,
        id="deploy_concepts.D002",
    )


def check_sqlite_on_ephemeral_disk(facts: Facts) -> list[CheckMessage]:
    if not facts.ephemeral_disk:
        return []
    return [d002(alias, facts.platform_title) for alias in facts.aliases if alias.engine == "django.db.backends.sqlite3"]


D003 = Warning(
    "DATABASE_URL is set but DATABASES does not read it.",
    hint='Use DATABASES = {"default": dj_database_url.config(conn_max_age=600)}.',
    obj="default",
    id="deploy_concepts.D003",
)


def check_database_url_used(facts: Facts) -> list[CheckMessage]:
    return [D003] if facts.database_url_used is False else []


def d004(facts: Facts) -> Error:
    return Error(
        f"DATABASE_URL cannot be parsed: {facts.database_url_error}",
        hint="Check the scheme (postgres://, mysql://, sqlite:///) and percent-encode special characters in the password.",
        id="deploy_concepts.D004",
    )


def check_database_url_parses(facts: Facts) -> list[CheckMessage]:
    return [d004(facts)] if facts.database_url_error else []


CHECKS = (check_driver, check_sqlite_on_ephemeral_disk, check_database_url_used, check_database_url_parses)


def django_check(app_configs: Any = None, databases: Collection[str] | None = None, **kwargs: Any) -> list[CheckMessage]:
    return runner.check_concern(NAME, databases)


# Explanation --------------------------------------------------------------------------------------


def describe(alias: Alias) -> str:
    where = alias.name or "(no NAME)"
    if alias.host:
        where = f"{alias.user or ''}{'@' if alias.user else ''}{alias.host}{':' + alias.port if alias.port else ''}/{alias.name or ''}"
    return f"{alias.engine or '(no ENGINE)'}: {where}"


def explain(facts: Facts, findings: tuple[Finding, ...]) -> Explanation:
    found = [Fact(f"DATABASES[{alias.alias!r}]", describe(alias), None) for alias in facts.aliases]
    found += [
        Fact(
            f"Driver for {alias.alias!r}",
            " or ".join(alias.driver_modules) + (" importable" if alias.driver_available else " missing"),
            alias.driver_available,
        )
        for alias in facts.aliases
        if alias.driver_available is not None
    ]
    found.append(
        Fact("DATABASE_URL", facts.database_url or "(not set)", None if not facts.database_url_set else facts.database_url_error is None)
    )
    found += [Fact("Could not read", error, False) for error in facts.errors]
    steps: list[Step] = []
    uses_sqlite = any(alias.engine == "django.db.backends.sqlite3" for alias in facts.aliases)
    if uses_sqlite or facts.database_url_used is False:
        steps.append(
            Step(
                "Read the database from DATABASE_URL, keeping sqlite for local development.",
                "In your settings:",
                'import dj_database_url\n\nDATABASES = {\n    "default": dj_database_url.config(\n'
                "        default=f\"sqlite:///{BASE_DIR / 'db.sqlite3'}\",\n        conn_max_age=600,\n        conn_health_checks=True,\n    )\n}",
                "python",
            )
        )
    steps += [
        Step(f"Install the driver for {alias.engine}.", "", f"python -m pip install '{alias.driver_package}'", "shell")
        for alias in facts.aliases
        if alias.driver_available is False
    ]
    steps.append(
        Step(
            "Run migrations against the production database in a release step, before the new code serves requests.",
            "",
            "python manage.py migrate --noinput",
            "shell",
        )
    )
    return Explanation(about=ABOUT, found=tuple(found), steps=tuple(steps))


def hops(facts: Facts) -> tuple[Hop, ...]:
    default = next((alias for alias in facts.aliases if alias.alias == "default"), None)
    if default is None:
        return (Hop("database", "Database", "no default database configured", False),)
    ready = default.driver_available is not False and not (facts.ephemeral_disk and default.engine == "django.db.backends.sqlite3")
    return (Hop("database", "Database", describe(default), ready),)
