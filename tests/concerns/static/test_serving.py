"""Who serves the files with DEBUG = False: WhiteNoise, a web server, nobody; URL patterns that try to."""

from __future__ import annotations

from typing import Any

from django.test import override_settings

from django_deploy_concepts.concerns import static
from django_deploy_concepts.concerns.static import serving
from django_deploy_concepts.context import build_context
from tests.concerns.static.helpers import BASE_APPS, PLAIN_STORAGE, WHITENOISE_STORAGE, StaticTestCase, ids, storages, write_tree

SECURITY = serving.SECURITY_MIDDLEWARE
WHITENOISE = serving.WHITENOISE_MIDDLEWARE
SESSIONS = "django.contrib.sessions.middleware.SessionMiddleware"
COMMON = "django.middleware.common.CommonMiddleware"


class SomethingServesTests(StaticTestCase):
    def facts_on(self, platform: str | None, **settings: Any) -> static.Facts:
        with override_settings(**{**self.base_settings(), **settings}):
            return static.collect_facts(build_context(platform=platform, environ={}))

    def test_nothing_serving_on_a_platform_is_s003(self) -> None:
        facts = self.facts_on("heroku", MIDDLEWARE=[SECURITY, COMMON], STORAGES=storages(PLAIN_STORAGE))
        self.assertEqual(serving.check_something_serves_static(facts), [serving.E003])
        declared = self.facts_on(None, MIDDLEWARE=[SECURITY, COMMON], DEPLOY_CONCEPTS={"static_served_by": "whitenoise"})
        self.assertEqual(serving.check_something_serves_static(declared), [serving.E003])

    def test_nothing_found_where_nothing_is_known_is_s031(self) -> None:
        # An nginx config in /etc may well serve them: a warning that says what to declare, not an error.
        facts = self.facts_on(None, MIDDLEWARE=[SECURITY, COMMON])
        self.assertEqual(serving.check_something_serves_static(facts), [serving.W031])
        self.assertFalse(serving.is_served(facts))

    def test_declared_or_found_elsewhere_is_quiet(self) -> None:
        rows: dict[str, tuple[str | None, dict[str, Any], dict[str, str]]] = {
            "declared web server": (None, {"DEPLOY_CONCEPTS": {"static_served_by": "web-server"}}, {}),
            "declared CDN on Heroku": ("heroku", {"DEPLOY_CONCEPTS": {"static_served_by": "cdn"}}, {}),
            "Platform.sh router serves /static": (
                None,
                {},
                {
                    ".platform.app.yaml": "name: app\ntype: python:3.12\nweb:\n  commands:\n    start: gunicorn mysite.wsgi\n"
                    "  locations:\n    /:\n      root: ''\n      passthru: true\n    /static:\n      root: static\n"
                    "      expires: 1h\n      allow: true\n"
                },
            ),
            "App Engine static_dir": (
                None,
                {},
                {"app.yaml": "runtime: python312\nhandlers:\n- url: /static\n  static_dir: staticfiles/\n- url: /.*\n  script: auto\n"},
            ),
            "nginx config in the project": (
                None,
                {},
                {
                    "deploy/nginx.conf": "server {\n  location /static/ { alias /srv/static/; }\n  location / { proxy_pass http://127.0.0.1:8000; }\n}\n"
                },
            ),
        }
        for label, (platform, settings, files) in rows.items():
            with self.subTest(label):
                base = write_tree(self.tmp / label.replace(" ", "-").replace("/", ""), files)
                facts = self.facts_on(platform, MIDDLEWARE=[SECURITY, COMMON], BASE_DIR=base, **settings)
                self.assertEqual(serving.check_something_serves_static(facts), [])
                self.assertTrue(serving.is_served(facts))
        base = write_tree(self.tmp / "psh", rows["Platform.sh router serves /static"][2])
        facts = self.facts_on(None, MIDDLEWARE=[SECURITY, COMMON], BASE_DIR=base)
        self.assertEqual(facts.serving.served_elsewhere, (".platform.app.yaml:11 /static",))

    def test_quiet(self) -> None:
        rows: dict[str, dict[str, Any]] = {
            "whitenoise": {"MIDDLEWARE": [SECURITY, WHITENOISE]},
            "a CDN serves STATIC_URL": {"MIDDLEWARE": [SECURITY], "STATIC_URL": "https://cdn.example.com/static/"},
            "remote storage": {"MIDDLEWARE": [SECURITY], "STORAGES": storages("django.core.files.storage.InMemoryStorage")},
        }
        for label, settings in rows.items():
            with self.subTest(label):
                self.assertEqual(self.messages(serving.check_something_serves_static, **settings), [])

    def test_a_web_server_platform_is_quiet(self) -> None:
        with override_settings(**self.base_settings(), MIDDLEWARE=[SECURITY]):
            facts = static.collect_facts(build_context(platform="vps"))
        self.assertEqual(serving.check_something_serves_static(facts), [])


