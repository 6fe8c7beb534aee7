from __future__ import annotations

import unittest
import warnings

import django
from django.test import override_settings

from django_deploy_concepts import masking
from django_deploy_concepts.concerns.checklist import mail
from tests.concerns.checklist.helpers import ChecklistTestCase, findings_of

HAS_MAILERS = django.VERSION[:2] >= mail.MAILERS_VERSION


class DevelopmentBackendTests(ChecklistTestCase):
    def test_fires_for_each_development_backend(self) -> None:
        for backend in sorted(mail.DEVELOPMENT_BACKENDS):
            with self.subTest(backend=backend), warnings.catch_warnings():
                warnings.simplefilter("ignore", PendingDeprecationWarning)
                with override_settings(EMAIL_BACKEND=backend):
                    facts = self.facts()
                    self.assertIn(mail.w019(facts.mail), self.messages())

    def test_quiet_for_smtp(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            with override_settings(EMAIL_BACKEND=mail.SMTP_BACKEND):
                self.assertNotIn("deploy_checklist.W019", self.ids())

    @unittest.skipUnless(HAS_MAILERS, "MAILERS exists from Django 6.1")
    def test_mailers_is_left_to_djangos_own_check(self) -> None:
        from django.core.checks.mail import check_mailers_production_backend

        mailers = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
        with override_settings(MAILERS=mailers):
            facts = self.facts()
            self.assertNotIn("deploy_checklist.W019", self.ids())
            self.assertEqual([message.id for message in check_mailers_production_backend(None)], ["mail.E001"])
        self.assertEqual(facts.mail.backend_setting, "MAILERS['default']")
        self.assertTrue(facts.mail.development_only)


class SmtpToLocalhostTests(ChecklistTestCase):
    def test_fires_on_a_platform(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            with override_settings(EMAIL_BACKEND=mail.SMTP_BACKEND, EMAIL_HOST="localhost", ADMINS=["ops@example.com"]):
                facts = self.facts(platform="heroku")
                self.assertIn(mail.w020(facts.mail), self.messages(platform="heroku"))

    def test_quiet(self) -> None:
        rows = (
            ("a real host", {"EMAIL_HOST": "smtp.example.com", "ADMINS": ["ops@example.com"]}, "heroku"),
            ("a server may run its own mail server", {"EMAIL_HOST": "localhost", "ADMINS": ["ops@example.com"]}, "vps"),
            ("nobody is mailed", {"EMAIL_HOST": "localhost", "ADMINS": [], "MANAGERS": []}, "heroku"),
        )
        for label, settings, platform in rows:
            with self.subTest(label), warnings.catch_warnings():
                warnings.simplefilter("ignore", PendingDeprecationWarning)
                with override_settings(EMAIL_BACKEND=mail.SMTP_BACKEND, **settings):
                    self.assertNotIn("deploy_checklist.W020", self.ids(platform=platform))

    @unittest.skipUnless(HAS_MAILERS, "MAILERS exists from Django 6.1")
    def test_reads_the_host_from_mailers(self) -> None:
        mailers = {"default": {"BACKEND": mail.SMTP_BACKEND, "OPTIONS": {"host": "localhost", "password": "planted-mail-password"}}}
        with override_settings(MAILERS=mailers, ADMINS=["ops@example.com"]):
            facts = self.facts(platform="render")
            self.assertIn("deploy_checklist.W020", self.ids(platform="render"))
        self.assertTrue(facts.mail.password_set)
        self.assertNotIn("planted-mail-password", repr(facts))
        with override_settings(MAILERS=mailers):
            self.assertIn("planted-mail-password", masking.known_secrets({}))


class MailStepTests(ChecklistTestCase):
    def test_step_uses_the_installed_djangos_settings(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend"):
                facts = self.facts()
                text = self.explanation_text(facts, findings_of(self.messages()))
        self.assertIn("MAILERS = {" if HAS_MAILERS else 'EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"', text)
