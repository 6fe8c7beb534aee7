"""Unapplied migrations, judged by whether a release or start command runs migrate, and by the routers."""

from __future__ import annotations

from django.test import override_settings

from django_deploy_concepts.concerns.database import migrations
from tests.concerns.database.helpers import ids, messages_with
from tests.concerns.database.test_sqlite import SqliteProjectTestCase, create_database


class ReleaseMigrationsTests(SqliteProjectTestCase):
    def write(self, name: str, text: str) -> None:
        (self.base_dir / name).write_text(text, encoding="utf-8")

    def test_no_step_runs_migrate_is_d027(self) -> None:
        create_database(self.db_path)
        self.write("Procfile", "web: gunicorn tests.wsgi\n")
        facts, messages = self.run_concern(databases=("production",))
        [probe] = facts.live
        self.assertIn("contenttypes.0001_initial", probe.unapplied)
        self.assertEqual(messages_with(messages, "deploy_database.E027"), [migrations.e027(probe, ("Procfile",))])
        self.assertNotIn("deploy_database.W013", ids(messages))

    def test_release_step_runs_migrate_is_quiet(self) -> None:
        rows = {
            "Procfile": "release: python manage.py migrate --noinput\nweb: gunicorn tests.wsgi\n",
            "entrypoint.sh": "#!/bin/sh\nset -e\npython manage.py migrate\nexec gunicorn tests.wsgi\n",
        }
        create_database(self.db_path)
        for name, text in rows.items():
            with self.subTest(name):
                self.write(name, text)
                facts, messages = self.run_concern(databases=("production",))
                self.assertEqual(facts.migrate_step, f"{name}:1" if name == "Procfile" else f"{name}:3")
                self.assertFalse({"deploy_database.E027", "deploy_database.W013"} & ids(messages))
                (self.base_dir / name).unlink()

    def test_no_build_file_at_all_stays_a_warning(self) -> None:
        create_database(self.db_path)
        _, messages = self.run_concern(databases=("production",))
        self.assertIn("deploy_database.W013", ids(messages))
        self.assertNotIn("deploy_database.E027", ids(messages))

    @override_settings(DATABASE_ROUTERS=["tests.concerns.database.routers.NothingOnProduction"])
    def test_migrations_a_router_keeps_off_the_alias_are_not_counted(self) -> None:
        create_database(self.db_path)
        self.write("Procfile", "web: gunicorn tests.wsgi\n")
        facts, messages = self.run_concern(databases=("production",))
        [probe] = facts.live
        self.assertTrue(probe.connected, probe)
        self.assertEqual(probe.unapplied, ())
        self.assertFalse({"deploy_database.E027", "deploy_database.W013"} & ids(messages))
