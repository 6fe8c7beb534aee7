"""The concerns, explicit and in the order the report shows them; each module is imported when first used."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    from django.core.checks import CheckMessage

    from django_deploy_concepts.context import ProjectContext
    from django_deploy_concepts.plan import Plan
    from django_deploy_concepts.report import Explanation, Finding, Hop


class Concern(Protocol):
    """What a concern module provides; each module named in CONCERN_NAMES satisfies it."""

    # Read-only members, so a module's own narrower types (a tuple of two ids) still satisfy them.
    @property
    def NAME(self) -> str: ...

    @property
    def TITLE(self) -> str: ...

    # Label of the concern's check ids: <LABEL>.<level letter><NNN>, as Django's own ids.
    @property
    def LABEL(self) -> str: ...

    @property
    def ABOUT(self) -> tuple[str, ...]: ...

    # Django's own check ids (or prefixes ending in ".") whose messages belong to this concern.
    @property
    def DJANGO_CHECKS(self) -> tuple[str, ...]: ...

    # The tags of the Django checks that can report DJANGO_CHECKS. None: the concern takes every
    # Django message no other concern claims, so it needs every check.
    @property
    def DJANGO_CHECK_TAGS(self) -> tuple[str, ...] | None: ...

    @property
    def CHECKS(self) -> tuple[Callable[[Any], list[CheckMessage]], ...]: ...

    def collect_facts(self, context: ProjectContext) -> Any: ...

    # ``deployment``: the run's plan (plan.for_context); None outside a run, where the concern uses
    # plan.for_platform for its platform.
    def explain(self, facts: Any, findings: tuple[Finding, ...], deployment: Plan | None = None) -> Explanation: ...

    def hops(self, facts: Any) -> tuple[Hop, ...]: ...


# A single concern's command imports only the modules it uses (a concern may use another's facts).
CONCERN_NAMES = ("static", "database", "wsgi", "webserver", "checklist")


def get_concern(name: str) -> Concern:
    if name not in CONCERN_NAMES:
        raise LookupError(f"no concern named {name!r}")
    return cast("Concern", importlib.import_module(f"{__name__}.{name}"))


def all_concerns() -> tuple[Concern, ...]:
    return tuple(get_concern(name) for name in CONCERN_NAMES)
