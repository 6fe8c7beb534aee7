"""explain_wsgi and check --deploy on whole projects: the steps, the map, no traceback, no leak."""

from __future__ import annotations

import json
import shutil
import tempfile
import warnings
from pathlib import Path

from django.test import SimpleTestCase
from django.test.utils import override_settings

from django_deploy_concepts.concerns import wsgi
from django_deploy_concepts.report import Finding
from tests.concerns.wsgi.support import PROJECTS, inspect, project_with
from tests.utils import EXAMPLE_DIR, call, run_manage


def explanation(facts: wsgi.Facts, messages: list) -> object:  # type: ignore[type-arg]
    return wsgi.explain(facts, tuple(Finding.from_message(message) for message in messages))


class ExampleProjectTests(SimpleTestCase):
    def test_explain_wsgi_on_the_example_predicts_and_changes_nothing(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            project = Path(directory) / "example"
            shutil.copytree(EXAMPLE_DIR, project, ignore=shutil.ignore_patterns("db.sqlite3", "__pycache__"))
            result = run_manage(project, "explain_wsgi", env={"PYTHONDONTWRITEBYTECODE": "1"})
            self.assertFalse((project / "db.sqlite3").exists(), "explain_wsgi created the sqlite database")
        self.assertEqual((result.returncode, result.stderr), (0, ""))
        for expected in (
            "deploy_wsgi.E002",
            "deploy_wsgi.W004",
            "rehearse_deploy",
            "web: gunicorn mysite.wsgi:application",
        ):
            self.assertIn(expected, result.stdout)

    def test_the_example_itself_gets_no_database(self) -> None:
        existed = (EXAMPLE_DIR / "db.sqlite3").exists()
        result = run_manage(EXAMPLE_DIR, "explain_wsgi", "--format", "json", env={"PYTHONDONTWRITEBYTECODE": "1"})
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual((EXAMPLE_DIR / "db.sqlite3").exists(), existed)


class FailingProjectTests(SimpleTestCase):
    def test_check_deploy_reports_the_start_command_that_does_not_load(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            project = Path(directory) / "shop"
            shutil.copytree(PROJECTS / "shop", project)
            result = run_manage(project, "check", "--deploy", "--tag", "deploy_concepts", env={"PYTHONDONTWRITEBYTECODE": "1"})
        self.assertEqual(result.returncode, 1)
        self.assertIn("deploy_wsgi.E005", result.stderr)
        self.assertIn("No module named 'shop.wgsi'", result.stderr)
        self.assertNotIn("Traceback", result.stderr)


class MaskingTests(SimpleTestCase):
    def test_a_password_written_into_a_start_command_is_masked(self) -> None:
        procfile = "web: DATABASE_URL=postgres://blog:hunter2-in-procfile@db:5432/blog gunicorn tests.wsgi --workers 2\n"
        with project_with({"Procfile": procfile}) as project, override_settings(BASE_DIR=project):
            output = call("explain_wsgi", "--format", "json", "--offline")
        self.assertNotIn("hunter2-in-procfile", output)
        self.assertIn("postgres://blog:********@db:5432/blog", output)


class ExplanationTests(SimpleTestCase):
    def test_the_steps_give_the_exact_lines_for_this_project(self) -> None:
        with project_with({"Procfile": "web: python manage.py migrate && python manage.py runserver 0.0.0.0:$PORT\n"}) as project:
            facts, messages = inspect(project)
        guidance = explanation(facts, messages)
        codes = [step.code for step in guidance.steps]  # type: ignore[attr-defined]
        workers = facts.gunicorn.cpus.recommended_workers
        # The whole Procfile, as `explain_deploy --emit platform` writes it.
        self.assertIn(
            "release: python manage.py migrate --noinput\n"
            f"web: gunicorn tests.wsgi:application --bind 0.0.0.0:$PORT --workers ${{WEB_CONCURRENCY:-{workers}}} --timeout 30 --forwarded-allow-ips='*'",
            codes,
        )

    def test_installed_servers_are_this_environments_not_productions(self) -> None:
        """gunicorn is always here (this app depends on it): the fact says so and judges nothing."""
        with project_with({"Procfile": "web: gunicorn tests.wsgi\n"}) as project:
            facts, messages = inspect(project)
        found = explanation(facts, messages).found  # type: ignore[attr-defined]
        [fact] = [fact for fact in found if fact.label.startswith("Servers installed")]
        self.assertEqual(fact.label, "Servers installed in this environment")
        self.assertIsNone(fact.ok)
        self.assertIn("gunicorn ", fact.value)
        self.assertIn("not what production installs: that comes from its requirements, lock file or Dockerfile", fact.value)

    def test_a_typo_gets_the_corrected_line(self) -> None:
        with project_with({"Procfile": "web: gunicorn tests.wgsi --workers 3\n"}) as project:
            facts, messages = inspect(project)
        codes = [step.code for step in explanation(facts, messages).steps]  # type: ignore[attr-defined]
        self.assertIn("gunicorn tests.wsgi:application --workers 3", codes)

    def test_async_projects_get_an_asgi_command(self) -> None:
        with (
            override_settings(ASGI_APPLICATION="tests.concerns.wsgi.apps.asgi_application"),
            project_with({"Procfile": "web: gunicorn tests.wsgi\n"}) as project,
        ):
            facts, messages = inspect(project, platform="heroku")
        codes = "\n".join(step.code for step in explanation(facts, messages).steps)  # type: ignore[attr-defined]
        self.assertIn("gunicorn tests.concerns.wsgi.apps:asgi_application --worker-class", codes)

    def test_the_request_path_map(self) -> None:
        with project_with({"Procfile": "web: gunicorn tests.wsgi --workers 3\n"}) as project:
            facts, _ = inspect(project, platform="heroku")
        server, application = wsgi.hops(facts)
        self.assertEqual((server.key, server.ready), ("wsgi_server", True))
        self.assertIn("starts", server.detail)
        self.assertEqual((application.key, application.ready), ("application", True))
        with project_with({"Procfile": "web: gunicorn tests.wgsi\n"}) as project:
            facts, _ = inspect(project, platform="heroku")
        self.assertFalse(wsgi.hops(facts)[0].ready)


class BrokenSettingsTests(SimpleTestCase):
    def test_odd_setting_values_become_findings_never_a_traceback(self) -> None:
        rows: list[dict[str, object]] = [
            {"WSGI_APPLICATION": 42},
            {"WSGI_APPLICATION": ""},
            {"ASGI_APPLICATION": ["x"]},
            {"ALLOWED_HOSTS": None},
            {"ALLOWED_HOSTS": [None, 3, "*"]},
            {"ROOT_URLCONF": None},
            {"DATABASES": None},
            {"CHANNEL_LAYERS": "yes"},
        ]
        for settings in rows:
            with self.subTest(settings), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # Django warns that DATABASES is overridden
                with override_settings(**settings):
                    output = call("explain_wsgi", "--format", "json")
            report = json.loads(output)
            self.assertNotIn("deploy_wsgi.E000", [finding["id"] for finding in report["concerns"][0]["findings"]])

    def test_every_format_renders(self) -> None:
        for output_format in ("text", "json", "markdown"):
            with self.subTest(output_format):
                self.assertIn("WSGI", call("explain_wsgi", "--format", output_format, "--offline"))
