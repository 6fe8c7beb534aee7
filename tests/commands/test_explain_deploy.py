"""explain_deploy's plan as files (--emit), the settings block under runserver and in production,
the concept texts written for the platform found, and each jargon term explained at first use."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from django.test import SimpleTestCase

from django_deploy_concepts import renderers
from tests.utils import EXAMPLE_DIR, run_manage

PROBE = """
from django.conf import settings
print("DEBUG", settings.DEBUG)
print("KEY", settings.SECRET_KEY == "django-insecure-development-only")
print("HOSTS", ",".join(settings.ALLOWED_HOSTS))
print("ENGINE", settings.DATABASES["default"]["ENGINE"])
print("SSL_REDIRECT", settings.SECURE_SSL_REDIRECT)
"""


class EmitTests(SimpleTestCase):
    def emit(self, *args: str) -> str:
        result = run_manage(EXAMPLE_DIR, "explain_deploy", "--emit", *args)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertNotIn("Fix these first", result.stdout)
        return result.stdout

    def test_each_piece_is_a_file(self) -> None:
        rows = [
            (
                ("platform",),
                ["release: python manage.py migrate --noinput\n", "web: gunicorn mysite.wsgi:application --bind 0.0.0.0:$PORT"],
            ),
            (("requirements",), ["Django>=5.2\n", "gunicorn\n", "whitenoise\n", "dj-database-url\n", "psycopg[binary]\n"]),
            (("settings",), ['SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "django-insecure-development-only")', "STATIC_ROOT = "]),
            (
                ("dockerfile",),
                ["FROM python:3.12-slim\n", "collectstatic --noinput\n", 'CMD ["sh", "-c", "exec gunicorn mysite.wsgi:application'],
            ),
            (("platform", "--platform", "render"), ["preDeployCommand: python manage.py migrate --noinput\n"]),
        ]
        for args, expected in rows:
            with self.subTest(args=args):
                text = self.emit(*args)
                for part in expected:
                    self.assertIn(part, text)

    def test_the_settings_block_keeps_runserver_working_and_is_safe_in_production(self) -> None:
        block = self.emit("settings")
        root = Path(tempfile.mkdtemp(prefix="lead-emit-"))
        self.addCleanup(shutil.rmtree, root, True)
        project = root / "example"
        shutil.copytree(EXAMPLE_DIR, project, ignore=shutil.ignore_patterns("__pycache__", "*.sqlite3"))
        settings_file = project / "mysite" / "settings.py"
        settings_file.write_text(settings_file.read_text(encoding="utf-8") + "\n" + block, encoding="utf-8")
        rows = [
            # On your machine nothing is set: development defaults, runserver's checks pass.
            ({}, {"DEBUG True", "KEY True", "HOSTS localhost,127.0.0.1", "ENGINE django.db.backends.sqlite3", "SSL_REDIRECT False"}),
            (
                {"DJANGO_SECRET_KEY": "k" * 60, "DJANGO_ALLOWED_HOSTS": "blog.example.org", "DATABASE_URL": "postgres://u:p@db:5432/blog"},
                {
                    "DEBUG False",
                    "KEY False",
                    "HOSTS localhost,127.0.0.1,blog.example.org",
                    "ENGINE django.db.backends.postgresql",
                    "SSL_REDIRECT True",
                },
            ),
        ]
        for environ, expected in rows:
            with self.subTest(environ=sorted(environ)):
                check = run_manage(project, "check", env=environ)
                self.assertEqual(check.returncode, 0, check.stderr)
                probe = run_manage(project, "shell", "-v", "0", "-c", PROBE, env=environ)
                self.assertEqual(probe.returncode, 0, probe.stderr)
                self.assertEqual(set(probe.stdout.split("\n")) - {""}, expected)


class SituationTests(SimpleTestCase):
    def test_what_this_is_about_is_written_for_the_platform_found(self) -> None:
        rows = [
            ("heroku", "explain_webserver", "On Heroku, Heroku's router is the web server in front"),
            ("vps", "explain_webserver", "On a server of your own, nginx (or Apache, Caddy) is the web server in front"),
            ("render", "explain_database", "On Render, the database to use: a Render Postgres database"),
            ("fly", "explain_wsgi", "the command that starts the site is written in fly.toml"),
            ("vps", "explain_static", "the web server in front (nginx, Apache or Caddy) sends the static files itself"),
            ("heroku", "explain_static", "WhiteNoise inside the Django process will send your static files"),
        ]
        for platform, command, expected in rows:
            with self.subTest(platform=platform, command=command):
                result = run_manage(EXAMPLE_DIR, command, "--platform", platform, "--offline", env={"COLUMNS": "400"})
                self.assertEqual(result.returncode, 0, result.stderr)
                about = result.stdout.split("What this is about\n", 1)[1]
                self.assertIn(expected, about.split("\n\n", 1)[0])


class GlossaryTests(SimpleTestCase):
    def test_each_term_is_explained_where_the_full_report_first_uses_it(self) -> None:
        result = run_manage(EXAMPLE_DIR, "explain_deploy", "--full", "--offline", "--no-color", env={"COLUMNS": "4000"})
        self.assertEqual(result.returncode, 0, result.stderr)
        text = result.stdout
        for term, meaning in renderers.GLOSSARY:
            with self.subTest(term=term):
                # The first use outside a quoted message and outside code (indented 7, the text is
                # not wrapped at this width) carries the meaning right after it.
                self.assertIn(term, text)
                self.assertEqual(text.count(meaning), 1, meaning)
                explained = text.index(meaning)
                first = next(
                    index
                    for line_start, line in _lines_with_offsets(text)
                    if not line.startswith(" " * 7)
                    for index in _unquoted(term, line, line_start)
                )
                self.assertLess(explained - first, len(term) + 4)

    def test_a_quoted_message_is_never_changed(self) -> None:
        gloss = renderers.Glossary()
        self.assertEqual(gloss('"ValueError: Missing staticfiles manifest entry"'), '"ValueError: Missing staticfiles manifest entry"')
        self.assertIn("manifest (staticfiles.json", gloss("A manifest storage"))
        self.assertEqual(gloss("A manifest storage"), "A manifest storage")


def _lines_with_offsets(text: str) -> list[tuple[int, str]]:
    offsets, position = [], 0
    for line in text.splitlines(keepends=True):
        offsets.append((position, line))
        position += len(line)
    return offsets


def _unquoted(term: str, line: str, line_start: int) -> list[int]:
    found, start = [], 0
    while (index := line.find(term, start)) != -1:
        if line.count('"', 0, index) % 2 == 0:
            found.append(line_start + index)
        start = index + 1
    return found
