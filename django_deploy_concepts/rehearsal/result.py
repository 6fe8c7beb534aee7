"""The typed result of one rehearsal, shared by every output format."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from django.core.checks import CheckMessage

from django_deploy_concepts.report import Finding

SCHEMA_VERSION = 1
NOT_PREDICTED = "not predicted (a bug in django-deploy-concepts: please report it)"


@dataclasses.dataclass(frozen=True)
class Failure:
    """One thing that really failed: the finding, the concern it belongs to, and what predicted it."""

    finding: Finding
    # static, database, wsgi, webserver or checklist.
    concern: str
    url: str | None = None
    status: int | None = None
    # The exact error from the server's log (or the build's output), secrets scrubbed.
    error: str | None = None
    # The inspection findings that predicted it; empty means not predicted.
    predicted_by: tuple[str, ...] = ()
    # Further URLs that failed the same way.
    also: tuple[str, ...] = ()

    @classmethod
    def of(cls, message: CheckMessage, concern: str, **fields: object) -> Failure:
        return cls(Finding.from_message(message), concern, **fields)  # type: ignore[arg-type]

    @property
    def predicted(self) -> bool:
        return bool(self.predicted_by)


@dataclasses.dataclass(frozen=True)
class Stage:
    name: str
    seconds: float
    # What it did, in one line ("collected 12 files", "gunicorn mysite.wsgi:application on 127.0.0.1:40123").
    outcome: str
    ok: bool | None = None


@dataclasses.dataclass(frozen=True)
class Visit:
    """One request and its answer, as production's front sends it."""

    method: str
    url: str
    # "page", "link", "static", "admin", "unknown", "media", "upload".
    kind: str
    status: int | None
    seconds: float
    redirects: tuple[str, ...] = ()
    content_type: str | None = None
    cache_control: str | None = None
    content_encoding: str | None = None
    error: str | None = None


@dataclasses.dataclass(frozen=True)
class Rehearsal:
    project: Mapping[str, object]
    stages: tuple[Stage, ...]
    failures: tuple[Failure, ...]
    visits: tuple[Visit, ...]
    # Assumptions and substitutions the rehearsal made, each stated once.
    notes: tuple[str, ...]
    # What worked, one line each.
    worked: tuple[str, ...]
    schema_version: int = SCHEMA_VERSION

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(failure.finding for failure in self.failures)
