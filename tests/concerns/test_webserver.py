"""The web server concern: facts from the live project, each check firing and staying quiet, explanation."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from django.core.checks import CheckMessage
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import SimpleTestCase, override_settings

from django_deploy_concepts import runner
from django_deploy_concepts.concerns import webserver
from django_deploy_concepts.context import build_context
from django_deploy_concepts.report import Finding
from tests.utils import call, message_ids

RENDER = {"RENDER": "true", "RENDER_EXTERNAL_HOSTNAME": "myblog.onrender.com"}
HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
NOT_ON_DISK = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA = {"MEDIA_ROOT": "/srv/blog/media", "MEDIA_URL": "/media/"}
NGINX_PROXY = """
server {
    listen 80;
    server_name blog.example.com;
    location /static/ { alias /srv/blog/staticfiles/; }
    location / {
        proxy_pass http://unix:/run/gunicorn.sock;
        %s
    }
}
"""
NGINX_FULL = NGINX_PROXY % "proxy_set_header Host $http_host;\n        proxy_set_header X-Forwarded-Proto $scheme;"


class WebserverTestCase(SimpleTestCase):
    """Each test runs in an empty project folder of its own, so no stray config file counts."""

    def setUp(self) -> None:
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.base_dir = Path(directory.name)
        settings = override_settings(BASE_DIR=self.base_dir, **MEDIA)
        settings.enable()
        self.addCleanup(settings.disable)

    def write(self, relative_path: str, text: str) -> None:
        path = self.base_dir / relative_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    def facts(self, platform: str | None = None, environ: Mapping[str, str] | None = None) -> webserver.Facts:
        return webserver.collect_facts(build_context(environ=dict(environ or {}), platform=platform))

    def assertFires(
        self,
        check: Callable[[webserver.Facts], list[CheckMessage]],
        rows: list[tuple[str, dict[str, Any], str | None, Mapping[str, str] | None, list[str]]],
        files: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        """Rows of (case, settings, platform, environ, expected ids); files[case] are written first."""
        for case, settings, platform, environ, expected in rows:
            with self.subTest(case), override_settings(**settings):
                for relative_path, text in (files or {}).get(case, {}).items():
                    self.write(relative_path, text)
                self.assertEqual(message_ids(check(self.facts(platform, environ))), expected)
                for relative_path in (files or {}).get(case, {}):
                    (self.base_dir / relative_path).unlink()


class RedirectLoopTests(WebserverTestCase):
    def test_h001(self) -> None:
        self.assertFires(
            webserver.check_redirect_loop,
            [
                ("redirect behind a TLS router", {"SECURE_SSL_REDIRECT": True}, "heroku", None, ["deploy_webserver.E001"]),
                ("header set", {"SECURE_SSL_REDIRECT": True, "SECURE_PROXY_SSL_HEADER": HEADER}, "heroku", None, []),
                ("no redirect", {"SECURE_SSL_REDIRECT": False}, "heroku", None, []),
                ("plain server", {"SECURE_SSL_REDIRECT": True}, "vps", None, []),
                ("nothing detected", {"SECURE_SSL_REDIRECT": True}, None, None, []),
                ("no SecurityMiddleware (security.W001)", {"SECURE_SSL_REDIRECT": True, "MIDDLEWARE": []}, "heroku", None, []),
            ],
        )

    def test_h001_message(self) -> None:
        with override_settings(SECURE_SSL_REDIRECT=True):
            self.assertEqual(webserver.check_redirect_loop(self.facts("render")), [webserver.E001])


class HostTests(WebserverTestCase):
    def test_h002(self) -> None:
        self.assertFires(
            webserver.check_public_host_allowed,
            [
                ("other host", {"ALLOWED_HOSTS": ["example.com"]}, None, RENDER, ["deploy_webserver.E002"]),
                ("empty, DEBUG off: E013's", {"ALLOWED_HOSTS": []}, None, RENDER, []),
                ("empty, DEBUG on", {"ALLOWED_HOSTS": [], "DEBUG": True}, None, RENDER, ["deploy_webserver.E002"]),
                (
                    "declared host missing",
                    {"ALLOWED_HOSTS": ["example.com"], "DEPLOY_CONCEPTS": {"hosts": ["shop.example.org"]}},
                    "vps",
                    {},
                    ["deploy_webserver.E002"],
                ),
                (
                    "declared host listed",
                    {"ALLOWED_HOSTS": ["shop.example.org"], "DEPLOY_CONCEPTS": {"hosts": ["shop.example.org"]}},
                    "vps",
                    {},
                    [],
                ),
                ("listed", {"ALLOWED_HOSTS": ["myblog.onrender.com"]}, None, RENDER, []),
                ("listed in capitals", {"ALLOWED_HOSTS": ["MyBlog.onrender.com"]}, None, RENDER, []),
                ("domain pattern", {"ALLOWED_HOSTS": [".onrender.com"]}, None, RENDER, []),
                ("wildcard is W003's", {"ALLOWED_HOSTS": ["*"]}, None, RENDER, []),
                ("hostname not known", {"ALLOWED_HOSTS": ["example.com"]}, "render", {}, []),
            ],
        )

    def test_h002_names_the_host(self) -> None:
        with override_settings(ALLOWED_HOSTS=["example.com"]):
            facts = self.facts(environ={"FLY_APP_NAME": "myblog"})
        self.assertEqual(webserver.check_public_host_allowed(facts), [webserver.e002(facts)])
        self.assertIn("myblog.fly.dev", webserver.e002(facts).msg)

    def test_h004(self) -> None:
        self.assertFires(
            webserver.check_csrf_trusted_origin,
            [
                ("origin missing", {}, None, RENDER, ["deploy_webserver.E004"]),
                (
                    "origin without scheme (4_0.E001 too)",
                    {"CSRF_TRUSTED_ORIGINS": ["myblog.onrender.com"]},
                    None,
                    RENDER,
                    ["deploy_webserver.E004"],
                ),
                ("http origin", {"CSRF_TRUSTED_ORIGINS": ["http://myblog.onrender.com"]}, None, RENDER, ["deploy_webserver.E004"]),
                ("https origin", {"CSRF_TRUSTED_ORIGINS": ["https://myblog.onrender.com"]}, None, RENDER, []),
                ("subdomain wildcard", {"CSRF_TRUSTED_ORIGINS": ["https://*.onrender.com"]}, None, RENDER, []),
                ("Django told about https", {"SECURE_PROXY_SSL_HEADER": HEADER}, None, RENDER, []),
                ("hostname not known", {}, "render", {}, []),
            ],
        )
        with override_settings(CSRF_TRUSTED_ORIGINS=[]):
            self.assertEqual(
                webserver.check_csrf_trusted_origin(self.facts(environ=RENDER)), [webserver.e004("https://myblog.onrender.com")]
            )


class ProxyHeaderTests(WebserverTestCase):
    def test_h005(self) -> None:
        header = {"SECURE_PROXY_SSL_HEADER": HEADER}
        self.assertFires(
            webserver.check_spoofable_proxy_header,
            [
                ("plain server, no proxy found", header, "vps", None, ["deploy_webserver.W005"]),
                ("nginx without the header", header, "vps", None, ["deploy_webserver.W005"]),
                ("nginx config, nothing detected", header, None, None, ["deploy_webserver.W005"]),
                ("apache with mod_wsgi, no proxy", header, None, None, ["deploy_webserver.W005"]),
                ("nginx sets it", header, "vps", None, []),
                ("nginx with proxy_params", header, "vps", None, []),
                ("caddy sets it", header, "vps", None, []),
                ("platform router", header, "heroku", None, []),
                ("nothing detected, no config", header, None, None, []),
                ("container", header, "container", None, []),
                ("header not trusted", {}, "vps", None, []),
            ],
            files={
                "nginx without the header": {"deploy/nginx.conf": NGINX_PROXY % "proxy_set_header Host $host;"},
                "nginx config, nothing detected": {"deploy/site.nginx": NGINX_PROXY % ""},
                "apache with mod_wsgi, no proxy": {
                    "apache/blog.conf": "<VirtualHost *:80>\n    Alias /static/ /srv/static/\n    WSGIScriptAlias / /srv/blog/wsgi.py\n</VirtualHost>\n"
                },
                "nginx sets it": {"deploy/nginx.conf": NGINX_FULL},
                "nginx with proxy_params": {"nginx.conf": NGINX_PROXY % "include proxy_params;"},
                "caddy sets it": {"Caddyfile": "blog.example.com {\n\treverse_proxy 127.0.0.1:8000\n}\n"},
            },
        )

    def test_h005_names_the_config(self) -> None:
        self.write("deploy/nginx.conf", NGINX_PROXY % "")
        with override_settings(SECURE_PROXY_SSL_HEADER=HEADER):
            self.assertEqual(webserver.check_spoofable_proxy_header(self.facts("vps")), [webserver.w005("deploy/nginx.conf")])

    def test_h006(self) -> None:
        self.assertFires(
            webserver.check_proxy_header_shape,
            [
                ("a string", {"SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO"}, "heroku", None, ["deploy_webserver.E006"]),
                (
                    "three items",
                    {"SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https", "x")},
                    None,
                    None,
                    ["deploy_webserver.E006"],
                ),
                ("not strings", {"SECURE_PROXY_SSL_HEADER": (1, 2)}, None, None, ["deploy_webserver.E006"]),
                ("a pair", {"SECURE_PROXY_SSL_HEADER": HEADER}, "heroku", None, []),
                ("a list pair", {"SECURE_PROXY_SSL_HEADER": list(HEADER)}, "heroku", None, []),
                ("unset", {"SECURE_PROXY_SSL_HEADER": None}, "heroku", None, []),
            ],
        )
        with override_settings(SECURE_PROXY_SSL_HEADER="https"):
            self.assertEqual(webserver.check_proxy_header_shape(self.facts()), [webserver.e006("'https'")])

    def test_h007(self) -> None:
        self.assertFires(
            webserver.check_proxy_header_matches,
            [
                ("raw header name", {"SECURE_PROXY_SSL_HEADER": ("X-Forwarded-Proto", "https")}, None, None, ["deploy_webserver.E007"]),
                (
                    "lowercase META key",
                    {"SECURE_PROXY_SSL_HEADER": ("http_x_forwarded_proto", "https")},
                    "vps",
                    None,
                    ["deploy_webserver.E007"],
                ),
                (
                    "header the router never sets",
                    {"SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTOCOL", "https")},
                    "heroku",
                    None,
                    ["deploy_webserver.E007"],
                ),
                (
                    "value the router never sends",
                    {"SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "HTTPS")},
                    "render",
                    None,
                    ["deploy_webserver.E007"],
                ),
                ("right header and value", {"SECURE_PROXY_SSL_HEADER": HEADER}, "heroku", None, []),
                ("own proxy may use another header", {"SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTOCOL", "https")}, "vps", None, []),
                ("mod_wsgi's HTTPS variable", {"SECURE_PROXY_SSL_HEADER": ("HTTPS", "on")}, None, None, []),
                ("unset", {}, "heroku", None, []),
            ],
        )

    def test_h007_gives_the_fix(self) -> None:
        with override_settings(SECURE_PROXY_SSL_HEADER=("X-Forwarded-Proto", "https")):
            [message] = webserver.check_proxy_header_matches(self.facts())
        self.assertEqual(
            message,
            webserver.e007(
                ("X-Forwarded-Proto", "https"),
                "request.META calls that header HTTP_X_FORWARDED_PROTO",
                '("HTTP_X_FORWARDED_PROTO", "https")',
            ),
        )

    def test_h008(self) -> None:
        self.assertFires(
            webserver.check_forwarded_host,
            [
                ("platform passes Host", {"USE_X_FORWARDED_HOST": True}, "render", None, ["deploy_webserver.W008"]),
                ("off", {"USE_X_FORWARDED_HOST": False}, "render", None, []),
                ("own proxy", {"USE_X_FORWARDED_HOST": True}, "vps", None, []),
                ("truthy string is not True", {"USE_X_FORWARDED_HOST": "yes"}, "render", None, []),
            ],
        )
        with override_settings(USE_X_FORWARDED_HOST=True):
            self.assertEqual(webserver.check_forwarded_host(self.facts("fly")), [webserver.W008])


class ProjectConfigTests(WebserverTestCase):
    def test_h009(self) -> None:
        self.assertFires(
            webserver.check_proxy_passes_host,
            [
                ("nginx without Host", {}, None, None, ["deploy_webserver.E009"]),
                ("apache without ProxyPreserveHost", {}, None, None, ["deploy_webserver.E009"]),
                ("nginx with Host", {}, None, None, []),
                ("nginx with proxy_params", {}, None, None, []),
                ("apache with ProxyPreserveHost", {}, None, None, []),
                ("apache, Django reads X-Forwarded-Host", {"USE_X_FORWARDED_HOST": True}, None, None, []),
                ("caddy", {}, None, None, []),
                ("a templated config is not judged", {}, None, None, []),
            ],
            files={
                "nginx without Host": {"nginx/blog.conf": NGINX_PROXY % "proxy_set_header X-Forwarded-Proto $scheme;"},
                "apache without ProxyPreserveHost": {
                    "apache/blog.conf": "<VirtualHost *:80>\n  ProxyPass / http://127.0.0.1:8000/\n</VirtualHost>\n"
                },
                "nginx with Host": {"nginx/blog.conf": NGINX_FULL},
                "nginx with proxy_params": {"blog.nginx": NGINX_PROXY % "include proxy_params;"},
                "apache with ProxyPreserveHost": {
                    "apache/blog.conf": "<VirtualHost *:80>\n  ProxyPreserveHost On\n  ProxyPass / http://127.0.0.1:8000/\n</VirtualHost>\n"
                },
                "apache, Django reads X-Forwarded-Host": {
                    "apache/blog.conf": "<VirtualHost *:80>\n  ProxyPass / http://127.0.0.1:8000/\n</VirtualHost>\n"
                },
                "caddy": {"Caddyfile": "blog.example.com {\n\treverse_proxy 127.0.0.1:8000\n}\n"},
                "a templated config is not judged": {"nginx/blog.conf": NGINX_PROXY % "# {{ headers }}\n{{ headers }}"},
            },
        )

    def test_h009_names_the_file(self) -> None:
        self.write("nginx/blog.conf", NGINX_PROXY % "")
        facts = self.facts()
        [config] = facts.proxies
        self.assertEqual(webserver.check_proxy_passes_host(facts), [webserver.e009(config)])

    def test_h010(self) -> None:
        self.assertFires(
            webserver.check_upload_body_limit,
            [
                ("nginx default of 1m", {}, None, None, ["deploy_webserver.W010"]),
                ("below DATA_UPLOAD_MAX_MEMORY_SIZE", {"DATA_UPLOAD_MAX_MEMORY_SIZE": 5 * 1024**2}, None, None, ["deploy_webserver.W010"]),
                ("large enough", {}, None, None, []),
                ("unlimited", {}, None, None, []),
                ("no file fields on disk", {"STORAGES": NOT_ON_DISK}, None, None, []),
            ],
            files={
                "nginx default of 1m": {"nginx.conf": NGINX_FULL},
                "below DATA_UPLOAD_MAX_MEMORY_SIZE": {
                    "nginx.conf": NGINX_FULL.replace("listen 80;", "listen 80; client_max_body_size 4m;")
                },
                "large enough": {"nginx.conf": NGINX_FULL.replace("listen 80;", "listen 80; client_max_body_size 20M;")},
                "unlimited": {"nginx.conf": NGINX_FULL.replace("listen 80;", "listen 80; client_max_body_size 0;")},
                "no file fields on disk": {"nginx.conf": NGINX_FULL},
            },
        )
        self.write("nginx.conf", NGINX_FULL)
        facts = self.facts()
        self.assertEqual(webserver.check_upload_body_limit(facts), [webserver.w010(facts.proxies[0], 1024**2, 2_621_440)])

    def test_configs_found_in_the_project_are_read(self) -> None:
        self.write("deploy/nginx.conf", NGINX_FULL.replace("listen 80;", "listen 80; client_max_body_size 8m;"))
        self.write("deploy/README.md", "server { proxy_pass http://x; }")
        self.write("conf/apache/site.conf", "# nothing but a comment\n")
        [config] = self.facts().proxies
        self.assertEqual(
            config,
            webserver.ProxyConfig(
                path="deploy/nginx.conf",
                server="nginx",
                proxies_to_app=True,
                sets_host=True,
                sets_forwarded_proto=True,
                body_limit=8 * 1024**2,
                locations=("/static/", "/"),
            ),
        )

    def test_which_files_are_read_as_which_server(self) -> None:
        from django_deploy_concepts.concerns.webserver.proxies import candidate_server

        rows = [
            ("Caddyfile", "caddy"),
            ("deploy/site.caddyfile", "caddy"),
            ("deploy/blog.caddy", "caddy"),
            ("nginx.conf", "nginx"),
            ("deploy/blog.nginx", "nginx"),
            ("deploy/blog.nginx.j2", "nginx"),
            ("etc/NGINX/sites/blog.conf", "nginx"),
            ("deploy/nginx-blog.conf", "nginx"),
            ("etc\\nginx\\blog.conf", "nginx"),
            ("apache/blog.conf", "apache"),
            ("deploy/httpd-vhost.conf", "apache"),
            ("deploy/supervisor.conf", None),
            ("deploy/nginx/README.md", None),
            ("caddy/notes.txt", None),
            ("static/app.css", None),
        ]
        for path, server in rows:
            with self.subTest(path=path):
                self.assertEqual(candidate_server(path), server)


class MediaTests(WebserverTestCase):
    def test_file_fields_are_found_by_storage(self) -> None:
        facts = self.facts()
        self.assertEqual(facts.media.local_file_fields, ("testapp.Document.attachment",))
        self.assertEqual(facts.media.default_storage, "django.core.files.storage.filesystem.FileSystemStorage")
        with override_settings(STORAGES=NOT_ON_DISK):
            facts = self.facts()
        self.assertEqual((facts.media.local_file_fields, facts.media.remote_file_fields), ((), ("testapp.Document.attachment",)))

    def test_h003(self) -> None:
        self.assertFires(
            webserver.check_media_on_ephemeral_disk,
            [
                ("ephemeral disk", {}, "heroku", None, ["deploy_webserver.W003"]),
                ("ephemeral disk, no MEDIA_ROOT", {"MEDIA_ROOT": ""}, "render", None, ["deploy_webserver.W003"]),
                ("object storage", {"STORAGES": NOT_ON_DISK}, "heroku", None, []),
                ("persistent disk", {}, "pythonanywhere", None, []),
                ("plain server", {}, "vps", None, []),
                ("nothing detected", {}, None, None, []),
            ],
        )
        facts = self.facts("fly")
        self.assertEqual(webserver.check_media_on_ephemeral_disk(facts), [webserver.w003(facts)])

    def test_h011(self) -> None:
        self.assertFires(
            webserver.check_media_settings,
            [
                ("no MEDIA_ROOT", {"MEDIA_ROOT": ""}, "vps", None, ["deploy_webserver.W011"]),
                ("no MEDIA_URL", {"MEDIA_URL": ""}, None, None, ["deploy_webserver.W011"]),
                ("both set", {}, "vps", None, []),
                ("no file fields on disk", {"MEDIA_ROOT": "", "STORAGES": NOT_ON_DISK}, "vps", None, []),
            ],
        )
        with override_settings(MEDIA_ROOT="", MEDIA_URL=""):
            facts = self.facts()
        self.assertEqual(webserver.check_media_settings(facts), [webserver.w011(facts)])
        self.assertIn("MEDIA_ROOT and MEDIA_URL", webserver.w011(facts).msg)

    def test_h012(self) -> None:
        self.assertFires(
            webserver.check_media_served,
            [
                ("nginx serves only static", {}, "vps", None, ["deploy_webserver.W012"]),
                ("nginx serves media", {}, "vps", None, []),
                ("caddy serves media", {}, "vps", None, []),
                ("no config to judge", {}, "vps", None, []),
                ("ephemeral disk is W003's", {}, "heroku", None, []),
                ("no file fields on disk", {"STORAGES": NOT_ON_DISK}, "vps", None, []),
            ],
            files={
                "nginx serves only static": {"nginx.conf": NGINX_FULL},
                "nginx serves media": {
                    "nginx.conf": NGINX_FULL.replace("location / {", "location /media { alias /srv/blog/media; }\n    location / {")
                },
                "caddy serves media": {
                    "Caddyfile": "blog.example.com {\n\thandle_path /media/* {\n\t\tfile_server\n\t}\n\treverse_proxy 127.0.0.1:8000\n}\n"
                },
                "ephemeral disk is W003's": {"nginx.conf": NGINX_FULL},
                "no file fields on disk": {"nginx.conf": NGINX_FULL},
            },
        )
        self.write("nginx.conf", NGINX_FULL)
        facts = self.facts("vps")
        self.assertEqual(webserver.check_media_served(facts), [webserver.w012(facts, "/media/")])


class RobustnessTests(WebserverTestCase):
    def test_odd_settings_become_findings_not_tracebacks(self) -> None:
        rows: list[tuple[str, dict[str, Any], str]] = [
            ("ALLOWED_HOSTS None", {"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS should be a list, not NoneType"),
            ("CSRF_TRUSTED_ORIGINS a string", {"CSRF_TRUSTED_ORIGINS": "https://x"}, "CSRF_TRUSTED_ORIGINS should be a list, not str"),
            ("missing storage backend", {"STORAGES": {"default": {"BACKEND": "nowhere.Storage"}}}, "the default storage cannot be built"),
            ("MEDIA_ROOT None", {"MEDIA_ROOT": None, "MEDIA_URL": None, "STATIC_URL": None}, ""),
            ("upload sizes of the wrong type", {"DATA_UPLOAD_MAX_MEMORY_SIZE": "big", "FILE_UPLOAD_MAX_MEMORY_SIZE": None}, ""),
            ("MIDDLEWARE None", {"MIDDLEWARE": None, "WSGI_APPLICATION": None}, ""),
        ]
        for case, settings, error in rows:
            with self.subTest(case), override_settings(**settings):
                for platform in ("heroku", "vps", None):
                    facts = self.facts(platform, RENDER)
                    messages = runner.run_checks(webserver, facts)  # type: ignore[arg-type]
                    self.assertNotIn("deploy_webserver.E000", message_ids(messages))
                    webserver.explain(facts, ())
                    webserver.hops(facts)
                    for kind in webserver.KINDS:
                        webserver.emit(facts, kind)
                if error:
                    self.assertTrue(any(error in text for text in facts.errors), facts.errors)

    def test_unreadable_and_binary_configs(self) -> None:
        (self.base_dir / "nginx.conf").write_bytes(b"\xff\xfe\x00server { proxy_pass \x00")
        (self.base_dir / "loop").symlink_to(self.base_dir, target_is_directory=True)
        (self.base_dir / "Caddyfile").mkdir()
        facts = self.facts("vps")
        self.assertEqual([config.path for config in facts.proxies], ["nginx.conf"])
        runner.run_checks(webserver, facts)  # type: ignore[arg-type]

    def test_facts_are_json_ready(self) -> None:
        self.write("nginx.conf", NGINX_FULL)
        data = runner.facts_as_data(self.facts("vps", RENDER))
        self.assertEqual(json.loads(json.dumps(data)), json.loads(json.dumps(data, sort_keys=True)))
        self.assertEqual(data["proxies"][0]["server"], "nginx")


class ExplanationTests(WebserverTestCase):
    def explanation_code(self, facts: webserver.Facts, findings: tuple[Finding, ...] = ()) -> str:
        return "\n".join(step.code for step in webserver.explain(facts, findings).steps)

    def test_steps_follow_the_findings(self) -> None:
        rows: list[tuple[str, dict[str, Any], str | None, Mapping[str, str] | None, str]] = [
            ("platform without the header", {}, "render", RENDER, 'SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")'),
            (
                "hostname from the platform's variable",
                {"ALLOWED_HOSTS": []},
                None,
                RENDER,
                'if "RENDER_EXTERNAL_HOSTNAME" in os.environ:  # set by Render\n    ALLOWED_HOSTS.append(os.environ["RENDER_EXTERNAL_HOSTNAME"])',
            ),
            (
                "Fly.io's app name completed",
                {"ALLOWED_HOSTS": []},
                None,
                {"FLY_APP_NAME": "b"},
                "ALLOWED_HOSTS.append(f\"{os.environ['FLY_APP_NAME']}.fly.dev\")",
            ),
            ("no variable here", {"ALLOWED_HOSTS": []}, "fly", {}, 'if "FLY_APP_NAME" in os.environ:  # set by Fly.io'),
            (
                "wildcard host",
                {"ALLOWED_HOSTS": ["*"]},
                "vps",
                None,
                'ALLOWED_HOSTS += [host for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if host]',
            ),
            (
                "wildcard host, declared host",
                {"ALLOWED_HOSTS": ["*"], "DEPLOY_CONCEPTS": {"hosts": ["shop.example.org"]}},
                "vps",
                None,
                'ALLOWED_HOSTS = ["localhost", "127.0.0.1", "shop.example.org"]',
            ),
            ("plain server", {}, "vps", None, "python manage.py explain_webserver --emit nginx"),
            ("uploads on an ephemeral disk", {}, "heroku", None, "storages.backends.s3.S3Storage"),
            ("uploads without settings", {"MEDIA_ROOT": ""}, "vps", None, 'MEDIA_ROOT = BASE_DIR / "media"'),
        ]
        for case, settings, platform, environ, expected in rows:
            with self.subTest(case), override_settings(**settings):
                code = self.explanation_code(self.facts(platform, environ))
                self.assertIn(expected, code)
                self.assertNotIn("www.example.com", code)

    def test_quiet_project_gets_no_https_or_host_steps(self) -> None:
        with override_settings(ALLOWED_HOSTS=["myblog.onrender.com"], SECURE_PROXY_SSL_HEADER=HEADER, STORAGES=NOT_ON_DISK):
            code = self.explanation_code(self.facts(environ=RENDER))
        self.assertNotIn("SECURE_PROXY_SSL_HEADER", code)
        self.assertNotIn("ALLOWED_HOSTS", code)

    def test_djangos_own_checks_are_explained_with_their_fix(self) -> None:
        findings = tuple(
            Finding(id=check_id, level="warning", msg="", source="django")
            for check_id in ("security.W004", "security.W008", "security.W012", "security.W016", "4_0.E001")
        )
        rows = [
            (
                "heroku",
                [
                    "SECURE_HSTS_SECONDS = 0 if DEBUG else 3600",
                    "SECURE_SSL_REDIRECT = not DEBUG",
                    "SESSION_COOKIE_SECURE = not DEBUG",
                    "CSRF_COOKIE_SECURE = not DEBUG",
                    '"https://',
                ],
            ),
            ("vps", ["certbot", "SECURE_SSL_REDIRECT = not DEBUG", 'SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")']),
        ]
        for platform, expected in rows:
            with self.subTest(platform=platform):
                code = self.explanation_code(self.facts(platform), findings)
                for line in expected:
                    self.assertIn(line, code)
        self.assertNotIn("SESSION_COOKIE_SECURE", self.explanation_code(self.facts("heroku"), ()))

    def test_django_simple_deploy_is_offered_once_by_the_checklist_not_here(self) -> None:
        self.assertNotIn("python manage.py deploy", self.explanation_code(self.facts("fly")))

    def test_facts_show_the_projects_values(self) -> None:
        self.write("nginx.conf", NGINX_FULL)
        with override_settings(ALLOWED_HOSTS=["*"]):
            found = {fact.label: fact.value for fact in webserver.explain(self.facts(None, RENDER), ()).found}
        self.assertEqual(found["Public hostname"], "myblog.onrender.com (from RENDER_EXTERNAL_HOSTNAME)")
        self.assertIn("deploy_checklist.W003", found["ALLOWED_HOSTS"])
        self.assertEqual(found["Model file fields on local disk"], "testapp.Document.attachment")
        self.assertIn("WhiteNoise serves only static files", found["Uploads served in production by"])

    def test_hops(self) -> None:
        rows: list[tuple[str, dict[str, Any], str | None, tuple[bool | None, bool | None]]] = [
            ("loop", {"SECURE_SSL_REDIRECT": True}, "heroku", (False, False)),
            ("ready platform", {"SECURE_PROXY_SSL_HEADER": HEADER, "STORAGES": NOT_ON_DISK}, "heroku", (True, True)),
            ("nothing known", {"STORAGES": NOT_ON_DISK}, None, (None, True)),
            ("plain server, nothing found serves media (W017)", {}, "vps", (True, False)),
            ("plain server, media served by the web server", {"DEPLOY_CONCEPTS": {"media_served_by": "web-server"}}, "vps", (True, True)),
        ]
        for case, settings, platform, expected in rows:
            with self.subTest(case), override_settings(**settings):
                router, media = webserver.hops(self.facts(platform))
                self.assertEqual((router.key, media.key), ("router", "media"))
                self.assertEqual((router.ready, media.ready), expected)

    def test_media_is_ok_only_when_a_known_config_serves_it(self) -> None:
        self.write("nginx.conf", NGINX_FULL.replace("location / {", "location /media/ { alias /srv/blog/media/; }\n    location / {"))
        _, media = webserver.hops(self.facts("vps"))
        self.assertIs(media.ready, True)
        self.assertIn("nginx.conf", media.detail)
        self.write("nginx.conf", NGINX_FULL)
        _, media = webserver.hops(self.facts("vps"))
        self.assertIs(media.ready, False)


class IntegrationTests(WebserverTestCase):
    def test_djangos_security_checks_are_folded_into_this_concern(self) -> None:
        with override_settings(CSRF_COOKIE_SECURE=False, CSRF_TRUSTED_ORIGINS=["example.com"]):
            report = runner.build_report(build_context(environ={}), ["webserver", "checklist"])
        by_concern = {concern.concern: {finding.id for finding in concern.findings} for concern in report.concerns}
        self.assertIn("security.W016", by_concern["webserver"])
        self.assertIn("4_0.E001", by_concern["webserver"])
        self.assertNotIn("security.W016", by_concern["checklist"])
        self.assertNotIn("4_0.E001", by_concern["checklist"])

    def test_check_deploy_reports_through_the_adapter(self) -> None:
        # An existing STATIC_ROOT keeps WhiteNoise, built by Django's checks, from warning.
        with (
            override_settings(SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO", STATIC_ROOT=self.base_dir),
            self.assertRaisesMessage(SystemCheckError, "deploy_webserver.E006"),
        ):
            call_command("check", "--deploy", "--tag", "deploy_concepts")

    def test_silenced_ids_disappear(self) -> None:
        with override_settings(SECURE_PROXY_SSL_HEADER="x", SILENCED_SYSTEM_CHECKS=["deploy_webserver.E006"]):
            data = json.loads(call("explain_webserver", "--format", "json", "--offline"))
        ids = [finding["id"] for concern in data["concerns"] for finding in concern["findings"]]
        self.assertNotIn("deploy_webserver.E006", ids)

    def test_command_reports_the_platform_chosen(self) -> None:
        with override_settings(SECURE_SSL_REDIRECT=True):
            output = call("explain_webserver", "--platform", "render", "--offline")
        self.assertIn("deploy_webserver.E001", output)
        self.assertIn("Render", output)


NGINX_TLS = """
server {
    listen 443 ssl;
    server_name shop.example.org;
    ssl_certificate /etc/ssl/shop.pem;
    location / {
        proxy_pass http://unix:/run/gunicorn.sock;
        proxy_set_header Host $http_host;
        %s
    }
}
"""
REDIRECT = {"SECURE_SSL_REDIRECT": True}


class DeclaredTargetTests(WebserverTestCase):
    """The proxy topology and the public hosts declared in DEPLOY_CONCEPTS."""

    def test_e013_allowed_hosts_empty_with_debug_off(self) -> None:
        self.assertFires(
            webserver.check_allowed_hosts_empty,
            [
                ("empty, DEBUG off", {"ALLOWED_HOSTS": []}, "vps", None, ["deploy_webserver.E013"]),
                ("empty, DEBUG on", {"ALLOWED_HOSTS": [], "DEBUG": True}, "vps", None, []),
                ("listed", {"ALLOWED_HOSTS": ["shop.example.org"]}, "vps", None, []),
            ],
        )
        with override_settings(ALLOWED_HOSTS=[], DEPLOY_CONCEPTS={"hosts": ["shop.example.org"]}):
            facts = self.facts("vps")
        self.assertEqual(webserver.check_allowed_hosts_empty(facts), [webserver.e013(facts)])
        self.assertIn("ALLOWED_HOSTS = ['shop.example.org']", webserver.e013(facts).hint)
        with override_settings(ALLOWED_HOSTS=[]):
            facts = self.facts("vps")
        self.assertIn('os.environ["DJANGO_ALLOWED_HOSTS"]', webserver.e013(facts).hint)
        self.assertNotIn("example.com", webserver.e013(facts).hint)

    def test_e014_redirect_loop_behind_a_proxy_on_another_host(self) -> None:
        other = {"DEPLOY_CONCEPTS": {"proxy": "other-host"}}
        self.assertFires(
            webserver.check_redirect_loop_other_host,
            [
                ("other host, no header", {**REDIRECT, **other}, "vps", None, ["deploy_webserver.E014"]),
                ("other host, header set", {**REDIRECT, **other, "SECURE_PROXY_SSL_HEADER": HEADER}, "vps", None, []),
                ("same host", {**REDIRECT, "DEPLOY_CONCEPTS": {"proxy": "same-host"}}, "vps", None, []),
                ("not declared", REDIRECT, "vps", None, []),
                ("platform router is E001's", {**REDIRECT, **other}, "heroku", None, []),
                ("no redirect", other, "vps", None, []),
            ],
        )
        with override_settings(**REDIRECT, DEPLOY_CONCEPTS={"proxy": "other-host"}):
            self.assertEqual(webserver.check_redirect_loop_other_host(self.facts("vps")), [webserver.e014("DEPLOY_CONCEPTS 'other-host'")])

    def test_e014_nginx_in_a_compose_service_of_its_own(self) -> None:
        compose = (
            "services:\n"
            "  web:\n"
            "    build: .\n"
            "    command: gunicorn tests.wsgi --bind 0.0.0.0:8000\n"
            "  proxy:\n"
            "    image: nginx:1.27-alpine\n"
            "    ports: ['443:443']\n"
        )
        self.write("compose.yaml", compose)
        with override_settings(**REDIRECT):
            facts = self.facts("container")
            self.assertEqual(
                webserver.check_redirect_loop_other_host(facts), [webserver.e014("compose.yaml:6 service proxy (nginx:1.27-alpine)")]
            )
            self.assertEqual(webserver.check_proxy_topology_declared(facts), [])
        with override_settings(**REDIRECT, DEPLOY_CONCEPTS={"proxy": "same-host"}):
            self.assertEqual(webserver.check_redirect_loop_other_host(self.facts("container")), [])
        # gunicorn told to trust the proxy container takes its X-Forwarded-Proto.
        self.write("compose.yaml", compose.replace("--bind 0.0.0.0:8000", "--bind 0.0.0.0:8000 --forwarded-allow-ips '*'"))
        with override_settings(**REDIRECT):
            self.assertEqual(webserver.check_redirect_loop_other_host(self.facts("container")), [])

    def test_e015_proxy_config_without_forwarded_proto(self) -> None:
        self.assertFires(
            webserver.check_proxy_sets_scheme,
            [
                ("nginx sets no X-Forwarded-Proto", REDIRECT, "vps", None, ["deploy_webserver.E015"]),
                ("nginx sets it", REDIRECT, "vps", None, []),
                ("no redirect", {}, "vps", None, []),
            ],
            files={
                "nginx sets no X-Forwarded-Proto": {"deploy/nginx.conf": NGINX_TLS % ""},
                "nginx sets it": {"deploy/nginx.conf": NGINX_TLS % "proxy_set_header X-Forwarded-Proto $scheme;"},
                "no redirect": {"deploy/nginx.conf": NGINX_TLS % ""},
            },
        )
        self.write("nginx.conf", NGINX_TLS % "")
        with override_settings(**REDIRECT):
            facts = self.facts("vps")
        self.assertEqual(webserver.check_proxy_sets_scheme(facts), [webserver.e015(facts.proxies[0])])
        self.assertTrue(facts.proxies[0].terminates_tls)

    def test_i016_topology_to_declare(self) -> None:
        self.assertFires(
            webserver.check_proxy_topology_declared,
            [
                ("server, not declared", REDIRECT, "vps", None, ["deploy_webserver.I016"]),
                ("declared", {**REDIRECT, "DEPLOY_CONCEPTS": {"proxy": "same-host"}}, "vps", None, []),
                ("header set", {**REDIRECT, "SECURE_PROXY_SSL_HEADER": HEADER}, "vps", None, []),
                ("platform router", REDIRECT, "render", None, []),
                ("nothing known", REDIRECT, None, None, []),
            ],
        )
        with override_settings(**REDIRECT):
            self.assertEqual(webserver.check_proxy_topology_declared(self.facts("vps")), [webserver.I016])

    def test_csrf_origin_behind_a_proxy_on_another_host(self) -> None:
        declared = {"hosts": ["shop.example.org"], "proxy": "other-host"}
        self.assertFires(
            webserver.check_csrf_trusted_origin,
            [
                ("other host", {"DEPLOY_CONCEPTS": declared}, "vps", None, ["deploy_webserver.E004"]),
                (
                    "other host, origin listed",
                    {"DEPLOY_CONCEPTS": declared, "CSRF_TRUSTED_ORIGINS": ["https://shop.example.org"]},
                    "vps",
                    None,
                    [],
                ),
                ("same host", {"DEPLOY_CONCEPTS": {**declared, "proxy": "same-host"}}, "vps", None, []),
            ],
        )

    def test_w017_nothing_serves_media(self) -> None:
        self.assertFires(
            webserver.check_media_served_by_something,
            [
                ("no config, nothing declared", {}, "vps", None, ["deploy_webserver.W017"]),
                ("declared whitenoise", {"DEPLOY_CONCEPTS": {"media_served_by": "whitenoise"}}, "vps", None, ["deploy_webserver.W017"]),
                ("declared web server", {"DEPLOY_CONCEPTS": {"media_served_by": "web-server"}}, "vps", None, []),
                ("declared object storage", {"DEPLOY_CONCEPTS": {"media_served_by": "object-storage"}}, None, None, []),
                ("config in the project is W012's", {}, "vps", None, []),
                ("ephemeral disk is W003's", {}, "heroku", None, []),
                ("no file fields on disk", {"STORAGES": NOT_ON_DISK}, "vps", None, []),
            ],
            files={"config in the project is W012's": {"nginx.conf": NGINX_FULL}},
        )
        facts = self.facts("vps")
        self.assertEqual(webserver.check_media_served_by_something(facts), [webserver.w017(facts, "/media/")])
        media_hop = next(hop for hop in webserver.hops(facts) if hop.key == "media")
        self.assertIs(media_hop.ready, False)
        self.assertTrue(media_hop.detail.startswith("nothing found"), media_hop.detail)
