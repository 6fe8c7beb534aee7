from __future__ import annotations

import dataclasses
import json
import re

from django.core.management.color import color_style
from django.test import SimpleTestCase

from django_deploy_concepts import renderers, runner
from django_deploy_concepts.report import ConcernReport, Explanation, Fact, Finding, Hop, Report, Step, is_ready


def sample_report(concerns: int = 1) -> Report:
    concern = ConcernReport(
        concern="static",
        title="Static files",
        ready=False,
        facts={"static_root": None},
        findings=(Finding("deploy_static.E001", "error", "STATIC_ROOT | is not set.", "Set it."),),
        guidance=Explanation(
            about=("Why {% static %} stops working.",),
            found=(Fact("STATIC_ROOT", "(not set)", False),),
            steps=(Step("Set STATIC_ROOT.", "In settings:", 'STATIC_ROOT = BASE_DIR / "staticfiles"', "python"),),
        ),
        silenced=2,
    )
    return Report(
        django_version="5.2",
        project={"platform_title": "Heroku", "platform_evidence": ["Procfile found"]},
        concerns=(concern,) * concerns,
        request_path=(Hop("static", "Static files", "nobody serves them", False),),
    )


class RendererTests(SimpleTestCase):
    def test_text_shows_parts_steps_findings_and_silenced(self) -> None:
        text = renderers.render(sample_report(), "text")
        for expected in (
            "What this is about",
            "1. Set STATIC_ROOT.",
            'STATIC_ROOT = BASE_DIR / "staticfiles"',
            "1. The site looks broken: deploy_static.E001",
            "Fix: Set it.",
            "2 silenced",
        ):
            with self.subTest(expected=expected):
                self.assertIn(expected, text)

    def test_only_text_knows_colour(self) -> None:
        style = color_style(force_color=True)
        self.assertIn("\x1b[", renderers.render(sample_report(), "text", style=style))
        for output_format in ("json", "markdown"):
            with self.subTest(format=output_format):
                self.assertNotIn("\x1b[", renderers.render(sample_report(), output_format, style=style))

    def test_markdown_escapes_table_cells_and_fences_code(self) -> None:
        markdown = renderers.render(sample_report(), "markdown")
        self.assertIn("STATIC_ROOT \\| is not set.", markdown)
        self.assertIn("```python", markdown)

    def test_several_concerns_get_the_map_and_brief_drops_the_details(self) -> None:
        for output_format, map_heading in (("text", "Request path of this project"), ("markdown", "**Request path**")):
            with self.subTest(format=output_format):
                brief = renderers.render(sample_report(2), output_format, brief=True)
                self.assertIn(map_heading, brief)
                self.assertNotIn("What this is about", brief)

    def test_verbosity_zero_keeps_only_status_and_findings(self) -> None:
        text = renderers.render(sample_report(), "text", verbosity=0)
        self.assertNotIn("What this is about", text)
        self.assertIn("deploy_static.E001 [error; looks broken]", text)
        self.assertIn("HINT: Set it.", text)


def report_of(*ids: str, concerns: int = 2) -> Report:
    findings = tuple(Finding(check_id, "warning", f"cause of {check_id}", f"fix of {check_id}") for check_id in ids)
    concern = ConcernReport("static", "Static files", is_ready(findings), {}, findings, Explanation(("About static files.",), (), ()))
    others = tuple(
        ConcernReport(f"other{number}", f"Other {number}", True, {}, (), Explanation(("About other.",), (), ()))
        for number in range(concerns - 1)
    )
    return Report("5.2", {"platform_title": "Heroku", "platform_evidence": []}, (concern, *others))


ELEVEN = (
    "deploy_static.I010",  # advice
    "security.W004",  # hardening
    "deploy_checklist.W011",  # errors unheard
    "deploy_database.E002",  # data lost
    "deploy_static.E003",  # looks broken
    "deploy_webserver.E004",  # part fails
    "deploy_webserver.E002",  # every request fails
    "deploy_wsgi.E010",  # does not start
    "deploy_static.I019",  # looks broken
    "deploy_static.E020",  # part fails
    "deploy_checklist.I016",  # advice
)


@dataclasses.dataclass(frozen=True)
class Dependencies:
    brought: frozenset[str]


