"""The checklist as a whole: settings source errors, Django's own checks explained, never a crash."""

from __future__ import annotations

import warnings
from typing import Any

from django.test import override_settings

from django_deploy_concepts.concerns import checklist
from django_deploy_concepts.report import Finding
from tests.concerns.checklist.helpers import ChecklistTestCase


class SettingsSourceParsesTests(ChecklistTestCase):
    def test_fires_for_a_syntax_error(self) -> None:
        facts = self.facts(settings_source="DEBUG = (\n")
        (error,) = facts.source_errors
        self.assertEqual(error.file, "mysite/settings.py")
        self.assertIn(checklist.e005(error), self.messages(settings_source="DEBUG = (\n"))

    def test_quiet(self) -> None:
        self.assertNotIn("deploy_checklist.E005", self.ids(settings_source="DEBUG = False\n"))

    def test_reads_the_real_settings_module(self) -> None:
        facts = self.facts()
        self.assertTrue(any(path.endswith("tests/settings.py") for path in facts.settings_files), facts.settings_files)


class DjangoChecksExplainedTests(ChecklistTestCase):
    def test_each_owned_check_gets_its_fix(self) -> None:
        rows = (
            ("security.W018", 'DEBUG = os.environ.get("DJANGO_DEBUG", "" if "DJANGO_SECRET_KEY" in os.environ else "1") == "1"'),
            ("security.W009", 'SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "django-insecure-development-only")'),
            ("security.W025", "SECRET_KEY_FALLBACKS = "),
            ("security.W020", "ALLOWED_HOSTS"),
        )
        with override_settings(DEBUG=True, ALLOWED_HOSTS=[]):
            facts = self.facts()
        for check_id, expected in rows:
            with self.subTest(check_id):
                text = self.explanation_text(facts, (Finding(check_id, "warning", "msg", source="django"),))
                self.assertIn(expected, text)
                self.assertIn(check_id, text)

    def test_other_django_checks_get_a_generic_step(self) -> None:
        finding = Finding("templates.W003", "warning", "'x' is used for multiple template tag modules", hint="Rename one.", source="django")
        explanation = checklist.explain(self.facts(), (finding,))
        self.assertIn("Fix what Django's own check templates.W003 reports.", [step.title for step in explanation.steps])

    def test_djangos_mail_checks_belong_here(self) -> None:
        from django_deploy_concepts.concerns import all_concerns
        from django_deploy_concepts.runner import concern_for_django_check

        for check_id in ("mail.E001", "mail.W001", "security.W009", "security.W018", "security.W020", "security.W025", "admin.E403"):
            with self.subTest(check_id):
                self.assertIs(concern_for_django_check(check_id, all_concerns()), checklist)


class NeverCrashTests(ChecklistTestCase):
    BROKEN: tuple[dict[str, Any], ...] = (
        {"ADMINS": None, "MANAGERS": "ops@example.com"},
        {"MIDDLEWARE": None, "STORAGES": None},
        {"STORAGES": {"staticfiles": {"BACKEND": "no.such.Storage"}}},
        {"TEMPLATES": [{"BACKEND": "no.such.Backend"}]},
        {"TEMPLATES": None},
        {"ALLOWED_HOSTS": None, "SECRET_KEY_FALLBACKS": None, "SECRET_KEY": None},
        {"DEBUG": None, "SERVER_EMAIL": None, "DEFAULT_FROM_EMAIL": 3},
        {"ROOT_URLCONF": "no.such.urls"},
        {"MAILERS": {"default": "smtp"}},
        {"MAILERS": {"other": {}}},
    )

    def test_broken_settings_become_facts(self) -> None:
        for settings in self.BROKEN:
            with self.subTest(settings=settings), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with override_settings(**settings):
                    facts = self.facts(settings_source="DEBUG = (\n", environ={"DATABASE_URL": "postgres://"})
                    messages = self.messages(settings_source="DEBUG = (\n")
                    checklist.explain(facts, tuple(Finding.from_message(message) for message in messages))
                self.assertNotIn("deploy_checklist.E000", [message.id for message in messages])

    def test_malformed_logging_configurations(self) -> None:
        # Django's test signal applies an overridden LOGGING for real, so these are fed to the model directly.
        from django_deploy_concepts.concerns.checklist import logs

        rows: tuple[tuple[Any, Any], ...] = (
            ("logging.config.dictConfig", {"version": 1, "handlers": None, "loggers": {"django": "x"}, "root": []}),
            (
                "logging.config.dictConfig",
                {"version": 1, "handlers": {"h": "x"}, "loggers": {"django": {"handlers": "h", "level": object()}}},
            ),
            (42, "verbose"),
        )
        for config, settings in rows:
            with self.subTest(settings=settings):
                self.assertIsInstance(logs.analyse(config, settings), logs.Analysis)

    def test_unreadable_project_files(self) -> None:
        (self.base_dir / "requirements.txt").symlink_to(self.base_dir / "requirements.txt")
        (self.base_dir / ".python-version").mkdir()
        self.write("pyproject.toml", "[project\ndependencies = [")
        self.write("Pipfile.lock", "[]")
        messages = self.messages()
        self.assertNotIn("deploy_checklist.E000", [message.id for message in messages])
