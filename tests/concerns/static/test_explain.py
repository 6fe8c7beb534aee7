"""The concern as a whole: explanation, request-path hop, commands, check adapter, bad settings, secrets."""

from __future__ import annotations

import json
from typing import Any

from django.core import checks
from django.test import override_settings

from django_deploy_concepts import renderers, runner
from django_deploy_concepts.checks import check_deploy
from django_deploy_concepts.concerns import static
from django_deploy_concepts.context import build_context
from tests.concerns.static.helpers import BASE_APPS, BROKEN_APP, CLEAN_APP, PLAIN_STORAGE, StaticTestCase, ids, storages
from tests.utils import EXAMPLE_DIR, call, run_manage

SECURITY = "django.middleware.security.SecurityMiddleware"
WHITENOISE = "whitenoise.middleware.WhiteNoiseMiddleware"


class ExplainTests(StaticTestCase):
    def explanation(self, **settings: Any) -> tuple[dict[str, str], list[str]]:
        facts = self.facts(**settings)
        guidance = static.explain(facts, ())
        return {fact.label: fact.value for fact in guidance.found}, [step.title for step in guidance.steps]

    def test_an_unready_project_gets_numbered_steps_with_its_own_values(self) -> None:
        found, steps = self.explanation(
            STATIC_ROOT=None,
            MIDDLEWARE=[SECURITY],
            STORAGES=storages(PLAIN_STORAGE),
            STATICFILES_STORAGE="whitenoise.storage.CompressedManifestStaticFilesStorage",
            INSTALLED_APPS=[*BASE_APPS, BROKEN_APP],
        )
        self.assertEqual(found["STATIC_ROOT"], "(not set)")
        self.assertEqual(found["STATICFILES_STORAGE (ignored since Django 5.1)"], "whitenoise.storage.CompressedManifestStaticFilesStorage")
        self.assertIn("1 missing", found["{% static %} in templates"])
        self.assertEqual(
            steps,
            [
                "Give collectstatic a folder to fill.",
                "Let WhiteNoise serve the collected files.",
                "Use a compressing manifest storage, through STORAGES.",
                "Fix the {% static %} paths that name no file.",
                "Fix the stylesheet and script references that name no file.",
                "Collect the files in your build step.",
            ],
        )

    def test_a_ready_project_is_told_only_to_collect(self) -> None:
        found, steps = self.explanation(
            INSTALLED_APPS=["whitenoise.runserver_nostatic", *BASE_APPS, CLEAN_APP], MIDDLEWARE=[SECURITY, WHITENOISE]
        )
        self.assertEqual(steps, ["Collect the files in your build step."])
        self.assertIn("hashed files: max-age=315360000, public, immutable", found["Cache-Control from WhiteNoise"])

    def test_without_staticfiles_there_is_little_to_say(self) -> None:
        found, steps = self.explanation(INSTALLED_APPS=[app for app in BASE_APPS if app != "django.contrib.staticfiles"])
        self.assertEqual(found["django.contrib.staticfiles"], "not installed")
        self.assertEqual(steps, [])

    def test_the_hop_is_ready_only_when_files_will_be_there(self) -> None:
        rows = {
            "ready": ({"INSTALLED_APPS": [*BASE_APPS, CLEAN_APP], "MIDDLEWARE": [SECURITY, WHITENOISE]}, True),
            "nobody serves": ({"INSTALLED_APPS": [*BASE_APPS, CLEAN_APP], "MIDDLEWARE": [SECURITY]}, False),
            "a page would fail": ({"INSTALLED_APPS": [*BASE_APPS, BROKEN_APP], "MIDDLEWARE": [SECURITY, WHITENOISE]}, False),
        }
        for label, (settings, ready) in rows.items():
            with self.subTest(label):
                (hop,) = static.hops(self.facts(**settings))
                self.assertEqual((hop.key, hop.ready), ("static", ready))


