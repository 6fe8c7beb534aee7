"""Shared by the database concern's tests: run the concern on a real context, override DATABASES quietly."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.checks import CheckMessage

from django_deploy_concepts.concerns import database
from django_deploy_concepts.context import ProjectContext, build_context

# Re-exported: the database tests import it from here.
from tests.utils import override_databases as override_databases

SQLITE_MEMORY = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}


def make_context(*, environ: Mapping[str, str] | None = None, **kwargs: Any) -> ProjectContext:
    """A context with an empty environment unless given: the machine's DATABASE_URL must not leak in."""
    return build_context(environ={} if environ is None else environ, **kwargs)


def run(context: ProjectContext) -> tuple[database.Facts, list[CheckMessage]]:
    facts = database.collect_facts(context)
    return facts, [message for check in database.CHECKS for message in check(facts)]


def messages_with(messages: list[CheckMessage], check_id: str) -> list[CheckMessage]:
    return [message for message in messages if message.id == check_id]


def ids(messages: list[CheckMessage]) -> set[str]:
    return {message.id or "" for message in messages}
