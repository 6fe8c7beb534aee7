from __future__ import annotations

import contextlib
import http.client
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import django
from django.test import override_settings
from django.utils.log import AdminEmailHandler

from django_deploy_concepts import masking
from django_deploy_concepts.concerns.checklist import mail
from django_deploy_concepts.concerns.checklist.facts import DEVELOPMENT_BACKENDS, SMTP_BACKEND
from tests.concerns.checklist.helpers import ChecklistTestCase, findings_of
from tests.utils import free_port, require_executable

HAS_MAILERS = django.VERSION[:2] >= mail.MAILERS_VERSION


class DevelopmentBackendTests(ChecklistTestCase):
    def test_fires_for_each_development_backend(self) -> None:
        for backend in sorted(DEVELOPMENT_BACKENDS):
            with self.subTest(backend=backend), warnings.catch_warnings():
                warnings.simplefilter("ignore", PendingDeprecationWarning)
                with override_settings(EMAIL_BACKEND=backend):
                    facts = self.facts()
                    self.assertIn(mail.w019(facts.mail), self.messages())

    def test_quiet_for_smtp(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            with override_settings(EMAIL_BACKEND=SMTP_BACKEND):
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
            with override_settings(EMAIL_BACKEND=SMTP_BACKEND, EMAIL_HOST="localhost", ADMINS=["ops@example.com"]):
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
                with override_settings(EMAIL_BACKEND=SMTP_BACKEND, **settings):
                    self.assertNotIn("deploy_checklist.W020", self.ids(platform=platform))

    @unittest.skipUnless(HAS_MAILERS, "MAILERS exists from Django 6.1")
    def test_reads_the_host_from_mailers(self) -> None:
        mailers = {"default": {"BACKEND": SMTP_BACKEND, "OPTIONS": {"host": "localhost", "password": "planted-mail-password"}}}
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


SMTP = "django.core.mail.backends.smtp.EmailBackend"
ADMINS = ["ops@example.com"]
# Django's DEFAULT_LOGGING with the mail_admins handler sending through the "errors" mailer.
LOGGING_USING_ERRORS = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    "handlers": {
        "mail_admins": {
            "level": "ERROR",
            "filters": ["require_debug_false"],
            "class": "django.utils.log.AdminEmailHandler",
            "using": "errors",
        },
    },
    "loggers": {"django": {"handlers": ["mail_admins"], "level": "INFO"}},
}


class QuietAdminEmailHandler(AdminEmailHandler):
    """A project's own handler: it may catch what Django's does not, so it is not judged."""


def smtp_mailer(port: int = 2525, **options: Any) -> dict[str, Any]:
    return {"BACKEND": SMTP, "OPTIONS": {"host": "127.0.0.1", "port": port, **options}}


def using(alias: str, **handler: Any) -> dict[str, Any]:
    spec = LOGGING_USING_ERRORS["handlers"]["mail_admins"] | {"using": alias} | handler  # type: ignore[index]
    return LOGGING_USING_ERRORS | {"handlers": {"mail_admins": spec}}


