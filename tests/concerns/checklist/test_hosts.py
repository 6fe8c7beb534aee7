from __future__ import annotations

from django.test import override_settings

from django_deploy_concepts.concerns.checklist import hosts
from django_deploy_concepts.report import Finding
from tests.concerns.checklist.helpers import ChecklistTestCase


class WildcardHostTests(ChecklistTestCase):
    def test_fires(self) -> None:
        with override_settings(ALLOWED_HOSTS=["example.com", "*"]):
            self.assertIn(hosts.W003, self.messages())

    def test_quiet(self) -> None:
        with override_settings(ALLOWED_HOSTS=["example.com", ".example.com"]):
            self.assertNotIn("deploy_checklist.W003", self.ids())


class HostShapeTests(ChecklistTestCase):
    def test_fires(self) -> None:
        rows = (("https://example.com", "has a scheme"), ("example.com/app", "has a path"), ("example.com:8000", "has a port"))
        for host, problem in rows:
            with self.subTest(host=host), override_settings(ALLOWED_HOSTS=[host]):
                self.assertIn(hosts.e004(host, problem), self.messages())

    def test_quiet(self) -> None:
        for host in ("example.com", ".example.com", "[::1]", "127.0.0.1", "localhost"):
            with self.subTest(host=host), override_settings(ALLOWED_HOSTS=[host]):
                self.assertNotIn("deploy_checklist.E004", self.ids())


class SharedDomainWildcardTests(ChecklistTestCase):
    def test_fires_for_another_platforms_shared_domain(self) -> None:
        rows = ((".herokuapp.com", "Heroku"), (".fly.dev", "Fly.io"), (".onrender.com", "Render"), (".up.railway.app", "Railway"))
        for host, title in rows:
            with self.subTest(host=host), override_settings(ALLOWED_HOSTS=[host]):
                self.assertIn(hosts.w010(host, title), self.messages(platform="vps"))

    def test_quiet_for_the_platform_in_use(self) -> None:
        # Heroku's router sends an app only its own hostnames: '.herokuapp.com' admits nothing else there.
        rows = ((".herokuapp.com", "heroku"), (".fly.dev", "fly"), (".onrender.com", "render"), (".herokuapp.com", None))
        for host, platform in rows:
            with self.subTest(host=host, platform=platform), override_settings(ALLOWED_HOSTS=[host]):
                ids = self.ids(platform=platform)
                self.assertNotIn("deploy_checklist.W010", ids)
                self.assertNotIn("deploy_checklist.E004", ids)

    def test_quiet_for_own_domains_and_own_app(self) -> None:
        for host in (".example.com", "myapp.herokuapp.com", "myapp.fly.dev"):
            with self.subTest(host=host), override_settings(ALLOWED_HOSTS=[host]):
                self.assertNotIn("deploy_checklist.W010", self.ids())


class PlatformHostnameStepTests(ChecklistTestCase):
    def test_step_names_how_the_platform_hostname_gets_in(self) -> None:
        rows = (
            ("render", 'ALLOWED_HOSTS.append(os.environ["RENDER_EXTERNAL_HOSTNAME"])'),
            ("fly", ".fly.dev"),
            # Heroku sets the variable only with a labs feature: the step says how to get it.
            ("heroku", "runtime-dyno-metadata"),
        )
        empty = (Finding("security.W020", "warning", "ALLOWED_HOSTS must not be empty in deployment.", source="django"),)
        for platform, expected in rows:
            with self.subTest(platform=platform), override_settings(ALLOWED_HOSTS=[]):
                text = self.explanation_text(self.facts(platform=platform), empty)
                self.assertIn(expected, text)
                self.assertIn("CommandError: You must set settings.ALLOWED_HOSTS if DEBUG is False.", text)

    def test_no_step_when_hosts_are_fine(self) -> None:
        with override_settings(ALLOWED_HOSTS=["example.com"]):
            self.assertNotIn("Name the real hostnames", self.explanation_text(self.facts()))


class NoPlaceholderHostTests(ChecklistTestCase):
    def test_fix_uses_the_declared_host_or_a_variable(self) -> None:
        empty = (Finding("security.W020", "warning", "ALLOWED_HOSTS must not be empty in deployment.", source="django"),)
        rows = (
            ({"hosts": ["shop.example.org"]}, "vps", 'ALLOWED_HOSTS = ["localhost", "127.0.0.1", "shop.example.org"]'),
            ({}, "vps", 'os.environ.get("DJANGO_ALLOWED_HOSTS", "")'),
            (
                {"hosts": ["shop.example.org"]},
                "render",
                'ALLOWED_HOSTS = ["localhost", "127.0.0.1", "shop.example.org"]\nif "RENDER_EXTERNAL_HOSTNAME" in os.environ:',
            ),
        )
        for declared, platform, expected in rows:
            with self.subTest(declared=declared, platform=platform), override_settings(ALLOWED_HOSTS=[], DEPLOY_CONCEPTS=declared):
                text = self.explanation_text(self.facts(platform=platform), empty)
                self.assertIn(expected, text)
                self.assertNotIn("www.example.com", text)
