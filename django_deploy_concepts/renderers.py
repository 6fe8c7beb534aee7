"""Report -> text, Markdown or JSON. Pure functions: no I/O, and only the text renderer knows colour."""

from __future__ import annotations

import dataclasses
import json
import re
import textwrap
from collections import Counter
from collections.abc import Iterable
from typing import Protocol

from django_deploy_concepts import impact as impacts
from django_deploy_concepts.helpers import map_strings
from django_deploy_concepts.report import ConcernReport, Finding, Report, by_impact

FORMATS = ("text", "json", "markdown")
# Text and markdown show this many findings of one id, then count the rest; JSON lists every one.
MAX_FINDINGS_PER_ID = 20

# The width when none is given; the commands pass the terminal's (shutil.get_terminal_size).
WIDTH = 88
MIN_WIDTH = 40


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


def render(
    report: Report,
    output_format: str,
    *,
    style: TextStyle | None = None,
    brief: bool = False,
    verbosity: int = 1,
    full: bool = False,
    width: int = WIDTH,
) -> str:
    if output_format == "json":
        return render_json(report)
    # File names and contents reach the report: a terminal or a Markdown viewer must not act on them.
    report = map_strings(report, escape_controls)
    if output_format == "markdown":
        return render_markdown(report, brief=brief, verbosity=verbosity, full=full)
    return render_text(report, style=style or PlainStyle(), brief=brief, verbosity=verbosity, full=full, width=width)


# Control characters -------------------------------------------------------------------------------

# C0 controls but newline and tab, DEL, C1 controls, and the bidirectional overrides (ESC sequences,
# OSC 8 links, "Trojan source" reordering). JSON escapes them itself.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def escape_controls(text: str) -> str:
    """``\x1b[2J`` is shown as the eight characters ``\x1b[2J``, not obeyed."""
    return CONTROL_CHARACTERS.sub(lambda match: match[0].encode("unicode_escape").decode("ascii"), text)


# JSON ---------------------------------------------------------------------------------------------


def render_json(report: Report) -> str:
    return json.dumps(dataclasses.asdict(report), sort_keys=True, indent=2, default=str) + "\n"


# Shared wording ------------------------------------------------------------------------------------

FIX_FIRST = 5

# Terms a newcomer may not know, explained in the sentence where a report first uses them.
GLOSSARY: tuple[tuple[str, str], ...] = (
    ("TLS", "the encryption behind https"),
    ("X-Forwarded-Proto", "the header in which a proxy tells the app whether the browser used https"),
    ("HSTS", "a header that tells browsers to use only https for a while"),
    ("ephemeral", "wiped at every deploy or restart"),
    ("manifest", "staticfiles.json, which maps each file to a copy whose name carries a hash of its content"),
    ("cache busting", "a new file name whenever the content changes, so browsers fetch the new file"),
    ("WEB_CONCURRENCY", "the variable some platforms set to the number of workers their machine can run"),
)


# Error messages quoted without quotation marks in hints; a term inside them is left alone.
MESSAGES = ("Missing staticfiles manifest entry",)


def within_message(text: str, position: int) -> bool:
    for message in MESSAGES:
        start = text.find(message)
        while start != -1:
            if start <= position < start + len(message):
                return True
            start = text.find(message, start + 1)
    return False


class Glossary:
    """Explains each term of GLOSSARY once, at its first use outside quotes, in one rendering."""

    def __init__(self) -> None:
        self.explained: set[str] = set()

    def __call__(self, text: str) -> str:
        for term, meaning in GLOSSARY:
            if term in self.explained:
                continue
            for match in re.finditer(rf"(?<![\w-]){re.escape(term)}(?![\w-])", text):
                # Never inside a quoted error message or setting value, whose exact text matters.
                if text.count('"', 0, match.start()) % 2 or meaning.split(",")[0] in text or within_message(text, match.start()):
                    continue
                # Inside parentheses already, the meaning goes between commas.
                nested = text.count("(", 0, match.start()) > text.count(")", 0, match.start())
                closes = text[match.end() : match.end() + 1] in (")", ",", ";", "")
                insert = (f", {meaning}" if closes else f", {meaning},") if nested else f" ({meaning})"
                text = f"{text[: match.end()]}{insert}{text[match.end() :]}"
                self.explained.add(term)
                break
        return text


