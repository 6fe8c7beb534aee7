"""The concerns, explicit and in the order the report shows them."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any, Protocol

from django_deploy_concepts.concerns import checklist, database, static, webserver, wsgi

if TYPE_CHECKING:
    from django.core.checks import CheckMessage

    from django_deploy_concepts.context import ProjectContext
    from django_deploy_concepts.report import Explanation, Finding, Hop


class Concern(Protocol):
    """What a concern module provides; each module in CONCERNS satisfies it."""

    # Read-only members, so a module's own narrower types (a tuple of two ids) still satisfy them.
    @property
    def NAME(self) -> str: ...

    @property
    def TITLE(self) -> str: ...

    # Letter of the concern's check ids: deploy_concepts.<LETTER><NNN>.
    @property
    def LETTER(self) -> str: ...

    @property
    def ABOUT(self) -> tuple[str, ...]: ...

    # Django's own check ids (or prefixes ending in ".") whose messages belong to this concern.
    @property
    def DJANGO_CHECKS(self) -> tuple[str, ...]: ...

    # The tags of the Django checks that can report DJANGO_CHECKS; None: it needs every check.
    @property
    def DJANGO_CHECK_TAGS(self) -> tuple[str, ...] | None: ...

    @property
    def CHECKS(self) -> tuple[Callable[[Any], list[CheckMessage]], ...]: ...

    def collect_facts(self, context: ProjectContext) -> Any: ...

    def explain(self, facts: Any, findings: tuple[Finding, ...]) -> Explanation: ...

    def hops(self, facts: Any) -> tuple[Hop, ...]: ...

    def django_check(self, app_configs: Any = None, databases: Collection[str] | None = None, **kwargs: Any) -> list[CheckMessage]: ...


CONCERNS: tuple[Concern, ...] = (static, database, wsgi, webserver, checklist)


def get_concern(name: str) -> Concern:
    for concern in CONCERNS:
        if name == concern.NAME:
            return concern
    raise LookupError(f"no concern named {name!r}")
