"""A live, read-only look at each database the run may connect to: version, round trip, TLS, migrations.

Only aliases in ``context.databases`` are touched. Each gets its own connection object from
Django's backend (never one of the project's ``connections``), bounded by ``context.timeout``,
inside a read-only transaction that is rolled back, and is closed afterwards. A sqlite file is
opened only when it exists (Django's sqlite backend would create it), through Django's own sqlite
backend (never the project's subclass, whose connection set-up may write), with a ``mode=ro`` URI,
without ``OPTIONS["init_command"]``, and with ``PRAGMA query_only``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import statistics
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.core.checks import CheckMessage, Error, Warning
from django.db.backends.base.base import BaseDatabaseWrapper

from django_deploy_concepts import masking
from django_deploy_concepts.concerns.base import Fix
from django_deploy_concepts.concerns.database import migrations
from django_deploy_concepts.concerns.database.config import POSTGRESQL, SQLITE
from django_deploy_concepts.concerns.database.facts import Alias, Facts, Inspection, Probe, SqliteFile
from django_deploy_concepts.plan import Plan
from django_deploy_concepts.report import Step

# How the probe shows up in the server's pg_stat_activity and logs.
APPLICATION_NAME = "django-deploy-concepts"
ROUND_TRIPS = 5
PROBE_ALIAS_PREFIX = "deploy_concepts_probe_"
SQLITE_ENGINE = "django.db.backends.sqlite3"
SUPPORTED_VENDORS = (POSTGRESQL, SQLITE)
# libpq waits at least 2 seconds for a connection whatever connect_timeout says.
MIN_CONNECT_SECONDS = 2.0
# The whole probe (connect and its few queries) may take this many timeouts before it is abandoned;
# a server that stops answering mid-query is not bounded by anything else on the client side.
QUERY_TIMEOUTS = 2
MAX_REASON_LENGTH = 160

T = TypeVar("T")


# Facts --------------------------------------------------------------------------------------------


def address_of(alias: Alias, file: SqliteFile | None) -> str | None:
    if file is not None:
        return file.path or file.name
    if alias.host is None:
        return None
    return f"{alias.host}:{alias.port}" if alias.port else alias.host


def read_only_mode(file: SqliteFile) -> str:
    """URI parameters that open the file without writing anything next to it.

    A WAL database opened with mode=ro creates its -wal and -shm files when they are missing
    (nothing is running then) and leaves them behind; immutable=1 reads the file alone instead,
    which is complete in that state. With the files present (the site runs) mode=ro uses them.
    """
    if file.journal_mode == "wal" and file.path is not None and not os.path.exists(f"{file.path}-shm"):
        return "mode=ro&immutable=1"
    return "mode=ro"


def probe_settings(config: Mapping[str, Any], vendor: str, file: SqliteFile | None, timeout: float) -> dict[str, Any]:
    """A copy of the alias's settings for a short, read-only, bounded connection, normalised by Django."""
    from django.db import DEFAULT_DB_ALIAS
    from django.db.utils import ConnectionHandler

    settings = dict(config)
    options = dict(config.get("OPTIONS") or {})
    settings["TEST"] = dict(config.get("TEST") or {})
    settings.update(CONN_MAX_AGE=0, CONN_HEALTH_CHECKS=False, ATOMIC_REQUESTS=False, AUTOCOMMIT=True)
    if vendor == POSTGRESQL:
        # A pool would open connections of its own and keep them.
        options.pop("pool", None)
        options["connect_timeout"] = max(1, math.ceil(timeout))
        options["application_name"] = APPLICATION_NAME
    elif vendor == SQLITE and file is not None and file.path is not None:
        # The project's backend may subclass Django's to set PRAGMAs on connect; init_command may
        # switch the journal mode: both write to the file. Django's own backend reads it.
        settings["ENGINE"] = SQLITE_ENGINE
        options.pop("init_command", None)
        options["timeout"] = timeout
        settings["NAME"] = f"file:{urllib.parse.quote(file.path)}?{read_only_mode(file)}"
    settings["OPTIONS"] = options
    return dict(ConnectionHandler({DEFAULT_DB_ALIAS: settings}).settings[DEFAULT_DB_ALIAS])


def first_value(connection: BaseDatabaseWrapper, sql: str) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    return None if row is None else row[0]


def median_round_trip(connection: BaseDatabaseWrapper) -> float:
    timings = []
    with connection.cursor() as cursor:
        for _ in range(ROUND_TRIPS):
            start = time.perf_counter()
            cursor.execute("SELECT 1")
            cursor.fetchone()
            timings.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(timings), 3)