class WhiteNoisePositionTests(StaticTestCase):
    def test_below_other_middleware_is_s004(self) -> None:
        self.assertEqual(self.messages(serving.check_whitenoise_position, MIDDLEWARE=[SECURITY, SESSIONS, WHITENOISE]), [serving.I004])

    def test_quiet(self) -> None:
        rows = {
            "right after security": [SECURITY, WHITENOISE, SESSIONS],
            "first, without security": [WHITENOISE, SESSIONS],
            "no whitenoise": [SECURITY, SESSIONS],
            # django-cors-headers: CorsMiddleware as high as possible, above WhiteNoise too.
            "after CorsMiddleware": [SECURITY, "corsheaders.middleware.CorsMiddleware", WHITENOISE, SESSIONS],
        }
        for label, middleware in rows.items():
            with self.subTest(label):
                self.assertEqual(self.messages(serving.check_whitenoise_position, MIDDLEWARE=middleware), [])


class RunserverNostaticTests(StaticTestCase):
    def test_missing_or_below_staticfiles_is_s013(self) -> None:
        rows = {
            "missing": BASE_APPS,
            "below staticfiles": [*BASE_APPS, serving.RUNSERVER_NOSTATIC],
        }
        for label, apps in rows.items():
            with self.subTest(label):
                self.assertEqual(
                    self.messages(serving.check_runserver_nostatic, INSTALLED_APPS=apps, MIDDLEWARE=[SECURITY, WHITENOISE]), [serving.I013]
                )

    def test_quiet(self) -> None:
        rows: dict[str, dict[str, Any]] = {
            "above staticfiles": {"INSTALLED_APPS": [serving.RUNSERVER_NOSTATIC, *BASE_APPS], "MIDDLEWARE": [SECURITY, WHITENOISE]},
            "no whitenoise": {"INSTALLED_APPS": BASE_APPS, "MIDDLEWARE": [SECURITY]},
        }
        for label, settings in rows.items():
            with self.subTest(label):
                self.assertEqual(self.messages(serving.check_runserver_nostatic, **settings), [])


class DevelopmentSettingsTests(StaticTestCase):
    def test_development_settings_without_debug_are_s014(self) -> None:
        for name in serving.WHITENOISE_DEVELOPMENT_SETTINGS:
            with self.subTest(name):
                messages = self.messages(
                    serving.check_whitenoise_development_settings, DEBUG=False, MIDDLEWARE=[SECURITY, WHITENOISE], **{name: True}
                )
                self.assertEqual(messages, [serving.w014(name, "True")])

    def test_quiet(self) -> None:
        rows: dict[str, dict[str, Any]] = {
            "with DEBUG": {"DEBUG": True, "WHITENOISE_AUTOREFRESH": True},
            "turned off": {"DEBUG": False, "WHITENOISE_USE_FINDERS": False},
            "unset": {"DEBUG": False},
        }
        for label, settings in rows.items():
            with self.subTest(label):
                self.assertEqual(
                    self.messages(serving.check_whitenoise_development_settings, MIDDLEWARE=[SECURITY, WHITENOISE], **settings), []
                )


class ServePatternsTests(StaticTestCase):
    def test_development_views_in_the_live_urlconf_are_s016(self) -> None:
        facts = self.facts(ROOT_URLCONF="tests.fixtures.static.urls_serving", MEDIA_ROOT="/srv/project/uploads")
        self.assertEqual(
            facts.serving.serve_patterns,
            (
                serving.ServePattern("^uploads/(?P<path>.*)$", "django.views.static.serve", "/srv/project/uploads", "media"),
                serving.ServePattern("assets/^(?P<path>.*)$", "django.contrib.staticfiles.views.serve", None, "static"),
            ),
        )
        self.assertEqual(serving.check_serve_patterns(facts), [serving.w016(pattern) for pattern in facts.serving.serve_patterns])

    def test_a_urlconf_without_them_is_quiet(self) -> None:
        self.assertEqual(self.messages(serving.check_serve_patterns), [])

    def test_a_urlconf_that_cannot_load_is_s030(self) -> None:
        facts = self.facts(ROOT_URLCONF="tests.fixtures.static.urls_broken")
        messages = static.check_readable(facts)
        self.assertEqual(ids(messages), ["deploy_static.E030"])
        self.assertIn("tests.fixtures.static.urls_broken", messages[0].msg)
        self.assertIn("ImportError", messages[0].msg)


class CacheControlTests(StaticTestCase):
    def test_headers_whitenoise_will_send(self) -> None:
        rows: dict[str, tuple[dict[str, Any], str | None, str]] = {
            "hashed": ({}, "max-age=315360000, public, immutable", "max-age=60, public"),
            "max age set": ({"WHITENOISE_MAX_AGE": 600}, "max-age=315360000, public, immutable", "max-age=600, public"),
            "plain storage": ({"STORAGES": storages(PLAIN_STORAGE)}, None, "max-age=60, public"),
        }
        for label, (settings, hashed, other) in rows.items():
            with self.subTest(label):
                facts = self.facts(MIDDLEWARE=[SECURITY, WHITENOISE], **settings).serving
                self.assertEqual((facts.cache_control_hashed, facts.cache_control_other), (hashed, other))

    def test_no_whitenoise_no_headers(self) -> None:
        facts = self.facts(MIDDLEWARE=[SECURITY], STORAGES=storages(WHITENOISE_STORAGE)).serving
        self.assertEqual((facts.cache_control_hashed, facts.cache_control_other), (None, None))
