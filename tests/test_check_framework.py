"""The concerns' checks as Django's check framework and the explain commands see them."""

from __future__ import annotations

import io
import json

from django.core import checks
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import SimpleTestCase, override_settings

from django_deploy_concepts.concerns import CONCERNS, static
from django_deploy_concepts.concerns.checklist import hosts as checklist
from django_deploy_concepts.concerns.static import locations
from django_deploy_concepts.runner import TAG
from tests.utils import call, message_ids

# Settings that make one check of each kind fire, to follow it through the framework.
WILDCARD_HOSTS = {"ALLOWED_HOSTS": ["*"]}


class RegistrationTests(SimpleTestCase):
    @override_settings(**WILDCARD_HOSTS)
    def test_ids_appear_in_check_deploy_and_not_in_plain_check(self) -> None:
        deploy_ids = message_ids(checks.run_checks(include_deployment_checks=True))
        plain_ids = message_ids(checks.run_checks())
        self.assertIn(checklist.C003.id, deploy_ids)
        self.assertFalse([message_id for message_id in plain_ids if message_id.startswith(f"{TAG}.")])

    def test_silenced_ids_are_silenced_in_check_deploy(self) -> None:
        rows = [([], True), ([checklist.C003.id], False)]
        for silenced, shown in rows:
            with self.subTest(silenced=silenced), override_settings(**WILDCARD_HOSTS, SILENCED_SYSTEM_CHECKS=silenced):
                out, err = io.StringIO(), io.StringIO()
                # Django's test runner swaps in the locmem mail backend, an error here: only report.
                call_command("check", deploy=True, fail_level="CRITICAL", stdout=out, stderr=err)
                self.assertEqual(checklist.C003.id in out.getvalue() + err.getvalue(), shown)

    @override_settings(STATIC_ROOT=None)
    def test_adapters_open_no_database_connection_without_databases(self) -> None:
        # SimpleTestCase makes any connection attempt raise; the runner would turn that into
        # the concern's ...000 finding, so none may appear.
        self.assertIn(locations.S001, static.django_check(databases=None))
        for concern in CONCERNS:
            with self.subTest(concern=concern.NAME):
                ids = message_ids(concern.django_check(databases=None))
                self.assertNotIn(f"{TAG}.{concern.LETTER}000", ids)


class ExplainCommandTests(SimpleTestCase):
    def explain_json(self, command: str = "explain_deploy", **options: object) -> dict[str, object]:
        return json.loads(call(command, output_format="json", offline=True, **options))

    @override_settings(**WILDCARD_HOSTS, SILENCED_SYSTEM_CHECKS=[checklist.C003.id])
    def test_explain_commands_respect_and_count_silenced_checks(self) -> None:
        data = self.explain_json("explain_checklist")
        concern = data["concerns"][0]
        self.assertNotIn(checklist.C003.id, [finding["id"] for finding in concern["findings"]])
        self.assertEqual(concern["silenced"], 1)
        self.assertIn("1 silenced", call("explain_checklist", offline=True))

    @override_settings(**WILDCARD_HOSTS)
    def test_fail_level(self) -> None:
        rows = [("WARNING", True), ("ERROR", None), ("CRITICAL", False)]
        for level, fails in rows:
            with self.subTest(level=level):
                if level == "ERROR":
                    # Whether an error is present depends on the rest of the test settings: compute it.
                    data = self.explain_json("explain_checklist")
                    fails = any(finding["level"] in ("error", "critical") for finding in data["concerns"][0]["findings"])
                if fails:
                    with self.assertRaises(CommandError) as raised:
                        call("explain_checklist", offline=True, fail_level=level)
                    self.assertEqual(raised.exception.returncode, 1)
                else:
                    call("explain_checklist", offline=True, fail_level=level)

    def test_without_fail_level_the_command_only_explains(self) -> None:
        with override_settings(**WILDCARD_HOSTS):
            call("explain_deploy", offline=True)

    def test_djangos_own_deploy_checks_are_folded_into_their_concern(self) -> None:
        with override_settings(SECURE_HSTS_SECONDS=0):
            data = self.explain_json()
        where = {finding["id"]: concern["concern"] for concern in data["concerns"] for finding in concern["findings"]}
        self.assertEqual(where.get("security.W004"), "webserver")
        sources = {finding["source"] for concern in data["concerns"] for finding in concern["findings"] if finding["id"] == "security.W004"}
        self.assertEqual(sources, {"django"})

    def test_platform_option_overrides_detection(self) -> None:
        data = self.explain_json(platform="render")
        self.assertEqual(data["project"]["platform"], "render")
        self.assertTrue(data["project"]["platform_overridden"])

    def test_a_bad_timeout_is_a_usage_error(self) -> None:
        with self.assertRaises(CommandError):
            call("explain_database", "--timeout", "-1")