class NeverCrashTests(StaticTestCase):
    def test_settings_of_the_wrong_type_are_findings(self) -> None:
        rows: dict[str, dict[str, Any]] = {
            "STATIC_ROOT number": {"STATIC_ROOT": 123},
            "STATIC_URL number": {"STATIC_URL": 5},
            "STORAGES list": {"STORAGES": ["whitenoise"]},
            "STORAGES entry string": {"STORAGES": {"staticfiles": "whitenoise"}},
            "MIDDLEWARE None": {"MIDDLEWARE": None},
            "STATICFILES_FINDERS None": {"STATICFILES_FINDERS": None},
            "STATICFILES_DIRS string": {"STATICFILES_DIRS": "assets"},
            "TEMPLATES None": {"TEMPLATES": None},
            "WHITENOISE_SKIP_COMPRESS_EXTENSIONS None": {"WHITENOISE_SKIP_COMPRESS_EXTENSIONS": None, "MIDDLEWARE": [WHITENOISE]},
        }
        for label, settings in rows.items():
            with self.subTest(label):
                facts = self.facts(**settings)
                self.assertEqual(facts.failures, ())
                messages = [message for check in static.CHECKS for message in check(facts)]
                self.assertNotIn("deploy_static.E000", ids(messages))
                static.explain(facts, ())
                static.hops(facts)

    def test_wrong_types_name_the_setting(self) -> None:
        rows = {"STATIC_ROOT": 123, "STORAGES": ["whitenoise"], "MIDDLEWARE": None, "STATICFILES_FINDERS": None}
        for name, value in rows.items():
            with self.subTest(name):
                messages = static.check_readable(self.facts(**{name: value}))
                self.assertEqual(ids(messages), ["deploy_static.E030"])
                self.assertIn(name, messages[0].msg)

    def test_readable_settings_are_quiet(self) -> None:
        self.assertEqual(static.check_readable(self.facts()), [])

    def test_a_failing_part_is_s000_and_the_rest_still_runs(self) -> None:
        facts = self.facts(STORAGES=storages(PLAIN_STORAGE), STATICFILES_STORAGE=PLAIN_STORAGE)
        broken = static.Facts(
            **{**{field: getattr(facts, field) for field in facts.__dataclass_fields__}, "failures": ("templates: RuntimeError: boom",)}
        )
        messages = [message for check in static.CHECKS for message in check(broken)]
        self.assertEqual(ids(messages)[:1], ["deploy_static.E000"])
        self.assertIn("deploy_static.W002", ids(messages))


class CommandTests(StaticTestCase):
    def test_explain_static_in_every_format(self) -> None:
        with override_settings(**self.base_settings(), INSTALLED_APPS=[*BASE_APPS, BROKEN_APP]):
            text = call("explain_static")
            data = json.loads(call("explain_static", "--format", "json"))
            markdown = call("explain_static", "--format", "markdown")
        self.assertIn("broken/css/broken.css:1", text)
        (concern,) = data["concerns"]
        self.assertIn("deploy_static.E022", [finding["id"] for finding in concern["findings"]])
        self.assertEqual(concern["facts"]["stylesheets"]["missing"][0]["resolved"], "broken/img/hero.png")
        self.assertIn("## ", markdown)

    def test_the_registered_check(self) -> None:
        with override_settings(**{**self.base_settings(), "STATIC_ROOT": None}):
            messages = check_deploy()
        self.assertIn("deploy_static.E001", ids(messages))
        self.assertTrue(all(isinstance(message, checks.CheckMessage) for message in messages))

    def test_secrets_never_leak(self) -> None:
        secret = "hunter2-cdn-password-0b1e5c"
        settings = {
            "STATIC_URL": f"https://deploy:{secret}@cdn.example.com/static/",
            "MEDIA_URL": f"https://deploy:{secret}@uploads.example.com/media/",
            "STORAGES": {"staticfiles": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {"secret_key": secret}}},
        }
        with override_settings(**{**self.base_settings(), **settings}):
            report = runner.build_report(build_context(), ["static"])
        for output_format in renderers.FORMATS:
            with self.subTest(output_format):
                self.assertNotIn(secret, renderers.render(report, output_format))
        self.assertNotIn(secret, repr(self.facts(**settings)))

    def test_the_example_project(self) -> None:
        result = run_manage(EXAMPLE_DIR, "explain_static", "--format", "json")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertNotIn("Traceback", result.stderr)
        (concern,) = json.loads(result.stdout)["concerns"]
        found = {finding["id"] for finding in concern["findings"]}
        self.assertLessEqual(
            {"deploy_static.E001", "deploy_static.W002", "deploy_static.E003", "deploy_static.W016", "deploy_static.E020"}, found
        )
        # mysite/urls.py adds static(MEDIA_URL, ...): the live URLconf has the pattern, as DEBUG reads true.
        self.assertEqual([pattern["route"] for pattern in concern["facts"]["serving"]["serve_patterns"]], ["^media/(?P<path>.*)$"])