OBJ_SHOWN = 40


LEVEL_ORDER = ("critical", "error", "warning", "info", "debug")


def count_summary(findings: Iterable[Finding]) -> str:
    """The findings counted by level, as Django's check framework names them: "2 errors, 1 warning"."""
    counts = Counter(finding.level for finding in findings)
    parts = [f"{counts[level]} {level}{'s' if counts[level] != 1 and level != 'debug' else ''}" for level in LEVEL_ORDER if counts[level]]
    return ", ".join(parts) if parts else "no findings"


def impact_summary(findings: Iterable[Finding]) -> str:
    """The findings counted by impact, worst first: "1 does not start, 2 hardening"."""
    counts = Counter(finding.impact for finding in findings)
    parts = [f"{counts[impact.key]} {impact.short}" for impact in impacts.SCALE if counts[impact.key]]
    return ", ".join(parts) if parts else "no findings"


def status_line(concern: ConcernReport) -> str:
    summary = impact_summary(concern.findings)
    if concern.silenced:
        summary += f" ({concern.silenced} silenced)"
    worst = by_impact(concern.findings)
    state = "ready" if concern.ready else f"not ready ({worst[0].impact_info.short})" if worst else "not ready"
    return f"{concern.title}: {state} - {summary}"


def platform_line(report: Report) -> str:
    project = report.project
    evidence = "; ".join(project.get("platform_evidence", ()))
    return f"Platform: {project.get('platform_title', 'unknown')} ({evidence})"


def explain_command(concern: str) -> str:
    return f"python manage.py explain_{concern}"


def cause(finding: Finding) -> str:
    # A long object (a whole start command) is in the message's file:line already.
    return f"{finding.obj}: {finding.msg}" if finding.obj and len(finding.obj) <= OBJ_SHOWN else finding.msg


def closing_line(report: Report) -> str:
    total = len(report.findings)
    first = min(FIX_FIRST, total)
    if not total:
        return "Nothing to fix first: no findings."
    blocking = sum(1 for finding in report.findings if finding.blocking)
    return (
        f"{first} item{'s' if first != 1 else ''} to fix first (above), of {total} finding{'s' if total != 1 else ''}; "
        f"{blocking} keep{'s' if blocking == 1 else ''} the site from working. "
        "Details: python manage.py explain_deploy --full"
    )


# Text ---------------------------------------------------------------------------------------------


def render_text(
    report: Report, *, style: TextStyle, brief: bool = False, verbosity: int = 1, full: bool = False, width: int = WIDTH
) -> str:
    width = max(MIN_WIDTH, width)
    gloss = Glossary()
    lines: list[str] = []
    several = len(report.concerns) > 1
    if several:
        if not brief and verbosity >= 1:
            lines += text_fix_first(report, style, width, gloss)
            lines.append("")
        lines += text_map(report, style, width, gloss)
        lines += ["", style.MIGRATE_HEADING("Status")]
        for concern in report.concerns:
            lines += wrap(f"[{text_mark(concern.ready, style, '!!')}] {status_line(concern)}", "  ", width, subsequent="       ")
        lines.append("")
    if (not several or full or verbosity != 1) and not brief:
        for concern in report.concerns:
            lines += text_concern(concern, style, verbosity=verbosity, show_status=not several, width=width, gloss=gloss)
    if several and not brief and verbosity >= 1:
        lines += wrap(closing_line(report), "", width)
    return "\n".join(lines).rstrip() + "\n"


