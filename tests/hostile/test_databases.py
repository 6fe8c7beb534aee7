"""Nothing written to a database, by construction: sqlite through Django's own backend, read-only;
PostgreSQL inside read-only transactions. The database is compared byte for byte (sqlite) or
table by table, row by row and sequence by sequence (PostgreSQL) around every command."""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from tests.hostile.support import EXPLAIN_COMMANDS, PromiseTestCase, hostile_project, manage
from tests.postgres import PostgresServer

WAL_BACKEND = """\
from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    # A common recipe: WAL switched on for every new connection, which rewrites the file header.
    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        connection.execute("PRAGMA journal_mode=WAL")
        return connection
"""
SUBCLASS_SETTINGS = '\nDATABASES = {"default": {"ENGINE": "hostile.sqlite_wal", "NAME": BASE_DIR / "db.sqlite3"}}\n'
INIT_COMMAND_SETTINGS = """
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3",
    "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS planted (x int);"}}}
"""


def make_sqlite(path: Path) -> None:
    connection = sqlite3.connect(path)
    with connection:
        connection.execute("CREATE TABLE notes (id integer primary key, body text)")
        connection.execute("INSERT INTO notes (body) VALUES ('kept as it is')")
    connection.close()


def probe(output: str) -> dict[str, Any]:
    data = json.loads(output)
    facts = next(concern["facts"] for concern in data["concerns"] if concern["concern"] == "database")
    return dict(facts["live"][0])


class SqliteTests(PromiseTestCase):
    def test_a_subclass_of_djangos_sqlite_backend_is_sqlite(self) -> None:
        with hostile_project(
            {"hostile/sqlite_wal/__init__.py": "", "hostile/sqlite_wal/base.py": WAL_BACKEND}, settings_extra=SUBCLASS_SETTINGS
        ) as project:
            # The file does not exist: nothing may create it.
            missing = self.run_command(project, "explain_database", "--format", "json", "--database", "default")
            self.assertFalse((project / "db.sqlite3").exists())
            self.assertIn("does not exist", probe(missing.stdout)["skipped"])
            # It exists in rollback-journal mode: connecting through the project's backend would switch it to WAL.
            make_sqlite(project / "db.sqlite3")
            found = self.run_command(project, "explain_database", "--format", "json", "--database", "default")
        live = probe(found.stdout)
        self.assertEqual((live["connected"], live["vendor"], live["read_only"]), (True, "sqlite", True))

    def test_init_command_is_never_run(self) -> None:
        with hostile_project(settings_extra=INIT_COMMAND_SETTINGS) as project:
            make_sqlite(project / "db.sqlite3")
            self.run_everywhere(project, "--database", "default", formats=("json",))
            tables = (
                sqlite3.connect(f"file:{project / 'db.sqlite3'}?mode=ro", uri=True).execute("SELECT name FROM sqlite_master").fetchall()
            )
        self.assertEqual(tables, [("notes",)])

    def test_a_file_of_random_bytes_is_not_a_database(self) -> None:
        with hostile_project({"db.sqlite3": os.urandom(4096)}) as project:
            outputs = self.run_everywhere(project, "--database", "default", commands=("explain_database",), formats=("json", "text"))
        live = probe(outputs["explain_database json"])
        self.assertFalse(live["connected"])
        self.assertIn("not an SQLite database", live["error"])
        self.assertNotIn("[ok] connected", outputs["explain_database text"])
        self.assertIn("deploy_database.E011", outputs["explain_database text"])


server: PostgresServer
PASSWORD = "planted-pg-pw-5e8c1a"


def setUpModule() -> None:
    global server
    server = PostgresServer(tls=False)
    server.start()
    try:
        server.create_role("owner", PASSWORD)
        server.create_database("shop", "owner")
        server.execute(
            "CREATE TABLE orders (id serial primary key, total int)",
            "INSERT INTO orders (total) VALUES (10), (20)",
            "ALTER TABLE orders OWNER TO owner",
            "ALTER SEQUENCE orders_id_seq OWNER TO owner",
            database="shop",
        )
    except BaseException:
        server.stop()
        raise


def tearDownModule() -> None:
    server.stop()


def postgres_snapshot() -> list[object]:
    """Tables, their rows, and every sequence's position."""
    tables = server.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1", database="shop")
    rows = [server.execute(f'SELECT * FROM "{name}" ORDER BY 1', database="shop") for (name,) in tables]
    sequences = server.execute("SELECT sequencename, last_value FROM pg_sequences ORDER BY 1", database="shop")
    return [tables, rows, sequences]


