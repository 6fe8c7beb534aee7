"""WSGI_APPLICATION and ASGI_APPLICATION loading, the in-process smoke request, async views."""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from unittest import mock

from django.http import HttpRequest, HttpResponse
from django.test import SimpleTestCase, TestCase
from django.test.utils import override_settings
from django.urls import path
from django.views import View

from django_deploy_concepts import masking
from django_deploy_concepts.concerns.wsgi import application as application_module
from tests.concerns.wsgi.support import ids, inspect, run_environ, urlconf
from tests.testapp.models import Document
from tests.utils import override_databases

SECRET = "s3cr3t-licence-token-4e9b1c7d"


def ok(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def fails(request: HttpRequest) -> HttpResponse:
    raise ValueError(f"Missing staticfiles manifest entry for 'css/site.css' (token {SECRET})")


def slow(request: HttpRequest) -> HttpResponse:
    time.sleep(1.5)
    return HttpResponse("late")


def writes(request: HttpRequest) -> HttpResponse:
    Document.objects.create(title="written by a GET")
    return HttpResponse("wrote")


def reads(request: HttpRequest) -> HttpResponse:
    return HttpResponse(str(Document.objects.count()))


async def async_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("async")


class AsyncView(View):
    async def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("async class")


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
        conf = urlconf(path("", ok), path("a/", async_view), path("b/", AsyncView.as_view()))
        with override_settings(ROOT_URLCONF=conf):
            facts, _ = inspect()
        self.assertEqual(facts.asgi.async_view_count, 2)
        self.assertEqual(sorted(facts.asgi.async_views), [f"{__name__}.AsyncView", f"{__name__}.async_view"])

    def test_a_sync_project_has_none(self) -> None:
        with override_settings(ROOT_URLCONF=urlconf(path("", ok))):
            facts, _ = inspect()
        self.assertEqual((facts.asgi.async_view_count, facts.asgi.url_error), (0, None))

    def test_a_broken_urlconf_is_reported(self) -> None:
        with override_settings(ROOT_URLCONF="tests.concerns.wsgi.no_such_urls"):
            facts, messages = inspect()
        self.assertIn("ModuleNotFoundError", facts.asgi.url_error or "")
        self.assertNotIn("deploy_wsgi.E000", ids(messages))


@override_settings(ALLOWED_HOSTS=["blog.example.com"])
class SmokeRequestTests(TestCase):
    databases = {"default"}

    def smoke(self, view: Callable[..., HttpResponse], *, platform: str | None = None, timeout: float = 5.0, **environ: str):  # type: ignore[no-untyped-def]
        with override_settings(ROOT_URLCONF=urlconf(path("", view))):
            facts, messages = inspect(platform=platform, databases=("default",), timeout=timeout, environ=run_environ(**environ))
        return facts.smoke_request, messages

    def test_a_working_page_answers_200_with_the_headers_of_the_platforms_proxy(self) -> None:
        smoke, messages = self.smoke(ok, platform="heroku")
        self.assertEqual((smoke.ran, smoke.status, smoke.host, smoke.scheme), (True, 200, "blog.example.com", "https"))
        self.assertIn("X-Forwarded-Proto: https", smoke.headers)
        self.assertNotIn("deploy_wsgi.E007", ids(messages))

    def test_w007_a_server_error_names_the_exception_masked(self) -> None:
        smoke, messages = self.smoke(fails, LICENCE_API_TOKEN=SECRET)
        self.assertEqual(smoke.status, 500)
        self.assertIn("ValueError: Missing staticfiles manifest entry", smoke.exception or "")
        self.assertIn("deploy_wsgi.E007", ids(messages))
        self.assertNotIn(SECRET, json.dumps([smoke.exception, smoke.log, [str(message.msg) for message in messages]]))

    def test_django_loggers_are_restored_and_print_nothing(self) -> None:
        logger = logging.getLogger("django.request")
        before = (list(logger.handlers), logger.propagate)
        with self.assertNoLogs("django", level="DEBUG"):
            self.smoke(fails)
        self.assertEqual((list(logger.handlers), logger.propagate), before)

    def test_a_400_from_allowed_hosts_is_explained_not_reported_twice(self) -> None:
        with override_settings(ALLOWED_HOSTS=[]):
            smoke, messages = self.smoke(ok, platform="render")
        self.assertEqual((smoke.status, smoke.host), (400, "example.onrender.com"))
        self.assertIn("Invalid HTTP_HOST header: 'example.onrender.com'", smoke.exception or "")
        # ALLOWED_HOSTS belongs to the checklist and web server concerns; the smoke request explains.
        self.assertNotIn("deploy_wsgi.E007", ids(messages))

    def test_w008_a_slow_page_is_cut_off_at_the_timeout(self) -> None:
        smoke, messages = self.smoke(slow, timeout=0.2)
        self.assertTrue(smoke.timed_out)
        self.assertIn("deploy_wsgi.W008", ids(messages))
        smoke, messages = self.smoke(ok, timeout=5.0)
        self.assertNotIn("deploy_wsgi.W008", ids(messages))

    def test_the_request_never_writes(self) -> None:
        smoke, messages = self.smoke(writes)
        self.assertGreaterEqual(smoke.writes_stopped, 1)
        self.assertEqual(Document.objects.count(), 0)
        self.assertNotIn("deploy_wsgi.E007", ids(messages))

    def test_reads_are_allowed(self) -> None:
        smoke, _ = self.smoke(reads)
        self.assertEqual((smoke.status, smoke.writes_stopped), (200, 0))


class SmokeRequestSkippedTests(SimpleTestCase):
    def test_without_database_aliases_it_is_skipped_and_says_why(self) -> None:
        facts, _ = inspect(databases=())
        self.assertFalse(facts.smoke_request.ran)
        self.assertIn("--offline", facts.smoke_request.skipped_because or "")

    def test_a_missing_sqlite_file_is_not_created(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            database = Path(directory) / "db.sqlite3"
            settings = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": database}}
            with override_databases(settings):
                facts, _ = inspect(databases=("default",))
            self.assertFalse(database.exists())
        self.assertFalse(facts.smoke_request.ran)
        self.assertIn("does not exist", facts.smoke_request.skipped_because or "")

    def test_a_host_comes_from_allowed_hosts_then_the_platform(self) -> None:
        rows = [
            (["*", ".example.org"], None, "example.org"),
            (["localhost", "app.example.com"], None, "app.example.com"),
            (["*"], "fly", "example.fly.dev"),
            (["https://wrong.example.com"], None, "www.example.com"),
        ]
        for allowed, platform, host in rows:
            with self.subTest(allowed=allowed, platform=platform), override_settings(ALLOWED_HOSTS=allowed):
                facts, _ = inspect(platform=platform)
            self.assertEqual(facts.smoke_request.host, host)

    def test_the_write_guard_lets_reads_through(self) -> None:
        rows = [
            ("SELECT 1", True),
            ('  (SELECT "x" FROM t)', True),
            ("WITH a AS (SELECT 1) SELECT * FROM a", True),
            ("SAVEPOINT s1", True),
            ('INSERT INTO "t" VALUES (1)', False),
            ("UPDATE t SET a = 1", False),
            ("DELETE FROM t", False),
            ("WITH a AS (SELECT 1) DELETE FROM t", False),
            ("CREATE TABLE t (a int)", False),
        ]
        for sql, allowed in rows:
            with self.subTest(sql):
                self.assertEqual(bool(application_module.READ_ONLY_SQL.match(sql)), allowed)
