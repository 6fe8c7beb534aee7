"""DATABASE_URL: is it set, does dj-database-url parse it, and do the settings read it?

Docs: https://github.com/jazzband/dj-database-url#url-schema
"""

from __future__ import annotations

import dataclasses
import re
import urllib.parse
from collections.abc import Iterator, Mapping
from pathlib import PurePath
from typing import Any

from django.core.checks import CheckMessage, Error, Warning

from django_deploy_concepts import masking
from django_deploy_concepts.concerns.base import Fix
from django_deploy_concepts.concerns.database.facts import Alias, DatabaseUrl, Facts
from django_deploy_concepts.plan import Plan
from django_deploy_concepts.report import Step

VARIABLE = "DATABASE_URL"
SQLITE_ENGINE = "django.db.backends.sqlite3"
SQLITE_MEMORY_URL = "sqlite://:memory:"
SCHEME = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://")
# Characters that end the password part of a URL early, and a "%" that starts no escape.
UNENCODED_IN_PASSWORD = re.compile(r"[/?#\[\]\s]|%(?![0-9A-Fa-f]{2})")
# What in the settings source shows they read the variable (dj-database-url, django-environ).
READS_VARIABLE = ("DATABASE_URL", "dj_database_url", ".db(", ".db_url(")

# Why a URL cannot be used; none of them contains the password.
UNKNOWN_SCHEME = "Scheme '{scheme}://' is unknown"
NO_SCHEME = "it does not start with a scheme such as postgres://"
UNENCODED_PASSWORD = "its password has unencoded special characters"
BAD_PORT = "its port is not a number from 0 to 65535"
NO_NAME = "it names no database after the host"
UNPARSABLE = "dj-database-url cannot parse it"


# Facts --------------------------------------------------------------------------------------------


NOT_SET = DatabaseUrl(False, None, None, None, None, None, None, False, (), False)


def password_needs_encoding(url: str) -> bool:
    """True when the password part holds characters that cut the URL short unless percent-encoded."""
    match = SCHEME.match(url)
    rest = url[match.end() :] if match else url
    userinfo, at, _ = rest.rpartition("@")
    if not at or ":" not in userinfo:
        return False
    return UNENCODED_IN_PASSWORD.search(userinfo.split(":", 1)[1]) is not None


def has_bad_port(url: str) -> bool:
    try:
        urllib.parse.urlsplit(url).port  # noqa: B018 - reading .port validates it
    except ValueError:
        return True
    return False


def display_url(scheme: str, config: Mapping[str, Any]) -> str:
    if config.get("ENGINE") == SQLITE_ENGINE:
        return f"{scheme}:///{config.get('NAME') or ''}" if config.get("NAME") != ":memory:" else f"{scheme}://"
    user = config.get("USER") or ""
    password = f":{masking.MASK}" if config.get("PASSWORD") else ""
    credentials = f"{user}{password}@" if user or password else ""
    port = f":{config['PORT']}" if config.get("PORT") else ""
    return f"{scheme}://{credentials}{config.get('HOST') or ''}{port}/{config.get('NAME') or ''}"


def compare(config: Mapping[str, Any], default: Alias | None) -> tuple[str, ...]:
    if default is None:
        return ("ENGINE",)
    pairs = {
        "ENGINE": (config.get("ENGINE"), default.engine),
        "NAME": (config.get("NAME"), default.name),
        "HOST": (config.get("HOST"), default.host),
        "PORT": (config.get("PORT"), default.port),
    }
    return tuple(key for key, (wanted, actual) in pairs.items() if str(wanted or "") != str(actual or ""))


def read_database_url(environ: Mapping[str, str], default: Alias | None, settings_sources: Mapping[str, str]) -> DatabaseUrl:
    import dj_database_url

    settings_read_it = any(marker in source for source in settings_sources.values() for marker in READS_VARIABLE)
    url = environ.get(VARIABLE)
    if not url:
        return dataclasses.replace(NOT_SET, settings_read_it=settings_read_it)
    match = SCHEME.match(url)
    scheme = match["scheme"] if match else None
    shown = f"{scheme}://... (not shown)" if scheme else "(not shown)"

    def failed(reason: str) -> DatabaseUrl:
        return DatabaseUrl(True, shown, None, None, None, None, reason, False, (), settings_read_it)

    if scheme is None:
        return failed(NO_SCHEME)
    if scheme not in dj_database_url.ENGINE_SCHEMES:
        return failed(UNKNOWN_SCHEME.format(scheme=scheme))
    if password_needs_encoding(url):
        return failed(UNENCODED_PASSWORD)
    # dj-database-url reads "sqlite://:memory:" itself; urlsplit would take "memory" for a port.
    if url != SQLITE_MEMORY_URL and has_bad_port(url):
        return failed(BAD_PORT)
    try:
        config: Mapping[str, Any] = dj_database_url.parse(url)
    except Exception:  # noqa: BLE001 - its message may quote the URL; the reason is ours
        return failed(UNPARSABLE)
    engine = str(config.get("ENGINE") or "")
    name = str(config.get("NAME") or "")
    options = config.get("OPTIONS") or {}
    if not name and engine != SQLITE_ENGINE and not (isinstance(options, Mapping) and options.get("service")):
        return failed(NO_NAME)
    return DatabaseUrl(
        present=True,
        display=display_url(scheme, config),
        engine=engine,
        name=name,
        host=str(config.get("HOST") or "") or None,
        port=str(config.get("PORT") or "") or None,
        error=None,
        in_memory=engine == SQLITE_ENGINE and name == ":memory:",
        differences=compare(config, default),
        settings_read_it=settings_read_it,
    )


