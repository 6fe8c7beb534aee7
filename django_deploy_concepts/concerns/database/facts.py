"""The database concern's facts: what was read from the project and, with --database, from a connection. A leaf: dataclasses only."""

from __future__ import annotations

import dataclasses

from django_deploy_concepts.platforms import Platform


@dataclasses.dataclass(frozen=True)
class Option:
    name: str
    # repr() of the value, secret-named options masked.
    value: str


@dataclasses.dataclass(frozen=True)
class Alias:
    alias: str
    engine: str | None
    vendor: str | None
    name: str | None
    host: str | None
    port: str | None
    user: str | None
    password_set: bool
    options: tuple[Option, ...]
    driver_modules: tuple[str, ...]
    # The first of driver_modules that imports, or None.
    driver_module: str | None
    driver_available: bool | None
    driver_package: str | None
    # Seconds a connection is kept between requests; None keeps it forever.
    conn_max_age: int | None
    conn_health_checks: bool
    pool: bool
    # Why OPTIONS["pool"] cannot work here (psycopg 3 and psycopg_pool are needed), or None.
    pool_problem: str | None
    remote: bool


@dataclasses.dataclass(frozen=True)
class Probe:
    alias: str
    vendor: str | None
    # host:port, or the sqlite file's path.
    address: str | None
    # Why no connection was attempted, or None when one was.
    skipped: str | None
    connected: bool
    # Why the connection failed, in words that never contain the password.
    error: str | None
    server_version: str | None
    round_trip_ms: float | None
    tls: bool | None
    read_only: bool | None
    migrations_checked: bool
    unapplied: tuple[str, ...]
    inconsistent_history: str | None
    migrations_error: str | None
    remote: bool


@dataclasses.dataclass(frozen=True)
class Inspection:
    """What an open connection tells; the part of a Probe found while connected."""

    server_version: str | None = None
    round_trip_ms: float | None = None
    tls: bool | None = None
    read_only: bool | None = None
    migrations_checked: bool = False
    unapplied: tuple[str, ...] = ()
    inconsistent_history: str | None = None
    migrations_error: str | None = None


@dataclasses.dataclass(frozen=True)
class WrittenCredential:
    file: str
    line: int
    # One of the descriptions above.
    what: str


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


@dataclasses.dataclass(frozen=True)
class DatabaseUrl:
    present: bool
    # Rebuilt from its parts with the password masked; only the scheme when it cannot be parsed.
    display: str | None
    engine: str | None
    name: str | None
    host: str | None
    port: str | None
    # One of the reasons above, or None when dj-database-url can use it.
    error: str | None
    # "sqlite://" with no path: dj-database-url gives an in-memory database.
    in_memory: bool
    # What differs from DATABASES["default"]: "ENGINE", "NAME", "HOST", "PORT".
    differences: tuple[str, ...]
    # The settings source mentions DATABASE_URL or dj_database_url.
    settings_read_it: bool

    @property
    def used(self) -> bool | None:
        """True when DATABASES["default"] is what the URL describes; None when that cannot be said."""
        if not self.present or self.error is not None:
            return None
        return not self.differences


@dataclasses.dataclass(frozen=True)
class ModelChange:
    app_label: str
    # What makemigrations would write, in its own words ("Add field x to post").
    operations: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class Conflict:
    app_label: str
    leaves: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class Migrations:
    model_changes: tuple[ModelChange, ...]
    conflicts: tuple[Conflict, ...]
    error: str | None


@dataclasses.dataclass(frozen=True)
class SqliteFile:
    alias: str
    name: str
    # Absolute path as sqlite opens it (relative names are relative to the working directory).
    path: str | None
    in_memory: bool
    # The NAME is a "file:" URI, which is never opened (its mode cannot be forced to read-only).
    uri: bool
    exists: bool | None
    # From the file's header, read as bytes: "wal" or "rollback journal"; None when unknown.
    journal_mode: str | None
    # Relative to the repository root or BASE_DIR when the file is inside the project tree.
    project_path: str | None
    tracked_by_git: bool | None
    wal: bool
    immediate: bool
    # OPTIONS["timeout"]: seconds a writer waits for the lock (Python's default is 5).
    busy_timeout: float | None
    # False when the file exists but does not start with sqlite's header (an empty file is a new database).
    is_database: bool | None = None


@dataclasses.dataclass(frozen=True)
class Facts:
    # The detected or declared platform's row of platforms.PLATFORMS.
    platform: Platform
    aliases: tuple[Alias, ...]
    # What about DATABASES' shape stops Django from using it.
    config_errors: tuple[str, ...]
    # Aliases passed with --database that DATABASES does not define.
    requested_missing: tuple[str, ...]
    database_url: DatabaseUrl
    sqlite_files: tuple[SqliteFile, ...]
    written_credentials: tuple[WrittenCredential, ...]
    migrations: Migrations
    # One per alias the run may connect to (context.databases); empty when offline.
    live: tuple[Probe, ...]
    processes: Processes
    # What could not be read; shown, never raised.
    errors: tuple[str, ...]
    # "file:line" of a build, release or start command that runs migrate, and the files read for it.
    migrate_step: str | None = None
    build_files: tuple[str, ...] = ()

    @property
    def default(self) -> Alias | None:
        return next((alias for alias in self.aliases if alias.alias == "default"), None)
