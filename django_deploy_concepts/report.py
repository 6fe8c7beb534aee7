"""The typed result of a run, shared by every output format: Finding, Step, Explanation, Report."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from django.core import checks

from django_deploy_concepts import impact as impacts

# 2: each finding gained "impact" and "shows"; "ready" follows the impact, not the level.
SCHEMA_VERSION = 2

LEVEL_NAMES: Mapping[int, str] = {
    checks.DEBUG: "debug",
    checks.INFO: "info",
    checks.WARNING: "warning",
    checks.ERROR: "error",
    checks.CRITICAL: "critical",
}


def level_name(level: int) -> str:
    """Django's numeric level as the word the JSON schema uses (custom levels round down)."""
    for threshold in sorted(LEVEL_NAMES, reverse=True):
        if level >= threshold:
            return LEVEL_NAMES[threshold]
    return "debug"


@dataclasses.dataclass(frozen=True)
class Finding:
    """One check message, as every format shows it."""

    id: str
    level: str
    msg: str
    hint: str | None = None
    obj: str | None = None
    # "deploy_concepts" for ours, "django" for Django's own checks folded into a concern.
    source: str = "deploy_concepts"
    # One of impact.SCALE's keys, and what a visitor or the log shows; filled from the id.
    impact: str = ""
    shows: str = ""

    def __post_init__(self) -> None:
        if not self.impact or self.impact not in impacts.BY_KEY:
            effect = impacts.effect_of(self.id, self.level, self.msg)
            object.__setattr__(self, "impact", effect.impact.key)
            if not self.shows:
                object.__setattr__(self, "shows", effect.shows)

    @classmethod
    def from_message(cls, message: checks.CheckMessage, source: str = "deploy_concepts") -> Finding:
        return cls(
            id=message.id or "",
            level=level_name(message.level),
            msg=str(message.msg),
            hint=None if message.hint is None else str(message.hint),
            obj=None if message.obj is None else str(message.obj),
            source=source,
        )

    @property
    def numeric_level(self) -> int:
        return {name: number for number, name in LEVEL_NAMES.items()}[self.level]

    @property
    def impact_info(self) -> impacts.Impact:
        return impacts.BY_KEY[self.impact]

    @property
    def fix(self) -> str:
        """The hint, or for Django's own messages without one, the fix the impact table gives."""
        return self.hint or impacts.effect_of(self.id, self.level).fix

    @property
    def blocking(self) -> bool:
        return self.impact in impacts.BLOCKING


@dataclasses.dataclass(frozen=True)
class Step:
    """One numbered thing to do; ``code`` holds exact lines to paste (settings or shell)."""

    title: str
    detail: str = ""
    code: str = ""
    # "python", "shell", "nginx", ... : markdown uses it for the code fence.
    language: str = ""


@dataclasses.dataclass(frozen=True)
class Fact:
    """One line of "what we found in your project": a label and the project's own value."""

    label: str
    value: str
    # None: neutral; True: fine for production; False: a gap.
    ok: bool | None = None


@dataclasses.dataclass(frozen=True)
class Explanation:
    """The guidance for one concern: the concept, this project's facts, the next steps."""

    about: tuple[str, ...]
    found: tuple[Fact, ...]
    steps: tuple[Step, ...]


@dataclasses.dataclass(frozen=True)
class Hop:
    """One hop of the request path shown by explain_deploy's map."""

    # One of runner.HOP_ORDER: router, wsgi_server, application, database, static, media.
    key: str
    name: str
    detail: str
    ready: bool | None


@dataclasses.dataclass(frozen=True)
class ConcernReport:
    concern: str
    title: str
    ready: bool
    facts: Mapping[str, Any]
    findings: tuple[Finding, ...]
    guidance: Explanation
    silenced: int = 0


@dataclasses.dataclass(frozen=True)
class Report:
    django_version: str
    project: Mapping[str, Any]
    concerns: tuple[ConcernReport, ...]
    request_path: tuple[Hop, ...] = ()
    schema_version: int = SCHEMA_VERSION

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(finding for concern in self.concerns for finding in concern.findings)

    @property
    def silenced(self) -> int:
        return sum(concern.silenced for concern in self.concerns)

    def ranked(self) -> tuple[tuple[ConcernReport, Finding], ...]:
        """Every finding with its concern, the worst impact first (concern order within a class)."""
        pairs = [(concern, finding) for concern in self.concerns for finding in concern.findings]
        return tuple(sorted(pairs, key=lambda pair: pair[1].impact_info.rank))


def by_impact(findings: Sequence[Finding]) -> tuple[Finding, ...]:
    return tuple(sorted(findings, key=lambda finding: finding.impact_info.rank))


def is_ready(findings: Sequence[Finding]) -> bool:
    """A concern is ready when none of its findings stops, breaks, disfigures the site or loses data."""
    return not any(finding.blocking for finding in findings)
