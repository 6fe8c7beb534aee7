"""The small base class every concern subclasses: what the runner, the commands and the checks use.

A concern reads the project into frozen facts (``collect_facts``), judges them with pure check
functions (``CHECKS``), and explains them (``explain``). Each concern package defines one subclass,
an instance of which is its ``CONCERN``; concerns/__init__.py lists them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection
from typing import Any, ClassVar

from django.core.checks import CheckMessage

from django_deploy_concepts.context import ProjectContext
from django_deploy_concepts.plan import Plan
from django_deploy_concepts.report import Explanation, Finding, Hop, Step


class Concern:
    NAME: ClassVar[str]
    TITLE: ClassVar[str]
    # Label of the concern's check ids: <LABEL>.<level letter><NNN>, as Django's own ids.
    LABEL: ClassVar[str]
    ABOUT: ClassVar[tuple[str, ...]]
    # Django's own check ids (or prefixes ending in ".") whose messages belong to this concern.
    DJANGO_CHECKS: ClassVar[tuple[str, ...]] = ()
    # The tags of the Django checks that can report DJANGO_CHECKS. None: the concern takes every
    # Django message no other concern claims, so it needs every check.
    DJANGO_CHECK_TAGS: ClassVar[tuple[str, ...] | None] = ()
    # Pure functions of the facts, in the order their messages are reported.
    CHECKS: ClassVar[tuple[Callable[[Any], list[CheckMessage]], ...]] = ()

    def prepare(self, context: ProjectContext) -> None:
        """At the start of a run, start slow work that runs outside this process while the others collect."""

    def collect_facts(self, context: ProjectContext) -> Any:
        raise NotImplementedError

    # ``deployment``: the run's plan (plan.for_context); None outside a run, where the concern uses
    # plan.for_platform for its platform.
    def explain(self, facts: Any, findings: tuple[Finding, ...], deployment: Plan | None = None) -> Explanation:
        raise NotImplementedError

    def hops(self, facts: Any) -> tuple[Hop, ...]:
        return ()

    def __repr__(self) -> str:
        return f"<concern {self.NAME}>"


@dataclasses.dataclass(frozen=True)
class Fix:
    """The steps that fix the messages ``ids``, defined next to the check that reports them.

    Built when one of ``ids`` was found; with no ``ids``, built from the facts alone (``build``
    returns no step when there is nothing to do).
    """

    ids: frozenset[str]
    build: Callable[[Any, Plan], list[Step]]

    def steps(self, facts: Any, found: Collection[str], deployment: Plan) -> list[Step]:
        return self.build(facts, deployment) if not self.ids or not self.ids.isdisjoint(found) else []


def fix_steps(fixes: tuple[Fix, ...], facts: Any, found: Collection[str], deployment: Plan) -> list[Step]:
    """The steps of ``fixes``, in their order, for the messages ``found``."""
    return [step for fix in fixes for step in fix.steps(facts, found, deployment)]
