from __future__ import annotations

from typing import Any

from django.test import TestCase, override_settings

from django_deploy_concepts.concerns.checklist import errors, logs
from django_deploy_concepts.concerns.checklist.facts import StaticReference
from tests.concerns.checklist.helpers import ChecklistTestCase

CONSOLE = {"console": {"class": "logging.StreamHandler"}}
NULL = {"null": {"class": "logging.NullHandler"}}
# delay: the handler Django's test signal builds for an overridden LOGGING opens no file.
FILE = {"file": {"class": "logging.FileHandler", "filename": "app.log", "delay": True}}
MANIFEST_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
PLAIN_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def live_kinds(analysis: logs.Analysis) -> list[str]:
    return [route.kind for route in analysis.routes if route.live]


class LoggingAnalysisTests(ChecklistTestCase):
    def test_routes_of_a_server_error(self) -> None:
        rows: tuple[tuple[str, Any, Any, list[str], bool], ...] = (
            ("Django's default: mail_admins only (console needs DEBUG)", logs.DICT_CONFIG, {}, ["mail_admins"], False),
            ("no logging configuration: Python's last resort, stderr", None, {}, ["stream"], False),
            (
                "console on the django logger",
                logs.DICT_CONFIG,
                {"version": 1, "disable_existing_loggers": False, "handlers": CONSOLE, "loggers": {"django": {"handlers": ["console"]}}},
                ["stream"],
                False,
            ),
            (
                "console on root; django keeps its default handlers and propagates",
                logs.DICT_CONFIG,
                {"version": 1, "disable_existing_loggers": False, "handlers": CONSOLE, "root": {"handlers": ["console"]}},
                ["mail_admins", "stream"],
                False,
            ),
            (
                "disable_existing_loggers left at dictConfig's default True",
                logs.DICT_CONFIG,
                {"version": 1, "handlers": CONSOLE, "root": {"handlers": ["console"]}},
                [],
                True,
            ),
            (
                "configuring django keeps django.request (its child) enabled",
                logs.DICT_CONFIG,
                {"version": 1, "handlers": FILE, "loggers": {"django": {"handlers": ["file"]}}},
                ["file"],
                False,
            ),
            (
                "a level above ERROR on django silences the request logger",
                logs.DICT_CONFIG,
                {
                    "version": 1,
                    "disable_existing_loggers": False,
                    "handlers": CONSOLE,
                    "loggers": {"django": {"handlers": ["console"], "level": "CRITICAL"}},
                },
                [],
                False,
            ),
            (
                "propagate False on django.request stops at its own handlers",
                logs.DICT_CONFIG,
                {
                    "version": 1,
                    "disable_existing_loggers": False,
                    "handlers": NULL,
                    "loggers": {"django.request": {"handlers": ["null"], "propagate": False}},
                },
                [],
                False,
            ),
        )
        for label, config, settings, expected, disabled in rows:
            with self.subTest(label):
                analysis = logs.analyse(config, settings)
                self.assertEqual(sorted(live_kinds(analysis)), sorted(expected))
                self.assertEqual(analysis.request_logger_disabled, disabled)

    def test_custom_configuration_is_not_guessed(self) -> None:
        self.assertIsNotNone(logs.analyse("myproject.logging.setup", {}).unknown)
        self.assertIsNotNone(logs.analyse(logs.DICT_CONFIG, "not a dict").unknown)


class AdminsTests(ChecklistTestCase):
    def test_fires_with_default_logging_and_no_admins(self) -> None:
        with override_settings(ADMINS=[], LOGGING={}):
            self.assertIn(errors.W011, self.messages())

    def test_quiet(self) -> None:
        rows: tuple[tuple[str, dict[str, Any], dict[str, Any]], ...] = (
            ("ADMINS set", {"ADMINS": ["ops@example.com"]}, {}),
            (
                "console handler on a platform that collects logs",
                {
                    "ADMINS": [],
                    "LOGGING": {"version": 1, "disable_existing_loggers": False, "handlers": CONSOLE, "root": {"handlers": ["console"]}},
                },
                {"platform": "heroku"},
            ),
            (
                "an error tracker started in the settings",
                {"ADMINS": []},
                {"settings_source": "import sentry_sdk\nsentry_sdk.init(dsn='')\n"},
            ),
        )
        for label, settings, options in rows:
            with self.subTest(label), override_settings(**settings):
                self.assertNotIn("deploy_checklist.W011", self.ids(**options))


