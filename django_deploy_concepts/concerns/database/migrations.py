"""Migrations: model changes with no migration yet, conflicting ones, and the plan `migrate` would run.

All of it read only: the autodetector as `makemigrations --check --dry-run` runs it (nothing
written), and the plan as `migrate --plan` computes it from the django_migrations table.
Docs: https://docs.djangoproject.com/en/stable/topics/migrations/
"""

from __future__ import annotations

from collections.abc import Iterator

from django.core.checks import CheckMessage, Error, Warning
from django.db.backends.base.base import BaseDatabaseWrapper

from django_deploy_concepts.concerns.base import Fix
from django_deploy_concepts.concerns.database.facts import Conflict, Facts, Migrations, ModelChange, Probe
from django_deploy_concepts.plan import Plan
from django_deploy_concepts.report import Step

MAX_LISTED = 3


# Facts --------------------------------------------------------------------------------------------


def read_migrations() -> Migrations:
    from django.apps import apps
    from django.db.migrations.autodetector import MigrationAutodetector
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.questioner import MigrationQuestioner
    from django.db.migrations.state import ProjectState

    try:
        # No connection: the loader then reads the migration files only, as makemigrations does.
        loader = MigrationLoader(None, ignore_no_migrations=True)
        conflicts = tuple(Conflict(app, tuple(sorted(names))) for app, names in sorted(loader.detect_conflicts().items()))
        if conflicts:
            return Migrations((), conflicts, None)
        # The base questioner never prompts and never exits; makemigrations' non-interactive one would.
        autodetector = MigrationAutodetector(loader.project_state(), ProjectState.from_apps(apps), MigrationQuestioner(dry_run=True))
        changes = autodetector.changes(graph=loader.graph)
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - broken migration files are a finding
        first_line = next(iter(str(exc).splitlines()), "")
        return Migrations((), (), f"{type(exc).__name__}: {first_line}")
    model_changes = tuple(
        ModelChange(app, tuple(operation.describe() for migration in migrations for operation in migration.operations))
        for app, migrations in sorted(changes.items())
    )
    return Migrations(model_changes, (), None)


def unapplied_migrations(connection: BaseDatabaseWrapper, alias: str | None = None) -> tuple[tuple[str, ...], str | None]:
    """The migrations `migrate` would apply on this connection, and an inconsistent history if any.

    Reads the django_migrations table (recorder.has_table() only looks, it does not create it).
    ``alias`` is the DATABASES alias the routers know the connection by (default: its own).
    """
    from django.db.migrations.exceptions import InconsistentMigrationHistory
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    try:
        executor.loader.check_consistent_history(connection)
    except InconsistentMigrationHistory as exc:
        return (), str(exc)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return tuple(
        f"{migration.app_label}.{migration.name}"
        for migration, backwards in plan
        if not backwards and migrates_here(alias or connection.alias, migration.app_label)
    ), None


def migrates_here(alias: str, app_label: str) -> bool:
    """False when the database routers keep this app's tables off ``alias`` (allow_migrate):
    migrate would only record its migrations there, and no page queries those tables on it."""
    from django.db import router

    try:
        return router.allow_migrate(alias, app_label) is not False
    except Exception:  # noqa: BLE001 - a router that needs hints we cannot give: count the migration
        return True


# Checks -------------------------------------------------------------------------------------------


def listed(names: tuple[str, ...]) -> str:
    more = f" and {len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else ""
    return ", ".join(names[:MAX_LISTED]) + more


def w013(probe: Probe) -> Warning:
    return Warning(
        f"{probe.alias!r} has {len(probe.unapplied)} unapplied migrations: {listed(probe.unapplied)}.",
        hint="Run `manage.py migrate` in a release step, or pages fail with 'relation does not exist'.",
        obj=probe.alias,
        id="deploy_database.W013",
    )


