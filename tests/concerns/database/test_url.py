"""DATABASE_URL parsed by the real dj-database-url: failures explained, never the password."""

from __future__ import annotations

import dj_database_url
from django.core.checks import CheckMessage
from django.test import SimpleTestCase

from django_deploy_concepts.concerns.database import url
from tests.concerns.database.helpers import ids, make_context, messages_with, override_databases, run

PASSWORD = "planted-url-pw-9c2e"


def parse(database_url: str) -> tuple[url.DatabaseUrl, list[CheckMessage]]:
    facts, messages = run(make_context(environ={"DATABASE_URL": database_url}))
    return facts.database_url, messages


class ParseTests(SimpleTestCase):
    def test_a_good_url_is_parsed_and_shown_masked(self) -> None:
        parsed, messages = parse(f"postgres://app:{PASSWORD}@db.example.com:5432/blog")
        self.assertEqual(
            (parsed.engine, parsed.host, parsed.port, parsed.name, parsed.error),
            ("django.db.backends.postgresql", "db.example.com", "5432", "blog", None),
        )
        self.assertEqual(parsed.display, "postgres://app:********@db.example.com:5432/blog")
        self.assertNotIn("deploy_database.E004", ids(messages))
        self.assertNotIn(PASSWORD, repr(parsed))

    def test_unusable_urls_are_d004_with_the_reason_and_without_the_password(self) -> None:
        rows = {
            "postgress://app:{pw}@db.example.com:5432/blog": url.UNKNOWN_SCHEME.format(scheme="postgress"),
            "postgres://app:{pw}@db.example.com:54x32/blog": url.BAD_PORT,
            "postgres://app:{pw}@db.example.com:99999/blog": url.BAD_PORT,
            "postgres://app:{pw}#1/x?@db.example.com:5432/blog": url.UNENCODED_PASSWORD,
            "postgres://app:{pw}%zz@db.example.com:5432/blog": url.UNENCODED_PASSWORD,
            "postgres://app:{pw}@db.example.com:5432": url.NO_NAME,
            "postgres://app:{pw}@db.example.com:5432/": url.NO_NAME,
            "app:{pw}@db.example.com:5432/blog": url.NO_SCHEME,
        }
        for template, reason in rows.items():
            with self.subTest(template):
                parsed, messages = parse(template.format(pw=PASSWORD))
                [message] = messages_with(messages, "deploy_database.E004")
                self.assertEqual(parsed.error, reason)
                self.assertIn(reason, message.msg)
                self.assertNotIn(PASSWORD, f"{message.msg} {message.hint} {parsed!r}")

    def test_dj_database_url_itself_rejects_the_misspelt_scheme(self) -> None:
        # The reason above quotes dj-database-url's own words, so a user searching for them finds this.
        with self.assertRaisesMessage(ValueError, "Scheme 'postgress://' is unknown"):
            dj_database_url.parse("postgress://app@db.example.com/blog")

    def test_an_at_sign_in_the_password_parses_and_stays_masked(self) -> None:
        # Python's urlsplit takes the last "@" as the end of the password, so this URL works.
        parsed, _ = parse(f"postgres://app:p@{PASSWORD}@db.example.com:5432/blog")
        self.assertIsNone(parsed.error)
        self.assertEqual(parsed.host, "db.example.com")
        self.assertNotIn(PASSWORD, repr(parsed))

    def test_unset_is_quiet(self) -> None:
        facts, messages = run(make_context())
        self.assertFalse(facts.database_url.present)
        self.assertFalse({"deploy_database.W003", "deploy_database.E004", "deploy_database.E006"} & ids(messages))


class InMemoryTests(SimpleTestCase):
    def test_sqlite_url_without_a_path_is_d006(self) -> None:
        for database_url in ("sqlite://", "sqlite://:memory:"):
            with self.subTest(database_url):
                parsed, messages = parse(database_url)
                self.assertTrue(parsed.in_memory)
                self.assertEqual(len(messages_with(messages, "deploy_database.E006")), 1)
                self.assertNotIn("deploy_database.E004", ids(messages))

    def test_sqlite_url_with_a_path_is_quiet(self) -> None:
        parsed, messages = parse("sqlite:////srv/data/db.sqlite3")
        self.assertEqual(parsed.name, "/srv/data/db.sqlite3")
        self.assertNotIn("deploy_database.E006", ids(messages))

    def test_read_into_default_it_is_one_message_not_two(self) -> None:
        with override_databases({"default": dj_database_url.parse("sqlite://")}):
            _, messages = run(make_context(environ={"DATABASE_URL": "sqlite://"}))
        self.assertIn("deploy_database.E006", ids(messages))
        self.assertNotIn("deploy_database.W007", ids(messages))


class UsedTests(SimpleTestCase):
    database_url = f"postgres://app:{PASSWORD}@db.example.com:5432/blog"

    def test_url_the_settings_ignore_is_d003(self) -> None:
        # tests.settings use an in-memory sqlite database, whatever the environment says.
        facts, messages = run(make_context(environ={"DATABASE_URL": self.database_url}))
        [message] = messages_with(messages, "deploy_database.W003")
        self.assertFalse(facts.database_url.used)
        self.assertEqual(set(facts.database_url.differences), {"ENGINE", "NAME", "HOST", "PORT"})
        self.assertIn("'default' is sqlite", message.msg)

    def test_url_read_into_default_is_quiet(self) -> None:
        with override_databases({"default": dj_database_url.parse(self.database_url, conn_max_age=600, conn_health_checks=True)}):
            facts, messages = run(make_context(environ={"DATABASE_URL": self.database_url}))
        self.assertTrue(facts.database_url.used)
        self.assertNotIn("deploy_database.W003", ids(messages))

    def test_a_different_port_is_a_difference(self) -> None:
        with override_databases({"default": dj_database_url.parse(self.database_url.replace(":5432", ":6432"))}):
            facts, messages = run(make_context(environ={"DATABASE_URL": self.database_url}))
        self.assertEqual(facts.database_url.differences, ("PORT",))
        self.assertIn("deploy_database.W003", ids(messages))
