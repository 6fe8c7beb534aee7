"""The explanation and the request-path hop, and settings of every odd shape explained without a crash."""

from __future__ import annotations

import json
from typing import Any

from django.test import SimpleTestCase, override_settings

from django_deploy_concepts.concerns import database
from django_deploy_concepts.report import Finding
from tests.concerns.database.helpers import SQLITE_MEMORY, make_context, override_databases, run
from tests.utils import call, free_port

REMOTE_POSTGRES = {
    "ENGINE": "django.db.backends.postgresql",
    "NAME": "app",
    "HOST": "db.example.com",
    "CONN_MAX_AGE": 600,
    "CONN_HEALTH_CHECKS": True,
}


def explain(**context_options: Any) -> tuple[database.Facts, list[Finding], str]:
    facts, messages = run(make_context(**context_options))
    findings = [Finding.from_message(message) for message in messages]
    explanation = database.explain(facts, tuple(findings))
    text = "\n".join(f"{step.title}\n{step.detail}\n{step.code}" for step in explanation.steps)
    return facts, findings, text


class StepTests(SimpleTestCase):
    def test_migrate_goes_into_the_platforms_release_step(self) -> None:
        rows = {
            "heroku": "release: python manage.py migrate --noinput",
            "fly": 'release_command = "python manage.py migrate --noinput"',
            "render": "preDeployCommand: python manage.py migrate --noinput",
            "vps": "In your deploy script",
        }
        for platform, expected in rows.items():
            with self.subTest(platform):
                _, _, text = explain(platform=platform)
                self.assertIn(expected, text)

    def test_steps_follow_the_findings(self) -> None:
        rows = [
            # (label, environment, settings, text that must be in the steps)
            ("in-memory URL", {"DATABASE_URL": "sqlite://"}, {}, "DATABASE_URL=sqlite:////srv/data/db.sqlite3"),
            ("unparsable URL", {"DATABASE_URL": "postgress://db/app"}, {}, "urllib.parse.quote(getpass.getpass()"),
            ("URL not read", {"DATABASE_URL": "postgres://db.example.com/app"}, {}, "dj_database_url.config("),
            ("connections", {}, {"DATABASES": {"default": {**REMOTE_POSTGRES, "CONN_HEALTH_CHECKS": False}}}, '"pool": True'),
        ]
        for label, environ, settings, expected in rows:
            with self.subTest(label), override_databases(settings.get("DATABASES", {"default": SQLITE_MEMORY})):
                _, _, text = explain(environ=environ)
                self.assertIn(expected, text)

    def test_sqlite_on_a_persistent_disk_gets_the_safe_options_and_a_backup(self) -> None:
        with override_databases({"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "/srv/data/db.sqlite3"}}):
            _, _, text = explain(platform="vps")
            self.assertIn('"transaction_mode": "IMMEDIATE"', text)
            self.assertIn(".backup", text)
            _, _, text = explain(platform="heroku")
            self.assertNotIn('"transaction_mode": "IMMEDIATE"', text)


class HopTests(SimpleTestCase):
    def test_rows(self) -> None:
        rows = [
            ("sqlite on an ephemeral disk", {"ENGINE": "django.db.backends.sqlite3", "NAME": "/app/db.sqlite3"}, "heroku", False),
            ("a database server", REMOTE_POSTGRES, "heroku", True),
            ("no engine", {}, "vps", False),
        ]
        for label, alias, platform, ready in rows:
            with self.subTest(label), override_databases({"default": alias}):
                facts, _ = run(make_context(platform=platform))
                [hop] = database.hops(facts)
                self.assertEqual((hop.key, hop.ready), ("database", ready))


class OddSettingsTests(SimpleTestCase):
    def test_never_a_traceback_nor_an_inspection_failure(self) -> None:
        # Live checks run too, so servers are local: nothing listens on a free port of 127.0.0.1.
        local_postgres = {**REMOTE_POSTGRES, "HOST": "127.0.0.1", "PORT": str(free_port())}
        rows: dict[str, dict[str, Any]] = {
            "DATABASES None": {"DATABASES": None},
            "OPTIONS None": {"DATABASES": {"default": {**SQLITE_MEMORY, "OPTIONS": None}}},
            "NAME a number": {"DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": 5}}},
            "empty NAME": {"DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ""}}},
            "CONN_MAX_AGE text": {"DATABASES": {"default": {**local_postgres, "CONN_MAX_AGE": "ten"}}},
            "PORT text": {"DATABASES": {"default": {**local_postgres, "PORT": "fivefour"}}},
            "unknown engine": {"DATABASES": {"default": {"ENGINE": "no.such.backend", "NAME": "x"}}},
            "transaction_mode wrong": {
                "DATABASES": {"default": {**SQLITE_MEMORY, "NAME": __file__, "OPTIONS": {"transaction_mode": "SOON"}}}
            },
            "CACHES odd": {"CACHES": {"default": "locmem"}, "SESSION_ENGINE": 5, "MIDDLEWARE": None},
            "MIGRATION_MODULES broken": {"MIGRATION_MODULES": {"testapp": "tests.fixtures.database.broken_migrations"}},
        }
        for label, settings in rows.items():
            databases = settings.pop("DATABASES", {"default": SQLITE_MEMORY})
            with self.subTest(label), override_databases(databases), override_settings(**settings):
                for output_format in ("json", "text", "markdown"):
                    output = call("explain_database", "--format", output_format, "--database", "default", "--timeout", "2")
                    self.assertNotIn("deploy_database.E000", output)
                report = json.loads(call("explain_database", "--format", "json", "--database", "default", "--timeout", "2"))
                self.assertEqual(report["concerns"][0]["concern"], "database")
