"""sqlite in production, with real files in temporary directories: never created, never written."""

from __future__ import annotations

import sqlite3
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from django.core.checks import CheckMessage
from django.test import SimpleTestCase, override_settings

from django_deploy_concepts.concerns import database
from django_deploy_concepts.concerns.database import sqlite
from tests.concerns.database.helpers import ids, make_context, messages_with, override_databases, run
from tests.utils import require_executable

SAFE_OPTIONS = {"transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;", "timeout": 20}


def create_database(path: Path, *, wal: bool = False) -> None:
    connection = sqlite3.connect(path)
    if wal:
        connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE note (text TEXT)")
    connection.execute("INSERT INTO note VALUES ('kept')")
    connection.commit()
    connection.close()


def snapshot(directory: Path) -> dict[str, tuple[int, bytes]]:
    """Every file in a directory with its modification time and content."""
    return {path.name: (path.stat().st_mtime_ns, path.read_bytes()) for path in sorted(directory.iterdir()) if path.is_file()}


class SqliteProjectTestCase(SimpleTestCase):
    """A project directory of its own (BASE_DIR) holding the sqlite file and, when needed, a Procfile."""

    def setUp(self) -> None:
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.base_dir = Path(directory.name)
        self.db_path = self.base_dir / "db.sqlite3"
        base_dir_override = override_settings(BASE_DIR=self.base_dir)
        base_dir_override.enable()
        self.addCleanup(base_dir_override.disable)

    def run_concern(
        self, *, platform: str = "vps", databases: tuple[str, ...] = (), name: object = None, options: dict[str, Any] | None = None
    ) -> tuple[database.Facts, list[CheckMessage]]:
        alias = {"ENGINE": "django.db.backends.sqlite3", "NAME": self.db_path if name is None else name, "OPTIONS": options or {}}
        # The live check connects to "production": an alias the test runner's own connections do not
        # have, so SimpleTestCase still refuses any use of theirs.
        aliases = {"default": alias, **({"production": dict(alias)} if databases else {})}
        with override_databases(aliases):
            # A bound no healthy local probe comes near, so no result depends on the machine's load.
            return run(make_context(platform=platform, databases=databases, timeout=30))


class EphemeralDiskTests(SqliteProjectTestCase):
    def test_ephemeral_platforms_are_d002(self) -> None:
        for platform in ("heroku", "render", "railway", "fly", "cloudrun", "appengine", "container"):
            with self.subTest(platform):
                _, messages = self.run_concern(platform=platform)
                [message] = messages_with(messages, "deploy_database.E002")
                self.assertIn("db.sqlite3", message.msg)

    def test_persistent_disks_are_quiet(self) -> None:
        for platform in ("vps", "upsun", "pythonanywhere"):
            with self.subTest(platform):
                _, messages = self.run_concern(platform=platform)
                self.assertNotIn("deploy_database.E002", ids(messages))

    def test_no_detected_platform_is_quiet(self) -> None:
        with override_databases({"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": self.db_path}}):
            facts, messages = run(make_context())
        self.assertFalse(facts.platform.ephemeral_disk)
        self.assertNotIn("deploy_database.E002", ids(messages))


class InMemoryTests(SqliteProjectTestCase):
    def test_in_memory_database_is_d007(self) -> None:
        for name in (":memory:", "file:memdb?mode=memory&cache=shared"):
            with self.subTest(name):
                _, messages = self.run_concern(name=name, platform="heroku")
                self.assertEqual(len(messages_with(messages, "deploy_database.W007")), 1)
                # One cause, one message: there is no file to lose on the disk.
                self.assertNotIn("deploy_database.E002", ids(messages))

    def test_a_file_is_quiet(self) -> None:
        _, messages = self.run_concern()
        self.assertNotIn("deploy_database.W007", ids(messages))