def text_fix_first(report: Report, style: TextStyle, width: int, gloss: Glossary) -> list[str]:
    ranked = report.ranked()
    if not ranked:
        return [style.MIGRATE_HEADING("Fix these first"), "  Nothing: no findings."]
    shown, rest = ranked[:FIX_FIRST], ranked[FIX_FIRST:]
    lines = heading(f"Fix these first ({len(shown)} of {len(ranked)} findings, worst first)", style, width)
    for number, (concern, finding) in enumerate(shown, start=1):
        lines += text_item(number, concern, finding, style, width, gloss=gloss)
    if rest:
        lines += wrap(f"{len(rest)} more: {impact_summary(finding for _, finding in rest)}.", "  ", width)
        visible, left_out = shown_findings(finding for _, finding in rest if finding.impact in impacts.VISIBLE)
        for finding in visible:
            lines.append(shorten(f"    - [{finding.impact_info.short}] {finding.id}: {cause(finding)}", width))
        lines += [shorten(f"    {left_out_line(check_id, count)}", width) for check_id, count in left_out.items()]
        for impact, ids in rest_by_impact(rest):
            lines += wrap(f"- {impact.short}: {', '.join(ids)}", "    ", width, subsequent="      ")
    return lines


def shorten(line: str, width: int) -> str:
    """One line cut to the width, its end marked; the item's own command shows it whole."""
    return line if len(line) <= width else line[: width - 3].rstrip() + "..."


def rest_by_impact(rest: Iterable[tuple[ConcernReport, Finding]]) -> list[tuple[impacts.Impact, list[str]]]:
    """The ids past the first items and outside the first four classes, one group per class."""
    groups: dict[str, list[str]] = {}
    for _, finding in rest:
        if finding.impact not in impacts.VISIBLE and finding.id not in groups.setdefault(finding.impact, []):
            groups[finding.impact].append(finding.id)
    return [(impact, groups[impact.key]) for impact in impacts.SCALE if groups.get(impact.key)]


def text_item(
    number: int,
    concern: ConcernReport,
    finding: Finding,
    style: TextStyle,
    width: int,
    *,
    with_command: bool = True,
    gloss: Glossary | None = None,
) -> list[str]:
    gloss = gloss or Glossary()
    colour = style.ERROR if finding.blocking else style.WARNING if finding.impact == "errors_unheard" else style.NOTICE
    more = f" (more: explain_{concern.concern})" if with_command else ""
    lines = wrap(f"{number}. {colour(finding.impact_info.title)}: {finding.id}{more}", "  ", width, subsequent="     ")
    if finding.shows:
        lines += wrap(gloss(f"You will see: {finding.shows}"), "     ", width, subsequent="       ")
    lines += wrap(gloss(f"Cause: {cause(finding)}"), "     ", width, subsequent="       ")
    if finding.fix:
        lines += wrap(gloss(f"Fix: {finding.fix}"), "     ", width, subsequent="       ")
    return lines


def text_map(report: Report, style: TextStyle, width: int = WIDTH, gloss: Glossary | None = None) -> list[str]:
    gloss = gloss or Glossary()
    lines = [
        style.MIGRATE_HEADING("Request path of this project"),
        *wrap(platform_line(report), "  ", width, subsequent="    "),
        "  browser",
    ]
    for hop in report.request_path:
        lines += wrap(gloss(f"-> [{text_mark(hop.ready, style, '--')}] {hop.name}: {hop.detail}"), "    ", width, subsequent="         ")
    return lines


def text_mark(ok: bool | None, style: TextStyle, unknown: str) -> str:
    """``ok`` or ``!!`` in colour; ``unknown`` when neither is known."""
    return style.SUCCESS("ok") if ok else style.ERROR("!!") if ok is False else unknown


def wrap(text: str, indent: str, width: int = WIDTH, *, subsequent: str | None = None) -> list[str]:
    return textwrap.wrap(
        text, width, initial_indent=indent, subsequent_indent=indent if subsequent is None else subsequent, break_on_hyphens=False
    ) or [indent.rstrip()]


