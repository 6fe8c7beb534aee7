"""The JSON output keeps the documented schema (docs/json.rst), lists every instance, and is all
that stdout carries."""

from __future__ import annotations

import json
import re
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from django.test import SimpleTestCase, override_settings

from benchmarks.generate import STATIC_ROOT_VARIABLE, Size, generate
from django_deploy_concepts import impact
from django_deploy_concepts.concerns import all_concerns
from django_deploy_concepts.renderers import MAX_FINDINGS_PER_ID
from django_deploy_concepts.report import SCHEMA_VERSION
from tests.utils import REPO_ROOT, call, run_manage

LEVELS = {"debug", "info", "warning", "error", "critical"}
IMPACTS = {"does_not_start", "every_request_fails", "part_fails", "looks_broken", "data_lost", "errors_unheard", "hardening", "advice"}
IMPACTS_BLOCKING = {"does_not_start", "every_request_fails", "part_fails", "looks_broken", "data_lost"}
PROJECT_KEYS = {
    "base_dir": str,
    "base_dir_source": str,
    "settings_module": str,
    "platform": str,
    "platform_title": str,
    "platform_evidence": list,
    "platform_overridden": bool,
    "databases_inspected": list,
    "settings_configured": bool,
}

# Keys the facts had when they copied fields of the platform's row (now read through "platform").
COPIED_PLATFORM_KEYS = {
    "platform_title",
    "platform_kind",
    "platform_has_web_server",
    "platform_static_advice",
    "platform_collects_logs",
    "platform_supported",
    "ephemeral_disk",
    "port_env",
    "terminates_tls",
    "hostname_env",
    "hostname_template",
    "hostname_note",
    "host_suffix",
}


class JsonSchemaTests(SimpleTestCase):
    def assert_keys(self, data: dict[str, Any], types: dict[str, type | tuple[type, ...]]) -> None:
        for key, expected in types.items():
            with self.subTest(key=key):
                self.assertIn(key, data)
                self.assertIsInstance(data[key], expected)

    @override_settings(ALLOWED_HOSTS=["*"])
    def test_explain_deploy_follows_the_schema(self) -> None:
        data = json.loads(call("explain_deploy", output_format="json", offline=True))
        self.assert_keys(data, {"schema_version": int, "django_version": str, "project": dict, "concerns": list, "request_path": list})
        self.assertEqual(data["schema_version"], SCHEMA_VERSION)
        self.assertEqual(SCHEMA_VERSION, 2)
        self.assert_keys(data["project"], PROJECT_KEYS)
        self.assertEqual([concern["concern"] for concern in data["concerns"]], [concern.NAME for concern in all_concerns()])
        for hop in data["request_path"]:
            self.assert_keys(hop, {"key": str, "name": str, "detail": str, "ready": (bool, type(None))})
        findings = []
        for concern in data["concerns"]:
            self.assert_keys(
                concern, {"concern": str, "title": str, "ready": bool, "silenced": int, "facts": dict, "findings": list, "guidance": dict}
            )
            self.assert_keys(concern["guidance"], {"about": list, "found": list, "steps": list})
            for fact in concern["guidance"]["found"]:
                self.assert_keys(fact, {"label": str, "value": str, "ok": (bool, type(None))})
            for step in concern["guidance"]["steps"]:
                self.assert_keys(step, {"title": str, "detail": str, "code": str, "language": str})
            findings += concern["findings"]
        self.assertTrue(findings)
        for finding in findings:
            self.assert_keys(
                finding,
                {
                    "id": str,
                    "level": str,
                    "msg": str,
                    "hint": (str, type(None)),
                    "obj": (str, type(None)),
                    "source": str,
                    "impact": str,
                    "shows": str,
                },
            )
            self.assertIn(finding["level"], LEVELS)
            self.assertIn(finding["impact"], IMPACTS)
            self.assertIn(finding["source"], {"deploy_concepts", "django"})

    @override_settings(ALLOWED_HOSTS=[], DEBUG=False)
    def test_ready_follows_the_impact_not_the_level(self) -> None:
        """Django's security.W020 (empty ALLOWED_HOSTS: every request is a 400) is only a warning."""
        data = json.loads(call("explain_deploy", output_format="json", offline=True))
        for concern in data["concerns"]:
            with self.subTest(concern=concern["concern"]):
                blocking = [finding["id"] for finding in concern["findings"] if finding["impact"] in IMPACTS_BLOCKING]
                self.assertEqual(concern["ready"], not blocking)
        w020 = [finding for concern in data["concerns"] for finding in concern["findings"] if finding["id"] == "security.W020"]
        self.assertEqual([(finding["level"], finding["impact"]) for finding in w020], [("warning", "every_request_fails")])

    def test_facts_name_the_platform_row(self) -> None:
        """Facts hold the platform's row, shown by its name; the project says which it is and why."""
        data = json.loads(call("explain_deploy", output_format="json", offline=True, platform="render"))
        project = data["project"]
        self.assertEqual(
            (project["platform"], project["platform_title"], project["platform_evidence"]), ("render", "Render", ["chosen with --platform"])
        )
        facts = {concern["concern"]: concern["facts"] for concern in data["concerns"]}
        checklist = facts.pop("checklist")
        parts = {**facts, **{f"checklist.{name}": checklist[name] for name in ("hosts", "errors", "mail", "dependencies", "simple_deploy")}}
        self.assertEqual({name: part["platform"] for name, part in parts.items()}, dict.fromkeys(parts, "render"))
        for name, part in parts.items():
            with self.subTest(name):
                self.assertEqual(set(part) & COPIED_PLATFORM_KEYS, set())
        # A set in the facts is a sorted list.
        brought = checklist["dependencies"]["brought"]
        self.assertEqual((type(brought), brought), (list, sorted(brought)))

    def test_keys_are_sorted_for_stable_diffs(self) -> None:
        output = call("explain_static", output_format="json", offline=True)
        self.assertEqual(output, json.dumps(json.loads(output), sort_keys=True, indent=2) + "\n")


