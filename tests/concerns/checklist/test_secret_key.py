from __future__ import annotations

import json
import secrets

from django.test import override_settings

from django_deploy_concepts.concerns.checklist import secret_key
from django_deploy_concepts.report import Finding
from tests.concerns.checklist.helpers import ChecklistTestCase

# Strong enough for Django's security.W009, so only this app's checks speak about it.
STRONG_KEY = "k" + secrets.token_urlsafe(60)
WEAK_KEY = "django-insecure-" + "x1y2z3" * 10


def source(line: str) -> str:
    return f"import os\nimport secrets\nfrom django.core.management.utils import get_random_secret_key\n\n{line}\n"


class SecretKeyUsableTests(ChecklistTestCase):
    def test_fires_when_empty(self) -> None:
        with override_settings(SECRET_KEY=""):
            facts = self.facts()
            self.assertIn(secret_key.e002(facts.secret_key), self.messages())

    def test_quiet_when_set(self) -> None:
        with override_settings(SECRET_KEY=STRONG_KEY):
            self.assertNotIn("deploy_checklist.E002", self.ids())


class SecretKeyLiteralTests(ChecklistTestCase):
    def test_fires_for_a_strong_literal_in_effect(self) -> None:
        with override_settings(SECRET_KEY=STRONG_KEY):
            messages = self.messages(settings_source=source(f"SECRET_KEY = {STRONG_KEY!r}"))
        (message,) = [message for message in messages if message.id == "deploy_checklist.W007"]
        self.assertEqual(message.obj, "mysite/settings.py:5")

    def test_quiet(self) -> None:
        rows = (
            ("a weak literal is Django's security.W009", WEAK_KEY, f"SECRET_KEY = {WEAK_KEY!r}"),
            ("the literal is overridden later", STRONG_KEY, f"SECRET_KEY = {('z' + STRONG_KEY)!r}"),
            ("read from the environment", STRONG_KEY, 'SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]'),
        )
        for label, live, line in rows:
            with self.subTest(label), override_settings(SECRET_KEY=live):
                self.assertNotIn("deploy_checklist.W007", self.ids(settings_source=source(line)))


class SecretKeyFallbackDefaultTests(ChecklistTestCase):
    LINES = (
        f'SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", {STRONG_KEY!r})',
        f'SECRET_KEY = os.getenv("DJANGO_SECRET_KEY", {STRONG_KEY!r})',
        f'SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", default={STRONG_KEY!r})',
    )

    def test_fires_when_the_variable_is_unset(self) -> None:
        for line in self.LINES:
            with self.subTest(line=line), override_settings(SECRET_KEY=STRONG_KEY):
                facts = self.facts(settings_source=source(line), environ={})
                self.assertIn(secret_key.w008(facts.secret_key), self.messages(settings_source=source(line), environ={}))
                self.assertEqual(facts.secret_key.fallback_at, "mysite/settings.py:5")

    def test_quiet_when_the_variable_is_set(self) -> None:
        environ = {"DJANGO_SECRET_KEY": STRONG_KEY}
        for line in self.LINES:
            with self.subTest(line=line), override_settings(SECRET_KEY=STRONG_KEY):
                self.assertNotIn("deploy_checklist.W008", self.ids(settings_source=source(line), environ=environ))


class SecretKeyGeneratedTests(ChecklistTestCase):
    GENERATED = (
        "SECRET_KEY = get_random_secret_key()",
        "SECRET_KEY = secrets.token_urlsafe(50)",
        "SECRET_KEY = os.urandom(32).hex()",
    )
    # The key comes from the environment; only when the variable is missing is it random per process.
    FALLING_BACK = (
        'SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", get_random_secret_key())',
        'SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or secrets.token_hex(40)',
        'SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or get_random_secret_key()',
    )

    def test_generated_fallback_is_a_warning_not_an_error(self) -> None:
        for line in self.FALLING_BACK:
            for environ in ({"DJANGO_SECRET_KEY": STRONG_KEY}, {}):
                with self.subTest(line=line, set=bool(environ)), override_settings(SECRET_KEY=STRONG_KEY):
                    messages = self.messages(settings_source=source(line), environ=environ)
                    ids = [message.id for message in messages]
                    self.assertNotIn("deploy_checklist.E009", ids)
                    (warning,) = [message for message in messages if message.id == "deploy_checklist.W032"]
                    self.assertEqual(warning, secret_key.w032(self.facts(settings_source=source(line), environ=environ).secret_key))
                    self.assertEqual(warning.obj, "mysite/settings.py:5")
                    self.assertIn("is set here" if environ else "is not set here", warning.msg)
                    self.assertNotIn("deploy_checklist.E002", ids)

    def test_no_fallback_no_w032(self) -> None:
        with override_settings(SECRET_KEY=STRONG_KEY):
            self.assertNotIn("deploy_checklist.W032", self.ids(settings_source=source('SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]')))

    def test_fires_when_generated_in_this_process(self) -> None:
        for line in self.GENERATED:
            with self.subTest(line=line), override_settings(SECRET_KEY=STRONG_KEY):
                messages = [message for message in self.messages(settings_source=source(line)) if message.id == "deploy_checklist.E009"]
                self.assertEqual(len(messages), 1)
                self.assertEqual(messages[0].obj, "mysite/settings.py:5")

    def test_quiet(self) -> None:
        rows = (
            ('SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", get_random_secret_key())', {"DJANGO_SECRET_KEY": STRONG_KEY}),
            ('SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or get_random_secret_key()', {}),
            ('SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]', {}),
            ('SECRET_KEY = open("/run/secrets/key").read().strip()', {}),
        )
        for line, environ in rows:
            with self.subTest(line=line), override_settings(SECRET_KEY=STRONG_KEY):
                self.assertNotIn("deploy_checklist.E009", self.ids(settings_source=source(line), environ=environ))


class SecretKeyNeverShownTests(ChecklistTestCase):
    def test_key_absent_from_facts_messages_and_explanation(self) -> None:
        lines = (f"SECRET_KEY = {STRONG_KEY!r}", f'SECRET_KEY = os.environ.get("K", {STRONG_KEY!r})')
        for line in lines:
            with self.subTest(line=line), override_settings(SECRET_KEY=STRONG_KEY, SECRET_KEY_FALLBACKS=[STRONG_KEY[::-1]]):
                facts = self.facts(settings_source=source(line))
                messages = self.messages(settings_source=source(line))
                findings = (
                    *(Finding.from_message(message) for message in messages),
                    Finding("security.W025", "warning", "weak", source="django"),
                )
                text = json.dumps(__import__("dataclasses").asdict(facts), default=str) + self.explanation_text(facts, findings)
                text += " ".join(f"{message.msg} {message.hint} {message.obj}" for message in messages)
                self.assertNotIn(STRONG_KEY, text)
                self.assertNotIn(STRONG_KEY[::-1], text)
                self.assertIn("SECRET_KEY_FALLBACKS", text)
