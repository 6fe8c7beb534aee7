from __future__ import annotations

from django.apps import AppConfig
from django.core import checks

from django_deploy_concepts.checks import TAG, check_deploy, check_deploy_database


class DeployConceptsConfig(AppConfig):
    name = "django_deploy_concepts"
    verbose_name = "Deploy concepts"

    def ready(self) -> None:
        # Registering the same functions again (ready() runs for every override of INSTALLED_APPS) adds nothing.
        checks.register(check_deploy, TAG, deploy=True)
        checks.register(check_deploy_database, TAG, checks.Tags.database, deploy=True)
