"""Database: will the project's data survive deployment, and can production reach it?

Sub-topics, each with its facts, checks and explanation pieces: ``config`` (DATABASES, drivers,
connection lifetime), ``url`` (DATABASE_URL), ``sqlite`` (the file in production), ``credentials``
(passwords in the settings source), ``live`` (a read-only connection), ``migrations``, and
``processes`` (per-process state: workers, local-memory cache, sessions).
Docs: docs/checks/database.rst; Django: https://docs.djangoproject.com/en/stable/ref/databases/
"""

from __future__ import annotations

from django_deploy_concepts import plan
from django_deploy_concepts.concerns.base import Concern, fix_steps
from django_deploy_concepts.concerns.database import config, credentials, live, migrations, processes, sqlite, url
from django_deploy_concepts.concerns.database.facts import Facts, Processes
from django_deploy_concepts.context import ProjectContext
from django_deploy_concepts.plan import Plan
from django_deploy_concepts.report import Explanation, Fact, Finding, Hop

NAME = "database"
TITLE = "Database"
LABEL = "deploy_database"
ABOUT = (
    "Doesn't my sqlite file work in production? It is a single file on the server's disk. On most "
    "platforms (Heroku, Render, Railway, Fly.io without a volume, Cloud Run, App Engine, containers) "
    "that disk is thrown away at every deploy or restart, so the data resets; and several worker "
    "processes writing to one sqlite file wait on each other's lock until one fails with \"database "
    'is locked". A DATABASE_URL of "sqlite://" with no path is worse: the database lives in memory '
    "and is empty after every restart.",
    "Production databases are usually a server (PostgreSQL, MySQL) that the platform gives you as a "
    "DATABASE_URL, such as postgres://user:password@host:5432/name. dj-database-url turns that URL "
    "into the DATABASES setting. A misspelt scheme fails with \"Scheme 'postgress://' is unknown\", a "
    "password with characters such as / # ? must be percent-encoded, and when the variable is missing "
    'in a process Django says "settings.DATABASES is improperly configured. Please supply the ENGINE '
    'value." The driver must be installed too, or the site stops with "Error loading psycopg2 or '
    'psycopg module".',
    "A new database is empty: `manage.py migrate` must create the tables before the new code serves "
    'requests, or pages fail with "relation ... does not exist" (PostgreSQL) or "no such table" '
    "(sqlite). Run it once per deploy in a release or pre-deploy step, not in the web process's start "
    "command, where every worker and instance would race to run it.",
    "Connections: with CONN_MAX_AGE = 0 (the default) Django opens a new connection for every request, "
    "which costs a network round trip or more to a remote server; CONN_MAX_AGE = 600 keeps it, and "
    "CONN_HEALTH_CHECKS = True replaces one the server closed. Django 5.1+ can pool PostgreSQL "
    'connections instead (OPTIONS {"pool": True}, with psycopg[pool]).',
    "Each worker process has its own memory: the local-memory cache (Django's default cache) and "
    "sessions kept in it are not shared between workers and vanish at every restart.",
)
DJANGO_CHECKS = ("database.", "mysql.", "postgres.", "sqlite3.", "models.W042")
# The tags of the Django checks that can report those ids: a run of this concern alone runs only them.
DJANGO_CHECK_TAGS: tuple[str, ...] | None = ("database", "models")


# Facts --------------------------------------------------------------------------------------------


def collect_facts(context: ProjectContext) -> Facts:
    databases = context.setting("DATABASES", {})
    aliases, config_errors = config.read_databases(databases)
    default = next((alias for alias in aliases if alias.alias == "default"), None)
    sources = context.settings_sources()
    written, source_errors = credentials.read_written_credentials(sources, context.base_dir)
    sqlite_files = sqlite.read_sqlite_files(databases, {alias.alias: alias.vendor for alias in aliases}, context)
    known = {alias.alias for alias in aliases}
    return Facts(
        platform=context.platform_info,
        aliases=aliases,
        config_errors=config_errors,
        requested_missing=tuple(name for name in context.databases if name not in known),
        database_url=url.read_database_url(context.environ, default, sources),
        sqlite_files=sqlite_files,
        written_credentials=written,
        migrations=migrations.read_migrations(),
        live=live.probe_databases(context.databases, aliases, databases, sqlite_files, context.timeout),
        processes=Processes(processes.count_workers(context), processes.read_caches(context)),
        errors=source_errors,
        migrate_step=context.runs_command("migrate"),
        build_files=tuple(sorted(context.build_files())),
    )


# Checks -------------------------------------------------------------------------------------------

# In the order a user should read them: what stops Django first, then data loss, then the rest.
CHECKS = (
    config.check_databases_shape,
    config.check_requested_aliases,
    config.check_engine_set,
    config.check_driver,
    url.check_database_url_parses,
    url.check_database_url_in_memory,
    url.check_database_url_used,
    sqlite.check_sqlite_in_memory,
    sqlite.check_sqlite_on_ephemeral_disk,
    sqlite.check_sqlite_committed,
    sqlite.check_sqlite_file_exists,
    sqlite.check_single_writer,
    credentials.check_written_credentials,
    live.check_connection,
    live.check_tls,
    migrations.check_consistent_history,
    migrations.check_unapplied_migrations,
    migrations.check_migrations_load,
    migrations.check_conflicts,
    migrations.check_model_changes,
    config.check_pool_with_persistent_connections,
    config.check_pool_available,
    config.check_health_checks,
    config.check_connection_reuse,
    processes.check_local_memory_cache,
    processes.check_sessions_in_local_memory,
)


