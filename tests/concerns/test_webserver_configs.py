"""Generated configurations: tailored to the settings, and accepted by the real nginx, Apache, Caddy, systemd."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.test import SimpleTestCase, override_settings

from django_deploy_concepts.concerns import webserver
from django_deploy_concepts.context import build_context
from tests.utils import call, free_port, require_executable

VALIDATE_TIMEOUT = 60
APACHE_MODULES = ("mpm_event", "authz_core", "alias", "headers", "filter", "deflate", "proxy", "proxy_http", "mime")
APACHE_MODULE_DIR = Path("/usr/lib/apache2/modules")
SYSTEMD_SECTIONS = {
    "Unit": {"Description", "Requires", "After"},
    "Socket": {"ListenStream", "SocketUser", "SocketMode"},
    "Service": {
        "Type",
        "NotifyAccess",
        "User",
        "Group",
        "RuntimeDirectory",
        "WorkingDirectory",
        "Environment",
        "ExecStart",
        "ExecReload",
        "KillMode",
        "TimeoutStopSec",
        "PrivateTmp",
    },
    "Install": {"WantedBy"},
}


def run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=VALIDATE_TIMEOUT, check=False, **kwargs)


def nginx_main_config(directory: Path, site: Path, extra_http: str = "") -> Path:
    """A whole nginx.conf around a generated site file, with every path inside ``directory``.

    Test wrapper only: the generated file is the site, as it would sit in sites-enabled/.
    """
    mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").exists() else ""
    # As root, nginx's workers would run as nobody and could not read a private temporary folder.
    user = "user root;" if hasattr(os, "geteuid") and os.geteuid() == 0 else ""
    main = directory / "nginx-main.conf"
    main.write_text(
        f"""{user}
