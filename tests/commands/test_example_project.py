"""Every command on the bundled example project, in every format, in a real manage.py process."""

from __future__ import annotations

import json

from django.test import SimpleTestCase

from django_deploy_concepts.impact import VISIBLE
from tests.utils import EXAMPLE_DIR, run_manage

COMMANDS = ("explain_static", "explain_database", "explain_wsgi", "explain_webserver", "explain_checklist", "explain_deploy")
CONCERN_OF_COMMAND = {
    "explain_static": ["static"],
    "explain_database": ["database"],
    "explain_wsgi": ["wsgi"],
    "explain_webserver": ["webserver"],
    "explain_checklist": ["checklist"],
    "explain_deploy": ["static", "database", "wsgi", "webserver", "checklist"],
}


class ExampleProjectTests(SimpleTestCase):
    def run_example(self, *args: str) -> str:
        result = run_manage(EXAMPLE_DIR, *args)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertNotIn("Traceback", result.stderr)
        return result.stdout

    def test_json_lists_the_commands_concerns(self) -> None:
        for command in COMMANDS:
            with self.subTest(command=command):
                data = json.loads(self.run_example(command, "--format", "json"))
                self.assertEqual([concern["concern"] for concern in data["concerns"]], CONCERN_OF_COMMAND[command])

    def test_text_has_the_problems_then_the_three_parts(self) -> None:
        for command in COMMANDS:
            args = ("--full",) if command == "explain_deploy" else ()
            with self.subTest(command=command):
                output = self.run_example(command, *args)
                positions = [
                    output.index(heading)
                    for heading in ("Problems in your project", "What this is about", "What we found in your project", "What to do next")
                ]
                self.assertEqual(positions, sorted(positions))

    def test_markdown_has_a_heading_per_concern(self) -> None:
        for command in COMMANDS:
            args = ("--full",) if command == "explain_deploy" else ()
            with self.subTest(command=command):
                output = self.run_example(command, "--format", "markdown", *args)
                self.assertEqual(output.count("**What this is about**"), len(CONCERN_OF_COMMAND[command]))

    def test_explain_deploy_shows_the_example_gaps(self) -> None:
        data = json.loads(self.run_example("explain_deploy", "--format", "json"))
        ids = {finding["id"] for concern in data["concerns"] for finding in concern["findings"]}
        # The gaps the example leaves in on purpose: no STATIC_ROOT, an ignored STATICFILES_STORAGE,
        # runserver in the Procfile, DEBUG read as a string, ALLOWED_HOSTS = ["*"].
        for expected in (
            "deploy_static.E001",
            "deploy_static.W002",
            "deploy_wsgi.E002",
            "deploy_checklist.E001",
            "deploy_checklist.W003",
        ):
            with self.subTest(id=expected):
                self.assertIn(expected, ids)

    def test_default_report_leads_with_the_planted_problems_within_the_budget(self) -> None:
        result = run_manage(EXAMPLE_DIR, "explain_deploy", env={"COLUMNS": "80"})
        self.assertEqual(result.returncode, 0, result.stderr)
        lines = result.stdout.splitlines()
        self.assertLessEqual(len(lines), 80)
        self.assertLessEqual(max(len(line) for line in lines), 80)
        first = "\n".join(lines[:40])
        self.assertTrue(lines[0].startswith("Fix these first (5 of "))
        # The example's planted problems, each in the first 40 lines: no STATIC_ROOT, nothing serving
        # static files, runserver in the Procfile (the first four impact classes), DEBUG read as a
        # string and ALLOWED_HOSTS = ["*"] (hardening); the advice (the ignored STATICFILES_STORAGE,
        # gunicorn not listed yet) is named further down.
        for check_id in ("deploy_static.E001", "deploy_static.E003", "deploy_wsgi.E002", "deploy_checklist.E001", "deploy_checklist.W003"):
            with self.subTest(id=check_id):
                self.assertIn(check_id, first)
        for check_id in ("deploy_static.W002", "deploy_checklist.E023"):
            with self.subTest(id=check_id):
                self.assertIn(check_id, result.stdout)
        self.assertNotIn("What this is about", result.stdout)
        self.assertIn("Request path of this project", result.stdout)
        self.assertIn("5 items to fix first (above), of ", "\n".join(lines[-3:]))

    def test_every_finding_of_the_first_four_classes_is_in_the_first_40_lines(self) -> None:
        data = json.loads(self.run_example("explain_deploy", "--format", "json"))
        visible = {finding["id"] for concern in data["concerns"] for finding in concern["findings"] if finding["impact"] in VISIBLE}
        self.assertTrue(visible)
        result = run_manage(EXAMPLE_DIR, "explain_deploy", env={"COLUMNS": "80"})
        first = "\n".join(result.stdout.splitlines()[:40])
        for check_id in sorted(visible):
            with self.subTest(id=check_id):
                self.assertIn(check_id, first)

    def test_full_adds_every_concerns_teaching(self) -> None:
        output = self.run_example("explain_deploy", "--full")
        self.assertTrue(output.startswith("Fix these first"))
        self.assertEqual(output.count("What this is about"), len(CONCERN_OF_COMMAND["explain_deploy"]))

    def test_brief_shows_map_and_status_only(self) -> None:
        output = self.run_example("explain_deploy", "--brief")
        self.assertIn("Request path of this project", output)
        self.assertIn("Status", output)
        self.assertNotIn("What this is about", output)

    def test_the_example_project_is_not_changed(self) -> None:
        def contents() -> dict[str, bytes | None]:
            """Every file's bytes and every folder (None), by path: a rewritten file shows as a change."""
            return {
                str(path.relative_to(EXAMPLE_DIR)): path.read_bytes() if path.is_file() else None
                for path in sorted(EXAMPLE_DIR.rglob("*"))
                if "__pycache__" not in path.parts
            }

        before = contents()
        self.assertIn("mysite/settings.py", before)
        self.run_example("explain_deploy")
        self.assertEqual(contents(), before)
        self.assertFalse((EXAMPLE_DIR / "db.sqlite3").exists())

    def test_fail_level_sets_the_exit_status(self) -> None:
        rows = [("ERROR", 1), ("CRITICAL", 0)]
        for level, status in rows:
            with self.subTest(level=level):
                result = run_manage(EXAMPLE_DIR, "explain_deploy", "--brief", "--fail-level", level)
                self.assertEqual(result.returncode, status, result.stderr)
                self.assertNotIn("Traceback", result.stderr)

    def test_check_deploy_reports_the_apps_ids_and_plain_check_does_not(self) -> None:
        deploy = run_manage(EXAMPLE_DIR, "check", "--deploy")
        self.assertIn("(deploy_static.", deploy.stdout + deploy.stderr)
        plain = run_manage(EXAMPLE_DIR, "check")
        self.assertEqual(plain.returncode, 0, plain.stderr)
        self.assertNotIn("(deploy_", plain.stdout + plain.stderr)