class LoggersDisabledTests(ChecklistTestCase):
    def test_fires(self) -> None:
        with override_settings(LOGGING={"version": 1, "handlers": CONSOLE, "root": {"handlers": ["console"]}}):
            ids = self.ids(platform="heroku")
        self.assertIn(errors.W012.id, ids)
        self.assertNotIn(errors.W011.id, ids)
        self.assertNotIn("deploy_checklist.W013", ids)

    def test_quiet_when_existing_loggers_stay_on(self) -> None:
        with override_settings(
            LOGGING={"version": 1, "disable_existing_loggers": False, "handlers": CONSOLE, "root": {"handlers": ["console"]}}
        ):
            self.assertNotIn(errors.W012.id, self.ids(platform="heroku"))


class ErrorsReachSomeoneTests(ChecklistTestCase):
    NULL_ONLY = {"version": 1, "disable_existing_loggers": False, "handlers": NULL, "loggers": {"django": {"handlers": ["null"]}}}

    def test_fires_when_every_handler_discards(self) -> None:
        with override_settings(LOGGING=self.NULL_ONLY, ADMINS=[]):
            ids = self.ids()
        self.assertIn("deploy_checklist.W013", ids)
        self.assertNotIn(errors.W011.id, ids)

    def test_fires_for_console_only_where_no_platform_collects_it(self) -> None:
        logging = {"version": 1, "disable_existing_loggers": False, "handlers": CONSOLE, "loggers": {"django": {"handlers": ["console"]}}}
        with override_settings(LOGGING=logging):
            self.assertIn("deploy_checklist.W013", self.ids())
            self.assertNotIn("deploy_checklist.W013", self.ids(platform="render"))

    def test_quiet_with_a_file_handler(self) -> None:
        logging = {"version": 1, "disable_existing_loggers": False, "handlers": FILE, "loggers": {"django": {"handlers": ["file"]}}}
        with override_settings(LOGGING=logging):
            self.assertNotIn("deploy_checklist.W013", self.ids())


class ManagersTests(ChecklistTestCase):
    MIDDLEWARE = ["django.middleware.common.BrokenLinkEmailsMiddleware", "django.middleware.common.CommonMiddleware"]

    def test_fires(self) -> None:
        with override_settings(MIDDLEWARE=self.MIDDLEWARE, MANAGERS=[]):
            self.assertIn(errors.W014, self.messages())

    def test_quiet(self) -> None:
        for label, settings in (
            ("MANAGERS set", {"MIDDLEWARE": self.MIDDLEWARE, "MANAGERS": ["a@example.com"]}),
            ("no middleware", {"MANAGERS": []}),
        ):
            with self.subTest(label), override_settings(**settings):
                self.assertNotIn(errors.W014.id, self.ids())


class FromAddressTests(ChecklistTestCase):
    def test_fires_while_mailing_admins_from_localhost(self) -> None:
        with override_settings(ADMINS=["ops@example.com"]):
            self.assertIn(errors.w015(["SERVER_EMAIL = 'root@localhost'", "DEFAULT_FROM_EMAIL = 'webmaster@localhost'"]), self.messages())
        with override_settings(ADMINS=["ops@example.com"], DEFAULT_FROM_EMAIL="noreply@example.com"):
            self.assertIn(errors.w015(["SERVER_EMAIL = 'root@localhost'"]), self.messages())

    def test_quiet(self) -> None:
        rows = (
            (
                "own addresses",
                {"ADMINS": ["ops@example.com"], "SERVER_EMAIL": "errors@example.com", "DEFAULT_FROM_EMAIL": "noreply@example.com"},
            ),
            ("nobody is mailed", {"ADMINS": [], "MANAGERS": []}),
        )
        for label, settings in rows:
            with self.subTest(label), override_settings(**settings):
                self.assertNotIn("deploy_checklist.W015", self.ids())


class ErrorPageTestCase(ChecklistTestCase):
    def templates(self, **pages: str) -> list[dict[str, Any]]:
        for name, text in pages.items():
            self.write(f"templates/{name.replace('_', '.')}", text)
        return [
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "DIRS": [self.base_dir / "templates"],
                "OPTIONS": {"libraries": {"error_pages": "tests.fixtures.checklist.error_pages"}},
            }
        ]


