"""Report -> text, Markdown or JSON. Pure functions: no I/O, and only the text renderer knows colour."""

from __future__ import annotations

import dataclasses
import json
import re
import textwrap
from collections import Counter
from collections.abc import Iterable
from typing import Any, Protocol

from django_deploy_concepts.report import ConcernReport, Fact, Finding, Hop, Report

FORMATS = ("text", "json", "markdown")
# Text and markdown show this many findings of one id, then count the rest; JSON lists every one.
MAX_FINDINGS_PER_ID = 20
WIDTH = 88
LEVEL_ORDER = ("critical", "error", "warning", "info", "debug")


class TextStyle(Protocol):
    """The part of Django's ``color_style()`` the text renderer uses."""

    def ERROR(self, text: str) -> str: ...
    def WARNING(self, text: str) -> str: ...
    def SUCCESS(self, text: str) -> str: ...
    def NOTICE(self, text: str) -> str: ...
    def MIGRATE_HEADING(self, text: str) -> str: ...


class PlainStyle:
    def ERROR(self, text: str) -> str:
        return text

    WARNING = SUCCESS = NOTICE = MIGRATE_HEADING = ERROR


def render(report: Report, output_format: str, *, style: TextStyle | None = None, brief: bool = False, verbosity: int = 1) -> str:
    if output_format == "json":
        return render_json(report)
    # File names and contents reach the report: a terminal or a Markdown viewer must not act on them.
    report = escape_report(report)
    if output_format == "markdown":
        return render_markdown(report, brief=brief, verbosity=verbosity)
    return render_text(report, style=style or PlainStyle(), brief=brief, verbosity=verbosity)


# Control characters -------------------------------------------------------------------------------

# C0 controls but newline and tab, DEL, C1 controls, and the bidirectional overrides (ESC sequences,
# OSC 8 links, "Trojan source" reordering). JSON escapes them itself.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def escape_controls(text: str) -> str:
    """``\x1b[2J`` is shown as the eight characters ``\x1b[2J``, not obeyed."""
    return CONTROL_CHARACTERS.sub(lambda match: match[0].encode("unicode_escape").decode("ascii"), text)


def escape_report(value: Any) -> Any:
    if isinstance(value, str):
        return escape_controls(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{field.name: escape_report(getattr(value, field.name)) for field in dataclasses.fields(value)})
    if isinstance(value, tuple):
        return tuple(escape_report(item) for item in value)
    if isinstance(value, list):
        return [escape_report(item) for item in value]
    if isinstance(value, dict):
        return {escape_report(key): escape_report(item) for key, item in value.items()}
    return value


# JSON ---------------------------------------------------------------------------------------------


def render_json(report: Report) -> str:
    return json.dumps(dataclasses.asdict(report), sort_keys=True, indent=2, default=str) + "\n"


# Shared wording ------------------------------------------------------------------------------------


def count_summary(findings: Iterable[Finding]) -> str:
    counts = Counter(finding.level for finding in findings)
    parts = [f"{counts[level]} {level}{'s' if counts[level] != 1 and level != 'debug' else ''}" for level in LEVEL_ORDER if counts[level]]
    return ", ".join(parts) if parts else "no findings"


def status_line(concern: ConcernReport) -> str:
    summary = count_summary(concern.findings)
    if concern.silenced:
        summary += f" ({concern.silenced} silenced)"
    return f"{concern.title}: {'ready' if concern.ready else 'not ready'} - {summary}"


def hop_mark(ready: bool | None) -> str:
    return {True: "ok", False: "!!", None: "--"}[ready]


def fact_mark(fact: Fact) -> str:
    return {True: "ok", False: "!!", None: "  "}[fact.ok]


def platform_line(report: Report) -> str:
    project = report.project
    evidence = "; ".join(project.get("platform_evidence", ()))
    return f"Platform: {project.get('platform_title', 'unknown')} ({evidence})"


