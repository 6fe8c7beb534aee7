"""The platform table and its detection, row by row, from environment fixtures."""

from __future__ import annotations

import base64
import json

from django.test import SimpleTestCase

from django_deploy_concepts import platforms
from django_deploy_concepts.context import build_context
from tests.utils import FIXTURES_DIR

ENVIRONMENTS = {
    name: row
    for name, row in json.loads((FIXTURES_DIR / "webserver" / "platform_environments.json").read_text()).items()
    if not name.startswith("_")
}
# django-simple-deploy's own plugins (its README: Fly.io, Platform.sh/Upsun and Heroku).
SIMPLE_DEPLOY_PLUGINS = {"heroku": "dsd-heroku", "fly": "dsd-flyio", "upsun": "dsd-upsun"}


class DetectTests(SimpleTestCase):
    def test_every_platform_has_a_fixture(self) -> None:
        self.assertEqual(set(ENVIRONMENTS), set(platforms.PLATFORMS_BY_NAME))

    def test_detects_each_platform_from_its_environment_and_files(self) -> None:
        for name, row in ENVIRONMENTS.items():
            with self.subTest(platform=name):
                detection = platforms.detect(row["environ"], row["files"])
                self.assertEqual(detection.platform, name)
                self.assertTrue(detection.evidence)
                self.assertFalse(detection.overridden)

    def test_detects_a_platform_from_files_alone_before_it_runs_there(self) -> None:
        for platform in platforms.PLATFORMS:
            for filename in platform.detect_files:
                with self.subTest(platform=platform.name, file=filename):
                    detection = platforms.detect({}, [filename])
                    self.assertEqual(detection.platform, platform.name)
                    self.assertEqual(detection.evidence, (f"{filename} found",))

    def test_detects_a_platform_from_each_of_its_variables(self) -> None:
        for platform in platforms.PLATFORMS:
            for variable in platform.detect_env:
                with self.subTest(platform=platform.name, variable=variable):
                    detection = platforms.detect({variable: "1"}, ["Dockerfile"])
                    self.assertEqual(detection.platform, platform.name)
                    self.assertEqual(detection.evidence, (f"environment variable {variable} is set",))

    def test_an_empty_variable_is_no_evidence(self) -> None:
        self.assertEqual(platforms.detect({"DYNO": ""}, []).platform, platforms.UNKNOWN.name)

    def test_procfile_counts_only_when_nothing_more_specific_is_there(self) -> None:
        rows = [
            (["Procfile"], "heroku"),
            (["Procfile", ".ebextensions"], "elasticbeanstalk"),
            (["Procfile", "railway.json"], "railway"),
            (["Procfile", "Dockerfile"], "container"),
        ]
        for files, expected in rows:
            with self.subTest(files=files):
                self.assertEqual(platforms.detect({}, files).platform, expected)

    def test_platform_option_overrides_detection(self) -> None:
        for name in platforms.PLATFORMS_BY_NAME:
            with self.subTest(platform=name):
                detection = platforms.detect(ENVIRONMENTS["heroku"]["environ"], ["fly.toml"], override=name)
                self.assertEqual((detection.platform, detection.overridden), (name, True))

    def test_build_context_detects_from_the_environment_it_is_given(self) -> None:
        context = build_context(environ=ENVIRONMENTS["render"]["environ"])
        self.assertEqual(context.platform.platform, "render")
        self.assertEqual(context.platform_info.title, "Render")
        self.assertEqual(build_context(environ={}, platform="vps").platform_info.kind, "server")


class PublicHostnameTests(SimpleTestCase):
    def test_public_hostname_from_each_platforms_environment(self) -> None:
        for name, row in ENVIRONMENTS.items():
            with self.subTest(platform=name):
                hostname, source = platforms.public_hostname(platforms.PLATFORMS_BY_NAME[name], row["environ"])
                self.assertEqual(hostname, row["hostname"])
                self.assertEqual(source is None, row["hostname"] is None)

    def test_hostname_values_are_reduced_to_a_bare_lowercase_host(self) -> None:
        render = platforms.PLATFORMS_BY_NAME["render"]
        rows = [
            ("MyBlog.onrender.com", "myblog.onrender.com"),
            ("https://myblog.onrender.com/", "myblog.onrender.com"),
            ("myblog.onrender.com:443", "myblog.onrender.com"),
            ("   ", None),
        ]
        for value, expected in rows:
            with self.subTest(value=value):
                self.assertEqual(platforms.public_hostname(render, {"RENDER_EXTERNAL_HOSTNAME": value})[0], expected)

    def test_upsun_routes_that_cannot_be_read_give_no_hostname(self) -> None:
        upsun = platforms.PLATFORMS_BY_NAME["upsun"]
        rows = [
            "not base64 at all!",
            base64.b64encode(b"[1, 2]").decode(),
            base64.b64encode(b'{"https://x.example/": {"type": "redirect"}}').decode(),
            base64.b64encode(b"{").decode(),
        ]
        for routes in rows:
            with self.subTest(routes=routes):
                self.assertIsNone(platforms.public_hostname(upsun, {"PLATFORM_ROUTES": routes})[0])


class TableTests(SimpleTestCase):
    def test_names_are_unique_and_lowercase(self) -> None:
        names = [platform.name for platform in platforms.PLATFORMS]
        self.assertEqual(len(names), len(set(names)))
        self.assertTrue(all(name == name.lower() for name in names))

    def test_simple_deploy_is_marked_for_its_own_plugins_only(self) -> None:
        for platform in platforms.PLATFORMS:
            with self.subTest(platform=platform.name):
                self.assertEqual(platform.simple_deploy, platform.name in SIMPLE_DEPLOY_PLUGINS)
                self.assertEqual(platform.simple_deploy_plugin, SIMPLE_DEPLOY_PLUGINS.get(platform.name))

    def test_every_tls_terminating_router_names_its_forwarded_header(self) -> None:
        for platform in platforms.PLATFORMS:
            with self.subTest(platform=platform.name):
                self.assertEqual(platform.terminates_tls, platform.forwarded_proto_header is not None)
                self.assertEqual(platform.terminates_tls, platform.kind == "paas")

    def test_every_row_explains_itself(self) -> None:
        for platform in (*platforms.PLATFORMS, platforms.UNKNOWN):
            with self.subTest(platform=platform.name):
                for field in ("static_advice", "hostname_note", "port_note", "disk_note", "media_advice"):
                    self.assertTrue(getattr(platform, field), field)
                self.assertIn("{}", platform.hostname_template)

    def test_unknown_is_never_detected_from_a_file(self) -> None:
        self.assertEqual(platforms.UNKNOWN.detect_files, ())
        self.assertEqual(platforms.UNKNOWN.kind, "unknown")
