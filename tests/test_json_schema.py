"""The JSON output keeps the documented schema (docs/json.rst)."""

from __future__ import annotations

import json
from typing import Any

from django.test import SimpleTestCase, override_settings

from django_deploy_concepts.concerns import all_concerns
from django_deploy_concepts.report import SCHEMA_VERSION
from tests.utils import call

LEVELS = {"debug", "info", "warning", "error", "critical"}
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
                finding, {"id": str, "level": str, "msg": str, "hint": (str, type(None)), "obj": (str, type(None)), "source": str}
            )
            self.assertIn(finding["level"], LEVELS)
            self.assertIn(finding["source"], {"deploy_concepts", "django"})

    def test_keys_are_sorted_for_stable_diffs(self) -> None:
        output = call("explain_static", output_format="json", offline=True)
        self.assertEqual(output, json.dumps(json.loads(output), sort_keys=True, indent=2) + "\n")
