"""The build steps the platform file names: known-safe management commands are run in the
temporary build (migrate on the sqlite copies), everything else is listed as not run."""

from __future__ import annotations

import sqlite3
from typing import Any, ClassVar

from django.test import SimpleTestCase

from django_deploy_concepts.rehearsal import messages
from django_deploy_concepts.rehearsal.build import management_command
from tests.rehearsal.project import CLEAN_URLS, manage, tree_digest, write
from tests.rehearsal.test_rehearse_deploy import RehearsalTestCase, failures

RENDER_YAML = """services:
  - type: web
    name: shop
    runtime: python
    buildCommand: pip install -r requirements.txt && python manage.py compilescss && python manage.py collectstatic --noinput && python manage.py migrate
    startCommand: gunicorn shopsite.wsgi
"""


class ManagementCommandTests(SimpleTestCase):
    def test_the_management_command_a_shell_command_runs(self) -> None:
        rows = [
            ("python manage.py collectstatic --noinput", "collectstatic"),
            ("python3.12 ./manage.py migrate", "migrate"),
            ("./manage.py compress --force", "compress"),
            ("DJANGO_SETTINGS_MODULE=shop.prod python -m django compilescss", "compilescss"),
            ("uv run python manage.py migrate --noinput", "migrate"),
            ("django-admin collectstatic", "collectstatic"),
            ("pip install -r requirements.txt", None),
            ("python -m pip install .", None),
            ("npm run build", None),
            ("python manage.py", None),
            ("python manage.py 'unterminated", None),
        ]
        for command, expected in rows:
            with self.subTest(command=command):
                self.assertEqual(management_command(command), expected)


class RenderBuildCommandTests(RehearsalTestCase):
    """render.yaml's buildCommand: pip install (not run), compilescss (not installed here: fails as it
    would), collectstatic, and migrate, which applies the migration the database lacks to the copy."""

    arguments = ("--host", "shop.example.com", "--proxy", "same-host")
    project: ClassVar[dict[str, Any]] = {"urls": CLEAN_URLS, "admin": False, "procfile": None, "media_file": False}

    @classmethod
    def prepare(cls) -> None:
        write(cls.directory / "render.yaml", RENDER_YAML)
        result = manage(cls.directory, "migrate", "shop", "0001", "--noinput")
        if result.returncode != 0:
            raise AssertionError(result.stderr)

    def test_a_build_step_that_fails_is_reported_with_its_error(self) -> None:
        self.assert_rehearsed()
        (failure,) = failures(self.data, "deploy_rehearsal.E018")
        self.assertEqual(failure["finding"]["msg"], messages.e018("compilescss", "render.yaml line 5", failure["error"]).msg)
        self.assertIn("Unknown command: 'compilescss'", failure["error"])
        self.assertEqual(failure["concern"], "static")

    def test_steps_not_known_to_be_safe_are_listed_not_run(self) -> None:
        self.assertIn(
            "Build steps not run (not known to be safe): render.yaml line 5: pip install -r requirements.txt.", self.data["notes"]
        )

    def test_migrate_runs_on_the_copy_as_the_build_does(self) -> None:
        self.assertIn("migrate (render.yaml line 5) on the sqlite copies", self.data["worked"])
        # The page that queries the migrated column works: without the build's migrate it was a 500.
        pages = {visit["url"]: visit["status"] for visit in self.data["visits"]}
        self.assertEqual(pages["https://shop.example.com/items/"], 200)
        self.assertEqual(failures(self.data, "deploy_rehearsal.E004"), [])
        with sqlite3.connect(self.directory / "db.sqlite3") as connection:
            applied = connection.execute("SELECT name FROM django_migrations WHERE app = 'shop'").fetchall()
        self.assertEqual(applied, [("0001_initial",)])

    def test_collectstatic_ran(self) -> None:
        stage = next(stage for stage in self.data["stages"] if stage["name"] == "collectstatic")
        self.assertTrue(stage["ok"], stage)

    def test_project_tree_is_byte_identical(self) -> None:
        self.assertEqual(tree_digest(self.directory), self.before)
