"""Database passwords written into the settings source: found by line, never shown."""

from __future__ import annotations

import tempfile
import textwrap
from pathlib import Path

from django.test import SimpleTestCase

from django_deploy_concepts.concerns.database import credentials
from tests.concerns.database.helpers import ids, make_context, run

SECRET = "planted-source-pw-31f7"


class WrittenCredentialTests(SimpleTestCase):
    def find(self, source: str) -> tuple[tuple[credentials.WrittenCredential, ...], tuple[str, ...]]:
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "mysite" / "settings.py"
            path.parent.mkdir()
            path.write_text(textwrap.dedent(source), encoding="utf-8")
            return credentials.read_written_credentials({str(path): path.read_text(encoding="utf-8")}, Path(directory))

    def test_rows(self) -> None:
        rows = [
            # (settings source, what is reported, or None)
            (f'DATABASES = {{"default": {{"ENGINE": "x", "PASSWORD": "{SECRET}"}}}}', credentials.LITERAL_PASSWORD),
            (f'DATABASES["default"]["PASSWORD"] = "{SECRET}"', credentials.LITERAL_PASSWORD),
            (f'DATABASES = {{"default": dict(ENGINE="x", PASSWORD="{SECRET}")}}', credentials.LITERAL_PASSWORD),
            (
                f'import os\nDATABASES = {{"default": {{"PASSWORD": os.environ.get("DB_PASSWORD", "{SECRET}")}}}}',
                credentials.FALLBACK_PASSWORD,
            ),
            (f'DATABASES = {{"default": {{"PASSWORD": env("DB_PASSWORD", default="{SECRET}")}}}}', credentials.FALLBACK_PASSWORD),
            (f'DATABASES = {{"default": dj_database_url.config(default="postgres://app:{SECRET}@db/app")}}', credentials.URL_WITH_PASSWORD),
            ('import os\nDATABASES = {"default": {"PASSWORD": os.environ["DB_PASSWORD"]}}', None),
            ('DATABASES = {"default": {"PASSWORD": ""}}', None),
            ('DATABASES = {"default": dj_database_url.config(default=f"sqlite:///{BASE_DIR / \'db.sqlite3\'}")}', None),
            ('DATABASES = {"default": dj_database_url.config(default="postgres://app@db/app")}', None),
            (f'CACHE_URL = "redis://:{SECRET}@cache:6379/0"', None),
        ]
        for source, what in rows:
            with self.subTest(source):
                found, errors = self.find(source)
                self.assertEqual(errors, ())
                self.assertEqual([credential.what for credential in found], [what] if what else [])
                for credential in found:
                    self.assertEqual(credential.file, "mysite/settings.py")
                    message = credentials.w022(credential)
                    self.assertNotIn(SECRET, f"{message.msg} {message.hint} {credential!r}")

    def test_line_numbers_point_at_the_value(self) -> None:
        found, _ = self.find(f'DATABASES = {{\n    "default": {{\n        "ENGINE": "x",\n        "PASSWORD": "{SECRET}",\n    }}\n}}\n')
        self.assertEqual([(credential.file, credential.line) for credential in found], [("mysite/settings.py", 4)])
        self.assertIn("mysite/settings.py line 4 writes a literal PASSWORD", credentials.w022(found[0]).msg)

    def test_a_settings_file_that_does_not_parse_is_an_error_not_a_crash(self) -> None:
        found, errors = self.find("DATABASES = {\n")
        self.assertEqual(found, ())
        self.assertEqual(errors, ("cannot parse mysite/settings.py to look for written passwords: SyntaxError",))

    def test_settings_reading_the_environment_are_quiet(self) -> None:
        # tests/settings.py has no password at all.
        facts, messages = run(make_context())
        self.assertEqual(facts.written_credentials, ())
        self.assertNotIn("deploy_database.W022", ids(messages))