def begin_read_only(connection: BaseDatabaseWrapper, timeout: float) -> None:
    """One read-only transaction, bounded per statement; rolled back at the end.

    Transaction-local on purpose: a pooler such as PgBouncer hands the server connection to
    other clients afterwards, so nothing may be set for the session.
    """
    connection.set_autocommit(False)
    with connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION READ ONLY")
        cursor.execute(f"SET LOCAL statement_timeout = {max(1, int(timeout * 1000))}")


def inspect_connection(alias: str, settings: dict[str, Any], vendor: str, timeout: float) -> Inspection:
    """Runs in the probe's own thread, which alone sees the connection under its probe alias."""
    from django.db import connections
    from django.db.utils import load_backend

    # Django's migration recorder reads django_migrations through the ORM, which looks the
    # connection up by alias. `connections` is thread-local, so registering the probe there
    # is seen by this thread only, and it is removed again below.
    probe_alias = f"{PROBE_ALIAS_PREFIX}{alias}"
    connection = load_backend(settings["ENGINE"]).DatabaseWrapper(settings, probe_alias)
    connections[probe_alias] = connection
    try:
        connection.ensure_connection()
        if vendor == POSTGRESQL:
            begin_read_only(connection, timeout)
            version = first_value(connection, "SHOW server_version")
            tls = bool(first_value(connection, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"))
            read_only = first_value(connection, "SHOW transaction_read_only") == "on"
        else:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA query_only = 1")
            version = first_value(connection, "SELECT sqlite_version()")
            # Reads the file itself: a file that is not a database fails here, not later.
            first_value(connection, "SELECT count(*) FROM sqlite_master")
            tls = None
            # Opened with mode=ro and query_only: sqlite itself refuses every write on this connection.
            read_only = first_value(connection, "PRAGMA query_only") == 1
        round_trip = median_round_trip(connection)
        try:
            unapplied, inconsistent = migrations.unapplied_migrations(connection, alias)
            migrations_error = None
        except Exception as exc:  # noqa: BLE001 - e.g. no permission to read django_migrations
            unapplied, inconsistent, migrations_error = (), None, reason(exc, timeout)
        return Inspection(
            server_version=None if version is None else str(version),
            round_trip_ms=round_trip,
            tls=tls,
            read_only=read_only,
            migrations_checked=migrations_error is None,
            unapplied=unapplied,
            inconsistent_history=inconsistent,
            migrations_error=migrations_error,
        )
    finally:
        close(connection)
        del connections[probe_alias]


def close(connection: BaseDatabaseWrapper) -> None:
    # Closing ends the transaction anyway, and a connection that failed half-way may not close cleanly.
    if connection.connection is not None and not connection.get_autocommit():
        with contextlib.suppress(Exception):
            connection.rollback()
    with contextlib.suppress(Exception):
        connection.close()


# Words from driver errors, and what they mean for the user.
FAILURES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("connection refused",), "connection refused: nothing listens there"),
    (("timeout expired", "timed out", "timeout"), "no answer within {timeout:g} s"),
    (("could not translate host name", "name or service not known", "nodename nor servname"), "host name not found"),
    (("unable to open database file",), "the file cannot be opened"),
    (("file is not a database", "database disk image is malformed"), "the file is not an SQLite database"),
)


def reason(exc: BaseException, timeout: float) -> str:
    text = str(exc).strip()
    lower = text.lower()
    for needles, meaning in FAILURES:
        if any(needle in lower for needle in needles):
            return meaning.format(timeout=timeout)
    # '... port 5432 failed: FATAL:  password authentication failed for user "app"': the server's words.
    for marker in ("FATAL:", "ERROR:"):
        if marker in text:
            text = text.rsplit(marker, 1)[1]
    line = next((line.strip() for line in text.splitlines() if line.strip()), type(exc).__name__)
    return masking.mask_url(line)[:MAX_REASON_LENGTH]