pid {directory}/nginx.pid;
error_log {directory}/nginx-error.log;
events {{ worker_connections 64; }}
http {{
    {mime}
    access_log {directory}/nginx-access.log;
    client_body_temp_path {directory}/client_body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    {extra_http}
    include {site};
}}
"""
    )
    return main


def nginx_test(directory: Path, site_text: str) -> subprocess.CompletedProcess[str]:
    nginx = require_executable("nginx", "/usr/sbin")
    site = directory / "site.conf"
    site.write_text(site_text)
    return run([nginx, "-t", "-p", str(directory), "-c", str(nginx_main_config(directory, site))])


def apache_test(directory: Path, site_text: str, port: int) -> subprocess.CompletedProcess[str]:
    apache = require_executable("apache2", "/usr/sbin")
    site = directory / "site.conf"
    site.write_text(site_text)
    modules = "\n".join(f"LoadModule {name}_module {APACHE_MODULE_DIR}/mod_{name}.so" for name in APACHE_MODULES)
    main = directory / "httpd.conf"
    main.write_text(
        f"ServerRoot {directory}\nServerName localhost\nPidFile {directory}/httpd.pid\nErrorLog {directory}/apache-error.log\n"
        f"Listen 127.0.0.1:{port}\n{modules}\nInclude {site}\n"
    )
    return run([apache, "-t", "-f", str(main)])


def caddy_validate(directory: Path, text: str) -> subprocess.CompletedProcess[str]:
    caddy = require_executable("caddy")
    caddyfile = directory / "Caddyfile"
    caddyfile.write_text(text)
    # Caddy keeps its state under $HOME; the test's own folder keeps the machine clean.
    environment = {**os.environ, "HOME": str(directory), "XDG_DATA_HOME": str(directory), "XDG_CONFIG_HOME": str(directory)}
    return run([caddy, "validate", "--config", str(caddyfile), "--adapter", "caddyfile"], env=environment)


class UnitParser(configparser.ConfigParser):
    def optionxform(self, optionstr: str) -> str:
        # systemd keys are case-sensitive.
        return optionstr


def unit_problems(text: str) -> list[str]:
    """Structural check of a systemd unit: known sections and keys, absolute paths where systemd wants them."""
    parser = UnitParser(interpolation=None, strict=False, delimiters=("=",), comment_prefixes=("#", ";"))
    parser.read_string(text)
    problems = [f"unknown section [{section}]" for section in parser.sections() if section not in SYSTEMD_SECTIONS]
    for section in parser.sections():
        problems += [f"unknown key {key} in [{section}]" for key in parser[section] if key not in SYSTEMD_SECTIONS.get(section, set())]
    for key in ("ExecStart", "ExecReload", "WorkingDirectory"):
        if parser.has_option("Service", key) and not parser["Service"][key].lstrip('"').startswith("/"):
            problems.append(f"{key} is not an absolute path")
    return problems


class ConfigTestCase(SimpleTestCase):
    def setUp(self) -> None:
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.directory = Path(directory.name)
        (self.directory / "project").mkdir()
        settings = override_settings(
            BASE_DIR=self.directory / "project",
            ALLOWED_HOSTS=["blog.example.com", "www.blog.example.com", ".example.org", "localhost"],
            STATIC_URL="/static/",
            STATIC_ROOT=str(self.directory / "staticfiles"),
            MEDIA_URL="/media/",
            MEDIA_ROOT=str(self.directory / "media"),
        )
        settings.enable()
        self.addCleanup(settings.disable)

    def facts(self) -> webserver.Facts:
        # The command reads this process's environment: the facts here must come from the same one.
        return webserver.collect_facts(build_context(environ=dict(os.environ), platform="vps"))

    def text(self, kind: str, **options: Any) -> str:
        return "\n".join(config.text for config in webserver.render(self.facts(), kind, **options))


class TailoredTests(ConfigTestCase):
    def test_server_names_come_from_allowed_hosts(self) -> None:
        rows = [
            ("nginx", "server_name blog.example.com www.blog.example.com .example.org;"),
            ("apache", "ServerName blog.example.com\n    ServerAlias www.blog.example.com *.example.org"),
            ("caddy", "blog.example.com, www.blog.example.com, example.org {"),
        ]
        for kind, expected in rows:
            with self.subTest(kind):
                text = self.text(kind)
                self.assertIn(expected, text)
                names = [
                    line for line in text.splitlines() if line.lstrip().startswith(("server_name", "ServerName", "ServerAlias", "blog."))
                ]
                self.assertNotIn("localhost", "\n".join(names))
                self.assertNotIn("REPLACE-ME", text)

    def test_placeholders_only_where_a_value_cannot_be_known(self) -> None:
        rows: list[tuple[dict[str, Any], str, str]] = [
            ({"ALLOWED_HOSTS": ["*"]}, "REPLACE-ME.example.com", "ALLOWED_HOSTS ['*'] names no public host"),
            ({"ALLOWED_HOSTS": []}, "REPLACE-ME.example.com", "ALLOWED_HOSTS [] names no public host"),
            ({"STATIC_ROOT": None}, "/srv/REPLACE-ME/staticfiles", "STATIC_ROOT is not set"),
        ]
        for settings, value, note in rows:
            for kind in ("nginx", "apache", "caddy"):
                with self.subTest(settings=settings, kind=kind), override_settings(**settings):
                    text = self.text(kind)
                    self.assertIn(value, text)
                    self.assertIn(f"# REPLACE-ME: {note}", text)
        with override_settings(WSGI_APPLICATION=None):
            self.assertIn("REPLACE-ME.wsgi:application", self.text("systemd"))

    def test_static_and_media_locations(self) -> None:
        static, media = self.directory / "staticfiles", self.directory / "media"
        rows = [
            (
                "nginx",
                [
                    f"location /static/ {{\n        alias {static}/;",
                    "public, max-age=31536000, immutable",
                    f"location /media/ {{\n        alias {media}/;",
                ],
            ),
            ("apache", [f"Alias /static/ {static}/", "ProxyPass /static/ !", "max-age=31536000", f"Alias /media/ {media}/"]),
            ("caddy", [f"handle_path /static/* {{\n\t\troot * {static}", "immutable", f"handle_path /media/* {{\n\t\troot * {media}"]),
        ]
        for kind, expected in rows:
            with self.subTest(kind):
                text = self.text(kind)
                for line in expected:
                    self.assertIn(line, text)

    def test_a_cdn_static_url_gets_no_location(self) -> None:
        with override_settings(STATIC_URL="https://cdn.example.net/static/"):
            for kind in ("nginx", "apache", "caddy"):
                with self.subTest(kind):
                    text = self.text(kind)
                    self.assertNotIn("/static/ {", text)
                    self.assertIn("STATIC_URL https://cdn.example.net/static/ is served elsewhere", text)

    def test_paths_with_spaces_are_quoted(self) -> None:
        with override_settings(STATIC_ROOT="/srv/my blog/static files"):
            self.assertIn('alias "/srv/my blog/static files/";', self.text("nginx"))
            self.assertIn('root * "/srv/my blog/static files"', self.text("caddy"))

    def test_body_limit_follows_djangos_upload_settings(self) -> None:
        not_on_disk = {"default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
        rows: list[tuple[dict[str, Any], int]] = [
            ({}, 10),
            ({"DATA_UPLOAD_MAX_MEMORY_SIZE": 50 * 1024**2}, 50),
            ({"STORAGES": not_on_disk}, 3),
            ({"STORAGES": not_on_disk, "DATA_UPLOAD_MAX_MEMORY_SIZE": None}, 3),
        ]
        for settings, mebibytes in rows:
            with self.subTest(settings=settings), override_settings(**settings):
                self.assertIn(f"client_max_body_size {mebibytes}m;", self.text("nginx"))
                self.assertIn(f"LimitRequestBody {mebibytes * 1024**2}", self.text("apache"))
                self.assertIn(f"max_size {mebibytes}MiB", self.text("caddy"))

    def test_forwarded_headers_and_the_matching_setting(self) -> None:
        nginx = self.text("nginx")
        for line in (
            "proxy_set_header Host $http_host;",
            "proxy_set_header X-Forwarded-For",
            "proxy_set_header X-Forwarded-Proto $scheme;",
            "gzip on;",
        ):
            self.assertIn(line, nginx)
        self.assertIn("RequestHeader set X-Forwarded-Proto expr=%{REQUEST_SCHEME}", self.text("apache"))
        for kind in ("nginx", "apache", "caddy"):
            self.assertIn('SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")', self.text(kind))

    def test_upstream_is_the_systemd_socket_or_an_address(self) -> None:
        rows = [
            (
                webserver.Upstream(),
                [
                    "server unix:/run/gunicorn.sock",
                    "unix:/run/gunicorn.sock|http://localhost/",
                    "reverse_proxy unix//run/gunicorn.sock",
                    "ListenStream=/run/gunicorn.sock",
                ],
            ),
            (
                webserver.parse_upstream("127.0.0.1:8000"),
                [
                    "server 127.0.0.1:8000",
                    "ProxyPass / http://127.0.0.1:8000/",
                    "reverse_proxy 127.0.0.1:8000",
                    "ListenStream=127.0.0.1:8000",
                ],
            ),
        ]
        for upstream, expected in rows:
            with self.subTest(upstream=upstream):
                text = "\n".join(self.text(kind, upstream=upstream) for kind in webserver.KINDS)
                for line in expected:
                    self.assertIn(line, text)

    def test_parse_upstream_rejects_what_no_server_can_use(self) -> None:
        for value in ("foo", "unix:relative.sock", "127.0.0.1:99999", ":8000", "host:80; evil"):
            with self.subTest(value), self.assertRaises(ValueError):
                webserver.parse_upstream(value)

    def test_systemd_service_runs_the_projects_wsgi_application(self) -> None:
        service = self.text("systemd")
        self.assertIn("ExecStart=", service)
        self.assertIn(" tests.wsgi:application", service)
        self.assertIn("Environment=DJANGO_SETTINGS_MODULE=tests.settings", service)
        self.assertIn(f"WorkingDirectory={self.directory / 'project'}", service)
        self.assertIn("Requires=gunicorn.socket", service)


class CommandTests(ConfigTestCase):
    def test_emit_prints_only_the_config(self) -> None:
        for kind in webserver.KINDS:
            with self.subTest(kind):
                output = call("explain_webserver", "--emit", kind, "--platform", "vps")
                self.assertEqual(output, webserver.emit(self.facts(), kind))
                self.assertNotIn("What we found", output)

    def test_emit_with_an_upstream(self) -> None:
        self.assertIn("server 127.0.0.1:8123 fail_timeout=0;", call("explain_webserver", "--emit", "nginx", "--upstream", "127.0.0.1:8123"))

    def test_bad_options_are_errors(self) -> None:
        for options in (["--emit", "lighttpd"], ["--emit", "nginx", "--upstream", "nowhere"]):
            with self.subTest(options), self.assertRaises(CommandError):
                call("explain_webserver", *options)

    def test_planted_secrets_never_appear(self) -> None:
        secret = "planted-s3cr3t-4f9a7c2e"
        with override_settings(SECRET_KEY=secret * 2, STATIC_ROOT=f"/srv/{secret * 2}/static"):
            for kind in webserver.KINDS:
                with self.subTest(kind):
                    self.assertNotIn(secret, call("explain_webserver", "--emit", kind))


class RealServerTests(ConfigTestCase):
    """Each generated file, as the real server binary reads it (installed by .ci/run)."""

    variants: tuple[tuple[str, dict[str, Any]], ...] = (
        ("hosts and paths from the settings", {}),
        ("placeholders", {"ALLOWED_HOSTS": ["*"], "STATIC_ROOT": None, "WSGI_APPLICATION": None}),
        (
            "a CDN for static files, no uploads",
            {"STATIC_URL": "https://cdn.example.net/s/", "STORAGES": {"default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}},
        ),
        ("paths with spaces", {"STATIC_ROOT": "/srv/my blog/static files", "MEDIA_ROOT": "/srv/my blog/media"}),
    )
    upstreams = (webserver.Upstream(), webserver.Upstream(socket=None, address="127.0.0.1:8000"))

    def test_nginx_accepts_it(self) -> None:
        port = free_port()
        for case, settings in self.variants:
            for upstream in self.upstreams:
                with self.subTest(case, upstream=upstream), override_settings(**settings):
                    text = self.text("nginx", upstream=upstream, listen=f"127.0.0.1:{port}")
                    result = nginx_test(self.directory, text)
                    self.assertEqual(result.returncode, 0, result.stderr)
                    self.assertIn("test is successful", result.stderr)

    def test_apache_accepts_it(self) -> None:
        port = free_port()
        for case, settings in self.variants:
            for upstream in self.upstreams:
                with self.subTest(case, upstream=upstream), override_settings(**settings):
                    result = apache_test(self.directory, self.text("apache", upstream=upstream, listen=f"127.0.0.1:{port}"), port)
                    self.assertEqual(result.returncode, 0, result.stderr)
                    self.assertIn("Syntax OK", result.stdout + result.stderr)

    def test_caddy_accepts_it(self) -> None:
        for case, settings in self.variants:
            for upstream in self.upstreams:
                with self.subTest(case, upstream=upstream), override_settings(**settings):
                    result = caddy_validate(self.directory, self.text("caddy", upstream=upstream))
                    self.assertEqual(result.returncode, 0, result.stderr)
                    self.assertIn("Valid configuration", result.stdout + result.stderr)

    def test_systemd_accepts_it(self) -> None:
        gunicorn = Path(require_executable("gunicorn", str(Path(sys.executable).parent)))
        analyze = shutil.which("systemd-analyze")
        for case, settings in self.variants:
            with self.subTest(case), override_settings(**settings):
                files = webserver.render(self.facts(), "systemd")
                paths = []
                for config in files:
                    path = self.directory / Path(config.path).name
                    # The unit runs the gunicorn of the server's virtualenv; here, the one on PATH.
                    path.write_text(config.text.replace("/srv/REPLACE-ME/venv/bin/gunicorn", str(gunicorn)))
                    self.assertEqual(unit_problems(config.text), [])
                    paths.append(str(path))
                if analyze:
                    result = run([analyze, "verify", *paths])
                    self.assertEqual(result.returncode, 0, result.stderr)
                    self.assertNotIn("Unknown", result.stderr)

    def test_the_validators_reject_a_broken_file(self) -> None:
        """Proof the checks above can fail: the same calls on a damaged file."""
        port = free_port()
        self.assertNotEqual(nginx_test(self.directory, self.text("nginx", listen=f"127.0.0.1:{port}").replace(";", "", 3)).returncode, 0)
        self.assertNotEqual(
            apache_test(self.directory, self.text("apache", listen=f"127.0.0.1:{port}").replace("</VirtualHost>", ""), port).returncode, 0
        )
        self.assertNotEqual(caddy_validate(self.directory, self.text("caddy").replace("reverse_proxy", "reverse_proxi")).returncode, 0)
        self.assertEqual(unit_problems("[Service]\nExecStrat=/bin/true\n"), ["unknown key ExecStrat in [Service]"])
