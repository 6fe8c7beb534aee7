"""The concern every package declares, and the fix steps its checks define next to them.

A concern package reads the project into frozen facts (``collect_facts``), judges them with pure
check functions (``CHECKS``), and explains them (``explain``); it ends with
``CONCERN = Concern(__name__)``, and concerns/__init__.py lists them.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Collection, Iterable
from typing import Any

from django.core.checks import CheckMessage

from django_deploy_concepts.context import ProjectContext
from django_deploy_concepts.plan import Plan
from django_deploy_concepts.report import Explanation, Finding, Hop, Step


class Concern:
    """A concern package: its constants, read once, and its functions, looked up when called (so tests can patch them).

    The package defines NAME, TITLE, ABOUT, LABEL (of its check ids: <LABEL>.<level letter><NNN>),
    CHECKS (pure functions of the facts, in the order their messages are reported), collect_facts
    and explain; optionally DJANGO_CHECKS (Django's own check ids, or prefixes ending in ".", whose
    messages belong to it), DJANGO_CHECK_TAGS (the tags of the Django checks that can report them;
    None: it takes every Django message no other concern claims, so it needs every check),
    prepare(context) (start slow work that runs outside this process while the others collect)
    and hops(facts).
    """

    def __init__(self, module_name: str) -> None:
        self.module = sys.modules[module_name]
        self.NAME: str = self.module.NAME
        self.TITLE: str = self.module.TITLE
        self.LABEL: str = self.module.LABEL
        self.ABOUT: tuple[str, ...] = self.module.ABOUT
        self.DJANGO_CHECKS: tuple[str, ...] = getattr(self.module, "DJANGO_CHECKS", ())
        self.DJANGO_CHECK_TAGS: tuple[str, ...] | None = getattr(self.module, "DJANGO_CHECK_TAGS", ())
        self.CHECKS: tuple[Callable[[Any], list[CheckMessage]], ...] = self.module.CHECKS

    def prepare(self, context: ProjectContext) -> None:
        if hasattr(self.module, "prepare"):
            self.module.prepare(context)

    def collect_facts(self, context: ProjectContext) -> Any:
        return self.module.collect_facts(context)

    # ``deployment``: the run's plan (plan.for_context); None outside a run, where the concern uses
    # plan.for_platform for its platform.
    def explain(self, facts: Any, findings: tuple[Finding, ...], deployment: Plan | None = None) -> Explanation:
        explanation: Explanation = self.module.explain(facts, findings, deployment)
        return explanation

    def hops(self, facts: Any) -> tuple[Hop, ...]:
        hops: tuple[Hop, ...] = self.module.hops(facts) if hasattr(self.module, "hops") else ()
        return hops

    def __repr__(self) -> str:
        return f"<concern {self.NAME}>"


@dataclasses.dataclass(frozen=True)
class Fix:
    """The steps that fix the messages ``ids``, defined next to the check that reports them.

    Built when one of ``ids`` was found, or when ``also`` says the facts show the problem by
    themselves; with no ``ids``, built from the facts alone (``build`` yields no step when there
    is nothing to do).
    """

    ids: frozenset[str]
    build: Callable[[Any, Plan], Iterable[Step]]
    also: Callable[[Any], bool] | None = None

    def steps(self, facts: Any, found: Collection[str], deployment: Plan) -> list[Step]:
        wanted = not self.ids or not self.ids.isdisjoint(found) or (self.also is not None and self.also(facts))
        return list(self.build(facts, deployment)) if wanted else []


def fix_steps(fixes: tuple[Fix, ...], facts: Any, found: Collection[str], deployment: Plan) -> list[Step]:
    """The steps of ``fixes``, in their order, for the messages ``found``."""
    return [step for fix in fixes for step in fix.steps(facts, found, deployment)]
