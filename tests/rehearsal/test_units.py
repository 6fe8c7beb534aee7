"""The rehearsal's pure parts: gunicorn's words, URL patterns, error lines, predictions, rendering."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from django.test import SimpleTestCase, override_settings
from django.urls.resolvers import RegexPattern, RoutePattern

from django_deploy_concepts.context import build_context
from django_deploy_concepts.rehearsal import messages, predict
from django_deploy_concepts.rehearsal.build import error_line
from django_deploy_concepts.rehearsal.list_urls import route_text
from django_deploy_concepts.rehearsal.render import render
from django_deploy_concepts.rehearsal.result import NOT_PREDICTED, Failure, Rehearsal, Stage
from django_deploy_concepts.rehearsal.run import Options, Rehearser, choose_host, choose_topology, log_records, logged_error
from django_deploy_concepts.rehearsal.server import caddy_addresses, config_option, split_gunicorn_words, without_daemon
from django_deploy_concepts.rehearsal.visit import Front, parse_page, same_host_path, stylesheet_references
from django_deploy_concepts.target import Target


class GunicornWordsTests(SimpleTestCase):
    def test_the_rehearsal_sets_bind_workers_and_logs_itself(self) -> None:
        rows = [
            (["shopsite.wsgi", "--bind", "0.0.0.0:8000"], [], ["shopsite.wsgi"], None),
            (["-b", "0.0.0.0:8000", "-w", "4", "app.wsgi"], [], ["app.wsgi"], "4"),
            (["--workers=3", "--threads", "2", "app.wsgi:application"], ["--threads", "2"], ["app.wsgi:application"], "3"),
            (["-w4", "--timeout", "60", "--daemon", "--access-logfile", "-", "app.wsgi"], ["--timeout", "60"], ["app.wsgi"], "4"),
            (["--preload", "-k", "gthread", "--pid", "/run/g.pid", "app.wsgi"], ["--preload", "-k", "gthread"], ["app.wsgi"], None),
        ]
        for words, kept, positional, workers in rows:
            with self.subTest(words=words):
                self.assertEqual(split_gunicorn_words(words), (kept, positional, workers))

    def test_the_configuration_option_is_taken_out(self) -> None:
        rows = [
            (["--timeout", "60"], ["--timeout", "60"], None),
            (["-c", "gunicorn_prod.py", "--timeout", "60"], ["--timeout", "60"], "gunicorn_prod.py"),
            (["--config=python:shop.gunicorn"], [], "python:shop.gunicorn"),
            (["-cdeploy/g.py", "--preload"], ["--preload"], "deploy/g.py"),
        ]
        for words, kept, config in rows:
            with self.subTest(words=words):
                self.assertEqual(config_option(words), (kept, config))

    def test_daemon_is_taken_out_of_gunicorn_cmd_args(self) -> None:
        rows = [
            ("--timeout 20", ("--timeout 20", False)),
            ("--daemon --timeout 20", ("--timeout 20", True)),
            ("-D --name 'my site'", ("--name 'my site'", True)),
        ]
        for value, expected in rows:
            with self.subTest(value=value):
                self.assertEqual(without_daemon(value), expected)


class CaddyAddressesTests(SimpleTestCase):
    def test_the_site_blocks_addresses(self) -> None:
        rows = [
            ("# a comment {\n\nshop.example.com {\n\tencode gzip\n}\n", ["shop.example.com"]),
            ("shop.example.com, www.shop.example.com {\n\thandle {\n\t}\n}\n", ["shop.example.com", "www.shop.example.com"]),
            ("# nothing\n", []),
        ]
        for text, expected in rows:
            with self.subTest(text=text):
                self.assertEqual(caddy_addresses(text), expected)


class RouteTextTests(SimpleTestCase):
    def test_only_patterns_without_arguments_have_a_text(self) -> None:
        rows = [
            (RoutePattern("about/"), "about/"),
            (RoutePattern("item/<int:pk>/"), None),
            (RegexPattern(r"^robots\.txt$"), "robots.txt"),
            (RegexPattern(r"^posts/(?P<slug>[-\w]+)/$"), None),
            (RegexPattern(r"^feed/?$"), None),
        ]
        for pattern, expected in rows:
            with self.subTest(pattern=str(pattern)):
                self.assertEqual(route_text(pattern), expected)


class ErrorLineTests(SimpleTestCase):
    def test_the_last_tracebacks_exception_with_its_message_lines(self) -> None:
        chained = (
            "Traceback (most recent call last):\n  File \"x.py\", line 1, in <module>\nKeyError: 'staticfiles'\n\n"
            "During handling of the above exception, another exception occurred:\n\n"
            'Traceback (most recent call last):\n  File "y.py", line 2, in <module>\n'
            "django.core.exceptions.ImproperlyConfigured: You're using the staticfiles app without having set the STATIC_ROOT setting.\n"
        )
        multi = (
            "Post-processing 'shop/css/site.css' failed!\n\nTraceback (most recent call last):\n  File \"z.py\", line 3\n"
            "whitenoise.storage.MissingFileError: The file 'shop/img/missing.png' could not be found.\n\n"
            "The CSS file 'shop/css/site.css' references a file which could not be found:\n  shop/img/missing.png\n"
        )
        rows = [
            (
                chained,
                "django.core.exceptions.ImproperlyConfigured: You're using the staticfiles app without having set the STATIC_ROOT setting.",
            ),
            (
                multi,
                "whitenoise.storage.MissingFileError: The file 'shop/img/missing.png' could not be found. "
                "The CSS file 'shop/css/site.css' references a file which could not be found: shop/img/missing.png",
            ),
            (
                "CommandError: No 'compress' template tags found in templates.\n",
                "CommandError: No 'compress' template tags found in templates.",
            ),
            ("", "it exited without saying why"),
        ]
        for output, expected in rows:
            with self.subTest(expected=expected):
                self.assertEqual(error_line(output), expected)


class LogTests(SimpleTestCase):
    def test_the_error_of_a_request_is_its_exception_else_the_security_message(self) -> None:
        lines = [
            'DDC-REHEARSAL {"logger": "django.request", "level": "ERROR", "message": "Internal Server Error: /a/", '
            '"error": "ValueError: boom", "where": "/p/views.py:3", "path": "/a/", "status": 500}',
            "[2026-01-01 00:00:00 +0000] [1] [INFO] Booting worker with pid: 2",
            'DDC-REHEARSAL {"logger": "django.security.DisallowedHost", "level": "ERROR", "message": "Invalid HTTP_HOST header: \'x\'.", '
            '"error": null, "where": null, "path": "/", "status": null}',
        ]
        records = log_records("\n".join(lines))
        self.assertEqual(len(records), 2)
        self.assertEqual(logged_error(records[:1]), "ValueError: boom (/p/views.py:3)")
        self.assertEqual(logged_error(records[1:]), "Invalid HTTP_HOST header: 'x'.")
        self.assertIsNone(logged_error([]))


class PredictionTests(SimpleTestCase):
    def test_each_failure_names_its_concern_and_the_ids_found_that_predicted_it(self) -> None:
        found = frozenset({"deploy_static.E020", "deploy_database.W013", "deploy_webserver.E001"})
        rows = [
            ("deploy_rehearsal.E004", "ValueError: Missing staticfiles manifest entry for 'x.css'", ("static", ("deploy_static.E020",))),
            ("deploy_rehearsal.E004", 'ProgrammingError: relation "shop_item" does not exist', ("database", ("deploy_database.W013",))),
            ("deploy_rehearsal.E004", "ZeroDivisionError: division by zero", ("wsgi", ())),
            ("deploy_rehearsal.E006", None, ("webserver", ("deploy_webserver.E001",))),
            ("deploy_rehearsal.E005", "Invalid HTTP_HOST header", ("webserver", ())),
        ]
        for check_id, error, expected in rows:
            with self.subTest(check_id=check_id, error=error):
                self.assertEqual(predict.prediction(check_id, error, found), expected)

    def test_writes_and_outside_calls_are_told_apart(self) -> None:
        self.assertTrue(predict.needs_writable_database("InternalError: cannot execute INSERT in a read-only transaction"))
        self.assertTrue(predict.needs_writable_database("OperationalError: attempt to write a readonly database"))
        self.assertFalse(predict.needs_writable_database("OperationalError: no such table: x"))
        self.assertTrue(predict.needs_outside_service("URLError: <urlopen error [Errno 111] Connection refused>"))
        self.assertFalse(predict.needs_outside_service(None))


class HostTests(SimpleTestCase):
    def test_declared_then_detected_then_allowed_hosts(self) -> None:
        rows = [
            ({}, ["www.shop.example.com"], ("shop.example.com",), ("shop.example.com", "declared in DEPLOY_CONCEPTS")),
            (
                {"RENDER": "1", "RENDER_EXTERNAL_HOSTNAME": "shop.onrender.com"},
                ["x.example.com"],
                (),
                ("shop.onrender.com", "detected from RENDER_EXTERNAL_HOSTNAME"),
            ),
            ({}, ["localhost", ".shop.example.com"], (), ("shop.example.com", "the first entry of ALLOWED_HOSTS")),
        ]
        for environ, allowed, hosts, expected in rows:
            with self.subTest(environ=environ, allowed=allowed), override_settings(ALLOWED_HOSTS=allowed):
                self.assertEqual(choose_host(build_context(environ=environ, target=Target(hosts=hosts))), expected)
        with override_settings(ALLOWED_HOSTS=["*"]):
            host, source = choose_host(build_context(environ={}, target=Target()))
        self.assertEqual(host, "example.com")
        self.assertTrue(source.startswith("assumed: no public host"))

    def test_the_front_is_declared_else_the_platforms_router_else_assumed_on_the_same_host(self) -> None:
        rows = [
            ({}, Target(proxy="other-host"), None, "other-host"),
            ({}, Target(proxy="none"), None, "none"),
            ({"RENDER": "1"}, Target(), None, "other-host"),
            ({"RENDER": "1"}, Target(), "nginx", "same-host"),
            ({}, Target(), None, "same-host"),
        ]
        for environ, declared, web_server, expected in rows:
            with self.subTest(environ=environ, declared=declared, web_server=web_server):
                self.assertEqual(choose_topology(build_context(environ=environ, target=declared), web_server)[0], expected)


class PageTests(SimpleTestCase):
    def test_links_assets_and_the_csrf_token(self) -> None:
        page = parse_page(
            b'<link rel="stylesheet" href="/static/a.css"><a href="/about/">a</a><a href="mailto:x@y">m</a>'
            b'<img srcset="/static/s.png 1x, /static/b.png 2x"><form><input name="csrfmiddlewaretoken" value="tok"></form>'
        )
        self.assertEqual(page.assets, ["/static/a.css", "/static/s.png", "/static/b.png"])
        self.assertEqual(page.links, ["/about/", "mailto:x@y"])
        self.assertEqual(page.csrf_token, "tok")
        self.assertEqual(same_host_path("/about/?q=1#top", "https://shop.example.com/", "shop.example.com"), "/about/?q=1")
        self.assertIsNone(same_host_path("https://elsewhere.example.org/", "https://shop.example.com/", "shop.example.com"))
        self.assertIsNone(same_host_path("mailto:x@y", "https://shop.example.com/", "shop.example.com"))


class StylesheetTests(SimpleTestCase):
    def test_references_as_the_manifest_storage_finds_them(self) -> None:
        css = "@import 'base.css';\nbody { background: url(\"../img/bg.png\"); }\n.i { src: url(data:font/woff2;base64,AA) }\n"
        self.assertEqual(stylesheet_references(css), ["../img/bg.png", "base.css"])


class Answering(BaseHTTPRequestHandler):
    status = 413

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(self.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


class UploadLimitTests(SimpleTestCase):
    """A server on 127.0.0.1 that refuses bodies (413) or takes them (403 from CSRF, as Django)."""

    def rehearse_upload(self, status: int) -> Rehearser:
        handler = type("Handler", (Answering,), {"status": status})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(thread.join, 5)
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        rehearser = Rehearser(build_context(environ={}, target=Target()), Options(web_server="nginx"), lambda stage: None)
        rehearser.upload_limit(Front(server.server_address[1], "shop.example.com", forwards=False, timeout=5), "/admin/login/")
        return rehearser

    @override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024 * 1024)
    def test_a_413_is_reported(self) -> None:
        (failure,) = self.rehearse_upload(413).failures
        self.assertEqual(failure.finding.id, "deploy_rehearsal.E013")
        self.assertEqual(failure.finding.msg, "POST /admin/login/ with a 1024 KiB body was refused with 413.")

    @override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024 * 1024)
    def test_a_body_that_reaches_django_is_not(self) -> None:
        rehearser = self.rehearse_upload(403)
        self.assertEqual(rehearser.failures, [])
        self.assertEqual(rehearser.worked, ["upload size: a 1024 KiB body passes nginx (answered 403)"])


def sample() -> Rehearsal:
    return Rehearsal(
        project={"settings_module": "shopsite.settings", "platform_title": "Render"},
        stages=(Stage("build", 0.02, "temporary directory", True), Stage("collectstatic", 1.5, "failed: boom", False)),
        failures=(
            Failure.of(messages.e001("ValueError: boom"), "static", error="ValueError: boom", predicted_by=("deploy_static.E022",)),
            Failure.of(messages.e004("GET /leak/", 500, "ValueError: x"), "wsgi", url="/leak/", status=500, also=("/b/",)),
            Failure.of(messages.w011("GET /hit/", "read-only transaction"), "database", url="/hit/", status=500),
        ),
        visits=(),
        notes=("Host: shop.example.com (declared with --host); front: same host.",),
        worked=("pages: / 200",),
    )


class RenderTests(SimpleTestCase):
    def test_text(self) -> None:
        text = render(sample(), "text")
        self.assertIn("Production rehearsal of shopsite.settings (Render)", text)
        self.assertIn("2 errors, 1 warning in production-like conditions.", text)
        self.assertIn("[!!] collectstatic (1.50 s): failed: boom", text)
        self.assertIn("deploy_rehearsal.E001 [error] collectstatic failed: ValueError: boom", text)
        self.assertIn("concern: Static files; predicted by deploy_static.E022", text)
        self.assertIn(f"concern: WSGI server; {NOT_PREDICTED}", text.replace("\n          ", " "))
        self.assertIn("also: /b/", text)
        self.assertIn("- pages: / 200", text)

    def test_markdown(self) -> None:
        text = render(sample(), "markdown")
        self.assertIn("| ❌ collectstatic | 1.50 | failed: boom |", text)
        self.assertIn("| `deploy_rehearsal.W011` | warning | Database |", text)

    def test_json(self) -> None:
        data = json.loads(render(sample(), "json"))
        self.assertEqual(data["schema_version"], 1)
        self.assertEqual([failure["predicted"] for failure in data["failures"]], [True, False, False])
        self.assertEqual(data["failures"][0]["concern_title"], "Static files")
        self.assertEqual(data["failures"][1]["finding"]["obj"], None)
        self.assertEqual(list(data), sorted(data))

    def test_nothing_failed(self) -> None:
        clean = Rehearsal(project={}, stages=(), failures=(), visits=(), notes=(), worked=())
        self.assertIn("Nothing failed.", render(clean, "text"))
