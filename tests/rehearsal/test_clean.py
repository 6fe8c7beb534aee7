"""Correct projects rehearse clean: WhiteNoise behind a platform router, and nginx + gunicorn."""

from __future__ import annotations

from typing import Any, ClassVar

from tests.rehearsal.project import CLEAN_URLS, rehearsal_processes
from tests.rehearsal.test_rehearse_deploy import RehearsalTestCase
from tests.utils import require_executable

# Without the admin (below): WhiteNoise compresses every collected file (with brotli, slowly), and
# the admin brings a hundred; its login is rehearsed clean in the nginx case.
WHITENOISE = """
ALLOWED_HOSTS = ["shop.onrender.com"]
MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")
STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
"""

NGINX = """
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
"""


class CleanWhiteNoiseTests(RehearsalTestCase):
    arguments = ("--fail-level", "WARNING")
    environment: ClassVar[dict[str, str]] = {"RENDER": "true", "RENDER_EXTERNAL_HOSTNAME": "shop.onrender.com"}
    project: ClassVar[dict[str, Any]] = {
        "settings": WHITENOISE,
        "urls": CLEAN_URLS,
        "admin": False,
        "procfile": None,
        "media_file": False,
    }

    def test_nothing_fails(self) -> None:
        self.assert_rehearsed()
        self.assertEqual(self.data["failures"], [])
        self.assertEqual(self.result.returncode, 0, self.result.stderr[-2000:])

    def test_pages_work(self) -> None:
        answered = {(visit["method"], visit["url"]): visit["status"] for visit in self.data["visits"]}
        self.assertEqual(answered[("GET", "https://shop.onrender.com/")], 200)
        self.assertEqual(answered[("GET", "https://shop.onrender.com/items/")], 200)

    def test_static_files_are_served_compressed_and_cached_for_a_year(self) -> None:
        statics = [visit for visit in self.data["visits"] if visit["kind"] == "static"]
        self.assertTrue(statics)
        self.assertEqual({visit["status"] for visit in statics}, {200})
        self.assertEqual([visit["status"] for visit in statics if "/static/shop/img/bg." in visit["url"]], [200])
        script = next(visit for visit in statics if "/static/shop/js/app." in visit["url"])
        self.assertIn(script["content_encoding"], ("gzip", "br"))
        self.assertIn("immutable", script["cache_control"])


class CleanNginxTests(RehearsalTestCase):
    arguments = ("--web-server", "nginx", "--host", "shop.example.com", "--fail-level", "WARNING")
    project: ClassVar[dict[str, Any]] = {"settings": NGINX, "urls": CLEAN_URLS}

    @classmethod
    def setUpClass(cls) -> None:
        require_executable("nginx", "/usr/sbin")
        super().setUpClass()

    def test_nothing_fails(self) -> None:
        self.assert_rehearsed()
        self.assertEqual(self.data["failures"], [])
        self.assertEqual(self.result.returncode, 0, self.result.stderr[-2000:])
        self.assertEqual(self.data["project"]["web_server"], "nginx")

    def test_nginx_ends_tls_and_says_so_to_django(self) -> None:
        require_executable("openssl")
        self.assertIn(
            "nginx ends TLS with a throwaway self-signed certificate, as certbot would set it up with a real one.", self.data["notes"]
        )
        # SECURE_SSL_REDIRECT is on: the pages answer without a redirect only if Django sees https.
        home = next(visit for visit in self.data["visits"] if visit["url"] == "https://shop.example.com/")
        self.assertEqual((home["status"], home["redirects"]), (200, []))

    def test_nginx_and_gunicorn_are_stopped(self) -> None:
        self.assertEqual(rehearsal_processes(self.temporary), [])
        self.assertEqual(list(self.temporary.iterdir()), [])

    def test_nginx_serves_static_and_media_files(self) -> None:
        statics = [visit for visit in self.data["visits"] if visit["kind"] == "static"]
        self.assertEqual({visit["status"] for visit in statics}, {200})
        css = next(visit for visit in statics if "/static/shop/css/site." in visit["url"])
        self.assertEqual(css["cache_control"], "public, max-age=31536000, immutable")
        # The background only the stylesheet references, at its hashed name.
        self.assertEqual([visit["status"] for visit in statics if "/static/shop/img/bg." in visit["url"]], [200])
        media = [visit for visit in self.data["visits"] if visit["kind"] == "media"]
        self.assertEqual([(visit["url"], visit["status"]) for visit in media], [("https://shop.example.com/media/covers/cover.png", 200)])

    def test_the_login_post_passes_csrf_and_origin_checks(self) -> None:
        posts = [visit for visit in self.data["visits"] if visit["method"] == "POST" and visit["kind"] == "admin"]
        self.assertEqual([(visit["url"], visit["status"]) for visit in posts], [("https://shop.example.com/admin/login/", 200)])

    def test_a_body_as_large_as_django_accepts_passes_nginx(self) -> None:
        (upload,) = [visit for visit in self.data["visits"] if visit["kind"] == "upload"]
        self.assertNotEqual(upload["status"], 413)
        self.assertIsNotNone(upload["status"])