def e027(probe: Probe, files: tuple[str, ...]) -> Error:
    read = ", ".join(files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")
    return Error(
        f"{probe.alias!r} has {len(probe.unapplied)} unapplied migrations and no step runs migrate ({read} read).",
        hint="Add `python manage.py migrate --noinput` to the release step, or pages fail with 'relation does not exist'.",
        obj=probe.alias,
        id="deploy_database.E027",
    )


def check_unapplied_migrations(facts: Facts) -> list[CheckMessage]:
    # A release or start command that runs migrate applies them at the next deploy: nothing fails.
    if facts.migrate_step is not None:
        return []
    if facts.build_files:
        return [e027(probe, facts.build_files) for probe in facts.live if probe.unapplied]
    return [w013(probe) for probe in facts.live if probe.unapplied]


def e024(probe: Probe) -> Error:
    return Error(
        f"{probe.alias!r} has an inconsistent migration history; migrate refuses to run.",
        hint=f"{probe.inconsistent_history}",
        obj=probe.alias,
        id="deploy_database.E024",
    )


def check_consistent_history(facts: Facts) -> list[CheckMessage]:
    return [e024(probe) for probe in facts.live if probe.inconsistent_history]


def w014(change: ModelChange) -> Warning:
    return Warning(
        f"Models of {change.app_label!r} have changes with no migration: {listed(change.operations)}.",
        hint="Run `manage.py makemigrations` and commit the new files, or production lacks them.",
        obj=change.app_label,
        id="deploy_database.W014",
    )


def check_model_changes(facts: Facts) -> list[CheckMessage]:
    return [w014(change) for change in facts.migrations.model_changes]


def e015(conflict: Conflict) -> Error:
    return Error(
        f"Conflicting migrations in {conflict.app_label!r}: {', '.join(conflict.leaves)}.",
        hint="migrate stops with 'Conflicting migrations detected'; run `manage.py makemigrations --merge`.",
        obj=conflict.app_label,
        id="deploy_database.E015",
    )


def check_conflicts(facts: Facts) -> list[CheckMessage]:
    return [e015(conflict) for conflict in facts.migrations.conflicts]


def e026(error: str) -> Error:
    return Error(
        f"The migration files cannot be loaded: {error}",
        hint="migrate stops with the same error; fix the migration named there (a missing dependency?).",
        id="deploy_database.E026",
    )


def check_migrations_load(facts: Facts) -> list[CheckMessage]:
    return [e026(facts.migrations.error)] if facts.migrations.error else []


# Explanation --------------------------------------------------------------------------------------


# Where `migrate` runs once per deploy, before the new code serves requests, by platform.
RELEASE_STEPS: dict[str, tuple[str, str, str]] = {
    "heroku": ("In the Procfile, a release process:", "release: python manage.py migrate --noinput", "text"),
    "fly": ("In fly.toml:", '[deploy]\n  release_command = "python manage.py migrate --noinput"', "toml"),
    "render": ("In render.yaml, for the web service:", "preDeployCommand: python manage.py migrate --noinput", "yaml"),
    "railway": ("In railway.json:", '{"deploy": {"preDeployCommand": ["python manage.py migrate --noinput"]}}', "json"),
    "upsun": ("In .upsun/config.yaml, the deploy hook:", "hooks:\n  deploy: python manage.py migrate --noinput", "yaml"),
    "digitalocean": (
        "In .do/app.yaml, a pre-deploy job:",
        "jobs:\n  - name: migrate\n    kind: PRE_DEPLOY\n    run_command: python manage.py migrate --noinput",
        "yaml",
    ),
    "elasticbeanstalk": (
        "In .ebextensions/django.config, once per deploy:",
        'container_commands:\n  01_migrate:\n    command: "python manage.py migrate --noinput"\n    leader_only: true',
        "yaml",
    ),
    "container": (
        "Run it once per release, before starting the new containers (not in the image's CMD):",
        "docker compose run --rm web python manage.py migrate --noinput",
        "shell",
    ),
}
GENERIC_RELEASE_STEP = (
    "In your deploy script, after the new code is in place and before the WSGI server restarts:",
    "python manage.py migrate --noinput",
    "shell",
)


# Steps --------------------------------------------------------------------------------------------


def makemigrations_step(facts: Facts, deployment: Plan) -> list[Step]:
    return [
        Step("Write the missing migrations and commit them.", "", "python manage.py makemigrations\ngit add */migrations/*.py", "shell")
    ]


def release_step(facts: Facts, deployment: Plan) -> Iterator[Step]:
    title, detail, language = RELEASE_STEPS.get(facts.platform.name, GENERIC_RELEASE_STEP)
    if deployment.platform_file.name == "Procfile" or facts.platform.name in ("render", "fly", "railway"):
        title = f"In {deployment.platform_file.name} ({deployment.platform.release_step}):"
        detail, language = deployment.platform_file.text.rstrip("\n"), deployment.platform_file.language
    yield Step(
        "Run migrations against the production database in a release step, before the new code serves requests.",
        title,
        detail,
        language,
    )


FIX_MISSING = Fix(frozenset({"deploy_database.W014"}), makemigrations_step)
FIX_RELEASE = Fix(frozenset(), release_step)
