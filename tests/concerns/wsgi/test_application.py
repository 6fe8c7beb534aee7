"""WSGI_APPLICATION and ASGI_APPLICATION loading (in a child process), async views."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import warnings
from unittest import mock

from django.test import SimpleTestCase
from django.test.utils import override_settings

from django_deploy_concepts import masking
from django_deploy_concepts.concerns import wsgi
from tests.concerns.wsgi.support import context_for, ids, inspect, run_environ

SECRET = "s3cr3t-licence-token-4e9b1c7d"


class LoadingTests(SimpleTestCase):
    def test_w001_fires_when_wsgi_application_cannot_be_loaded(self) -> None:
        rows = [
            ("tests.concerns.wsgi.no_such_module.application", "No module named 'tests.concerns.wsgi.no_such_module'"),
            ("tests.wsgi.app", 'does not define a "app" attribute'),
            ("tests.concerns.wsgi.apps.not_callable", "not a callable"),
            (42, "dotted path string, not int"),
        ]
        for value, error in rows:
            with self.subTest(value=value), override_settings(WSGI_APPLICATION=value):
                facts, messages = inspect()
            self.assertIn("deploy_wsgi.E001", ids(messages))
            self.assertIn(error, facts.wsgi_application_error or "")

    def test_w001_stays_quiet_when_it_loads_or_is_unset(self) -> None:
        for value in ("tests.wsgi.application", "tests.concerns.wsgi.apps.application", None):
            with self.subTest(value=value), override_settings(WSGI_APPLICATION=value):
                facts, messages = inspect()
            self.assertNotIn("deploy_wsgi.E001", ids(messages))
            self.assertIsNone(facts.wsgi_application_error)

    def test_an_import_that_fails_inside_wsgi_py_names_the_missing_module(self) -> None:
        with override_settings(WSGI_APPLICATION="tests.concerns.wsgi.no_such_module.application"):
            facts, _ = inspect()
        self.assertEqual(facts.wsgi.missing_module, "tests.concerns.wsgi.no_such_module")

    def test_an_import_error_is_masked(self) -> None:
        sys.modules.pop("tests.concerns.wsgi.raising_wsgi", None)
        with (
            mock.patch.dict(os.environ, {"LICENCE_API_TOKEN": SECRET}),
            override_settings(WSGI_APPLICATION="tests.concerns.wsgi.raising_wsgi.application"),
        ):
            facts, messages = inspect(environ=run_environ(LICENCE_API_TOKEN=SECRET))
        self.assertIn("RuntimeError: cannot reach the licence server", facts.wsgi_application_error or "")
        self.assertNotIn(SECRET, json.dumps([facts.wsgi_application_error, [str(message.msg) for message in messages]]))
        self.assertIn(masking.MASK, facts.wsgi_application_error or "")

    def test_warnings_while_loading_become_facts_not_stderr(self) -> None:
        sys.modules.pop("tests.concerns.wsgi.whitenoise_wsgi", None)
        with warnings.catch_warnings():
            # Anything that escapes the inspection's own capture fails the test.
            warnings.simplefilter("error")
            with override_settings(WSGI_APPLICATION="tests.concerns.wsgi.whitenoise_wsgi.application"):
                facts, _ = inspect()
        self.assertTrue(any("No directory at" in warning for warning in facts.wsgi.warnings), facts.wsgi.warnings)

    def test_w006_asgi_application(self) -> None:
        rows = [
            ("tests.concerns.wsgi.no_such_module.application", True),
            ("tests.concerns.wsgi.apps.asgi_application", False),
            (None, False),
        ]
        for value, fires in rows:
            with self.subTest(value=value), override_settings(ASGI_APPLICATION=value):
                _, messages = inspect()
            self.assertEqual("deploy_wsgi.E006" in ids(messages), fires, messages)


class AsyncViewTests(SimpleTestCase):
    def test_async_views_are_found_in_the_urlconf(self) -> None:
        with override_settings(ROOT_URLCONF="tests.concerns.wsgi.async_urls"):
            facts, _ = inspect()
        self.assertEqual(facts.asgi.async_view_count, 2)
        self.assertEqual(
            sorted(facts.asgi.async_views), ["tests.concerns.wsgi.async_urls.AsyncView", "tests.concerns.wsgi.async_urls.async_view"]
        )

    def test_a_sync_project_has_none(self) -> None:
        with override_settings(ROOT_URLCONF="tests.urls"):
            facts, _ = inspect()
        self.assertEqual((facts.asgi.async_view_count, facts.asgi.url_error), (0, None))

    def test_a_broken_urlconf_is_reported(self) -> None:
        with override_settings(ROOT_URLCONF="tests.concerns.wsgi.no_such_urls"):
            facts, messages = inspect()
        self.assertIn("ModuleNotFoundError", facts.asgi.url_error or "")
        self.assertNotIn("deploy_wsgi.E000", ids(messages))


class ChildProcessTests(SimpleTestCase):
    """The project's code runs in a child process: what it does there never reaches this one."""

    def test_the_application_is_not_imported_here(self) -> None:
        sys.modules.pop("tests.concerns.wsgi.whitenoise_wsgi", None)
        with override_settings(WSGI_APPLICATION="tests.concerns.wsgi.whitenoise_wsgi.application"):
            facts, _ = inspect()
        self.assertNotIn("tests.concerns.wsgi.whitenoise_wsgi", sys.modules)
        self.assertTrue(facts.loading.ran)

    def test_settings_configured_in_code_are_not_loaded_and_say_why(self) -> None:
        context = context_for()
        context = dataclasses.replace(context, settings_module="")
        facts = wsgi.collect_facts(context)
        self.assertFalse(facts.loading.ran)
        self.assertIn("settings.configure()", facts.wsgi.unverified or "")
        self.assertIsNone(facts.wsgi_application_error)