@unittest.skipUnless(HAS_MAILERS, "MAILERS exists from Django 6.1")
class ErrorMailTests(ChecklistTestCase):
    def test_fires_when_the_error_mail_can_raise(self) -> None:
        rows = (
            ("the default mailer, Django's default LOGGING", {"default": smtp_mailer()}, None, "default"),
            ("BACKEND left to its SMTP default", {"default": {"OPTIONS": {"host": "mail.example.com"}}}, None, "default"),
            ("fail_silently False", {"default": smtp_mailer(fail_silently=False, timeout=10)}, None, "default"),
            ("a timeout alone", {"default": smtp_mailer(timeout=10)}, None, "default"),
            (
                "the handler's own mailer",
                {"default": smtp_mailer(fail_silently=True), "errors": smtp_mailer()},
                LOGGING_USING_ERRORS,
                "errors",
            ),
        )
        for label, mailers, logging, alias in rows:
            with self.subTest(label), override_settings(MAILERS=mailers, ADMINS=ADMINS, **({"LOGGING": logging} if logging else {})):
                facts = self.facts()
                [mailer] = facts.mail.error_mailers
                self.assertEqual(mailer.alias, alias)
                self.assertIn(mail.w037(mailer), self.messages())
                self.assertEqual(self.ids().count("deploy_checklist.W037"), 1)

    def test_quiet(self) -> None:
        rows = (
            ("fail_silently and a timeout", {"default": smtp_mailer(fail_silently=True, timeout=10)}, {}, ADMINS),
            ("no ADMINS: the handler sends nothing", {"default": smtp_mailer()}, {}, []),
            (
                "error mails through a mailer that fails quietly",
                {"default": smtp_mailer(), "errors": smtp_mailer(fail_silently=True, timeout=10)},
                {"LOGGING": LOGGING_USING_ERRORS},
                ADMINS,
            ),
            ("a mailer alias MAILERS lacks: nothing is sent", {"default": smtp_mailer()}, {"LOGGING": using("missing")}, ADMINS),
            (
                "mail_admins passes only with DEBUG on",
                {"default": smtp_mailer()},
                {
                    "LOGGING": using("default", filters=["debug_only"])
                    | {"filters": {"debug_only": {"()": "django.utils.log.RequireDebugTrue"}}}
                },
                ADMINS,
            ),
            (
                "a subclass of AdminEmailHandler may send its own way",
                {"default": smtp_mailer()},
                {"LOGGING": using("default", **{"class": f"{__name__}.QuietAdminEmailHandler"})},
                ADMINS,
            ),
            (
                "no mail_admins on the request's path",
                {"default": smtp_mailer()},
                {"LOGGING": {"version": 1, "disable_existing_loggers": False, "loggers": {"django": {"handlers": []}}}},
                ADMINS,
            ),
            (
                "a console backend (Django's mail.E001)",
                {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}},
                {},
                ADMINS,
            ),
        )
        for label, mailers, settings, admins in rows:
            with self.subTest(label), override_settings(MAILERS=mailers, ADMINS=admins, **settings):
                self.assertNotIn("deploy_checklist.W037", self.ids())

    def test_quiet_without_mailers(self) -> None:
        # With EMAIL_BACKEND (deprecated in 6.1) the handler still sends with fail_silently.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            with override_settings(EMAIL_BACKEND=SMTP, EMAIL_HOST="127.0.0.1", ADMINS=ADMINS):
                facts = self.facts()
                self.assertNotIn("deploy_checklist.W037", self.ids())
        self.assertEqual(facts.mail.error_mailers, ())

    def test_step_names_the_mailer_and_the_symptom(self) -> None:
        with override_settings(MAILERS={"default": smtp_mailer()}, ADMINS=ADMINS):
            facts = self.facts()
            text = self.explanation_text(facts, findings_of(self.messages()))
        self.assertIn("MAILERS['default']", text)
        self.assertIn("Remote end closed connection without response", text)
        self.assertIn('"using": "errors"', text)
        self.assertIn('"fail_silently": True, "timeout": 10', text)
        self.assertIn(
            "Error mails to ADMINS (MAILERS['default']): django.core.mail.backends.smtp.EmailBackend, raises into the request, no timeout",
            text,
        )


@unittest.skipIf(HAS_MAILERS, "Django 6.1 reads MAILERS")
class ErrorMailBeforeMailersTests(ChecklistTestCase):
    def test_quiet_before_django_6_1(self) -> None:
        # MAILERS is an unknown setting there; AdminEmailHandler sends with fail_silently.
        with override_settings(MAILERS={"default": smtp_mailer()}, ADMINS=[("Ops", "ops@example.com")]):
            facts = self.facts()
            self.assertNotIn("deploy_checklist.W037", self.ids())
        self.assertEqual(facts.mail.error_mailers, ())


