"""Settings holding unexpected values give findings, never a traceback, in every command and format."""

from __future__ import annotations

import json
import warnings

from django.test import SimpleTestCase, override_settings
from django.utils.functional import SimpleLazyObject

from django_deploy_concepts.renderers import FORMATS
from tests.utils import call

COMMANDS = ("explain_static", "explain_database", "explain_wsgi", "explain_webserver", "explain_checklist", "explain_deploy")

# Each row: a setting and a value of a type or shape nobody should write, but somebody will.
ODD_SETTINGS = [
    ("DEBUG", None),
    ("DEBUG", "False"),
    ("ALLOWED_HOSTS", None),
    ("ALLOWED_HOSTS", "example.com"),
    ("ALLOWED_HOSTS", [None, 3, "https://example.com:8000/path"]),
    ("SECRET_KEY", ""),
    ("STATIC_ROOT", 123),
    ("STATIC_URL", None),
    ("STATICFILES_DIRS", "static"),
    ("STORAGES", "whitenoise"),
    ("STORAGES", {"staticfiles": None}),
    ("MIDDLEWARE", None),
    ("MIDDLEWARE", "whitenoise.middleware.WhiteNoiseMiddleware"),
    ("WSGI_APPLICATION", None),
    ("WSGI_APPLICATION", 42),
    ("WSGI_APPLICATION", "no_such_module.wsgi.application"),
    ("TEMPLATES", None),
    ("TEMPLATES", [{"BACKEND": "no.such.Backend"}]),
    ("SECURE_PROXY_SSL_HEADER", "HTTP_X_FORWARDED_PROTO"),
    ("CSRF_TRUSTED_ORIGINS", None),
    ("MEDIA_ROOT", 0),
    ("SILENCED_SYSTEM_CHECKS", None),
    ("INSTALLED_APPS_EXTRA", object()),
    ("LOGGING", {"version": 1, "handlers": {}}),
    ("ADMINS", "me@example.com"),
    # Lazy values: one nobody needs must never be evaluated, one a concern needs that raises is a finding.
    ("PAYMENT_API_TOKEN", SimpleLazyObject(lambda: 1 / 0)),
    ("CSRF_TRUSTED_ORIGINS", SimpleLazyObject(lambda: 1 / 0)),
]


class OddSettingsTests(SimpleTestCase):
    def test_every_command_and_format_survives_odd_settings(self) -> None:
        for name, value in ODD_SETTINGS:
            for command in COMMANDS:
                for output_format in FORMATS:
                    with self.subTest(setting=name, value=repr(value), command=command, format=output_format):
                        with override_settings(**{name: value}), warnings.catch_warnings():
                            # Overriding some settings makes Django itself warn; that is not under test.
                            warnings.simplefilter("ignore", UserWarning)
                            output = call(command, output_format=output_format, offline=True)
                        self.assertTrue(output.strip())
                        if output_format == "json":
                            json.loads(output)

    def test_broken_databases_setting_is_a_finding(self) -> None:
        for value in (None, "sqlite", {"default": "sqlite"}, {"default": {"ENGINE": None}}):
            with self.subTest(value=repr(value)), override_settings(DATABASES=value), warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                data = json.loads(call("explain_database", output_format="json", offline=True))
                self.assertEqual(data["concerns"][0]["concern"], "database")