class WebServerInFront:
    """What every web server in front must show on a correct project (mixed into a RehearsalTestCase)."""

    data: ClassVar[dict[str, Any]]
    temporary: ClassVar[Any]
    server_name: ClassVar[str]

    def test_nothing_fails(self: Any) -> None:
        self.assert_rehearsed()
        self.assertEqual(self.data["failures"], [])
        self.assertEqual(self.result.returncode, 0, self.result.stderr[-2000:])
        self.assertEqual(self.data["project"]["web_server"], self.server_name.lower())

    def test_it_ends_tls_and_says_so_to_django(self: Any) -> None:
        # SECURE_SSL_REDIRECT is on: the pages answer without a redirect only if Django sees https.
        home = next(visit for visit in self.data["visits"] if visit["url"] == "https://shop.example.com/")
        self.assertEqual((home["status"], home["redirects"]), (200, []))

    def test_it_serves_static_and_media_files(self: Any) -> None:
        # DEBUG is False and nothing in Django serves them: a 200 comes from the web server.
        statics = [visit for visit in self.data["visits"] if visit["kind"] == "static"]
        self.assertEqual({visit["status"] for visit in statics}, {200})
        css = next(visit for visit in statics if "/static/shop/css/site." in visit["url"])
        self.assertEqual(css["cache_control"], "public, max-age=31536000, immutable")
        media = [visit for visit in self.data["visits"] if visit["kind"] == "media"]
        self.assertEqual([(visit["url"], visit["status"]) for visit in media], [("https://shop.example.com/media/covers/cover.png", 200)])

    def test_a_body_as_large_as_django_accepts_passes(self: Any) -> None:
        (upload,) = [visit for visit in self.data["visits"] if visit["kind"] == "upload"]
        self.assertNotIn(upload["status"], (413, None))

    def test_the_servers_are_stopped(self: Any) -> None:
        self.assertEqual(rehearsal_processes(self.temporary), [])
        self.assertEqual(list(self.temporary.iterdir()), [])


class CleanApacheTests(WebServerInFront, RehearsalTestCase):
    server_name = "Apache"
    arguments = ("--web-server", "apache", "--host", "shop.example.com", "--fail-level", "WARNING")
    project: ClassVar[dict[str, Any]] = {"settings": NGINX, "urls": CLEAN_URLS, "admin": False}

    @classmethod
    def setUpClass(cls) -> None:
        require_executable("apache2", "/usr/sbin")
        require_executable("openssl")
        super().setUpClass()

    def test_apache_runs_the_emitted_site_with_a_throwaway_certificate(self) -> None:
        self.assertIn(
            "Apache ends TLS with a throwaway self-signed certificate, as certbot would set it up with a real one.", self.data["notes"]
        )


class CleanCaddyTests(WebServerInFront, RehearsalTestCase):
    server_name = "Caddy"
    arguments = ("--web-server", "caddy", "--host", "shop.example.com", "--fail-level", "WARNING")
    project: ClassVar[dict[str, Any]] = {"settings": NGINX, "urls": CLEAN_URLS, "admin": False}

    @classmethod
    def setUpClass(cls) -> None:
        require_executable("caddy")
        super().setUpClass()

    def test_caddy_certificate_comes_from_its_local_authority(self) -> None:
        self.assertTrue(any("local_certs" in note for note in self.data["notes"]), self.data["notes"])
        # Its site block answers for the host the requests carry.
        self.assertFalse([note for note in self.data["notes"] if "site block answers for" in note])
