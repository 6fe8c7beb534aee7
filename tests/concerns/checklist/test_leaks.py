"""Planted secrets never reach any output format of explain_checklist or explain_deploy."""

from __future__ import annotations

from django.test import SimpleTestCase

from tests.utils import FIXTURES_DIR, run_manage

PROJECT = FIXTURES_DIR / "checklist" / "leaky"
SECRET_KEY = "planted-secret-key-9f8e7d6c5b4a39281706f5e4d3c2b1a0-zyxwvutsrqponmlk"
OLD_KEY = "planted-old-key-0a1b2c3d4e5f60718293a4b5c6d7e8f9-abcdefghijklmnop"
MAIL_PASSWORD = "planted-mail-password-31337"
TOKEN = "planted-api-token-5d41402abc4b2a76b9719d911017c592"
DB_PASSWORD = "planted-db-password-7c6a180b36896a0a8c02787eeafb0e4c"
ENVIRON = {
    "API_TOKEN": TOKEN,
    "DATABASE_URL": f"postgres://blog:{DB_PASSWORD}@127.0.0.1:9/blog",
    "DJANGO_SECRET_KEY_FALLBACK": SECRET_KEY,
}


class PlantedSecretsTests(SimpleTestCase):
    def test_no_format_of_either_command_shows_a_secret(self) -> None:
        for command in ("explain_checklist", "explain_deploy"):
            for output_format in ("text", "json", "markdown"):
                with self.subTest(command=command, format=output_format):
                    result = run_manage(PROJECT, command, "--format", output_format, "--offline", "-v", "2", env=ENVIRON)
                    self.assertEqual(result.returncode, 0, result.stderr)
                    output = result.stdout + result.stderr
                    # The run really inspected the secrets' neighbourhood: these findings name them.
                    self.assertIn("deploy_checklist.W007", output)
                    self.assertIn("leaky/settings.py:11", output)
                    for secret in (SECRET_KEY, OLD_KEY, MAIL_PASSWORD, TOKEN, DB_PASSWORD):
                        self.assertNotIn(secret, output)
