"""DATABASES as configured: shape, engine, driver, connection lifetime and pooling (no connection opened)."""

from __future__ import annotations

import sys
from unittest import mock

from django.test import SimpleTestCase

from django_deploy_concepts.concerns.database import config
from tests.concerns.database.helpers import SQLITE_MEMORY, ids, make_context, messages_with, override_databases, run
from tests.utils import call

POSTGRES = {"ENGINE": "django.db.backends.postgresql", "NAME": "app", "USER": "app", "HOST": "db.example.com", "PORT": "5432"}


def postgres(**changes: object) -> dict[str, object]:
    return {**POSTGRES, **changes}


class DatabasesShapeTests(SimpleTestCase):
    def test_unusable_shapes_are_d025(self) -> None:
        rows = {
            "not a dict": ["sqlite"],
            "no default alias": {"other": SQLITE_MEMORY},
            "alias not a dict": {"default": "sqlite:///db.sqlite3"},
        }
        for label, databases in rows.items():
            with self.subTest(label), override_databases(databases):
                _, messages = run(make_context())
                self.assertEqual(len(messages_with(messages, "deploy_database.E025")), 1, messages)

    def test_a_dict_with_a_default_alias_is_quiet(self) -> None:
        _, messages = run(make_context())
        self.assertNotIn("deploy_database.E025", ids(messages))

    def test_unknown_alias_from_the_command_line_is_d023(self) -> None:
        _, messages = run(make_context(databases=("replica",)))
        [message] = messages_with(messages, "deploy_database.E023")
        self.assertEqual(message.obj, "replica")

    def test_known_alias_is_quiet(self) -> None:
        _, messages = run(make_context(databases=("default",)))
        self.assertNotIn("deploy_database.E023", ids(messages))


class EngineTests(SimpleTestCase):
    def test_missing_engine_is_d005(self) -> None:
        rows = {"empty alias": {"default": {}}, "empty DATABASES": {}, "dummy engine": {"default": {"ENGINE": "django.db.backends.dummy"}}}
        for label, databases in rows.items():
            with self.subTest(label), override_databases(databases):
                facts, messages = run(make_context())
                [message] = messages_with(messages, "deploy_database.E005")
                self.assertIsNone(facts.default.engine if facts.default else "no default")
                self.assertIn("Please supply the ENGINE value", message.msg)

    def test_engine_set_is_quiet(self) -> None:
        _, messages = run(make_context())
        self.assertNotIn("deploy_database.E005", ids(messages))

    def test_url_that_parses_but_is_not_read_names_the_cause_instead(self) -> None:
        with override_databases({"default": {}}):
            _, messages = run(make_context(environ={"DATABASE_URL": "postgres://app@db.example.com:5432/app"}))
        self.assertIn("deploy_database.W003", ids(messages))
        self.assertNotIn("deploy_database.E005", ids(messages))

    def test_vendor_and_fields_are_read_and_the_password_is_not_kept(self) -> None:
        with override_databases({"default": postgres(PASSWORD="kept-nowhere-1", OPTIONS={"sslmode": "require", "sslpassword": "x"})}):
            facts, _ = run(make_context())
        alias = facts.aliases[0]
        self.assertEqual(
            (alias.vendor, alias.host, alias.port, alias.user, alias.password_set), ("postgresql", "db.example.com", "5432", "app", True)
        )
        self.assertIn(config.Option("sslpassword", "********"), alias.options)
        self.assertIn(config.Option("sslmode", "'require'"), alias.options)
        self.assertNotIn("kept-nowhere-1", repr(facts))


class DriverTests(SimpleTestCase):
    def test_missing_driver_is_d001_with_the_package_to_install(self) -> None:
        rows = {
            "django.db.backends.postgresql": ({"psycopg": None, "psycopg2": None}, "psycopg[binary]"),
            "django.db.backends.mysql": ({"MySQLdb": None}, "mysqlclient"),
            "django.db.backends.oracle": ({"oracledb": None}, "oracledb"),
        }
        for engine, (unimportable, package) in rows.items():
            # A None entry in sys.modules makes `import name` fail, as a missing package does.
            with self.subTest(engine), mock.patch.dict(sys.modules, unimportable), override_databases({"default": postgres(ENGINE=engine)}):
                _, messages = run(make_context())
                [message] = messages_with(messages, "deploy_database.E001")
                self.assertIn(package, message.hint or "")

    def test_installed_driver_is_quiet(self) -> None:
        for engine in ("django.db.backends.postgresql", "django.db.backends.sqlite3"):
            with self.subTest(engine), override_databases({"default": postgres(ENGINE=engine)}):
                facts, messages = run(make_context())
                self.assertNotIn("deploy_database.E001", ids(messages))
                self.assertTrue(facts.aliases[0].driver_available)

    def test_explain_database_survives_a_missing_driver(self) -> None:
        # Django's own check --deploy stops with a traceback here; the command must explain instead.
        with mock.patch.dict(sys.modules, {"psycopg": None, "psycopg2": None}), override_databases({"default": postgres()}):
            output = call("explain_database", "--format", "json", "--database", "default")
        self.assertIn("deploy_database.E001", output)
        self.assertNotIn("Traceback", output)


class ConnectionLifetimeTests(SimpleTestCase):
    def check_ids(self, alias: dict[str, object]) -> set[str]:
        with override_databases({"default": alias}):
            _, messages = run(make_context())
        return ids(messages)

    def test_rows(self) -> None:
        rows = [
            # (label, alias settings, ids that fire, ids that stay quiet)
            ("remote, new connection per request", postgres(), {"I016"}, {"W017", "E018"}),
            ("local server, new connection per request", postgres(HOST="127.0.0.1"), set(), {"I016"}),
            ("unix socket", postgres(HOST="/var/run/postgresql"), set(), {"I016"}),
            ("kept without health checks", postgres(CONN_MAX_AGE=600), {"W017"}, {"I016"}),
            ("kept forever without health checks", postgres(CONN_MAX_AGE=None), {"W017"}, {"I016"}),
            ("kept with health checks", postgres(CONN_MAX_AGE=600, CONN_HEALTH_CHECKS=True), set(), {"I016", "W017"}),
            ("pool with persistent connections", postgres(CONN_MAX_AGE=600, OPTIONS={"pool": True}), {"E018"}, {"I016", "W017"}),
            ("pool alone", postgres(OPTIONS={"pool": True}), set(), {"I016", "W017", "E018"}),
            ("sqlite", {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:", "CONN_MAX_AGE": 600}, set(), {"I016", "W017"}),
        ]
        for label, alias, fire, quiet in rows:
            with self.subTest(label):
                found = {check_id.removeprefix("deploy_database.") for check_id in self.check_ids(alias)}
                self.assertLessEqual(fire, found)
                self.assertFalse(quiet & found, found)

    def test_pool_without_psycopg_pool_is_d019(self) -> None:
        with mock.patch.dict(sys.modules, {"psycopg_pool": None}):
            self.assertIn("deploy_database.E019", self.check_ids(postgres(OPTIONS={"pool": True})))

    def test_no_pool_is_quiet_about_psycopg_pool(self) -> None:
        with mock.patch.dict(sys.modules, {"psycopg_pool": None}):
            self.assertNotIn("deploy_database.E019", self.check_ids(postgres()))