# The real thing: a project with DEBUG off, ADMINS and MAILERS for SMTP to a loopback port nothing
# listens on, under real gunicorn, and a view that raises.
PROJECT = """import os

from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse
from django.urls import path

DEBUG = False
SECRET_KEY = "mailers-reproduction-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ"
ALLOWED_HOSTS = ["127.0.0.1"]
ROOT_URLCONF = __name__
ADMINS = {admins!r}
MAILERS = {mailers!r}


def fails(request):
    raise RuntimeError("the view failed")


def works(request):
    return HttpResponse("ok")


urlpatterns = [path("fails/", fails), path("works/", works)]
os.environ["DJANGO_SETTINGS_MODULE"] = __name__
application = get_wsgi_application()
"""
START_DEADLINE = 30.0
REQUEST_TIMEOUT = 20.0


def gunicorn_options() -> list[str]:
    from gunicorn.config import KNOWN_SETTINGS  # type: ignore[import-untyped]

    # gunicorn 25+ opens a control socket under $HOME; tests run side by side, so none.
    return ["--no-control-socket"] if any(setting.name == "control_socket_disable" for setting in KNOWN_SETTINGS) else []


@contextlib.contextmanager
def serve(mailers: dict[str, Any]) -> Iterator[tuple[int, Path]]:
    """gunicorn serving the project on a free loopback port; yields (port, its log)."""
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        (root / "mailproject.py").write_text(PROJECT.format(admins=ADMINS, mailers=mailers), encoding="utf-8")
        environ = {key: value for key, value in os.environ.items() if key not in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH")}
        environ |= {"PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
        port = free_port()
        log = root / "gunicorn.log"
        arguments = [
            "mailproject:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--timeout",
            "30",
            "--graceful-timeout",
            "2",
        ]
        with log.open("wb") as output:
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", *arguments, *gunicorn_options()],
                cwd=root,
                env=environ,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                wait_until_serving(process, port, log)
                yield port, log
            finally:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=10)


def get(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def wait_until_serving(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + START_DEADLINE
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited: {log.read_text(errors='replace')}")
        try:
            if get(port, "/works/")[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"gunicorn did not answer within {START_DEADLINE:g} seconds")


@unittest.skipUnless(HAS_MAILERS, "MAILERS exists from Django 6.1")
class RefusingMailServerTests(ChecklistTestCase):
    """What W037 predicts is what Django 6.1 under gunicorn does when the mail server refuses."""

    def setUp(self) -> None:
        super().setUp()
        require_executable("gunicorn", str(Path(sys.executable).parent))
        # Nothing listens there: the SMTP connection is refused at once.
        self.smtp_port = free_port()

    def test_the_error_mail_ends_the_request_without_a_response(self) -> None:
        mailers = {"default": smtp_mailer(self.smtp_port)}
        with serve(mailers) as (port, log):
            # If this starts to pass with a 500, Django sends error mails quietly again: retire W037.
            with self.assertRaises(http.client.RemoteDisconnected):
                get(port, "/fails/")
            output = log.read_text(errors="replace")
        self.assertIn("Socket error processing request.", output)
        self.assertIn("ConnectionRefusedError", output)
        self.assertIn("RuntimeError: the view failed", output)
        with override_settings(MAILERS=mailers, ADMINS=ADMINS):
            self.assertIn("deploy_checklist.W037", self.ids())

    def test_fail_silently_and_a_timeout_give_the_500_page(self) -> None:
        mailers = {"default": smtp_mailer(self.smtp_port, fail_silently=True, timeout=10)}
        with serve(mailers) as (port, _log):
            status, body = get(port, "/fails/")
        self.assertEqual(status, 500)
        self.assertIn(b"<h1>Server Error (500)</h1>", body)
        with override_settings(MAILERS=mailers, ADMINS=ADMINS):
            self.assertNotIn("deploy_checklist.W037", self.ids())