def run_bounded(function: Callable[[], T], seconds: float) -> tuple[T | None, BaseException | None, bool]:
    """``function()`` in a thread: (result, error, finished in time)."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["result"] = function()
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller
            outcome["error"] = exc

    thread = threading.Thread(target=target, name=f"{APPLICATION_NAME} probe", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        return None, None, False
    return outcome.get("result"), outcome.get("error"), True


def deadline(timeout: float) -> float:
    return max(timeout, MIN_CONNECT_SECONDS) + QUERY_TIMEOUTS * timeout


def unconnected_probe(alias: Alias, address: str | None, *, skipped: str | None = None, error: str | None = None) -> Probe:
    return Probe(alias.alias, alias.vendor, address, skipped, False, error, None, None, None, None, False, (), None, None, alias.remote)


def why_not_probed(alias: Alias, file: SqliteFile | None) -> str | None:
    if alias.engine is None:
        return "no ENGINE"
    if alias.driver_available is False:
        return "its driver is not installed"
    if alias.vendor not in SUPPORTED_VENDORS:
        return f"the live check supports PostgreSQL and SQLite, not {alias.vendor or alias.engine}"
    if file is None:
        return None
    if file.in_memory:
        return "an in-memory database has nothing to connect to"
    if file.uri:
        return "NAME is a file: URI; not opened, to be sure nothing is written"
    if not file.name:
        return "NAME is empty"
    if not file.exists:
        return "the file does not exist, and opening it would create it"
    return None


def not_a_database(file: SqliteFile | None) -> str | None:
    if file is not None and file.exists and file.is_database is False:
        return "the file is not an SQLite database (it does not start with 'SQLite format 3')"
    return None


def probe_alias(alias: Alias, config: Mapping[str, Any], file: SqliteFile | None, timeout: float) -> Probe:
    address = address_of(alias, file)
    why = why_not_probed(alias, file)
    if why is not None:
        return unconnected_probe(alias, address, skipped=why)
    broken = not_a_database(file)
    if broken is not None:
        return unconnected_probe(alias, address, error=broken)
    assert alias.vendor is not None
    vendor = alias.vendor
    try:
        settings = probe_settings(config, vendor, file, timeout)
    except Exception as exc:  # noqa: BLE001 - Django's own normalisation refusing the settings
        return unconnected_probe(alias, address, error=reason(exc, timeout))
    bound = deadline(timeout)
    inspection, error, finished = run_bounded(lambda: inspect_connection(alias.alias, settings, vendor, timeout), bound)
    if not finished:
        return unconnected_probe(alias, address, error=f"no answer within {bound:g} s")
    if error is not None or inspection is None:
        return unconnected_probe(alias, address, error=reason(error or RuntimeError("no result"), timeout))
    return Probe(
        alias=alias.alias,
        vendor=vendor,
        address=address,
        skipped=None,
        connected=True,
        error=None,
        remote=alias.remote,
        **dataclasses.asdict(inspection),
    )


def probe_databases(
    requested: tuple[str, ...],
    aliases: tuple[Alias, ...],
    databases: object,
    sqlite_files: tuple[SqliteFile, ...],
    timeout: float,
) -> tuple[Probe, ...]:
    if not isinstance(databases, Mapping):
        return ()
    by_name = {alias.alias: alias for alias in aliases}
    files = {file.alias: file for file in sqlite_files}
    return tuple(
        probe_alias(by_name[name], databases[name], files.get(name), timeout)
        for name in dict.fromkeys(requested)
        if name in by_name and isinstance(databases.get(name), Mapping)
    )


# Checks -------------------------------------------------------------------------------------------


def e011(probe: Probe) -> Error:
    return Error(
        f"Cannot connect to {probe.alias!r} at {probe.address or 'its default address'}: {probe.error}.",
        hint="Check HOST, PORT, the credentials and the firewall; the site fails the same way.",
        obj=probe.alias,
        id="deploy_database.E011",
    )


def check_connection(facts: Facts) -> list[CheckMessage]:
    return [e011(probe) for probe in facts.live if probe.error]


def w012(probe: Probe) -> Warning:
    return Warning(
        f"The connection to {probe.alias!r} at {probe.address} is not encrypted (no TLS).",
        hint="Add ?sslmode=require to DATABASE_URL (OPTIONS {'sslmode': 'require'}), or verify-full.",
        obj=probe.alias,
        id="deploy_database.W012",
    )


def check_tls(facts: Facts) -> list[CheckMessage]:
    return [w012(probe) for probe in facts.live if probe.connected and probe.remote and probe.tls is False]


# Explanation --------------------------------------------------------------------------------------


def describe(probe: Probe) -> str:
    if probe.skipped:
        return f"not connected: {probe.skipped}"
    if probe.error:
        return f"cannot connect: {probe.error}"
    parts = [f"connected, {probe.vendor} {probe.server_version}", f"round trip {probe.round_trip_ms:g} ms (median of {ROUND_TRIPS})"]
    if probe.tls is not None:
        parts.append("TLS on" if probe.tls else "TLS off")
    if probe.read_only:
        parts.append("read only")
    return ", ".join(parts)


def describe_migrations(probe: Probe) -> str:
    if probe.migrations_error:
        return f"cannot read: {probe.migrations_error}"
    if probe.inconsistent_history:
        return probe.inconsistent_history
    if not probe.unapplied:
        return "all applied"
    return f"{len(probe.unapplied)} to apply: {migrations.listed(probe.unapplied)}"


# Steps --------------------------------------------------------------------------------------------


def tls_step(facts: Facts, deployment: Plan) -> list[Step]:
    return [
        Step("Require TLS to the database server.", "", "DATABASE_URL=postgres://user:password@host:5432/name?sslmode=require", "shell")
    ]


FIX_TLS = Fix(frozenset({"deploy_database.W012"}), tls_step)