class PostgresTests(PromiseTestCase):
    def test_every_command_leaves_the_database_as_it_was(self) -> None:
        extra = f"\nDATABASES = {{'default': {server.settings_dict('shop', 'owner', PASSWORD)!r}}}\n"
        with hostile_project(settings_extra=extra) as project:
            before = postgres_snapshot()
            self.run_everywhere(project, "--database", "default", commands=EXPLAIN_COMMANDS, formats=("json",), secrets=[PASSWORD])
            with self.subTest("check --deploy --database default"):
                self.run_command(project, "check", "--deploy", "--database", "default", secrets=[PASSWORD], returncodes=(0, 1))
            self.assertEqual(postgres_snapshot(), before)


class ExampleProjectTests(PromiseTestCase):
    def test_every_command_on_the_example_writes_nothing(self) -> None:
        from shutil import copytree, ignore_patterns

        from tests.utils import EXAMPLE_DIR

        with tempfile.TemporaryDirectory() as directory:
            project = Path(directory) / "example"
            copytree(EXAMPLE_DIR, project, ignore=ignore_patterns("db.sqlite3", "__pycache__"))
            self.assertEqual(manage(project, "migrate", "--noinput", "-v", "0", env={"PYTHONDONTWRITEBYTECODE": "1"}).returncode, 0)
            self.run_everywhere(project, commands=EXPLAIN_COMMANDS, formats=("json",), env={"PYTHONDONTWRITEBYTECODE": "1"})
            self.run_command(project, "explain_webserver", "--emit", "nginx")


QUERYING_TAG = """\
from django import template
from django.db import connection

register = template.Library()


@register.simple_tag
def visitors():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone()[0]
"""
ERROR_PAGE_SETTINGS = """
INSTALLED_APPS = [*INSTALLED_APPS, "hostile"]
TEMPLATES[0]["DIRS"] = [BASE_DIR / "templates"]
DATABASES = {{"default": {{"ENGINE": "django.db.backends.postgresql", "NAME": "app", "HOST": "127.0.0.1", "PORT": {port},
    "OPTIONS": {{"connect_timeout": 600}}}}}}
"""


class ErrorPageTests(PromiseTestCase):
    def test_a_500_page_that_queries_is_found_without_connecting(self) -> None:
        from tests.hostile.support import silent_server

        files = {
            "hostile/templatetags/__init__.py": "",
            "hostile/templatetags/pages.py": QUERYING_TAG,
            "templates/500.html": "{% load pages %}<p>{% visitors %} visitors saw this error</p>",
            "templates/404.html": "Not found",
        }
        with silent_server() as server, hostile_project(files, settings_extra=ERROR_PAGE_SETTINGS.format(port=server.port)) as project:
            result = self.run_command(project, "explain_checklist", "--format", "json", "--database", "default", "--timeout", "2")
            self.assertEqual(server.accepted, [])
        data = json.loads(result.stdout)
        messages = [
            finding["msg"] for concern in data["concerns"] for finding in concern["findings"] if finding["id"] == "deploy_checklist.E017"
        ]
        self.assertEqual(len(messages), 1, messages)
        self.assertIn("DatabaseAccessBlocked", messages[0])


WRITES_AT_IMPORT = """\
import os

from django.core.wsgi import get_wsgi_application
from django.db import connection

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hostile.settings")
application = get_wsgi_application()
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE planted (x int)")
"""


class WritingWsgiTests(PromiseTestCase):
    def test_a_wsgi_py_that_writes_at_import_writes_nothing(self) -> None:
        with hostile_project({"hostile/wsgi.py": WRITES_AT_IMPORT}) as project:
            # No database yet: connecting would create the file, so the connection is refused.
            missing = self.run_command(project, "explain_wsgi", "--format", "json", "--database", "default")
            self.assertFalse((project / "db.sqlite3").exists())
            make_sqlite(project / "db.sqlite3")
            existing = self.run_command(project, "explain_wsgi", "--format", "json", "--database", "default")
        for result in (missing, existing):
            ids = {finding["id"] for concern in json.loads(result.stdout)["concerns"] for finding in concern["findings"]}
            self.assertIn("deploy_wsgi.I017", ids)
            self.assertNotIn("deploy_wsgi.E001", ids)

    def test_a_wsgi_py_that_writes_to_postgresql_writes_nothing(self) -> None:
        extra = f"\nDATABASES = {{'default': {server.settings_dict('shop', 'owner', PASSWORD)!r}}}\n"
        wsgi = WRITES_AT_IMPORT.replace("CREATE TABLE planted (x int)", "INSERT INTO orders (total) VALUES (99)")
        with hostile_project({"hostile/wsgi.py": wsgi}, settings_extra=extra) as project:
            before = postgres_snapshot()
            result = self.run_command(project, "explain_wsgi", "--format", "json", "--database", "default", secrets=[PASSWORD])
            self.assertEqual(postgres_snapshot(), before)
        self.assertIn("read-only", result.stdout)
