"""End to end: the example blog behind gunicorn and nginx, Apache or Caddy, each with the
configuration ``explain_webserver --emit`` generates, and the systemd units it emits verified.

collectstatic into a temporary folder, one gunicorn and each web server on free 127.0.0.1 ports,
TLS from a throwaway certificate (Caddy's own local CA for Caddy), then real requests. Only the
listen lines are the test's; everything else comes from the project's own command. Every process
is stopped at the end (SIGTERM, then SIGKILL) and every wait is bounded.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

from django.test import SimpleTestCase

from tests.concerns.test_webserver_configs import APACHE_MODULE_DIR, APACHE_MODULES, nginx_main_config
from tests.utils import EXAMPLE_DIR, FIXTURES_DIR, REPO_ROOT, free_port, require_executable, run_manage

HOST = "blog.example.test"
START_TIMEOUT = 20.0
REQUEST_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0
HASHED_CSS = re.compile(r"/static/blog/css/style\.[0-9a-f]{12}\.css")
# What the site file of each server needs beyond the emitted one: nothing but where to listen.
EMITTED_APACHE_LISTEN = "<VirtualHost *:80>"
SYSTEMD_UNIT_PATH = re.compile(r"^# (/\S+\.(?:socket|service))$", re.MULTILINE)


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
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)


def make_certificate(openssl: str, directory: Path) -> tuple[Path, Path]:
    certificate, key = directory / "cert.pem", directory / "key.pem"
    command = [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={HOST}"]
    result = subprocess.run([*command, "-keyout", str(key), "-out", str(certificate)], capture_output=True, timeout=60, check=False)
    if result.returncode != 0:
        raise AssertionError(result.stderr.decode(errors="replace"))
    return certificate, key


class ExampleBehindWebServerTests(SimpleTestCase):
    """One collected, migrated example and one gunicorn, shared by every web server."""

    directory: Path
    env: dict[str, str]
    gunicorn_port: int
    gunicorn_log: Path
    certificate: Path
    key: Path

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        openssl = require_executable("openssl")
        directory = tempfile.TemporaryDirectory()
        cls.addClassCleanup(directory.cleanup)
        cls.directory = Path(directory.name)
        # Apache's workers do not run as root: they must be able to read STATIC_ROOT.
        cls.directory.chmod(0o755)
        cls.env = {
            "DJANGO_SETTINGS_MODULE": "webserver_e2e_settings",
            "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), str(FIXTURES_DIR / "webserver")]),
            "E2E_STATIC_ROOT": str(cls.directory / "static"),
            "E2E_MEDIA_ROOT": str(cls.directory / "media"),
            "E2E_DATABASE": str(cls.directory / "db.sqlite3"),
        }
        cls.manage("migrate", "--noinput")
        cls.manage("collectstatic", "--noinput")
        # A post, so the page shows it (the empty list refers to an image the example lacks on purpose).
        cls.manage("shell", "-c", "from blog.models import Post; Post.objects.create(title='Behind a web server', body='Hello')")
        cls.certificate, cls.key = make_certificate(openssl, cls.directory)
        cls.gunicorn_port = free_port()
        cls.gunicorn_log = cls.directory / "gunicorn-access.log"
        gunicorn = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{cls.gunicorn_port}", "--workers", "1"]
        cls.start([*gunicorn, "--access-logfile", str(cls.gunicorn_log), "mysite.wsgi:application"], cls.gunicorn_port, "gunicorn.log")

    @classmethod
    def manage(cls, *args: str) -> str:
        result = run_manage(EXAMPLE_DIR, *args, env=cls.env)
        if result.returncode != 0:
            raise AssertionError(f"manage.py {' '.join(args)} failed: {result.stderr[-2000:]}")
        return result.stdout

    @classmethod
    def start(cls, command: list[str], port: int, log_name: str, env: dict[str, str] | None = None) -> None:
        log = cls.directory / log_name
        with log.open("wb") as output:
            process = subprocess.Popen(
                command, cwd=EXAMPLE_DIR, env={**os.environ, **cls.env, **(env or {})}, stdout=output, stderr=subprocess.STDOUT
            )
        cls.addClassCleanup(stop, process)
        wait_for_port(port, process, log)

    def emit(self, kind: str) -> str:
        return self.manage("explain_webserver", "--emit", kind, "--upstream", f"127.0.0.1:{self.gunicorn_port}")

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

    def assert_serves_the_site(self, https_port: int, server: str) -> None:
        """A page from gunicorn, its hashed stylesheet from STATIC_ROOT (cacheable for a year)."""
        marker = f"{server} GET page"
        status, _, body = self.request(https_port, "/", tls=True, headers={"User-Agent": marker})
        self.assertEqual(status, 200, body[:500])
        self.assertIn(b"<h2>Behind a web server</h2>", body)
        match = HASHED_CSS.search(body.decode())
        self.assertIsNotNone(match, body[:500])
        css = match.group(0) if match else ""

        # Gunicorn never sees the stylesheet (Django serves no static files with DEBUG = False anyway).
        css_marker = f"{server} GET stylesheet"
        status, headers, body = self.request(https_port, css, tls=True, headers={"User-Agent": css_marker})
        self.assertEqual(status, 200)
        self.assertIn("max-age=31536000", headers.get("cache-control", ""))
        self.assertIn("immutable", headers.get("cache-control", ""))
        self.assertEqual(body, (self.directory / "static" / css.removeprefix("/static/")).read_bytes())
        # gunicorn writes its access line once the response is sent: wait for it, bounded.
        deadline = time.monotonic() + REQUEST_TIMEOUT
        while marker not in self.gunicorn_log.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        gunicorn_requests = self.gunicorn_log.read_text()
        self.assertIn(marker, gunicorn_requests)
        self.assertNotIn(css_marker, gunicorn_requests)

    def assert_django_sees(self, port: int, *, tls: bool, headers: dict[str, str], secure: bool) -> None:
        status, _, body = self.request(port, "/e2e/request/", tls=tls, headers=headers)
        self.assertEqual(status, 200, body[:500])
        self.assertEqual(json.loads(body), {"is_secure": secure, "host": HOST})

    def test_nginx(self) -> None:
        nginx = require_executable("nginx", "/usr/sbin")
        https_port, http_port = free_port(), free_port()
        site = self.emit("nginx")
        self.assertIn(f"server_name {HOST};", site)
        self.assertIn(f"alias {self.directory / 'static'}/;", site)
        site = site.replace("listen 80;", f"listen 127.0.0.1:{https_port} ssl;\n    listen 127.0.0.1:{http_port};")
        directory = self.directory / "nginx"
        directory.mkdir()
        (directory / "site.conf").write_text(site)
        main = nginx_main_config(
            directory, directory / "site.conf", f"ssl_certificate {self.certificate};\n    ssl_certificate_key {self.key};"
        )
        self.start([nginx, "-p", str(directory), "-c", str(main), "-g", "daemon off;"], https_port, "nginx.log")

        self.assert_serves_the_site(https_port, "nginx")
        # Django believes https only when nginx says so, whatever the client claims.
        rows = [
            ("https", https_port, True, {}, True),
            ("http", http_port, False, {}, False),
            ("http claiming https", http_port, False, {"X-Forwarded-Proto": "https"}, False),
        ]
        for case, port, tls, headers, secure in rows:
            with self.subTest(case):
                self.assert_django_sees(port, tls=tls, headers=headers, secure=secure)

    def test_apache(self) -> None:
        apache = require_executable("apache2", "/usr/sbin")
        https_port, http_port = free_port(), free_port()
        site = self.emit("apache")
        self.assertIn(EMITTED_APACHE_LISTEN, site)
        self.assertIn(f"ServerName {HOST}", site)
        self.assertIn(f"Alias /static/ {self.directory / 'static'}/", site)
        # The emitted site on http, and the same site on https as certbot would add it.
        tls = f"    SSLEngine on\n    SSLCertificateFile {self.certificate}\n    SSLCertificateKeyFile {self.key}\n"
        http_site = site.replace(EMITTED_APACHE_LISTEN, f"<VirtualHost 127.0.0.1:{http_port}>")
        https_site = site.replace(EMITTED_APACHE_LISTEN, f"<VirtualHost 127.0.0.1:{https_port}>\n{tls}")
        directory = self.directory / "apache"
        directory.mkdir()
        (directory / "site.conf").write_text(http_site)
        (directory / "site-ssl.conf").write_text(https_site)
        modules = "\n".join(f"LoadModule {name}_module {APACHE_MODULE_DIR}/mod_{name}.so" for name in (*APACHE_MODULES, "ssl"))
        mime = "TypesConfig /etc/mime.types" if Path("/etc/mime.types").exists() else ""
        main = directory / "httpd.conf"
        main.write_text(
            f"ServerRoot {directory}\nServerName localhost\nDefaultRuntimeDir {directory}\nPidFile {directory}/httpd.pid\n"
            f"ErrorLog {directory}/error.log\nLogLevel warn\nListen 127.0.0.1:{http_port}\nListen 127.0.0.1:{https_port}\n"
            f"{modules}\n{mime}\nInclude {directory}/site.conf\nInclude {directory}/site-ssl.conf\n"
        )
        self.start([apache, "-f", str(main), "-DFOREGROUND"], https_port, "apache.log")

        self.assert_serves_the_site(https_port, "apache")
        # Apache sets X-Forwarded-Proto from the request's scheme, over anything a client sends.
        rows = [
            ("https", https_port, True, {}, True),
            ("http", http_port, False, {}, False),
            ("http claiming https", http_port, False, {"X-Forwarded-Proto": "https"}, False),
        ]
        for case, port, tls_on, headers, secure in rows:
            with self.subTest(case):
                self.assert_django_sees(port, tls=tls_on, headers=headers, secure=secure)

    def test_caddy(self) -> None:
        caddy = require_executable("caddy")
        https_port, http_port = free_port(), free_port()
        site = self.emit("caddy")
        self.assertIn(f"\n{HOST} {{\n", site)
        directory = self.directory / "caddy"
        directory.mkdir()
        # Global options only: loopback ports, certificates from Caddy's own local CA (no ACME, no
        # network), no admin endpoint, state in the test's folder. The site block is the emitted one.
        options = (
            "{\n\tadmin off\n\tlocal_certs\n\tskip_install_trust\n\tdefault_bind 127.0.0.1\n"
            f"\thttp_port {http_port}\n\thttps_port {https_port}\n\tdefault_sni {HOST}\n"
            f"\tstorage file_system {directory / 'data'}\n}}\n"
        )
        caddyfile = directory / "Caddyfile"
        caddyfile.write_text(options + site)
        state = {"HOME": str(directory), "XDG_DATA_HOME": str(directory), "XDG_CONFIG_HOME": str(directory)}
        self.start([caddy, "run", "--config", str(caddyfile), "--adapter", "caddyfile"], https_port, "caddy.log", env=state)

        self.assert_serves_the_site(https_port, "caddy")
        with self.subTest("https"):
            self.assert_django_sees(https_port, tls=True, headers={}, secure=True)
        with self.subTest("https claiming http"):
            # reverse_proxy replaces X-Forwarded-Proto from an untrusted client.
            self.assert_django_sees(https_port, tls=True, headers={"X-Forwarded-Proto": "http"}, secure=True)
        with self.subTest("http is redirected to https"):
            status, headers, _ = self.request(http_port, "/e2e/request/", tls=False)
            self.assertEqual(status, 308)
            self.assertTrue(headers.get("location", "").startswith(f"https://{HOST}"), headers)

    def test_systemd_units_verify(self) -> None:
        """``systemd-analyze verify`` of the emitted socket and service. Containers often have no
        systemd, so this skips without it, in CI too."""
        analyze = shutil.which("systemd-analyze")
        if analyze is None:
            raise unittest.SkipTest("systemd-analyze is not installed (containers often lack systemd; skipped in CI too)")
        text = self.emit("systemd")
        parts = SYSTEMD_UNIT_PATH.split(text)
        # [before, path, text, path, text]: the socket and the service, each under its path.
        names = [Path(path).name for path in parts[1::2]]
        self.assertEqual(sorted(names), ["gunicorn.service", "gunicorn.socket"])
        directory = self.directory / "systemd"
        directory.mkdir()
        for name, unit in zip(names, parts[2::2], strict=True):
            (directory / name).write_text(unit)
        result = subprocess.run(
            [analyze, "verify", *(str(directory / name) for name in names)], capture_output=True, text=True, timeout=60, check=False
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertNotIn("Unknown", result.stderr)