class ErrorTemplatesExistTests(ErrorPageTestCase):
    def test_fires_for_each_missing_template(self) -> None:
        with override_settings(TEMPLATES=self.templates()):
            facts = self.facts()
            messages = self.messages()
        for page in facts.errors.pages:
            with self.subTest(page.name):
                self.assertIn(errors.i016(page), messages)

    def test_quiet_with_templates_or_own_handlers(self) -> None:
        with override_settings(TEMPLATES=self.templates(**{"404_html": "Not found", "500_html": "Error"})):
            self.assertNotIn("deploy_checklist.I016", self.ids())
        with override_settings(TEMPLATES=self.templates(), ROOT_URLCONF="tests.fixtures.checklist.error_pages"):
            self.assertNotIn("deploy_checklist.I016", self.ids())


class ErrorTemplatesRenderTests(ErrorPageTestCase):
    def test_fires(self) -> None:
        rows = (
            ("syntax error", "{% if %}broken{% endif %}", "TemplateSyntaxError"),
            ("an include that does not exist", '{% include "partials/missing.html" %}', "TemplateDoesNotExist"),
            ("an unknown tag library", "{% load no_such_library %}", "TemplateSyntaxError"),
        )
        for label, text, error in rows:
            with self.subTest(label), override_settings(TEMPLATES=self.templates(**{"500_html": text})):
                (message,) = [message for message in self.messages() if message.id == "deploy_checklist.E017"]
                self.assertIn(error, message.msg)
                self.assertEqual(message.obj, "templates/500.html")

    def test_a_broken_404_template_fires_too(self) -> None:
        with override_settings(TEMPLATES=self.templates(**{"404_html": "{% endblock %}", "500_html": "ok"})):
            (message,) = [message for message in self.messages() if message.id == "deploy_checklist.E017"]
        self.assertIn("404.html", message.msg)

    def test_quiet_for_a_plain_page(self) -> None:
        page = '{% extends "base.html" %}{% block body %}Sorry{% endblock %}'
        with override_settings(
            TEMPLATES=self.templates(**{"500_html": page, "base_html": "<h1>{{ request.path }}</h1>{% block body %}{% endblock %}"})
        ):
            self.assertNotIn("deploy_checklist.E017", self.ids())


class ErrorTemplateDatabaseTests(TestCase):
    """A reachable database: the 500 page must still not use it."""

    def test_a_query_in_the_500_page_fires(self) -> None:
        helper = ErrorPageTestCase()
        helper.setUp()
        self.addCleanup(helper.doCleanups)
        templates = helper.templates(**{"500_html": "{% load error_pages %}{% content_type_count %}"})
        with override_settings(TEMPLATES=templates):
            (message,) = [message for message in helper.messages() if message.id == "deploy_checklist.E017"]
        self.assertIn("DatabaseAccessBlocked", message.msg)
        # The database works again afterwards.
        from django.contrib.contenttypes.models import ContentType

        self.assertEqual(ContentType.objects.get_by_natural_key("contenttypes", "contenttype").model, "contenttype")


class ErrorPageStaticTests(ErrorPageTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.write("assets/css/site.css", "body {}")

    def settings(self, page: str, storages: dict[str, Any]) -> override_settings:
        return override_settings(
            TEMPLATES=self.templates(**{"500_html": "{% load static %}" + page, "404_html": "x"}),
            STORAGES=storages,
            STATICFILES_DIRS=[self.base_dir / "assets"],
            STATIC_ROOT=self.base_dir / "staticfiles",
            DEBUG=False,
        )

    def test_fires_for_a_missing_file_under_a_manifest_storage(self) -> None:
        with self.settings('<link href="{% static "css/missing.css" %}">', MANIFEST_STORAGES):
            facts = self.facts()
            messages = self.messages()
        page = next(page for page in facts.errors.pages if page.name == "500.html")
        self.assertIn(errors.e018(page, StaticReference("css/missing.css", "500.html", False)), messages)
        self.assertNotIn("deploy_checklist.E017", [message.id for message in messages])

    def test_quiet(self) -> None:
        rows = (
            ("the file exists (collectstatic has not run here)", '{% static "css/site.css" %}', MANIFEST_STORAGES),
            ("no manifest storage", '{% static "css/missing.css" %}', PLAIN_STORAGES),
        )
        for label, page, storages in rows:
            with self.subTest(label), self.settings(page, storages):
                ids = self.ids()
                self.assertNotIn("deploy_checklist.E018", ids)
                self.assertNotIn("deploy_checklist.E017", ids)
