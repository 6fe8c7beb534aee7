"""DEPLOY_CONCEPTS: read through one cached function, validated, overridden by command-line options."""

from __future__ import annotations

import io

from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import SimpleTestCase, override_settings

from django_deploy_concepts import target
from django_deploy_concepts.concerns import checklist
from django_deploy_concepts.context import build_context
from django_deploy_concepts.runner import run_checks
from django_deploy_concepts.target import Target, get_target, parse, with_options


class ParseTests(SimpleTestCase):
    def test_valid_keys(self) -> None:
        declared = parse(
            {
                "platform": "vps",
                "hosts": ["Shop.example.org"],
                "proxy": "same-host",
                "static_served_by": "whitenoise",
                "media_served_by": "web-server",
                "requirements": "requirements/prod.txt",
            }
        )
        self.assertEqual(
            declared,
            Target(
                platform="vps",
                hosts=("shop.example.org",),
                proxy="same-host",
                static_served_by="whitenoise",
                media_served_by="web-server",
                requirements=("requirements/prod.txt",),
            ),
        )

    def test_wrong_keys_and_values_name_the_valid_ones(self) -> None:
        rows = [
            ({"proxy": "nginx"}, "DEPLOY_CONCEPTS['proxy'] = 'nginx' is not valid; use one of 'none', 'same-host', 'other-host'."),
            (
                {"platfrom": "vps"},
                "DEPLOY_CONCEPTS has an unknown key 'platfrom'; valid keys: 'platform', 'hosts', 'proxy', "
                "'static_served_by', 'media_served_by', 'requirements'.",
            ),
            ({"platform": "herokku"}, "DEPLOY_CONCEPTS['platform'] = 'herokku' is not valid; use one of "),
            (
                {"hosts": ["https://shop.example.org"]},
                "DEPLOY_CONCEPTS['hosts'] entry 'https://shop.example.org' is not a bare public hostname",
            ),
            ({"hosts": 3}, "DEPLOY_CONCEPTS['hosts'] must be a list of strings, not 3."),
            ({"static_served_by": "nginx"}, "DEPLOY_CONCEPTS['static_served_by'] = 'nginx' is not valid; use one of 'whitenoise', "),
            ("vps", "DEPLOY_CONCEPTS must be a dict, not str; valid keys: "),
        ]
        for config, expected in rows:
            with self.subTest(config=config):
                declared = parse(config)
                self.assertEqual(len(declared.errors), 1)
                self.assertTrue(declared.errors[0].startswith(expected), declared.errors[0])
                self.assertIsNone(declared.proxy)

    def test_options_override_the_setting(self) -> None:
        declared = with_options(parse({"proxy": "same-host", "hosts": ["a.example.org"]}), proxy="other-host", hosts=None)
        self.assertEqual((declared.proxy, declared.hosts), ("other-host", ("a.example.org",)))
        self.assertEqual((declared.source("proxy"), declared.source("hosts")), ("--proxy", "DEPLOY_CONCEPTS"))


class CachedSettingTests(SimpleTestCase):
    def test_read_once_and_cleared_by_override_settings(self) -> None:
        self.assertEqual(get_target(), Target())
        self.assertIs(get_target(), get_target())
        with override_settings(DEPLOY_CONCEPTS={"proxy": "other-host"}):
            self.assertEqual(get_target().proxy, "other-host")
            self.assertEqual(build_context(environ={}).target.proxy, "other-host")
        self.assertIsNone(get_target().proxy)

    @override_settings(DEPLOY_CONCEPTS={"platform": "render"})
    def test_declared_platform_replaces_detection(self) -> None:
        context = build_context(environ={"DYNO": "web.1"})
        self.assertEqual(context.platform.platform, "render")
        self.assertEqual(context.platform.evidence, ("declared in DEPLOY_CONCEPTS",))
        self.assertEqual(build_context(environ={}, platform="fly").platform.platform, "fly")


class CheckTests(SimpleTestCase):
    @override_settings(DEPLOY_CONCEPTS={"proxy": "nginx", "hosts": ["shop.example.org"]})
    def test_wrong_value_is_an_error_with_its_id(self) -> None:
        messages = [m for m in run_checks(checklist, checklist.collect_facts(build_context(environ={}))) if m.id == target.ERROR_ID]
        self.assertEqual(
            messages, [checklist.e031("DEPLOY_CONCEPTS['proxy'] = 'nginx' is not valid; use one of 'none', 'same-host', 'other-host'.")]
        )

    @override_settings(DEPLOY_CONCEPTS={"proxy": "same-host", "hosts": ["shop.example.org"]})
    def test_valid_setting_is_quiet(self) -> None:
        ids = [m.id for m in run_checks(checklist, checklist.collect_facts(build_context(environ={})))]
        self.assertNotIn("deploy_checklist.E031", ids)

    @override_settings(DEPLOY_CONCEPTS={"proxy": "nginx"})
    def test_explain_commands_say_it(self) -> None:
        stdout, stderr = io.StringIO(), io.StringIO()
        call_command("explain_webserver", "--offline", stdout=stdout, stderr=stderr)
        self.assertIn("deploy_checklist.E031: DEPLOY_CONCEPTS['proxy'] = 'nginx' is not valid", stderr.getvalue())

    def test_command_line_options(self) -> None:
        stdout = io.StringIO()
        call_command(
            "explain_webserver", "--offline", "--format", "json", "--proxy", "other-host", "--host", "shop.example.org", stdout=stdout
        )
        with self.assertRaises(CommandError):
            call_command("explain_webserver", "--offline", "--proxy", "nginx", stdout=io.StringIO(), stderr=io.StringIO())
        with self.assertRaises(CommandError):
            call_command("explain_webserver", "--offline", "--host", "https://x.example.org", stdout=io.StringIO(), stderr=io.StringIO())


class PolicyTests(SimpleTestCase):
    def test_hsts_preload_and_subdomains_do_not_keep_a_concern_from_ready(self) -> None:
        from django_deploy_concepts.report import Finding, is_ready

        policy = (
            Finding("security.W005", "warning", "SECURE_HSTS_INCLUDE_SUBDOMAINS is not True.", source="django"),
            Finding("security.W021", "warning", "SECURE_HSTS_PRELOAD is not True.", source="django"),
        )
        self.assertTrue(is_ready(policy))
        # Readiness follows the impact (README): HSTS unset is hardening; every request a 400 is not ready.
        self.assertTrue(is_ready((*policy, Finding("security.W004", "warning", "SECURE_HSTS_SECONDS is not set.", source="django"))))
        self.assertFalse(is_ready((*policy, Finding("security.W020", "warning", "ALLOWED_HOSTS must not be empty.", source="django"))))
