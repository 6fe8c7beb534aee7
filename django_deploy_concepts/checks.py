"""The two checks ``manage.py check --deploy`` runs: every concern, and the live database probe for ``--database``.

Like staticfiles' ``check_finders``: plain functions that apps.py registers. They import the
concerns only when they run, so plain ``check`` and ``runserver``, which never run deploy checks,
do not pay for importing them.
Docs: docs/checks/index.rst; Django: https://docs.djangoproject.com/en/stable/topics/checks/
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.core.checks import CheckMessage

TAG = "deploy_concepts"


def check_deploy(app_configs: Any = None, databases: Collection[str] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """Every concern's checks on one reading of the project; opens no database connection.

    Django 6 passes every alias to checks without the "database" tag, even to a `check` without
    --database: the aliases are not used here, only by check_deploy_database.
    """
    from django_deploy_concepts import runner
    from django_deploy_concepts.concerns import CONCERN_NAMES

    return runner.check_messages(CONCERN_NAMES)


def check_deploy_database(app_configs: Any = None, databases: Collection[str] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """What only a connection finds, on the aliases `check --database ALIAS` passes; none without."""
    if not databases:
        return []
    from django_deploy_concepts import runner
    from django_deploy_concepts.concerns import database

    return [message for message in runner.check_messages(("database",), databases) if message.id in database.LIVE_CHECK_IDS]
