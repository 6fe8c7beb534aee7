"""Shared by the database concern's tests: run the concern on a real context, override DATABASES quietly."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator, Mapping
from typing import Any

from django.core.checks import CheckMessage
from django.test import override_settings

from django_deploy_concepts.concerns import database
from django_deploy_concepts.context import ProjectContext, build_context

SQLITE_MEMORY = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}


@contextlib.contextmanager
def override_databases(databases: object) -> Iterator[None]:
    """override_settings(DATABASES=...) without Django's warning that it does not reconnect.

    The concern reads DATABASES from settings and opens its own connections, so the warning
    (about the test runner's connections) does not apply here.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Overriding setting DATABASES", category=UserWarning)
        with override_settings(DATABASES=databases):
            yield


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