def heading(text: str, style: TextStyle, width: int) -> list[str]:
    return [style.MIGRATE_HEADING(line) for line in wrap(text, "", width, subsequent="  ")]


def findings_heading(title: str, concern: ConcernReport, style: TextStyle, width: int) -> list[str]:
    silenced = f", {concern.silenced} silenced" if concern.silenced else ""
    return heading(f"{title} ({impact_summary(concern.findings)}{silenced})", style, width)


def text_problems(concern: ConcernReport, style: TextStyle, width: int, gloss: Glossary) -> list[str]:
    lines = findings_heading("Problems in your project", concern, style, width)
    shown, left_out = shown_findings(by_impact(concern.findings))
    for number, finding in enumerate(shown, start=1):
        lines += text_item(number, concern, finding, style, width, with_command=False, gloss=gloss)
    lines += [f"  {left_out_line(check_id, count)}" for check_id, count in left_out.items()]
    if not concern.findings:
        lines.append("  None.")
    return lines


def text_concern(
    concern: ConcernReport, style: TextStyle, *, verbosity: int, show_status: bool, width: int = WIDTH, gloss: Glossary | None = None
) -> list[str]:
    gloss = gloss or Glossary()
    heading = f"== {concern.title} =="
    lines = [style.MIGRATE_HEADING(heading)]
    if show_status:
        lines += wrap(status_line(concern), "", width)
    guidance = concern.guidance
    if verbosity < 1:
        lines += text_findings(concern, style, width)
        lines.append("")
        return lines
    lines += ["", *text_problems(concern, style, width, gloss)]
    lines += ["", style.MIGRATE_HEADING("What this is about")]
    for paragraph in guidance.about:
        lines += wrap(gloss(paragraph), "  ", width)
        lines.append("")
    lines.append(style.MIGRATE_HEADING("What we found in your project"))
    for fact in guidance.found:
        lines += wrap_fact(f"[{text_mark(fact.ok, style, '  ')}] {fact.label}: ", gloss(fact.value), width)
    if not guidance.found:
        lines.append("  (nothing could be read)")
    lines += ["", style.MIGRATE_HEADING("What to do next")]
    for number, step in enumerate(guidance.steps, start=1):
        lines += wrap(gloss(f"{number}. {step.title}"), "  ", width, subsequent="     ")
        if step.detail:
            lines += wrap(gloss(step.detail), "     ", width)
        if step.code:
            lines += ["", *(f"       {line}".rstrip() for line in step.code.splitlines()), ""]
    if not guidance.steps:
        lines.append("  Nothing: this part is ready.")
    lines.append("")
    if verbosity >= 2:
        lines += text_findings(concern, style, width)
        lines += ["", style.MIGRATE_HEADING("Facts (as in --format json)")]
        lines += ["  " + line for line in json.dumps(concern.facts, sort_keys=True, indent=2, default=str).splitlines()]
    lines.append("")
    return lines


def wrap_fact(prefix: str, value: str, width: int = WIDTH) -> list[str]:
    first, *rest = value.splitlines() or [""]
    lines = wrap(f"{prefix}{first}", "  ", width, subsequent="        ")
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


def text_findings(concern: ConcernReport, style: TextStyle, width: int = WIDTH) -> list[str]:
    """The terse list, as Django's check prints it: id, level, impact, message, hint."""
    lines = findings_heading("Findings", concern, style, width)
    shown, left_out = shown_findings(by_impact(concern.findings))
    for finding in shown:
        colour = style.ERROR if finding.level in ("error", "critical") else style.WARNING if finding.level == "warning" else style.NOTICE
        lines += wrap(
            f"{colour(finding.id)} [{finding.level}; {finding.impact_info.short}] {cause(finding)}", "  ", width, subsequent="      "
        )
        if finding.hint:
            lines += wrap(f"HINT: {finding.hint}", "      ", width)
    lines += [f"  {left_out_line(check_id, count)}" for check_id, count in left_out.items()]
    return lines


