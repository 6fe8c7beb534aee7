"""The JSON output keeps the documented schema (docs/json.rst)."""

from __future__ import annotations

import json
import re
from typing import Any

from django.test import SimpleTestCase, override_settings

from django_deploy_concepts import impact
from django_deploy_concepts.concerns import all_concerns
from django_deploy_concepts.report import SCHEMA_VERSION
from tests.utils import REPO_ROOT, call

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

    def test_keys_are_sorted_for_stable_diffs(self) -> None:
        output = call("explain_static", output_format="json", offline=True)
        self.assertEqual(output, json.dumps(json.loads(output), sort_keys=True, indent=2) + "\n")


class JsonDocsTests(SimpleTestCase):
    def test_docs_list_every_impact_in_order(self) -> None:
        text = (REPO_ROOT / "docs" / "json.rst").read_text(encoding="utf-8")
        section = text.split("\nImpact\n------\n", 1)[1]
        # The first is the header row.
        documented = re.findall(r"^``([a-z_]+)``  ", section, flags=re.MULTILINE)
        self.assertEqual(documented[1:], [item.key for item in impact.SCALE])
        self.assertIn(f'"schema_version": {SCHEMA_VERSION},', text)
