"""The example blog, run as a user runs it: its sqlite file does not exist, and must not be created."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from django.test import SimpleTestCase

from tests.utils import EXAMPLE_DIR, run_manage


class ExampleProjectTests(SimpleTestCase):
    def setUp(self) -> None:
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        # A copy, so a db.sqlite3 left by a contributor's `migrate` in example/ cannot hide a bug.
        self.project = Path(directory.name) / "example"
        shutil.copytree(EXAMPLE_DIR, self.project, ignore=shutil.ignore_patterns("db.sqlite3", "__pycache__", "staticfiles"))
        self.database_file = self.project / "db.sqlite3"

    def test_explain_database_does_not_create_the_sqlite_file(self) -> None:
        result = run_manage(self.project, "explain_database", "--format", "json", env={"PYTHONDONTWRITEBYTECODE": "1"})
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertFalse(self.database_file.exists())
        [concern] = json.loads(result.stdout)["concerns"]
        [live] = concern["facts"]["live"]
        self.assertFalse(live["connected"])
        self.assertIn("would create it", live["skipped"])
        # The Procfile makes it a Heroku project: the ephemeral disk is the one message about the file.
        self.assertIn("deploy_database.E002", {finding["id"] for finding in concern["findings"]})

    def test_check_deploy_with_the_database_does_not_create_it_either(self) -> None:
        result = run_manage(self.project, "check", "--deploy", "--database", "default", env={"PYTHONDONTWRITEBYTECODE": "1"})
        self.assertIn("deploy_database.E002", result.stderr)
        self.assertNotIn("Traceback", result.stderr)
        self.assertFalse(self.database_file.exists())
