"""The concerns' checks as Django's check framework and the explain commands see them."""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from pathlib import Path
from unittest import mock

from django.core import checks
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import SimpleTestCase, override_settings

from django_deploy_concepts import runner
from django_deploy_concepts.checks import TAG, check_deploy, check_deploy_database
from django_deploy_concepts.concerns import all_concerns, checklist, database, static, wsgi
from django_deploy_concepts.concerns.checklist import hosts
from django_deploy_concepts.concerns.database import processes
from django_deploy_concepts.concerns.static import locations
from django_deploy_concepts.context import build_context
from tests.utils import call, message_ids

# Settings that make one check of each kind fire, to follow it through the framework.
WILDCARD_HOSTS = {"ALLOWED_HOSTS": ["*"]}


class RegistrationTests(SimpleTestCase):
    @override_settings(**WILDCARD_HOSTS)
    def test_ids_appear_in_check_deploy_and_not_in_plain_check(self) -> None:
        deploy_ids = message_ids(checks.run_checks(include_deployment_checks=True))
        plain_ids = message_ids(checks.run_checks())
        self.assertIn(hosts.W003.id, deploy_ids)
        self.assertFalse([message_id for message_id in plain_ids if message_id.startswith(f"{TAG}.")])

    def test_silenced_ids_are_silenced_in_check_deploy(self) -> None:
        rows = [([], True), ([hosts.W003.id], False)]
        for silenced, shown in rows:
            with self.subTest(silenced=silenced), override_settings(**WILDCARD_HOSTS, SILENCED_SYSTEM_CHECKS=silenced):
                out, err = io.StringIO(), io.StringIO()
                # Django's test runner swaps in the locmem mail backend, an error here: only report.
                call_command("check", deploy=True, fail_level="CRITICAL", stdout=out, stderr=err)
                self.assertEqual(hosts.W003.id in out.getvalue() + err.getvalue(), shown)

    @override_settings(STATIC_ROOT=None)
    def test_the_deploy_check_opens_no_database_connection(self) -> None:
        # SimpleTestCase makes any connection attempt raise; the runner would turn that into the
        # concern's ...000 finding. Django 6 passes every alias to untagged checks: still none.
        for databases in (None, ["default"]):
            with self.subTest(databases=databases):
                ids = message_ids(check_deploy(databases=databases))
                self.assertIn(locations.E001.id, ids)
                self.assertEqual([message_id for message_id in ids if message_id.endswith(".E000")], [])

    def test_the_database_check_runs_only_with_aliases(self) -> None:
        self.assertEqual(check_deploy_database(databases=None), [])
        self.assertEqual(check_deploy_database(databases=[]), [])

    @override_settings(**WILDCARD_HOSTS)
    def test_a_concern_that_crashes_reports_its_own_e000_and_the_others_go_on(self) -> None:
        with mock.patch.object(wsgi, "collect_facts", side_effect=RuntimeError("planted")):
            messages = check_deploy()
        ids = message_ids(messages)
        self.assertIn(f"{wsgi.LABEL}.E000", ids)
        self.assertIn(hosts.W003.id, ids)
        [failure] = [message for message in messages if message.id == f"{wsgi.LABEL}.E000"]
        self.assertIn("RuntimeError: planted", failure.msg)