# Text ---------------------------------------------------------------------------------------------


def render_text(report: Report, *, style: TextStyle, brief: bool = False, verbosity: int = 1) -> str:
    lines: list[str] = []
    several = len(report.concerns) > 1
    if several:
        lines += text_map(report, style)
        lines += ["", style.MIGRATE_HEADING("Status")]
        for concern in report.concerns:
            mark = style.SUCCESS("ok") if concern.ready else style.ERROR("!!")
            lines.append(f"  [{mark}] {status_line(concern)}")
        lines.append("")
    if not brief:
        for concern in report.concerns:
            lines += text_concern(concern, style, verbosity=verbosity, show_status=not several)
    return "\n".join(lines).rstrip() + "\n"


def text_map(report: Report, style: TextStyle) -> list[str]:
    lines = [style.MIGRATE_HEADING("Request path of this project"), f"  {platform_line(report)}", "  browser"]
    for hop in report.request_path:
        lines.append(f"    -> [{text_hop_mark(hop, style)}] {hop.name}: {hop.detail}")
    return lines


def text_hop_mark(hop: Hop, style: TextStyle) -> str:
    mark = hop_mark(hop.ready)
    return style.SUCCESS(mark) if hop.ready else style.ERROR(mark) if hop.ready is False else mark


def wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent) or [indent.rstrip()]


def text_concern(concern: ConcernReport, style: TextStyle, *, verbosity: int, show_status: bool) -> list[str]:
    heading = f"== {concern.title} =="
    lines = [style.MIGRATE_HEADING(heading)]
    if show_status:
        lines.append(status_line(concern))
    guidance = concern.guidance
    if verbosity >= 1:
        lines += ["", style.MIGRATE_HEADING("What this is about")]
        for paragraph in guidance.about:
            lines += wrap(paragraph, "  ")
            lines.append("")
        lines.append(style.MIGRATE_HEADING("What we found in your project"))
        for fact in guidance.found:
            mark = fact_mark(fact)
            coloured = style.SUCCESS(mark) if fact.ok else style.ERROR(mark) if fact.ok is False else mark
            lines += wrap_fact(f"[{coloured}] {fact.label}: ", fact.value)
        if not guidance.found:
            lines.append("  (nothing could be read)")
        lines += ["", style.MIGRATE_HEADING("What to do next")]
        for number, step in enumerate(guidance.steps, start=1):
            lines += wrap(f"{number}. {step.title}", "  ")
            if step.detail:
                lines += wrap(step.detail, "     ")
            if step.code:
                lines += ["", *(f"       {line}".rstrip() for line in step.code.splitlines()), ""]
        if not guidance.steps:
            lines.append("  Nothing: this part is ready.")
        lines.append("")
    lines += text_findings(concern, style)
    if verbosity >= 2:
        lines += ["", style.MIGRATE_HEADING("Facts (as in --format json)")]
        lines += ["  " + line for line in json.dumps(concern.facts, sort_keys=True, indent=2, default=str).splitlines()]
    lines.append("")
    return lines


def wrap_fact(prefix: str, value: str) -> list[str]:
    first, *rest = value.splitlines() or [""]
    lines = [f"  {prefix}{first}"]
    lines += [f"        {line}" for line in rest]
    return lines


def shown_findings(findings: Iterable[Finding]) -> tuple[list[Finding], dict[str, int]]:
    """The findings text and markdown show (the first MAX_FINDINGS_PER_ID of each id), and how many
    of each id they leave out. JSON shows every one."""
    shown: list[Finding] = []
    seen: dict[str, int] = {}
    left_out: dict[str, int] = {}
    for finding in findings:
        seen[finding.id] = seen.get(finding.id, 0) + 1
        if seen[finding.id] <= MAX_FINDINGS_PER_ID:
            shown.append(finding)
        else:
            left_out[finding.id] = left_out.get(finding.id, 0) + 1
    return shown, left_out