class JsonValueTests(SimpleTestCase):
    def test_a_set_in_the_facts_is_a_sorted_list(self) -> None:
        report = sample_report()
        facts = runner.facts_as_data(Dependencies(brought=frozenset({"sqlparse", "asgiref", "Django"})))
        concern = dataclasses.replace(report.concerns[0], facts=facts)
        data = json.loads(renderers.render_json(dataclasses.replace(report, concerns=(concern,))))
        self.assertEqual(data["concerns"][0]["facts"]["brought"], ["Django", "asgiref", "sqlparse"])


class FixFirstTests(SimpleTestCase):
    def test_five_items_worst_first_then_the_count_of_the_rest(self) -> None:
        text = renderers.render(report_of(*ELEVEN), "text")
        items = re.findall(r"^  (\d)\. (.+?): (\S+ \(more: \w+\))$", text, flags=re.MULTILINE)
        self.assertEqual(
            items,
            [
                ("1", "The site does not start", "deploy_wsgi.E010 (more: explain_static)"),
                ("2", "Every request fails", "deploy_webserver.E002 (more: explain_static)"),
                ("3", "Part of the site fails", "deploy_webserver.E004 (more: explain_static)"),
                ("4", "Part of the site fails", "deploy_static.E020 (more: explain_static)"),
                ("5", "The site looks broken", "deploy_static.E003 (more: explain_static)"),
            ][: len(items)],
        )
        self.assertIn("6 more: 1 looks broken, 1 data lost, 1 errors unheard, 1 hardening, 2 advice.", text)
        # The rest of the first four classes is still named before the request path.
        self.assertLess(text.index("deploy_static.I019"), text.index("Request path of this project"))
        self.assertNotIn("What this is about", text)

    def test_each_item_shows_what_is_seen_the_cause_the_fix_and_the_command(self) -> None:
        text = renderers.render(report_of("deploy_webserver.E002"), "text", width=200)
        self.assertIn("1. Every request fails: deploy_webserver.E002 (more: explain_static)", text)
        self.assertIn('You will see: every page: "Bad Request (400)"; the log: "Invalid HTTP_HOST header"', text)
        self.assertIn("Cause: cause of deploy_webserver.E002", text)
        self.assertIn("Fix: fix of deploy_webserver.E002", text)

    def test_a_django_message_without_a_hint_gets_the_tables_fix(self) -> None:
        report = Report(
            "5.2",
            {},
            (ConcernReport("webserver", "Web server", True, {}, (Finding("security.W012", "warning", "m"),), Explanation((), (), ())),) * 2,
        )
        self.assertIn("Fix: Set SESSION_COOKIE_SECURE = not DEBUG.", renderers.render(report, "text"))

    def test_the_last_line_repeats_the_count(self) -> None:
        text = renderers.render(report_of(*ELEVEN), "text", width=200)
        self.assertTrue(
            text.rstrip().splitlines()[-1].startswith("5 items to fix first (above), of 11 findings; 7 keep the site from working.")
        )

    def test_full_adds_the_teaching_after_the_summary(self) -> None:
        text = renderers.render(report_of(*ELEVEN), "text", full=True)
        self.assertLess(text.index("Fix these first"), text.index("About static files."))

    def test_status_counts_by_impact_and_names_the_worst(self) -> None:
        text = renderers.render(report_of("security.W004", "deploy_database.E002"), "text", width=200)
        self.assertIn("[!!] Static files: not ready (data lost) - 1 data lost, 1 hardening", text)
        ready = renderers.render(report_of("security.W004"), "text", width=200)
        self.assertIn("Static files: ready - 1 hardening", ready)

    def test_markdown_has_the_same_items(self) -> None:
        markdown = renderers.render(report_of(*ELEVEN), "markdown")
        self.assertIn("**Fix these first** (5 of 11 findings, worst first)", markdown)
        self.assertIn("1. **The site does not start** - Static files (`deploy_wsgi.E010`)", markdown)
        self.assertIn("6 more:", markdown)


class SingleConcernTests(SimpleTestCase):
    def test_the_projects_problems_come_before_the_concept(self) -> None:
        text = renderers.render(report_of("security.W004", "deploy_static.E003", concerns=1), "text")
        problems = text.index("Problems in your project (1 looks broken, 1 hardening)")
        self.assertLess(problems, text.index("What this is about"))
        self.assertLess(text.index("deploy_static.E003"), text.index("security.W004"))


class WidthTests(SimpleTestCase):
    def test_lines_fit_the_width_given(self) -> None:
        for width in (50, 72, 120):
            with self.subTest(width=width):
                text = renderers.render(report_of(*ELEVEN), "text", width=width, full=True)
                self.assertLessEqual(max(len(line) for line in text.splitlines()), width)
