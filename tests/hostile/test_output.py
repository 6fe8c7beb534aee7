"""Secrets in every shape, and control characters from the project, never reach the output as they are."""

from __future__ import annotations

import json

from tests.hostile.support import PromiseTestCase, hostile_project

FILE_TOKEN = "planted-file-token-8e1d4c"
HOST_PASSWORD = "planted-host-pw-3f"
STRIPE = "sk_live_PLANTED4eC39HqLyjWDarjtT1zdp7"
URL_PASSWORD = "planted@pw/enc-77"
SECRETS = (FILE_TOKEN, HOST_PASSWORD, STRIPE, URL_PASSWORD, "planted%40pw%2Fenc-77", "planted%40pw/enc-77")

SECRET_SETTINGS = f"""
API_TOKEN = (BASE_DIR / "token.txt").read_text()
DATABASES = {{"default": {{"ENGINE": "django.db.backends.postgresql", "NAME": "app", "HOST": "app:{HOST_PASSWORD}@db.example.com"}}}}
"""
LEAKY_WSGI = """\
import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hostile.settings")
application = get_wsgi_application()
print("billing key", os.environ["STRIPE_LIVE"])
raise ValueError(f"Invalid header value {settings.API_TOKEN!r}")
"""
ESCAPES = "\x1b]8;;http://evil.example/\x07click\x1b]8;;\x07\x1b[2J\u202e"


class SecretShapesTests(PromiseTestCase):
    def test_no_form_of_a_planted_secret_is_printed(self) -> None:
        files = {"token.txt": FILE_TOKEN + "\n", "hostile/wsgi.py": LEAKY_WSGI}
        env = {"STRIPE_LIVE": STRIPE, "DATABASE_URL": "postgres://app:planted%40pw%2Fenc-77@127.0.0.1:9/app"}
        with hostile_project(files, settings_extra=SECRET_SETTINGS) as project:
            outputs = self.run_everywhere(project, "--offline", env=env, secrets=SECRETS)
        # The error is shown, masked: the finding is there, the secret is not.
        data = json.loads(outputs["explain_deploy json"])
        messages = [finding["msg"] for concern in data["concerns"] for finding in concern["findings"]]
        self.assertTrue(any("Invalid header value" in message for message in messages), messages)


class ControlCharacterTests(PromiseTestCase):
    def test_escape_sequences_from_project_files_are_shown_not_obeyed(self) -> None:
        files = {
            "Procfile": f"web: python manage.py runserver 0.0.0.0:$PORT {ESCAPES}\n",
            f"assets/{ESCAPES}.css": 'body { background: url("missing.png"); }\n',
        }
        with hostile_project(files, settings_extra='\nSTATICFILES_DIRS = [BASE_DIR / "assets"]\n') as project:
            # --full: every concern's text too, where the start command is shown whole.
            outputs = self.run_everywhere(project, "--offline", "--full", check_deploy=False)
        for name, output in outputs.items():
            with self.subTest(name):
                for character in ("\x1b", "\x07", "\u202e"):
                    self.assertNotIn(character, output)
        self.assertIn("\\x1b]8;;http://evil.example/\\x07click", outputs["explain_deploy text"])