# Markdown -----------------------------------------------------------------------------------------


def md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Report, *, brief: bool = False, verbosity: int = 1, full: bool = False) -> str:
    lines: list[str] = []
    several = len(report.concerns) > 1
    if several:
        lines += ["## Deployment readiness", ""]
        if not brief and verbosity >= 1:
            lines += markdown_fix_first(report)
        lines += [f"{platform_line(report)}", "", "**Request path**", "", "1. browser"]
        lines += [
            f"1. {'✅' if hop.ready else '❌' if hop.ready is False else '➖'} **{hop.name}**: {md_escape(hop.detail)}"
            for hop in report.request_path
        ]
        lines += ["", "| | concern | status |", "|---|---|---|"]
        for concern in report.concerns:
            lines.append(f"| {'✅' if concern.ready else '❌'} | {concern.title} | {md_escape(status_line(concern).split(': ', 1)[1])} |")
        lines.append("")
    if not brief and (not several or full or verbosity != 1):
        for concern in report.concerns:
            lines += markdown_concern(concern, verbosity=verbosity, heading="###" if several else "##")
    if several and not brief and verbosity >= 1:
        lines += [f"_{md_escape(closing_line(report))}_", ""]
    return "\n".join(lines).rstrip() + "\n"


def markdown_item(concern: ConcernReport, finding: Finding) -> list[str]:
    lines = [f"1. **{finding.impact_info.title}** - {concern.title} (`{finding.id}`)"]
    if finding.shows:
        lines.append(f"   - You will see: {md_escape(finding.shows)}")
    lines.append(f"   - Cause: {md_escape(cause(finding))}")
    if finding.fix:
        lines.append(f"   - Fix: {md_escape(finding.fix)}")
    lines.append(f"   - More: `{explain_command(concern.concern)}`")
    return lines


def markdown_fix_first(report: Report) -> list[str]:
    ranked = report.ranked()
    if not ranked:
        return ["**Fix these first**: nothing, no findings.", ""]
    shown, rest = ranked[:FIX_FIRST], ranked[FIX_FIRST:]
    lines = [f"**Fix these first** ({len(shown)} of {len(ranked)} findings, worst first)", ""]
    for concern, finding in shown:
        lines += markdown_item(concern, finding)
    if rest:
        lines += ["", f"{len(rest)} more: {impact_summary(finding for _, finding in rest)}.", ""]
        visible, left_out = shown_findings(finding for _, finding in rest if finding.impact in impacts.VISIBLE)
        lines += [f"- {finding.impact_info.short}: `{finding.id}` {md_escape(cause(finding))}" for finding in visible]
        lines += [f"- {md_escape(left_out_line(check_id, count))}" for check_id, count in left_out.items()]
        lines += [f"- {impact.short}: {', '.join(f'`{check_id}`' for check_id in ids)}" for impact, ids in rest_by_impact(rest)]
    lines.append("")
    return lines


def markdown_concern(concern: ConcernReport, *, verbosity: int, heading: str) -> list[str]:
    lines = [f"{heading} {'✅' if concern.ready else '❌'} {concern.title}", "", f"_{md_escape(status_line(concern))}_", ""]
    if concern.findings:
        lines += ["| id | level | impact | message | hint |", "|---|---|---|---|---|"]
        shown, left_out = shown_findings(by_impact(concern.findings))
        for finding in shown:
            lines.append(
                f"| `{finding.id}` | {finding.level} | {finding.impact_info.short} | {md_escape(cause(finding))} | {md_escape(finding.hint or '')} |"
            )
        lines.append("")
        for check_id, count in left_out.items():
            lines += [md_escape(left_out_line(check_id, count)), ""]
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
    if concern.silenced:
        lines += [f"{concern.silenced} finding(s) silenced by SILENCED_SYSTEM_CHECKS.", ""]
    return lines
