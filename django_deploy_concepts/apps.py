from __future__ import annotations

from django.apps import AppConfig
from django.core import checks


class DeployConceptsConfig(AppConfig):
    name = "django_deploy_concepts"
    verbose_name = "Deploy concepts"

    def ready(self) -> None:
        from django_deploy_concepts.concerns import CONCERNS

        for concern in CONCERNS:
            checks.register(concern.django_check, "deploy_concepts", deploy=True)
            database_check = getattr(concern, "django_database_check", None)
            if database_check is not None:
                # Tagged "database": Django runs it only for `check --database ALIAS`, with those aliases.
                checks.register(database_check, "deploy_concepts", checks.Tags.database, deploy=True)
