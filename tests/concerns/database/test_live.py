"""The live check against a real, throwaway PostgreSQL server: read only, bounded, and never leaking.

One server for the module (tests.postgres): roles "owner" (owns the databases), "reader" (may
connect and SELECT, nothing else) and "literal" (the password a fixture writes into its settings);
databases "fresh" (no migration applied), "migrated" (`manage.py migrate` ran) and "inconsistent"
(a migration applied before its dependency). Every statement the server receives is logged.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import tempfile
import threading
import urllib.parse
from pathlib import Path
from typing import Any
from unittest import mock

from django.core.checks import CheckMessage
from django.test import SimpleTestCase, override_settings

from django_deploy_concepts.concerns import database
from django_deploy_concepts.concerns.database import live, migrations
from tests.concerns.database.helpers import SQLITE_MEMORY, ids, make_context, messages_with, override_databases, run
from tests.postgres import PostgresServer
from tests.utils import FIXTURES_DIR, call, free_port, run_manage

OWNER_PASSWORD = "planted-owner-pw-2a9d"
READER_PASSWORD = "planted-reader-pw-5b8e"
LITERAL_PASSWORD = "planted-literal-pw-4d1c"  # written in tests/fixtures/database/project/dbproject/literal_settings.py
URL_PASSWORD = "planted-url-pw-9c2e"
WRONG_PASSWORD = "planted-wrong-pw-0d6a"
PLANTED = (OWNER_PASSWORD, READER_PASSWORD, LITERAL_PASSWORD, URL_PASSWORD, WRONG_PASSWORD)
TIMEOUT = 2.0
# A bound no healthy run comes near; only there so a probe that ignores its timeout fails the test.
HANG_LIMIT = 60.0
# What a read-only probe session may send: the transaction, settings local to it, and reads.
READ_ONLY_STATEMENT = re.compile(
    r"^(BEGIN|ROLLBACK|SET TRANSACTION READ ONLY|SET LOCAL statement_timeout = \d+|SHOW \w+|SELECT\b)", re.IGNORECASE
)

server: PostgresServer
project_dir: Path


def setUpModule() -> None:
    global server, project_dir
    server = PostgresServer()
    server.start()
    try:
        prepare_server()
    except BaseException:
        server.stop()
        raise


def prepare_server() -> None:
    global project_dir
    server.create_role("owner", OWNER_PASSWORD)
    server.create_role("reader", READER_PASSWORD)
    server.create_role("literal", LITERAL_PASSWORD)
    for name in ("fresh", "migrated"):
        server.create_database(name, "owner")
    directory = Path(tempfile.mkdtemp(prefix="ddc-dbproject-"))
    project_dir = directory / "project"
    shutil.copytree(FIXTURES_DIR / "database" / "project", project_dir)
    migrated = run_manage(project_dir, "migrate", "--noinput", env={"DATABASE_URL": server.url("migrated", "owner", OWNER_PASSWORD)})
    assert migrated.returncode == 0, migrated.stderr
    server.execute('CREATE DATABASE "inconsistent" TEMPLATE "migrated" OWNER "owner"')
    server.execute("DELETE FROM django_migrations WHERE app = 'contenttypes' AND name = '0001_initial'", database="inconsistent")
    for name in ("fresh", "migrated", "inconsistent"):
        server.execute(f'REVOKE ALL ON DATABASE "{name}" FROM PUBLIC', f'GRANT CONNECT ON DATABASE "{name}" TO reader, literal')
        server.execute(
            "GRANT USAGE ON SCHEMA public TO reader, literal",
            "GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader, literal",
            database=name,
        )


def tearDownModule() -> None:
    server.stop()
    shutil.rmtree(project_dir.parent, ignore_errors=True)


def reader(database_name: str = "migrated", **options: Any) -> dict[str, Any]:
    return server.settings_dict(database_name, "reader", READER_PASSWORD, **options)


def probe(alias: dict[str, Any], environ: dict[str, str] | None = None) -> tuple[database.Facts, list[CheckMessage]]:
    """The concern run with the live check on alias "pg" (unknown to the test runner's connections)."""
    with override_databases({"default": SQLITE_MEMORY, "pg": alias}):
        return run(make_context(databases=("pg",), timeout=TIMEOUT, environ=environ))


def assert_no_planted_password(test: SimpleTestCase, text: str) -> None:
    for password in PLANTED:
        for form in {password, urllib.parse.quote(password, safe="")}:
            test.assertNotIn(form, text)


class SilentServer:
    """Accepts TCP connections on 127.0.0.1 and never answers, like a host whose replies are dropped."""

    def __init__(self) -> None:
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.listener.settimeout(0.2)
        self.port = int(self.listener.getsockname()[1])
        self.accepted: list[socket.socket] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        while not self.stopping.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted.append(connection)

    def close(self) -> None:
        self.stopping.set()
        self.thread.join(5)
        for connection in self.accepted:
            connection.close()
        self.listener.close()


class ConnectedTests(SimpleTestCase):
    def test_version_round_trip_and_a_read_only_session(self) -> None:
        facts, messages = probe(reader(sslmode="disable"))
        [result] = facts.live
        self.assertTrue(result.connected, result)
        self.assertRegex(result.server_version or "", r"^15\.")
        self.assertGreaterEqual(result.round_trip_ms or -1, 0)
        self.assertIs(result.read_only, True)
        self.assertEqual(result.address, f"127.0.0.1:{server.port}")
        self.assertTrue(result.migrations_checked)
        self.assertEqual(result.unapplied, ())
        self.assertFalse({"deploy_database.E011", "deploy_database.W013", "deploy_database.E024"} & ids(messages))

    def test_tls_in_use_is_read_from_the_connection(self) -> None:
        for sslmode, tls in (("require", True), ("disable", False)):
            with self.subTest(sslmode):
                facts, messages = probe(reader(sslmode=sslmode))
                self.assertIs(facts.live[0].tls, tls)
                # 127.0.0.1 is local: an unencrypted connection to it is no finding.
                self.assertFalse(facts.live[0].remote)
                self.assertNotIn("deploy_database.W012", ids(messages))

    def test_a_remote_host_without_tls_is_d012(self) -> None:
        facts, _ = probe(reader(sslmode="disable"))
        # The same facts as a remote host would give: the check reads only these fields.
        remote = dataclass_replace_live(facts, remote=True, address="db.example.com:5432")
        [message] = live.check_tls(remote)
        self.assertEqual(message.id, "deploy_database.W012")
        self.assertIn("db.example.com:5432", message.msg)
        self.assertEqual(live.check_tls(dataclass_replace_live(facts, remote=True, tls=True)), [])

    def test_the_probe_writes_nothing(self) -> None:
        # "reader" may not write anywhere (no CREATE, no TEMP, SELECT only), and the check still succeeds.
        facts, _ = probe(reader("fresh"))
        self.assertTrue(facts.live[0].connected, facts.live[0])
        sessions = server.sessions(live.APPLICATION_NAME)
        self.assertTrue(sessions)
        for session, statements in sessions.items():
            with self.subTest(session=session):
                for statement in statements:
                    self.assertRegex(statement, READ_ONLY_STATEMENT)
                begin = statements.index("BEGIN")
                self.assertEqual(statements[begin + 1], "SET TRANSACTION READ ONLY")
                self.assertEqual(statements[-1], "ROLLBACK")
                self.assertIn("SELECT 1", statements)

    def test_offline_opens_no_connection(self) -> None:
        before = server.connections("reader")
        with override_databases({"default": SQLITE_MEMORY, "pg": reader()}):
            facts, _ = run(make_context(databases=(), timeout=TIMEOUT))
        self.assertEqual(facts.live, ())
        self.assertEqual(server.connections("reader"), before)


def dataclass_replace_live(facts: database.Facts, **changes: Any) -> database.Facts:
    import dataclasses

    return dataclasses.replace(facts, live=tuple(dataclasses.replace(result, **changes) for result in facts.live))


class MigrationPlanTests(SimpleTestCase):
    def test_unapplied_migrations_are_d013(self) -> None:
        # A project with no build file: whether a release step migrates is unknown (W013, not E027).
        with tempfile.TemporaryDirectory() as empty, override_settings(BASE_DIR=empty):
            facts, messages = probe(reader("fresh"))
        [message] = messages_with(messages, "deploy_database.W013")
        unapplied = facts.live[0].unapplied
        self.assertEqual(unapplied[0], "contenttypes.0001_initial")
        self.assertIn("auth.0001_initial", unapplied)
        self.assertIn(f"'pg' has {len(unapplied)} unapplied migrations: {migrations.listed(unapplied)}", message.msg)

    def test_all_applied_is_quiet(self) -> None:
        _, messages = probe(reader("migrated"))
        self.assertNotIn("deploy_database.W013", ids(messages))

    def test_inconsistent_history_is_d024(self) -> None:
        facts, messages = probe(reader("inconsistent"))
        [message] = messages_with(messages, "deploy_database.E024")
        self.assertIn(
            "contenttypes.0002_remove_content_type_name is applied before its dependency", facts.live[0].inconsistent_history or ""
        )
        self.assertIn("contenttypes.0001_initial", message.hint or "")

    def test_consistent_history_is_quiet(self) -> None:
        _, messages = probe(reader("migrated"))
        self.assertNotIn("deploy_database.E024", ids(messages))


class UnreachableTests(SimpleTestCase):
    def assert_unreachable(self, alias: dict[str, Any], reason: str) -> None:
        outcome: dict[str, Any] = {}
        thread = threading.Thread(target=lambda: outcome.update(result=probe(alias)))
        thread.start()
        thread.join(HANG_LIMIT)
        self.assertFalse(thread.is_alive(), "the live check did not return within its timeout")
        facts, messages = outcome["result"]
        [message] = messages_with(messages, "deploy_database.E011")
        self.assertIn(f"127.0.0.1:{alias['PORT']}", message.msg)
        self.assertIn(reason, message.msg)
        assert_no_planted_password(self, f"{message.msg} {message.hint} {facts!r}")

    def test_refused_port_is_d011(self) -> None:
        self.assert_unreachable(server.settings_dict("app", "reader", READER_PASSWORD) | {"PORT": str(free_port())}, "connection refused")

    def test_address_that_never_answers_is_d011_within_the_timeout(self) -> None:
        silent = SilentServer()
        self.addCleanup(silent.close)
        self.assert_unreachable(
            server.settings_dict("app", "reader", READER_PASSWORD) | {"PORT": str(silent.port)}, f"no answer within {TIMEOUT:g} s"
        )

    def test_wrong_password_and_missing_database_are_d011(self) -> None:
        rows = [
            (server.settings_dict("migrated", "reader", WRONG_PASSWORD), 'password authentication failed for user "reader"'),
            (reader("nope"), 'database "nope" does not exist'),
        ]
        for alias, reason in rows:
            with self.subTest(reason):
                self.assert_unreachable(alias, reason)

    def test_reachable_is_quiet(self) -> None:
        _, messages = probe(reader())
        self.assertNotIn("deploy_database.E011", ids(messages))


class CommandTests(SimpleTestCase):
    def test_explain_database_reports_the_live_facts(self) -> None:
        with (
            tempfile.TemporaryDirectory() as empty,
            override_settings(BASE_DIR=empty),
            override_databases({"default": SQLITE_MEMORY, "pg": reader("fresh")}),
        ):
            output = call("explain_database", "--database", "pg", "--format", "json", "--timeout", str(TIMEOUT))
        [concern] = json.loads(output)["concerns"]
        [result] = concern["facts"]["live"]
        self.assertTrue(result["connected"])
        self.assertIn("deploy_database.W013", {finding["id"] for finding in concern["findings"]})

    def test_no_output_format_shows_a_planted_password(self) -> None:
        port = server.port
        aliases = {
            "default": SQLITE_MEMORY,
            "pg": reader(),
            "pg_wrong": server.settings_dict("migrated", "reader", WRONG_PASSWORD),
            "pg_refused": server.settings_dict("migrated", "owner", OWNER_PASSWORD) | {"PORT": str(free_port())},
        }
        urls = {
            "parsable, not read by the settings": f"postgres://reader:{URL_PASSWORD}@127.0.0.1:{port}/migrated",
            "unencoded characters": f"postgres://reader:{URL_PASSWORD}#/x@127.0.0.1:{port}/migrated",
            "an @ inside the password": f"postgres://reader:p@{URL_PASSWORD}@127.0.0.1:{port}/migrated",
        }
        for label, database_url in urls.items():
            for command in ("explain_database", "explain_deploy"):
                for output_format in ("text", "json", "markdown"):
                    with self.subTest(label, command=command, output_format=output_format):
                        with mock.patch.dict("os.environ", {"DATABASE_URL": database_url}), override_databases(aliases):
                            output = call(
                                command, "--format", output_format, "--timeout", str(TIMEOUT), "-v", "2", *aliases_options(aliases)
                            )
                        self.assertIn("deploy_database.E011", output)
                        assert_no_planted_password(self, output)


def aliases_options(aliases: dict[str, Any]) -> list[str]:
    return [option for alias in aliases for option in ("--database", alias)]


class CheckDeployTests(SimpleTestCase):
    """`manage.py check --deploy` in a real project: connections only with --database."""

    def test_without_database_option_no_connection_is_opened(self) -> None:
        environ = {"DATABASE_URL": server.url("fresh", "reader", READER_PASSWORD)}
        before = server.connections("reader")
        result = run_manage(project_dir, "check", "--deploy", env=environ)
        self.assertEqual(server.connections("reader"), before, result.stderr)
        self.assertNotIn("deploy_database.W013", result.stderr + result.stdout)
        self.assertNotIn("Traceback", result.stderr)

    def test_with_database_option_the_live_check_runs(self) -> None:
        environ = {"DATABASE_URL": server.url("fresh", "reader", READER_PASSWORD)}
        before = server.connections("reader")
        result = run_manage(project_dir, "check", "--deploy", "--database", "default", env=environ)
        self.assertEqual(server.connections("reader"), before + 1, result.stderr)
        self.assertIn("deploy_database.W013", result.stderr + result.stdout)
        assert_no_planted_password(self, result.stderr + result.stdout)

    def test_a_password_written_in_the_settings_is_d022_and_not_shown(self) -> None:
        environ = {"DJANGO_SETTINGS_MODULE": "dbproject.literal_settings", "DB_NAME": "migrated", "DB_PORT": str(server.port)}
        result = run_manage(project_dir, "explain_database", "--format", "json", env=environ)
        self.assertEqual(result.returncode, 0, result.stderr)
        [concern] = json.loads(result.stdout)["concerns"]
        [written] = [finding for finding in concern["findings"] if finding["id"] == "deploy_database.W022"]
        self.assertIn("dbproject/literal_settings.py line 12 writes a literal PASSWORD", written["msg"])
        self.assertTrue(concern["facts"]["live"][0]["connected"], concern["facts"]["live"])
        assert_no_planted_password(self, result.stdout + result.stderr)