class CommittedFileTests(SqliteProjectTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.git_executable = require_executable("git")
        self.git("init", "--quiet")
        create_database(self.db_path)

    def git(self, *args: str) -> None:
        subprocess.run([self.git_executable, *args], cwd=self.base_dir, capture_output=True, timeout=30, check=True)

    def test_committed_file_is_d008(self) -> None:
        self.git("add", "db.sqlite3")
        facts, messages = self.run_concern()
        [message] = messages_with(messages, "deploy_database.W008")
        self.assertTrue(facts.sqlite_files[0].tracked_by_git)
        self.assertIn("git rm --cached db.sqlite3", message.hint or "")

    def test_untracked_file_is_quiet(self) -> None:
        facts, messages = self.run_concern()
        self.assertIs(facts.sqlite_files[0].tracked_by_git, False)
        self.assertEqual(facts.sqlite_files[0].project_path, "db.sqlite3")
        self.assertNotIn("deploy_database.W008", ids(messages))


class MissingFileTests(SqliteProjectTestCase):
    def test_missing_file_is_d010_and_is_not_created(self) -> None:
        facts, messages = self.run_concern(databases=("production",))
        self.assertEqual([message.obj for message in messages_with(messages, "deploy_database.W010")], ["default", "production"])
        self.assertIn("opening it would create it", facts.live[0].skipped or "")
        self.assertFalse(self.db_path.exists())
        self.assertEqual(list(self.base_dir.iterdir()), [])

    def test_existing_file_is_quiet(self) -> None:
        create_database(self.db_path)
        _, messages = self.run_concern()
        self.assertNotIn("deploy_database.W010", ids(messages))

    def test_on_an_ephemeral_disk_the_disk_is_the_message(self) -> None:
        _, messages = self.run_concern(platform="heroku")
        self.assertIn("deploy_database.E002", ids(messages))
        self.assertNotIn("deploy_database.W010", ids(messages))


class SingleWriterTests(SqliteProjectTestCase):
    def write_procfile(self, command: str) -> None:
        (self.base_dir / "Procfile").write_text(f"web: {command}\n", encoding="utf-8")

    def test_several_workers_are_d009(self) -> None:
        rows = {
            "gunicorn tests.wsgi --workers 3": 3,
            "gunicorn tests.wsgi -w 2 --threads 2": 4,
            "gunicorn tests.wsgi --workers=5 --bind 0.0.0.0:$PORT": 5,
        }
        create_database(self.db_path)
        for command, writers in rows.items():
            with self.subTest(command):
                self.write_procfile(command)
                facts, messages = self.run_concern()
                [message] = messages_with(messages, "deploy_database.W009")
                self.assertEqual(facts.processes.workers.concurrency, writers)
                self.assertIn(f"{writers} workers (Procfile line 1)", message.msg)

    def test_one_writer_or_safe_options_are_quiet(self) -> None:
        create_database(self.db_path)
        rows = [
            ("gunicorn tests.wsgi --workers 1", {}),
            ("gunicorn tests.wsgi", {}),
            ("gunicorn tests.wsgi --workers 4", SAFE_OPTIONS),
        ]
        for command, options in rows:
            with self.subTest(command, options=options):
                self.write_procfile(command)
                _, messages = self.run_concern(options=options)
                self.assertNotIn("deploy_database.W009", ids(messages))

    def test_a_file_already_in_wal_mode_needs_only_immediate_transactions(self) -> None:
        create_database(self.db_path, wal=True)
        self.write_procfile("gunicorn tests.wsgi --workers 4")
        facts, messages = self.run_concern(options={"transaction_mode": "IMMEDIATE"})
        self.assertEqual(facts.sqlite_files[0].journal_mode, "wal")
        self.assertNotIn("deploy_database.W009", ids(messages))


class LiveSqliteTests(SqliteProjectTestCase):
    def test_existing_file_is_read_and_not_changed(self) -> None:
        create_database(self.db_path)
        before = snapshot(self.base_dir)
        facts, messages = self.run_concern(databases=("production",), options={"init_command": "PRAGMA journal_mode=WAL;"})
        [probe] = facts.live
        self.assertTrue(probe.connected, probe)
        self.assertEqual(probe.server_version, sqlite3.sqlite_version)
        self.assertTrue(probe.read_only)
        # Measured once connected: a number (its size is the machine's, not the code's).
        self.assertIsInstance(probe.round_trip_ms, float)
        # No django_migrations table: every migration is still to apply, and the table was not created.
        self.assertIn("contenttypes.0001_initial", probe.unapplied)
        self.assertIn("deploy_database.W013", ids(messages))
        self.assertEqual(snapshot(self.base_dir), before)

    def test_wal_file_is_read_without_leaving_wal_files_behind(self) -> None:
        create_database(self.db_path, wal=True)
        before = snapshot(self.base_dir)
        facts, _ = self.run_concern(databases=("production",))
        self.assertTrue(facts.live[0].connected, facts.live[0])
        self.assertEqual(snapshot(self.base_dir), before)

    def test_wal_file_in_use_is_read_through_its_wal(self) -> None:
        create_database(self.db_path, wal=True)
        writer = sqlite3.connect(self.db_path)
        self.addCleanup(writer.close)
        writer.execute("CREATE TABLE django_migrations (id INTEGER PRIMARY KEY, app TEXT, name TEXT, applied TEXT)")
        writer.execute("INSERT INTO django_migrations (app, name, applied) VALUES ('contenttypes', '0001_initial', '2026-01-01')")
        writer.commit()
        names = {path.name for path in self.base_dir.iterdir()}
        facts, _ = self.run_concern(databases=("production",))
        [probe] = facts.live
        self.assertTrue(probe.connected, probe)
        # The row lives in the -wal file so far; a reader that ignored it would list the migration.
        self.assertNotIn("contenttypes.0001_initial", probe.unapplied)
        self.assertIn("contenttypes.0002_remove_content_type_name", probe.unapplied)
        self.assertEqual({path.name for path in self.base_dir.iterdir()}, names)

    def test_offline_opens_nothing(self) -> None:
        create_database(self.db_path)
        facts, _ = self.run_concern()
        self.assertEqual(facts.live, ())


class HeaderTests(SimpleTestCase):
    def test_the_header_says_whether_a_file_is_a_database(self) -> None:
        rows = [
            ("sqlite, rollback journal", b"SQLite format 3\x00" + bytes(2) + b"\x01\x01" + bytes(80), (True, "rollback journal")),
            ("sqlite, wal", b"SQLite format 3\x00" + bytes(2) + b"\x02\x02" + bytes(80), (True, "wal")),
            ("empty: sqlite makes it a database", b"", (True, None)),
            ("random bytes", b"\x8f\x03not a database at all" * 10, (False, None)),
        ]
        for label, content, expected in rows:
            with self.subTest(label), tempfile.TemporaryDirectory() as directory:
                path = Path(directory) / "db.sqlite3"
                path.write_bytes(content)
                self.assertEqual(sqlite.read_header(path), expected)
