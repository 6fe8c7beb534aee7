from __future__ import annotations

from django.core.management.color import color_style
from django.test import SimpleTestCase

from django_deploy_concepts import renderers
from django_deploy_concepts.report import ConcernReport, Explanation, Fact, Finding, Hop, Report, Step


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
            "deploy_static.E001 [error]",
            "HINT: Set it.",
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
        self.assertIn("deploy_static.E001", text)
