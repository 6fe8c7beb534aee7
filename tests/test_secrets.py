"""No planted secret appears in any command's output, in any format."""

from __future__ import annotations

import os
from unittest import mock

import django
from django.test import SimpleTestCase, override_settings

from django_deploy_concepts.renderers import FORMATS
from tests.utils import call, override_databases

COMMANDS = ("explain_static", "explain_database", "explain_wsgi", "explain_webserver", "explain_checklist", "explain_deploy")
PLANTED = {
    "secret_key": "planted-SECRET-KEY-5f1c9a7e3b2d4c6a8e0f",
    "db_password": "planted-db-pw-7d3e1f",
    "url_password": "planted-url-pw-9c2b4a",
    "email_password": "planted-mail-pw-3a8f6e",
    "token": "planted-token-1b7e5d9c3a",
    "fallback_key": "planted-FALLBACK-KEY-2e4c6a8b0d",
}


# Django 6.1 moved mail configuration to MAILERS and deprecated EMAIL_HOST_PASSWORD.
EMAIL_SETTINGS = (
    {"MAILERS": {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": {"password": PLANTED["email_password"]}}}}
    if django.VERSION >= (6, 1)
    else {"EMAIL_HOST_PASSWORD": PLANTED["email_password"]}
)


@override_settings(
    SECRET_KEY=PLANTED["secret_key"],
    SECRET_KEY_FALLBACKS=[PLANTED["fallback_key"]],
    **EMAIL_SETTINGS,
    # The planted values are also placed where concerns print values: an origin and a media path.
    CSRF_TRUSTED_ORIGINS=[f"https://{PLANTED['token']}.example.com"],
)
class PlantedSecretsTests(SimpleTestCase):
    def test_no_planted_secret_in_any_output(self) -> None:
        environ = {
            "DATABASE_URL": f"postgres://app:{PLANTED['url_password']}@127.0.0.1:9/app",
            "API_TOKEN": PLANTED["token"],
            "DJANGO_SECRET_KEY": PLANTED["secret_key"],
        }
        databases = {
            "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:", "PASSWORD": PLANTED["db_password"]},
        }
        with mock.patch.dict(os.environ, environ), override_databases(databases):
            for command in COMMANDS:
                for output_format in FORMATS:
                    for verbosity in (1, 2):
                        with self.subTest(command=command, format=output_format, verbosity=verbosity):
                            output = call(command, output_format=output_format, verbosity=verbosity, offline=True)
                            for name, value in PLANTED.items():
                                self.assertNotIn(value, output, name)