# Well past the caps earlier versions had (50 listed per fact, 20 messages per id, then "N more").
LARGE = Size(apps=2, static_files=60, templates=200, broken_share=0.5)
STATIC_TAG = re.compile(r"""\{% static ["']([^"']+)["'] %\}""")
CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)["']?\s*\)""")
PRINTED = "printed by the project"


class CompleteJsonTests(SimpleTestCase):
    """A generated project with hundreds of missing references: JSON lists each one; text counts."""

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        directory = tempfile.TemporaryDirectory()
        cls.addClassCleanup(directory.cleanup)
        cls.static_root = str(Path(directory.name) / "static_root")
        cls.project = generate(Path(directory.name) / "project", LARGE, seed=3)
        # The project prints when its URLconf and WSGI module are imported: none of it may reach stdout.
        for module in ("urls.py", "wsgi.py"):
            path = cls.project.root / "benchproject" / module
            path.write_text(f"print({PRINTED!r})\n" + path.read_text())
        # What the code under test must find, counted here from the files themselves.
        cls.missing_in_templates = []
        for label in cls.project.app_labels:
            for template in sorted((cls.project.root / label / "templates").rglob("*.html")):
                for path in STATIC_TAG.findall(template.read_text()):
                    if not (cls.project.root / path.split("/", 1)[0] / "static" / path).is_file():
                        cls.missing_in_templates.append(path)
        cls.missing_in_stylesheets = []
        for label in cls.project.app_labels:
            for stylesheet in sorted((cls.project.root / label / "static").rglob("*.css")):
                for url in CSS_URL.findall(stylesheet.read_text()):
                    if not url.startswith(("data:", "#")) and not (stylesheet.parent / url).is_file():
                        cls.missing_in_stylesheets.append(url)

    def explain(self, *options: str) -> str:
        result = run_manage(self.project.root, "explain_static", "--offline", *options, env={STATIC_ROOT_VARIABLE: self.static_root})
        self.assertEqual(result.returncode, 0, result.stderr[-2000:])
        return result.stdout

    def test_the_project_is_past_the_old_caps(self) -> None:
        self.assertGreater(len(self.missing_in_templates), 50)
        self.assertGreater(len(self.missing_in_stylesheets), 20)
        self.assertEqual(len(self.missing_in_templates) + len(self.missing_in_stylesheets), self.project.broken_references)

    def test_stdout_carries_only_the_json_document(self) -> None:
        result = run_manage(self.project.root, "explain_deploy", "--format", "json", env={STATIC_ROOT_VARIABLE: self.static_root})
        self.assertEqual(result.returncode, 0, result.stderr[-2000:])
        # The whole of stdout is one JSON document (json.loads refuses anything around it); what the
        # project printed is, at most, a value in it (the loading step reports it as a fact).
        document = json.loads(result.stdout)
        self.assertEqual(document["schema_version"], SCHEMA_VERSION)
        self.assertTrue(result.stdout.startswith("{"), result.stdout[:200])

    def test_json_lists_every_missing_reference(self) -> None:
        stdout = self.explain("--format", "json")
        (static,) = json.loads(stdout)["concerns"]
        ids = Counter(finding["id"] for finding in static["findings"])
        self.assertEqual(ids["deploy_static.E020"], len(self.missing_in_templates))
        self.assertEqual(ids["deploy_static.E022"], len(self.missing_in_stylesheets))
        templates, stylesheets = static["facts"]["templates"], static["facts"]["stylesheets"]
        self.assertEqual(sorted(reference["path"] for reference in templates["missing"]), sorted(self.missing_in_templates))
        self.assertEqual(templates["missing_count"], len(self.missing_in_templates))
        self.assertEqual(len(stylesheets["missing"]), len(self.missing_in_stylesheets))
        self.assertEqual(stylesheets["missing_count"], len(self.missing_in_stylesheets))
        self.assertNotIn(" more ", " ".join(finding["msg"] for finding in static["findings"]))

    def test_text_and_markdown_count_what_they_leave_out(self) -> None:
        left_out = len(self.missing_in_templates) - MAX_FINDINGS_PER_ID
        expected = f"... and {left_out} more deploy_static.E020 (--format json lists every one)"
        for output_format, one_finding in (("text", ": deploy_static.E020\n"), ("markdown", "| `deploy_static.E020` | error |")):
            with self.subTest(output_format):
                stdout = self.explain("--format", output_format, "--no-color")
                self.assertIn(expected, stdout)
                self.assertEqual(stdout.count(one_finding), MAX_FINDINGS_PER_ID)


class JsonDocsTests(SimpleTestCase):
    def test_docs_list_every_impact_in_order(self) -> None:
        text = (REPO_ROOT / "docs" / "json.rst").read_text(encoding="utf-8")
        section = text.split("\nImpact\n------\n", 1)[1]
        # The first is the header row.
        documented = re.findall(r"^``([a-z_]+)``  ", section, flags=re.MULTILINE)
        self.assertEqual(documented[1:], [item.key for item in impact.SCALE])
        self.assertIn(f'"schema_version": {SCHEMA_VERSION},', text)