# What only a connection finds: checks.check_deploy_database reports these, with the aliases of --database.
LIVE_CHECK_IDS = frozenset(
    {"deploy_database.E011", "deploy_database.W012", "deploy_database.W013", "deploy_database.E023", "deploy_database.E024"}
)


# Explanation --------------------------------------------------------------------------------------


def found_facts(facts: Facts) -> list[Fact]:
    found: list[Fact] = []
    for alias in facts.aliases:
        found.append(Fact(f"DATABASES[{alias.alias!r}]", config.describe(alias), None if alias.engine else False))
        if alias.driver_available is not None:
            modules = " or ".join(alias.driver_modules)
            found.append(
                Fact(
                    f"Driver for {alias.alias!r}",
                    f"{alias.driver_module} importable" if alias.driver_module else f"{modules} missing",
                    alias.driver_available,
                )
            )
        if alias.options:
            found.append(Fact(f"OPTIONS of {alias.alias!r}", ", ".join(f"{option.name}={option.value}" for option in alias.options), None))
        if alias.vendor not in (None, config.SQLITE):
            found.append(Fact(f"Connections of {alias.alias!r}", config.lifetime(alias), None))
    found.append(Fact("DATABASE_URL", url.describe(facts.database_url), None if facts.database_url.error is None else False))
    for file in facts.sqlite_files:
        ok = False if facts.platform.ephemeral_disk or file.in_memory or file.tracked_by_git else None
        found.append(Fact(f"sqlite file of {file.alias!r}", sqlite.describe(file), ok))
    if facts.sqlite_files:
        disk = "ephemeral: files written at run time are lost" if facts.platform.ephemeral_disk else "kept between deploys"
        found.append(Fact(f"Disk on {facts.platform.title}", disk, not facts.platform.ephemeral_disk))
    for probe in facts.live:
        found.append(Fact(f"Live check of {probe.alias!r}", live.describe(probe), None if probe.skipped else probe.connected))
        if probe.connected:
            ok = probe.migrations_checked and not probe.unapplied and not probe.inconsistent_history
            found.append(Fact(f"Migrations on {probe.alias!r}", live.describe_migrations(probe), ok))
    if not facts.live:
        found.append(Fact("Live check", "not run: no database alias to connect to (--offline, or check without --database)", None))
    changes = facts.migrations.model_changes
    found.append(
        Fact(
            "Model changes without a migration",
            facts.migrations.error
            or ("; ".join(f"{change.app_label}: {migrations.listed(change.operations)}" for change in changes) or "none"),
            not changes and facts.migrations.error is None,
        )
    )
    found.append(Fact("WSGI workers", processes.describe(facts.processes.workers), None))
    caches = facts.processes.caches
    found.append(Fact("Default cache", caches.default_backend or "(none)", None))
    if caches.sessions_used:
        found.append(Fact("SESSION_ENGINE", caches.session_engine or "(not set)", None))
    found += [
        Fact("Password written in the settings", f"{credential.file} line {credential.line}: {credential.what}", False)
        for credential in facts.written_credentials
    ]
    found += [Fact("Could not read", error, False) for error in (*facts.config_errors, *facts.errors)]
    return found


# The steps in the order the explanation shows them; each is defined next to the check it fixes.
FIXES = (
    url.FIX_DATABASE_URL,
    config.FIX_DRIVER,
    url.FIX_ENCODING,
    url.FIX_SQLITE_PATH,
    credentials.FIX_WRITTEN_PASSWORD,
    sqlite.FIX_TRACKED,
    sqlite.FIX_SAFE,
    live.FIX_TLS,
    migrations.FIX_MISSING,
    migrations.FIX_RELEASE,
    config.FIX_CONNECTIONS,
    processes.FIX_SHARED_CACHE,
)


def explain(facts: Facts, findings: tuple[Finding, ...], deployment: Plan | None = None) -> Explanation:
    deployment = deployment or plan.for_platform(facts.platform.name)
    ids = {finding.id for finding in findings}
    situation = (
        f"On {deployment.where}, the database to use: {deployment.platform.database_offering}. "
        f"The disk there: {deployment.platform.disk_note}."
    )
    return Explanation(about=(situation, *ABOUT), found=tuple(found_facts(facts)), steps=tuple(fix_steps(FIXES, facts, ids, deployment)))


def hops(facts: Facts) -> tuple[Hop, ...]:
    default = facts.default
    if default is None:
        return (Hop("database", "Database", "no default database configured", False),)
    probe = next((probe for probe in facts.live if probe.alias == "default"), None)
    file = next((file for file in facts.sqlite_files if file.alias == "default"), None)
    detail = f"sqlite file {file.project_path}" if file is not None and file.project_path else config.describe(default)
    if probe is not None:
        detail += f" ({live.describe(probe)})"
    ephemeral_sqlite = file is not None and (facts.platform.ephemeral_disk or file.in_memory)
    broken = default.engine is None or default.driver_available is False or ephemeral_sqlite or facts.database_url.error is not None
    if probe is not None:
        broken = broken or probe.error is not None or bool(probe.unapplied)
    return (Hop("database", "Database", detail, not broken),)


CONCERN = Concern(__name__)