# Checks -------------------------------------------------------------------------------------------


def e004(error: str) -> Error:
    return Error(
        f"DATABASE_URL cannot be used: {error}.",
        hint="Check the scheme (postgres://, mysql://, sqlite:///) and percent-encode the password.",
        id="deploy_database.E004",
    )


def check_database_url_parses(facts: Facts) -> list[CheckMessage]:
    return [e004(facts.database_url.error)] if facts.database_url.error else []


def e006(url: DatabaseUrl) -> Error:
    return Error(
        f"DATABASE_URL {url.display} has no path: the database lives in memory only.",
        hint="Every restart starts empty; use sqlite:////absolute/path/db.sqlite3 (four slashes) or a server.",
        id="deploy_database.E006",
    )


def check_database_url_in_memory(facts: Facts) -> list[CheckMessage]:
    return [e006(facts.database_url)] if facts.database_url.in_memory else []


def w003(url: DatabaseUrl, default: Alias | None) -> Warning:
    if default is None or default.engine is None:
        actual = "not configured"
    else:
        actual = f"{default.vendor or default.engine} {default.host or PurePath(default.name or '').name}".strip()
    return Warning(
        f"DATABASE_URL is set but DATABASES does not read it: 'default' is {actual}.",
        hint='Use DATABASES = {"default": dj_database_url.config(conn_max_age=600, conn_health_checks=True)}.',
        obj="default",
        id="deploy_database.W003",
    )


def check_database_url_used(facts: Facts) -> list[CheckMessage]:
    return [w003(facts.database_url, facts.default)] if facts.database_url.used is False else []


# Explanation --------------------------------------------------------------------------------------


def describe(url: DatabaseUrl) -> str:
    if not url.present:
        return "not set in this environment"
    if url.error:
        return f"{url.display}: {url.error}"
    return f"{url.display} ({url.engine})"


ENCODE_PASSWORD = "python -c \"import getpass, urllib.parse; print(urllib.parse.quote(getpass.getpass(), safe=''))\""


# Steps --------------------------------------------------------------------------------------------


def database_url_step(facts: Facts, deployment: Plan) -> Iterator[Step]:
    platform = deployment.platform
    where = platform.title if platform.name != "unknown" else "your platform"
    yield Step(
        "Read the database from DATABASE_URL, keeping sqlite for local development.",
        f"Get a PostgreSQL database: on {where}, {platform.database_offering}. List dj-database-url and "
        f"{deployment.database_driver or 'the driver'} in {deployment.requirements_file}, then in your settings "
        "(without DATABASE_URL, as on your machine, the sqlite file is used):",
        deployment.snippet("DATABASES"),
        "python",
    )


def encode_password_step(facts: Facts, deployment: Plan) -> Iterator[Step]:
    yield Step(
        "Fix DATABASE_URL: the scheme your platform documents, and the password percent-encoded.",
        "This prints the encoded form of a password you type (nothing is echoed or stored):",
        ENCODE_PASSWORD,
        "shell",
    )


def absolute_sqlite_step(facts: Facts, deployment: Plan) -> list[Step]:
    return [
        Step("Give the sqlite URL an absolute path, or use a database server.", "", "DATABASE_URL=sqlite:////srv/data/db.sqlite3", "shell")
    ]


# A database server read from DATABASE_URL fixes sqlite on an ephemeral disk (E002, W007), a URL that
# is not used (W003) and a missing database (E005).
FIX_DATABASE_URL = Fix(
    frozenset({"deploy_database.E002", "deploy_database.W003", "deploy_database.E005", "deploy_database.W007"}), database_url_step
)
FIX_ENCODING = Fix(frozenset({"deploy_database.E004"}), encode_password_step)
FIX_SQLITE_PATH = Fix(frozenset({"deploy_database.E006"}), absolute_sqlite_step)
