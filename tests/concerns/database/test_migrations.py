"""Migrations read from disk, as `makemigrations --check --dry-run` reads them: nothing written.

The plan on a real database (unapplied, inconsistent) is tested against PostgreSQL in test_live.
"""

from __future__ import annotations

from django.test import SimpleTestCase, override_settings

from tests.concerns.database.helpers import ids, make_context, messages_with, run
from tests.utils import FIXTURES_DIR

FIXTURES = "tests.fixtures.database"


def migrations_of_testapp(package: str) -> override_settings:
    return override_settings(MIGRATION_MODULES={"testapp": f"{FIXTURES}.{package}"})


class ModelChangeTests(SimpleTestCase):
    def test_model_changed_after_its_migration_is_d014(self) -> None:
        before = sorted(path.name for path in (FIXTURES_DIR / "database" / "drifted_migrations").iterdir())
        with migrations_of_testapp("drifted_migrations"):
            facts, messages = run(make_context())
        [message] = messages_with(messages, "deploy_database.W014")
        self.assertEqual(message.obj, "testapp")
        self.assertEqual(facts.migrations.model_changes[0].operations, ("Add field attachment to document",))
        self.assertIn("Add field attachment to document", message.msg)
        # A dry run: no migration file was written.
        self.assertEqual(sorted(path.name for path in (FIXTURES_DIR / "database" / "drifted_migrations").iterdir()), before)

    def test_migrations_matching_the_models_are_quiet(self) -> None:
        rows = {"matching migrations": migrations_of_testapp("matching_migrations"), "an app without migrations": override_settings()}
        for label, settings in rows.items():
            with self.subTest(label), settings:
                facts, messages = run(make_context())
                self.assertEqual(facts.migrations.model_changes, ())
                self.assertIsNone(facts.migrations.error)
                self.assertNotIn("deploy_database.W014", ids(messages))


class ConflictTests(SimpleTestCase):
    def test_two_leaf_migrations_are_d015(self) -> None:
        with migrations_of_testapp("conflicting_migrations"):
            facts, messages = run(make_context())
        [message] = messages_with(messages, "deploy_database.E015")
        self.assertEqual(facts.migrations.conflicts[0].leaves, ("0002_add_subtitle", "0002_add_summary"))
        self.assertIn("makemigrations --merge", message.hint or "")
        # The conflict is the one cause shown; the model changes it implies are not listed too.
        self.assertNotIn("deploy_database.W014", ids(messages))

    def test_one_leaf_is_quiet(self) -> None:
        with migrations_of_testapp("matching_migrations"):
            _, messages = run(make_context())
        self.assertNotIn("deploy_database.E015", ids(messages))


class LoadTests(SimpleTestCase):
    def test_migration_with_a_missing_dependency_is_d026(self) -> None:
        with migrations_of_testapp("broken_migrations"):
            facts, messages = run(make_context())
        [message] = messages_with(messages, "deploy_database.E026")
        self.assertIn("NodeNotFoundError", facts.migrations.error or "")
        self.assertIn("0000_deleted", message.msg)

    def test_loadable_migrations_are_quiet(self) -> None:
        for package in ("matching_migrations", "drifted_migrations"):
            with self.subTest(package), migrations_of_testapp(package):
                _, messages = run(make_context())
                self.assertNotIn("deploy_database.E026", ids(messages))