class ExplainCommandTests(SimpleTestCase):
    def explain_json(self, command: str = "explain_deploy", **options: object) -> dict[str, object]:
        return json.loads(call(command, output_format="json", offline=True, **options))

    @override_settings(**WILDCARD_HOSTS, SILENCED_SYSTEM_CHECKS=[hosts.W003.id])
    def test_explain_commands_respect_and_count_silenced_checks(self) -> None:
        data = self.explain_json("explain_checklist")
        concern = data["concerns"][0]
        self.assertNotIn(hosts.W003.id, [finding["id"] for finding in concern["findings"]])
        self.assertEqual(concern["silenced"], 1)
        self.assertIn("1 silenced", call("explain_checklist", offline=True))

    def test_fail_level(self) -> None:
        # ALLOWED_HOSTS = ["*"] is a warning (W003); a URL in it is an error (E004).
        rows = [
            ("WARNING", ["*"], True),
            ("ERROR", ["*"], False),
            ("ERROR", ["*", "https://example.com"], True),
            ("CRITICAL", ["*", "https://example.com"], False),
        ]
        for level, allowed_hosts, fails in rows:
            with self.subTest(level=level, allowed_hosts=allowed_hosts), override_settings(ALLOWED_HOSTS=allowed_hosts):
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

    def test_a_single_concern_runs_only_the_django_checks_of_its_tags(self) -> None:
        calls: list[str] = []

        def urls_check(**kwargs: object) -> list[checks.CheckMessage]:
            calls.append("urls")
            return []

        def staticfiles_check(**kwargs: object) -> list[checks.CheckMessage]:
            calls.append("staticfiles")
            return [checks.Warning("planted", id="staticfiles.W999")]

        checks.register(urls_check, checks.Tags.urls, deploy=True)
        checks.register(staticfiles_check, checks.Tags.staticfiles, deploy=True)
        try:
            data = self.explain_json("explain_static")
            self.assertEqual(calls, ["staticfiles"])
            self.assertIn("staticfiles.W999", [finding["id"] for finding in data["concerns"][0]["findings"]])
            calls.clear()
            self.explain_json("explain_deploy")
            self.assertEqual(sorted(calls), ["staticfiles", "urls"])
        finally:
            checks.registry.registry.deployment_checks.discard(urls_check)
            checks.registry.registry.deployment_checks.discard(staticfiles_check)

    @override_settings(SECURE_HSTS_SECONDS=0, CSRF_TRUSTED_ORIGINS=["example.com"], STATICFILES_DIRS=["/no/such/folder"])
    def test_each_concern_claims_only_django_ids_its_tags_can_report(self) -> None:
        # Folding would silently drop a message a single concern's command never runs the check for.
        seen = 0
        for check in checks.registry.registry.get_checks(include_deployment_checks=True):
            if TAG in check.tags:
                continue
            for message in check(app_configs=None, databases=None):
                concern = runner.concern_for_django_check(message.id, all_concerns())
                if concern is None or concern.DJANGO_CHECK_TAGS is None:
                    continue
                seen += 1
                with self.subTest(id=message.id, concern=concern.NAME):
                    self.assertFalse(set(concern.DJANGO_CHECK_TAGS).isdisjoint(check.tags))
        self.assertGreaterEqual(seen, 3)

    def test_no_django_id_is_claimed_by_two_concerns(self) -> None:
        # A single concern's command folds the ids it claims without asking the others.
        claims = [(pattern, concern.NAME) for concern in all_concerns() for pattern in concern.DJANGO_CHECKS]
        for pattern, name in claims:
            for other_pattern, other_name in claims:
                if other_name != name:
                    with self.subTest(pattern=pattern, other=other_pattern):
                        self.assertFalse(other_pattern == pattern or (other_pattern.endswith(".") and pattern.startswith(other_pattern)))

    def test_only_the_checklist_takes_unclaimed_django_ids(self) -> None:
        self.assertIs(runner.concern_for_django_check("templates.W003", all_concerns()), checklist.CONCERN)
        self.assertIsNone(runner.concern_for_django_check("templates.W003", [static.CONCERN, database.CONCERN]))
        self.assertIs(runner.concern_for_django_check("staticfiles.W004", [static.CONCERN, database.CONCERN]), static.CONCERN)

    def test_platform_option_overrides_detection(self) -> None:
        data = self.explain_json(platform="render")
        self.assertEqual(data["project"]["platform"], "render")
        self.assertTrue(data["project"]["platform_overridden"])

    def test_a_bad_timeout_is_a_usage_error(self) -> None:
        with self.assertRaises(CommandError):
            call("explain_database", "--timeout", "-1")


RUNSERVER = "web: python manage.py runserver 0.0.0.0:$PORT\n"
NO_WEB_PROCESS = "worker: python worker.py\n"
E002_ID = "deploy_wsgi.E002"


class CheckRunTests(SimpleTestCase):
    """One check run reads the project once; the next run, or changed settings, read it again."""

    def setUp(self) -> None:
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.base_dir = Path(directory.name)
        base_dir_override = override_settings(BASE_DIR=self.base_dir)
        base_dir_override.enable()
        self.addCleanup(base_dir_override.disable)

    def write_procfile(self, text: str, base_dir: Path | None = None) -> None:
        (base_dir or self.base_dir).joinpath("Procfile").write_text(text, encoding="utf-8")

    def count_contexts(self) -> mock.MagicMock:
        spy = mock.patch.object(runner, "build_context", wraps=build_context)
        built = spy.start()
        self.addCleanup(spy.stop)
        return built

    def test_one_check_run_builds_one_context_and_collects_each_concerns_facts_once(self) -> None:
        built = self.count_contexts()
        with contextlib.ExitStack() as stack:
            collected = {
                concern.NAME: stack.enter_context(mock.patch.object(concern, "collect_facts", wraps=concern.collect_facts))
                for concern in all_concerns()
            }
            checks.run_checks(include_deployment_checks=True)
        self.assertEqual(built.call_count, 1)
        for name, collect_facts in collected.items():
            with self.subTest(concern=name):
                self.assertEqual(collect_facts.call_count, 1)

    def test_a_second_run_reads_the_project_again(self) -> None:
        built = self.count_contexts()
        rows = [(RUNSERVER, True), (NO_WEB_PROCESS, False), (RUNSERVER, True)]
        for number, (procfile, runserver) in enumerate(rows, start=1):
            with self.subTest(procfile=procfile):
                self.write_procfile(procfile)
                ids = message_ids(checks.run_checks(include_deployment_checks=True))
                self.assertEqual(E002_ID in ids, runserver)
                self.assertEqual(built.call_count, number)

    def test_changed_settings_are_not_served_facts_read_before(self) -> None:
        self.write_procfile(RUNSERVER)
        check_deploy()
        with tempfile.TemporaryDirectory() as other:
            self.write_procfile("web: gunicorn tests.wsgi --workers 3\n", Path(other))
            with override_settings(BASE_DIR=Path(other)):
                messages = check_deploy()
        self.assertIn(processes.w020(processes.Workers(3, None, "Procfile line 1")), messages)
        self.assertNotIn(E002_ID, message_ids(messages))

    def test_a_changed_environment_is_not_served_facts_read_before(self) -> None:
        self.write_procfile("web: gunicorn tests.wsgi\n")
        check_deploy()
        with mock.patch.dict(os.environ, {"WEB_CONCURRENCY": "4"}):
            messages = check_deploy()
        self.assertIn(processes.w020(processes.Workers(4, None, "Procfile line 1")), messages)
