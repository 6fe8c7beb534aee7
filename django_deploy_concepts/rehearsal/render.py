"""Rehearsal -> text, Markdown or JSON. Pure functions: no I/O; only the text renderer knows colour."""

from __future__ import annotations

import dataclasses
import json
import textwrap

from django_deploy_concepts.concerns import get_concern
from django_deploy_concepts.rehearsal.result import NOT_PREDICTED, Failure, Rehearsal
from django_deploy_concepts.renderers import WIDTH, PlainStyle, TextStyle, count_summary, md_escape, text_mark

MAX_ALSO = 5


def wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent + "    ") or [indent.rstrip()]


def render(rehearsal: Rehearsal, output_format: str, *, style: TextStyle | None = None) -> str:
    if output_format == "json":
        return render_json(rehearsal)
    if output_format == "markdown":
        return render_markdown(rehearsal)
    return render_text(rehearsal, style=style or PlainStyle())


def render_json(rehearsal: Rehearsal) -> str:
    data = dataclasses.asdict(rehearsal)
    for failure, entry in zip(rehearsal.failures, data["failures"], strict=True):
        entry["predicted"] = failure.predicted
        entry["concern_title"] = concern_title(failure.concern)
    return json.dumps(data, sort_keys=True, indent=2, default=str) + "\n"


def concern_title(name: str) -> str:
    try:
        return get_concern(name).TITLE
    except LookupError:
        return name


def prediction_text(failure: Failure) -> str:
    return "predicted by " + ", ".join(failure.predicted_by) if failure.predicted else NOT_PREDICTED


def also_text(failure: Failure) -> str:
    shown = ", ".join(failure.also[:MAX_ALSO])
    more = f" and {len(failure.also) - MAX_ALSO} more" if len(failure.also) > MAX_ALSO else ""
    return f"also: {shown}{more}"


def heading(rehearsal: Rehearsal) -> str:
    project = rehearsal.project
    return f"Production rehearsal of {project.get('settings_module')} ({project.get('platform_title')})"


def verdict(rehearsal: Rehearsal) -> str:
    if not rehearsal.failures:
        return "Nothing failed."
    return f"{count_summary(rehearsal.findings)} in production-like conditions."


# Text ---------------------------------------------------------------------------------------------


def render_text(rehearsal: Rehearsal, *, style: TextStyle) -> str:
    lines = [style.MIGRATE_HEADING(heading(rehearsal)), f"  {verdict(rehearsal)}", "", style.MIGRATE_HEADING("Stages")]
    for stage in rehearsal.stages:
        lines += wrap(f"[{text_mark(stage.ok, style, '--')}] {stage.name} ({stage.seconds:.2f} s): {stage.outcome}", "  ")
    lines += ["", style.MIGRATE_HEADING(f"What failed ({count_summary(rehearsal.findings)})")]
    for failure in rehearsal.failures:
        finding = failure.finding
        colour = style.ERROR if finding.level in ("error", "critical") else style.WARNING
        lines += wrap(f"{colour(finding.id)} [{finding.level}] {finding.msg}", "  ")
        lines += wrap(f"concern: {concern_title(failure.concern)}; {prediction_text(failure)}", "      ")
        if failure.also:
            lines += wrap(also_text(failure), "      ")
        if finding.hint:
            lines += wrap(f"HINT: {finding.hint}", "      ")
    if not rehearsal.failures:
        lines.append("  Nothing.")
    lines += ["", style.MIGRATE_HEADING("What worked")]
    lines += [line for item in rehearsal.worked for line in wrap(f"- {item}", "  ")] or ["  Nothing was rehearsed that far."]
    lines += ["", style.MIGRATE_HEADING("How it was rehearsed")]
    lines += [line for note in rehearsal.notes for line in wrap(f"- {note}", "  ")]
    return "\n".join(lines).rstrip() + "\n"


# Markdown -----------------------------------------------------------------------------------------


def render_markdown(rehearsal: Rehearsal) -> str:
    lines = [f"## {heading(rehearsal)}", "", verdict(rehearsal), "", "| stage | seconds | outcome |", "|---|---|---|"]
    for stage in rehearsal.stages:
        mark = {True: "✅ ", False: "❌ ", None: ""}[stage.ok]
        lines.append(f"| {mark}{stage.name} | {stage.seconds:.2f} | {md_escape(stage.outcome)} |")
    lines += ["", "**What failed**", ""]
    if rehearsal.failures:
        lines += ["| id | level | concern | what happened | predicted |", "|---|---|---|---|---|"]
        for failure in rehearsal.failures:
            finding = failure.finding
            what = finding.msg + (f" ({also_text(failure)})" if failure.also else "")
            lines.append(
                f"| `{finding.id}` | {finding.level} | {concern_title(failure.concern)} | {md_escape(what)} | {md_escape(prediction_text(failure))} |"
            )
    else:
        lines.append("Nothing.")
    lines += ["", "**What worked**", ""]
    lines += [f"- {md_escape(item)}" for item in rehearsal.worked] or ["Nothing was rehearsed that far."]
    lines += ["", "**How it was rehearsed**", ""]
    lines += [f"- {md_escape(note)}" for note in rehearsal.notes]
    return "\n".join(lines).rstrip() + "\n"
