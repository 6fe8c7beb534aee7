from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from django.apps import AppConfig
from django.core import checks

# The names in django_deploy_concepts.concerns.CONCERNS, in its order (a test keeps them equal).
# Listed here so that start-up imports no concern: `runserver` runs Django's checks on every
# reload and never the deploy ones, so it must not pay for importing them.
CONCERN_NAMES = ("static", "database", "wsgi", "webserver", "checklist")


def deferred_check(name: str) -> Callable[..., list[checks.CheckMessage]]:
    """The concern's ``django_check``, imported when a deploy check first runs."""

    def check(app_configs: Any = None, databases: Collection[str] | None = None, **kwargs: Any) -> list[checks.CheckMessage]:
        from django_deploy_concepts.concerns import get_concern

        return get_concern(name).django_check(app_configs=app_configs, databases=databases, **kwargs)

    check.__name__ = check.__qualname__ = f"check_{name}"
    return check


class DeployConceptsConfig(AppConfig):
    name = "django_deploy_concepts"
    verbose_name = "Deploy concepts"

    def ready(self) -> None:
        for name in CONCERN_NAMES:
            checks.register(deferred_check(name), "deploy_concepts", deploy=True)
