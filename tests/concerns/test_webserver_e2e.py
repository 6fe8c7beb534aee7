"""End to end: the example blog behind gunicorn and nginx, with the config explain_webserver generates.

collectstatic into a temporary folder, gunicorn and nginx on free loopback ports, TLS from a
throwaway certificate, then real requests. Everything is stopped at the end; every wait is bounded.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.test import SimpleTestCase

from tests.concerns.test_webserver_configs import nginx_main_config
from tests.utils import EXAMPLE_DIR, FIXTURES_DIR, REPO_ROOT, free_port, require_executable, run_manage

HOST = "blog.example.test"
START_TIMEOUT = 20.0
REQUEST_TIMEOUT = 10.0
HASHED_CSS = re.compile(r"/static/blog/css/style\.[0-9a-f]{12}\.css")


def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"exited with {process.returncode}: {log.read_text(errors='replace')[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on 127.0.0.1:{port} after {START_TIMEOUT} s: {log.read_text(errors='replace')[-2000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


class ExampleBehindNginxTests(SimpleTestCase):
    def setUp(self) -> None:
        self.nginx = require_executable("nginx", "/usr/sbin")
        self.openssl = require_executable("openssl")
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.directory = Path(directory.name)
        self.env = {
            "DJANGO_SETTINGS_MODULE": "webserver_e2e_settings",
            "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), str(FIXTURES_DIR / "webserver")]),
            "E2E_STATIC_ROOT": str(self.directory / "static"),
            "E2E_MEDIA_ROOT": str(self.directory / "media"),
            "E2E_DATABASE": str(self.directory / "db.sqlite3"),
        }

    def manage(self, *args: str) -> str:
        result = run_manage(EXAMPLE_DIR, *args, env=self.env)
        self.assertEqual(result.returncode, 0, result.stderr)
        return result.stdout

    def start(self, command: list[str], port: int, log_name: str) -> None:
        log = self.directory / log_name
        with log.open("wb") as output:
            process = subprocess.Popen(command, cwd=EXAMPLE_DIR, env={**os.environ, **self.env}, stdout=output, stderr=subprocess.STDOUT)
        self.addCleanup(stop, process)
        wait_for_port(port, process, log)

    def request(self, port: int, path: str, *, tls: bool, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        if tls:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            connection: http.client.HTTPConnection = http.client.HTTPSConnection(
                "127.0.0.1", port, timeout=REQUEST_TIMEOUT, context=context
            )
        else:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        try:
            connection.request("GET", path, headers={"Host": HOST, **(headers or {})})
            response = connection.getresponse()
            return response.status, {key.lower(): value for key, value in response.getheaders()}, response.read()
        finally:
            connection.close()

    def test_pages_static_files_and_https_through_nginx(self) -> None:
        self.manage("migrate", "--noinput")
        self.manage("collectstatic", "--noinput")
        # A post, so the page shows it (the empty list refers to an image the example lacks on purpose).
        self.manage("shell", "-c", "from blog.models import Post; Post.objects.create(title='Behind nginx', body='Hello')")
        gunicorn_port, https_port, http_port = free_port(), free_port(), free_port()
        # The project's own command writes the site file; only the listen line is the test's.
        site = self.manage("explain_webserver", "--emit", "nginx", "--upstream", f"127.0.0.1:{gunicorn_port}")
        self.assertIn(f"server_name {HOST};", site)
        self.assertIn(f"alias {self.directory / 'static'}/;", site)
        site = site.replace("listen 80;", f"listen 127.0.0.1:{https_port} ssl;\n    listen 127.0.0.1:{http_port};")
        (self.directory / "site.conf").write_text(site)

        certificate, key = self.directory / "cert.pem", self.directory / "key.pem"
        result = subprocess.run(
            [
                self.openssl,
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "1",
                "-subj",
                f"/CN={HOST}",
                "-keyout",
                str(key),
                "-out",
                str(certificate),
            ],
            capture_output=True,
            timeout=60,
            check=False,
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        main = nginx_main_config(
            self.directory, self.directory / "site.conf", f"ssl_certificate {certificate};\n    ssl_certificate_key {key};"
        )

        gunicorn_log = self.directory / "gunicorn-access.log"
        gunicorn = [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{gunicorn_port}",
            "--workers",
            "1",
            "--access-logfile",
            str(gunicorn_log),
        ]
        self.start([*gunicorn, "mysite.wsgi:application"], gunicorn_port, "gunicorn.log")
        self.start([self.nginx, "-p", str(self.directory), "-c", str(main), "-g", "daemon off;"], https_port, "nginx.log")

        # A page of the blog comes through nginx from gunicorn.
        status, _, body = self.request(https_port, "/", tls=True)
        self.assertEqual(status, 200, body[:500])
        self.assertIn(b"<h2>Behind nginx</h2>", body)
        match = HASHED_CSS.search(body.decode())
        self.assertIsNotNone(match, body[:500])
        css = match.group(0) if match else ""

        # Its hashed stylesheet comes from STATIC_ROOT through nginx, cacheable for a year;
        # gunicorn never sees it (Django serves no static files with DEBUG = False anyway).
        status, headers, body = self.request(https_port, css, tls=True)
        self.assertEqual(status, 200)
        self.assertIn("max-age=31536000", headers.get("cache-control", ""))
        self.assertIn("immutable", headers.get("cache-control", ""))
        self.assertEqual(body, (self.directory / "static" / css.removeprefix("/static/")).read_bytes())

        # Django believes https only when nginx says so, whatever the client claims.
        rows = [
            ("https", https_port, True, {}, True),
            ("http", http_port, False, {}, False),
            ("http claiming https", http_port, False, {"X-Forwarded-Proto": "https"}, False),
        ]
        for case, port, tls, headers, secure in rows:
            with self.subTest(case):
                status, _, body = self.request(port, "/e2e/request/", tls=tls, headers=headers)
                self.assertEqual(status, 200, body[:500])
                self.assertEqual(json.loads(body), {"is_secure": secure, "host": HOST})

        gunicorn_requests = gunicorn_log.read_text()
        self.assertIn('"GET / HTTP/1.0"', gunicorn_requests)
        self.assertNotIn("/static/", gunicorn_requests)
