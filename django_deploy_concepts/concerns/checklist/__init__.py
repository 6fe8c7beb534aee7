"""Settings and operations: Django's deployment checklist beyond the four concerns.

One sub-module per topic, each with its facts, checks and explanation: debug, secret_key, hosts,
errors (logging, ADMINS, error pages), mail, dependencies and simple_deploy; ``source`` parses the
settings source they share, ``logs`` models the logging configuration.
Docs: docs/checks/checklist.rst; Django: https://docs.djangoproject.com/en/stable/howto/deployment/checklist/
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.checks import CheckMessage, Error

from django_deploy_concepts import plan
from django_deploy_concepts.concerns.base import Concern, fix_steps
from django_deploy_concepts.concerns.checklist import (
    debug,
    dependencies,
    entry_points,
    errors,
    hosts,
    mail,
    secret_key,
    simple_deploy,
    source,
)
from django_deploy_concepts.concerns.checklist.facts import ChecklistFacts, SourceError
from django_deploy_concepts.context import ProjectContext
from django_deploy_concepts.plan import Plan
from django_deploy_concepts.report import Explanation, Fact, Finding, Step

NAME = "checklist"
TITLE = "Settings and operations"
LABEL = "deploy_checklist"
ABOUT = (
    "Django's deployment checklist: settings that are fine on your machine and dangerous or broken in "
    "production. DEBUG must be off (it shows your settings and code to anyone who triggers an error), "
    "SECRET_KEY must be secret and the same in every process, ALLOWED_HOSTS must name your real "
    "hostnames, and errors must reach someone.",
    "Read secrets and switches from the environment, converting them properly: "
    'os.environ.get("DEBUG", False) returns the string "False", which Python treats as true.',
    'Operations matter as much: with DEBUG off a failing page shows only "Server Error (500)", so the '
    "traceback must go to a log or a mailbox someone reads, mail needs a real server, and the platform "
    "installs only what your requirements file lists, on the Python version you ask for.",
)
# Everything not claimed by another concern comes here too (see runner.concern_for_django_check).
DJANGO_CHECKS = ("security.W009", "security.W018", "security.W020", "security.W025", "mail.")
# Django's own checks whose explanation is a step of a sub-topic; the rest get a generic step.
# This concern takes every Django message no other concern claims, so a run of it needs every check.
DJANGO_CHECK_TAGS: tuple[str, ...] | None = None
EXPLAINED_DJANGO_CHECKS = frozenset({"security.W009", "security.W018", "security.W020", "security.W025", "mail.E001", "mail.W001"})


# Facts --------------------------------------------------------------------------------------------


def collect_facts(context: ProjectContext) -> ChecklistFacts:
    parsed = source.parse_sources(context.settings_sources(), context.search_roots)
    dependency_facts = dependencies.collect(context, parsed)
    return ChecklistFacts(
        settings_files=tuple(item.display for item in parsed),
        source_errors=tuple(SourceError(item.display, item.syntax_error) for item in parsed if item.syntax_error),
        debug=debug.collect(context, parsed),
        secret_key=secret_key.collect(context, parsed),
        hosts=hosts.collect(context),
        errors=errors.collect(context, parsed),
        mail=mail.collect(context),
        dependencies=dependency_facts,
        simple_deploy=simple_deploy.collect(context, parsed, dependency_facts.names),
        target_errors=context.target.errors,
        entry_points=entry_points.collect(context),
    )


# Checks -------------------------------------------------------------------------------------------


def e005(error: SourceError) -> Error:
    return Error(
        f"{error.file} cannot be parsed: {error.error}",
        hint="Python will fail the same way when that settings module is imported in production.",
        obj=error.file,
        id="deploy_checklist.E005",
    )


def check_settings_source_parses(facts: ChecklistFacts) -> list[CheckMessage]:
    return [e005(error) for error in facts.source_errors]


def e031(error: str) -> Error:
    return Error(
        error,
        hint="The wrong value is ignored; the README lists each DEPLOY_CONCEPTS key.",
        obj="DEPLOY_CONCEPTS",
        id="deploy_checklist.E031",
    )


def check_declared_target(facts: ChecklistFacts) -> list[CheckMessage]:
    return [e031(error) for error in facts.target_errors]


def on(part: str, check: Callable[[Any], list[CheckMessage]]) -> Callable[[ChecklistFacts], list[CheckMessage]]:
    """A sub-topic's check, run on its part of the facts; keeps the check's name for failure reports."""

    def run(facts: ChecklistFacts) -> list[CheckMessage]:
        return check(getattr(facts, part))

    run.__name__ = run.__qualname__ = check.__name__
    return run


PARTS = (
    ("debug", debug),
    ("entry_points", entry_points),
    ("secret_key", secret_key),
    ("hosts", hosts),
    ("errors", errors),
    ("mail", mail),
    ("dependencies", dependencies),
    ("simple_deploy", simple_deploy),
)
CHECKS: tuple[Callable[[ChecklistFacts], list[CheckMessage]], ...] = (
    check_settings_source_parses,
    check_declared_target,
    *(on(part, check) for part, module in PARTS for check in module.CHECKS),
)


# Explanation --------------------------------------------------------------------------------------


def variables_step(steps: list[Step], deployment: Plan) -> list[Step]:
    """Where the settings above read the environment: what to set where the site runs, and locally."""
    if not any("os.environ" in step.code for step in steps):
        return []
    platform = deployment.platform
    where = platform.title if platform.name != "unknown" else "your platform"
    return [
        Step(
            "Set the environment variables where the site runs; set nothing on your machine.",
            f"An environment variable is a name and a value the platform gives the running process; os.environ reads it. "
            f"On {where}: {platform.set_variables}. On your machine leave them unset: the settings then fall back to "
            "development values (DEBUG on, a development-only key, localhost), so runserver keeps working.",
            "\n".join(f"{name}  # {what}" for name, what in deployment.variables),
            "text",
        )
    ]


def other_django_checks(findings: tuple[Finding, ...]) -> list[Step]:
    """One step per Django check id this concern received without a topic of its own."""
    steps: dict[str, Step] = {}
    for finding in findings:
        if finding.source != "django" or finding.id in EXPLAINED_DJANGO_CHECKS or finding.id in steps:
            continue
        steps[finding.id] = Step(f"Fix what Django's own check {finding.id} reports.", f"{finding.msg} {finding.hint or ''}".strip())
    return list(steps.values())


def explain(facts: ChecklistFacts, findings: tuple[Finding, ...], deployment: Plan | None = None) -> Explanation:
    deployment = deployment or plan.for_platform(
        facts.hosts.platform.name,
        debug_variable=facts.debug.variable or plan.DEBUG_VARIABLE,
        secret_key_variable=facts.secret_key.variable or plan.SECRET_KEY_VARIABLE,
        allowed_hosts=facts.hosts.allowed_hosts,
        declared_hosts=facts.hosts.declared_hosts,
    )
    found: list[Fact] = [
        Fact(
            "Settings source read",
            ", ".join(facts.settings_files)
            or "none: the settings module has no .py source here (only compiled .pyc, or configured in code)",
            None,
        )
    ]
    found += [Fact(f"Cannot parse {error.file}", error.error, False) for error in facts.source_errors]
    found += [Fact("DEPLOY_CONCEPTS", error, False) for error in facts.target_errors]
    ids = {finding.id for finding in findings}
    steps: list[Step] = []
    for part, module in PARTS:
        found += module.found(getattr(facts, part), ids)
        steps += fix_steps(module.FIXES, getattr(facts, part), ids, deployment)
    steps += other_django_checks(findings)
    steps += variables_step(steps, deployment)
    steps.append(
        Step("Run Django's own deployment checks with this app's checks included.", "", "python manage.py check --deploy", "shell")
    )
    situation = (
        f"On {deployment.where}, what differs from your machine comes from environment variables: "
        f"{deployment.platform.set_variables}. {deployment.platform.build_step[0].upper()}{deployment.platform.build_step[1:]}."
    )
    return Explanation(about=(situation, *ABOUT), found=tuple(found), steps=tuple(steps))


CONCERN = Concern(__name__)