def left_out_line(check_id: str, count: int) -> str:
    return f"... and {count} more {check_id} (--format json lists every one)"


def text_findings(concern: ConcernReport, style: TextStyle) -> list[str]:
    title = f"Findings ({count_summary(concern.findings)}"
    title += f", {concern.silenced} silenced)" if concern.silenced else ")"
    lines = [style.MIGRATE_HEADING(title)]
    shown, left_out = shown_findings(concern.findings)
    for finding in shown:
        colour = style.ERROR if finding.level in ("error", "critical") else style.WARNING if finding.level == "warning" else style.NOTICE
        where = f"{finding.obj}: " if finding.obj else ""
        lines += wrap(f"{colour(finding.id)} [{finding.level}] {where}{finding.msg}", "  ")
        if finding.hint:
            lines += wrap(f"HINT: {finding.hint}", "      ")
    lines += [f"  {left_out_line(check_id, count)}" for check_id, count in left_out.items()]
    return lines


# Markdown -----------------------------------------------------------------------------------------


def md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Report, *, brief: bool = False, verbosity: int = 1) -> str:
    lines: list[str] = []
    several = len(report.concerns) > 1
    if several:
        lines += ["## Deployment readiness", "", f"{platform_line(report)}", "", "**Request path**", "", "1. browser"]
        lines += [
            f"1. {'✅' if hop.ready else '❌' if hop.ready is False else '➖'} **{hop.name}**: {md_escape(hop.detail)}"
            for hop in report.request_path
        ]
        lines += ["", "| | concern | status |", "|---|---|---|"]
        for concern in report.concerns:
            lines.append(f"| {'✅' if concern.ready else '❌'} | {concern.title} | {md_escape(status_line(concern).split(': ', 1)[1])} |")
        lines.append("")
    if not brief:
        for concern in report.concerns:
            lines += markdown_concern(concern, verbosity=verbosity, heading="###" if several else "##")
    return "\n".join(lines).rstrip() + "\n"


def markdown_concern(concern: ConcernReport, *, verbosity: int, heading: str) -> list[str]:
    lines = [f"{heading} {'✅' if concern.ready else '❌'} {concern.title}", "", f"_{md_escape(status_line(concern))}_", ""]
    guidance = concern.guidance
    if verbosity >= 1:
        lines += ["**What this is about**", ""]
        for paragraph in guidance.about:
            lines += [paragraph, ""]
        lines += ["**What we found in your project**", ""]
        for fact in guidance.found:
            mark = {True: "✅ ", False: "❌ ", None: ""}[fact.ok]
            lines.append(
                f"- {mark}{fact.label}: `{fact.value}`"
                if "\n" not in fact.value
                else f"- {mark}{fact.label}:\n\n  ```\n  " + fact.value.replace("\n", "\n  ") + "\n  ```"
            )
        lines += ["", "**What to do next**", ""]
        for number, step in enumerate(guidance.steps, start=1):
            lines.append(f"{number}. {step.title}" + (f" {step.detail}" if step.detail else ""))
            if step.code:
                lines += ["", f"   ```{step.language}", *(f"   {line}".rstrip() for line in step.code.splitlines()), "   ```", ""]
        if not guidance.steps:
            lines.append("Nothing: this part is ready.")
        lines.append("")
    if concern.findings:
        lines += ["| id | level | message | hint |", "|---|---|---|---|"]
        shown, left_out = shown_findings(concern.findings)
        for finding in shown:
            where = f"{finding.obj}: " if finding.obj else ""
            lines.append(f"| `{finding.id}` | {finding.level} | {md_escape(where + finding.msg)} | {md_escape(finding.hint or '')} |")
        lines.append("")
        for check_id, count in left_out.items():
            lines += [md_escape(left_out_line(check_id, count)), ""]
    if concern.silenced:
        lines += [f"{concern.silenced} finding(s) silenced by SILENCED_SYSTEM_CHECKS.", ""]
    return lines
