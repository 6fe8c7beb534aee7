"""One run: context -> facts -> checks -> explanation -> Report, for the commands and the registered checks."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Collection, Iterable, Sequence
from typing import Any

import django
from django.conf import settings
from django.core import checks
from django.core.checks.registry import registry

from django_deploy_concepts import masking, plan, platforms
from django_deploy_concepts.checks import TAG
from django_deploy_concepts.concerns.base import Concern
from django_deploy_concepts.context import ProjectContext, build_context
from django_deploy_concepts.helpers import describe_exception
from django_deploy_concepts.report import ConcernReport, Explanation, Finding, Hop, Report, is_ready

INSPECTION_FAILED_HINT = "This is a bug in django-deploy-concepts; please report it with this message."


def inspection_failed(concern: Concern, step: str, exc: BaseException) -> checks.CheckMessage:
    """The message for a concern whose own code failed: the run goes on, the failure is shown."""
    return checks.Error(
        f"{concern.TITLE}: {step} failed: {describe_exception(exc)}",
        hint=INSPECTION_FAILED_HINT,
        id=f"{concern.LABEL}.E000",
    )


def run_checks(concern: Concern, facts: Any) -> list[checks.CheckMessage]:
    messages: list[checks.CheckMessage] = []
    for check in concern.CHECKS:
        try:
            messages.extend(check(facts))
        except Exception as exc:  # noqa: BLE001 - one broken check must not hide the others
            messages.append(inspection_failed(concern, check.__name__, exc))
    return messages


def prepare(context: ProjectContext, concerns: Iterable[Concern]) -> None:
    """Let each concern start, at the start of a run, slow work that runs outside this process
    (the WSGI concern's gunicorn checks) while the others collect."""
    for concern in concerns:
        try:
            concern.prepare(context)
        except Exception:  # noqa: BLE001 - collecting the concern's facts meets the failure again and reports it
            continue


def collect_messages(concern: Concern, context: ProjectContext) -> tuple[Any, list[checks.CheckMessage]]:
    try:
        facts = context.facts_for(concern.NAME)
    except Exception as exc:  # noqa: BLE001
        return None, [inspection_failed(concern, "collecting facts", exc)]
    return facts, run_checks(concern, facts)


def scrub_message(message: checks.CheckMessage, secrets: frozenset[str]) -> checks.CheckMessage:
    # A copy keeps the class (Error, Warning), which CheckMessage equality compares.
    scrubbed = copy.copy(message)
    scrubbed.msg = masking.scrub_text(str(message.msg), secrets)
    scrubbed.hint = None if message.hint is None else masking.scrub_text(str(message.hint), secrets)
    return scrubbed


def check_messages(names: Iterable[str], databases: Collection[str] = ()) -> list[checks.CheckMessage]:
    """The named concerns' messages for Django's check framework, from one reading of the project.

    Connects only to ``databases``. Django's check command filters SILENCED_SYSTEM_CHECKS itself.
    """
    from django_deploy_concepts.concerns import get_concern

    concerns = [get_concern(name) for name in names]
    try:
        context = build_context(databases=tuple(databases))
    except Exception as exc:  # noqa: BLE001
        return [inspection_failed(concern, "reading the project", exc) for concern in concerns]
    prepare(context, concerns)
    messages = [message for concern in concerns for message in collect_messages(concern, context)[1]]
    secrets = context.known_secrets()
    return [scrub_message(message, secrets) for message in messages]


def silenced_ids(context: ProjectContext) -> frozenset[str]:
    value = context.setting("SILENCED_SYSTEM_CHECKS", [])
    if isinstance(value, (list, tuple, set, frozenset)):
        return frozenset(item for item in value if isinstance(item, str))
    return frozenset()


def django_check_tags(concerns: Iterable[Concern]) -> frozenset[str] | None:
    """The tags of the Django checks whose messages the concerns take; None when they need them all."""
    tags: set[str] = set()
    for concern in concerns:
        if concern.DJANGO_CHECK_TAGS is None:
            return None
        tags.update(concern.DJANGO_CHECK_TAGS)
    return frozenset(tags)


def djangos_own_messages(tags: frozenset[str] | None = None) -> list[Finding]:
    """Django's own checks (deploy ones included), each run on its own so one crash stays local.

    Only the checks with one of ``tags`` run, as `check --tag` selects them (None: every check);
    a single concern's command skips, for example, the model and URL checks it would drop.
    Django's checks ignore SILENCED_SYSTEM_CHECKS when called directly; the caller filters.
    No database is passed: Django's database checks then open no connection.
    """
    findings: list[Finding] = []
    for check in registry.get_checks(include_deployment_checks=True):
        check_tags = getattr(check, "tags", ())
        if TAG in check_tags or (tags is not None and tags.isdisjoint(check_tags)):
            continue
        try:
            messages = check(app_configs=None, databases=None)
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - a missing driver, a URLconf raising SystemExit
            name = getattr(check, "__qualname__", repr(check))
            findings.append(
                Finding(
                    id=f"{TAG}.E000",
                    level="error",
                    msg=f"Django's own check {name} crashed: {describe_exception(exc)}",
                    hint="Fix the cause above; `manage.py check --deploy` stops at the same point.",
                    source="django",
                )
            )
            continue
        findings.extend(Finding.from_message(message, source="django") for message in messages)
    # Django keeps its checks in a set: sorted, the report is the same from one run to the next.
    return sorted(findings, key=lambda finding: (finding.id, finding.obj or ""))


def concern_for_django_check(check_id: str, concerns: Sequence[Concern]) -> Concern | None:
    """The concern of ``concerns`` a Django check id belongs to: the one that claims it, else the
    one that takes the rest (DJANGO_CHECK_TAGS None) if present; None when it is another's."""
    for concern in concerns:
        for pattern in concern.DJANGO_CHECKS:
            if check_id == pattern or (pattern.endswith(".") and check_id.startswith(pattern)):
                return concern
    return next((concern for concern in concerns if concern.DJANGO_CHECK_TAGS is None), None)


def failed_explanation(concern: Concern) -> Explanation:
    return Explanation(about=concern.ABOUT, found=(), steps=())


def facts_as_data(facts: Any) -> dict[str, Any]:
    """As dataclasses.asdict, but a platforms.Platform row (a reference into that table) is its name and a set a sorted list."""

    def data(value: Any) -> Any:
        if isinstance(value, platforms.Platform):
            return value.name
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return {field.name: data(getattr(value, field.name)) for field in dataclasses.fields(value)}
        if isinstance(value, dict):
            return {key: data(item) for key, item in value.items()}
        if isinstance(value, (set, frozenset)):
            return sorted(map(data, value), key=str)
        return [data(item) for item in value] if isinstance(value, (list, tuple)) else copy.deepcopy(value)

    return data(facts) if dataclasses.is_dataclass(facts) and not isinstance(facts, type) else {}


def build_report(context: ProjectContext, names: Iterable[str], *, include_django_checks: bool = True) -> Report:
    from django_deploy_concepts.concerns import CONCERN_NAMES, all_concerns, get_concern

    wanted = set(names)
    selected = [get_concern(name) for name in CONCERN_NAMES if name in wanted]
    prepare(context, selected)
    silenced = silenced_ids(context)
    folded: dict[str, list[Finding]] = {concern.NAME: [] for concern in selected}
    if include_django_checks:
        tags = django_check_tags(selected)
        # Which concern an unclaimed id belongs to is only known with every concern's claims.
        claimants = selected if tags is not None else all_concerns()
        for finding in djangos_own_messages(tags):
            owner = concern_for_django_check(finding.id, claimants)
            if owner is not None and owner.NAME in folded:
                folded[owner.NAME].append(finding)

    concern_reports: list[ConcernReport] = []
    facts_by_concern: dict[str, Any] = {}
    for concern in selected:
        facts, messages = collect_messages(concern, context)
        facts_by_concern[concern.NAME] = facts
        all_findings = [Finding.from_message(message) for message in messages] + folded[concern.NAME]
        findings = tuple(finding for finding in all_findings if finding.id not in silenced)
        try:
            guidance = failed_explanation(concern) if facts is None else concern.explain(facts, findings, plan.for_context(context))
        except Exception as exc:  # noqa: BLE001
            findings += (Finding.from_message(inspection_failed(concern, "explaining", exc)),)
            guidance = failed_explanation(concern)
        concern_reports.append(
            ConcernReport(
                concern=concern.NAME,
                title=concern.TITLE,
                ready=is_ready(findings),
                facts=facts_as_data(facts),
                findings=findings,
                guidance=guidance,
                silenced=len(all_findings) - len(findings),
            )
        )

    hops: list[Hop] = []
    for concern in selected:
        if facts_by_concern[concern.NAME] is None:
            continue
        try:
            hops.extend(concern.hops(facts_by_concern[concern.NAME]))
        except Exception:  # noqa: BLE001 - the map is a summary; the concern's own report shows the error
            continue

    report = Report(
        django_version=django.get_version(),
        project=project_data(context),
        concerns=tuple(concern_reports),
        request_path=tuple(sorted(hops, key=lambda hop: HOP_ORDER.index(hop.key) if hop.key in HOP_ORDER else len(HOP_ORDER))),
    )
    return masking.scrub(report, context.known_secrets())


# The order of the request path: from the browser to the database, then the file servers.
HOP_ORDER = ("router", "wsgi_server", "application", "database", "static", "media")


def project_data(context: ProjectContext) -> dict[str, Any]:
    debug = context.setting("DEBUG", False)
    return {
        "base_dir": str(context.base_dir),
        "base_dir_source": context.base_dir_source,
        "settings_module": context.settings_module,
        "debug": debug if isinstance(debug, bool) else repr(debug),
        "platform": context.platform.platform,
        "platform_title": context.platform.title,
        "platform_evidence": list(context.platform.evidence),
        "platform_overridden": context.platform.overridden,
        "databases_inspected": list(context.databases),
        "settings_configured": settings.configured,
    }
