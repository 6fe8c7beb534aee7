"""deploy_wsgi.E020 and W021: no start command where the platform needs one means no site."""

from __future__ import annotations

from django.test import SimpleTestCase

from django_deploy_concepts.concerns import wsgi
from django_deploy_concepts.report import Finding
from tests.concerns.wsgi.support import inspect, project_with
from tests.utils import message_ids

PROCFILE = "release: python manage.py migrate --noinput\nweb: gunicorn tests.wsgi --bind 0.0.0.0:$PORT\n"


class NoStartCommandTests(SimpleTestCase):
    def test_fires_where_the_platform_needs_one(self) -> None:
        rows = [("heroku", "deploy_wsgi.E020"), ("render", "deploy_wsgi.W021"), ("container", "deploy_wsgi.W021")]
        for platform, expected in rows:
            with self.subTest(platform=platform), project_with({"README": "no start command here\n"}) as project:
                _, messages = inspect(project, platform=platform)
                ids = message_ids(messages)
                self.assertIn(expected, ids)
                self.assertEqual(len({"deploy_wsgi.E020", "deploy_wsgi.W021"} & set(ids)), 1)

    def test_quiet_with_a_start_command_or_where_none_is_needed(self) -> None:
        rows = [("heroku", {"Procfile": PROCFILE}), ("vps", {}), ("pythonanywhere", {}), (None, {})]
        for platform, files in rows:
            with self.subTest(platform=platform), project_with(files or {"README": "x\n"}) as project:
                _, messages = inspect(project, platform=platform)
                self.assertFalse({"deploy_wsgi.E020", "deploy_wsgi.W021"} & set(message_ids(messages)))

    def test_the_impact_is_does_not_start_and_the_concern_is_not_ready(self) -> None:
        with project_with({"README": "x\n"}) as project:
            facts, messages = inspect(project, platform="heroku")
        findings = tuple(Finding.from_message(message) for message in messages)
        e015 = [finding for finding in findings if finding.id == wsgi.e020(facts).id]
        self.assertEqual([finding.impact for finding in e015], ["does_not_start"])
        self.assertFalse(e015[0].blocking is False)
        self.assertEqual([hop.ready for hop in wsgi.hops(facts) if hop.key == "wsgi_server"], [False])
        steps = wsgi.explain(facts, findings).steps
        self.assertTrue(
            any(step.code.startswith("release: python manage.py migrate --noinput\nweb: gunicorn tests.wsgi:application") for step in steps)
        )
