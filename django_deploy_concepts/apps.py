from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from django.apps import AppConfig
from django.core import checks

# django_deploy_concepts.concerns.CONCERN_NAMES (a test keeps them equal), repeated here so that
# start-up imports nothing of the concerns: `runserver` runs Django's checks on every reload and
# never the deploy ones, so it must not pay for importing them.
CONCERN_NAMES = ("static", "database", "wsgi", "webserver", "checklist")


def deferred_check(name: str) -> Callable[..., list[checks.CheckMessage]]:
    """The concern's ``django_check``, imported when a deploy check first runs; never connects.

    Django 6 passes every alias to checks without the "database" tag even when `check` got no
    --database, so the aliases are not passed on: these checks are static analysis only.
    """

    def check(app_configs: Any = None, databases: Collection[str] | None = None, **kwargs: Any) -> list[checks.CheckMessage]:
        from django_deploy_concepts.concerns import get_concern

        return get_concern(name).django_check(app_configs=app_configs, databases=None, **kwargs)

    check.__name__ = check.__qualname__ = f"check_{name}"
    return check


def deferred_database_check(name: str) -> Callable[..., list[checks.CheckMessage]]:
    """The concern's optional ``django_database_check``: Django runs "database"-tagged checks only
    for `check --database ALIAS`, and then with those aliases."""

    def check(app_configs: Any = None, databases: Collection[str] | None = None, **kwargs: Any) -> list[checks.CheckMessage]:
        from django_deploy_concepts.concerns import get_concern

        database_check = getattr(get_concern(name), "django_database_check", None)
        if database_check is None or not databases:
            return []
        return list(database_check(app_configs=app_configs, databases=databases, **kwargs))

    check.__name__ = check.__qualname__ = f"check_{name}_database"
    return check


# Made once: ready() runs again whenever a test overrides INSTALLED_APPS, and registering the
# same function objects keeps the registry (a set) from collecting duplicates.
STATIC_CHECKS = tuple(deferred_check(name) for name in CONCERN_NAMES)
DATABASE_CHECKS = tuple(deferred_database_check(name) for name in CONCERN_NAMES)


class DeployConceptsConfig(AppConfig):
    name = "django_deploy_concepts"
    verbose_name = "Deploy concepts"

    def ready(self) -> None:
        for check in STATIC_CHECKS:
            checks.register(check, "deploy_concepts", deploy=True)
        for check in DATABASE_CHECKS:
            checks.register(check, "deploy_concepts", checks.Tags.database, deploy=True)
