from __future__ import annotations

from django.core.checks import Error
from django.test import override_settings

from django_deploy_concepts.concerns.checklist import debug
from django_deploy_concepts.concerns.checklist.facts import UnconvertedRead
from tests.concerns.checklist.helpers import ChecklistTestCase
from tests.utils import REPO_ROOT

HEADER = "import os\n\n"


class DebugIsBooleanTests(ChecklistTestCase):
    def test_fires_for_non_booleans(self) -> None:
        hint = 'Convert it: DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1" (or use a boolean parser).'
        rows = [
            ("False", "DEBUG is the str 'False', not True or False; it counts as true."),
            ("0", "DEBUG is the str '0', not True or False; it counts as true."),
            (1, "DEBUG is the int 1, not True or False; it counts as true."),
        ]
        for value, text in rows:
            with self.subTest(value=value), override_settings(DEBUG=value):
                messages = [message for message in self.messages() if message.id == "deploy_checklist.E001"]
                expected = Error(text, hint=hint, obj=f"{REPO_ROOT / 'tests' / 'settings.py'}:7", id="deploy_checklist.E001")
                self.assertEqual(messages, [expected])
        with override_settings(DEBUG=None):
            self.assertIn("deploy_checklist.E001", self.ids())

    def test_points_at_the_line_that_reads_the_environment(self) -> None:
        with override_settings(DEBUG="False"):
            messages = self.messages(settings_source=HEADER + 'DEBUG = os.environ.get("DJANGO_DEBUG", "False")\n')
        (message,) = [message for message in messages if message.id == "deploy_checklist.E001"]
        self.assertEqual(message.obj, "mysite/settings.py:3")
        self.assertIn('os.environ.get("DJANGO_DEBUG", "") == "1"', message.hint)

    def test_quiet_for_booleans(self) -> None:
        for value in (True, False):
            with self.subTest(value=value), override_settings(DEBUG=value):
                self.assertNotIn("deploy_checklist.E001", self.ids())


class DebugReadUnconvertedTests(ChecklistTestCase):
    UNCONVERTED = (
        ('DEBUG = os.environ.get("DEBUG", False)', "DEBUG"),
        ('DEBUG = os.getenv("APP_DEBUG")', "APP_DEBUG"),
        ('DEBUG = bool(os.getenv("DEBUG"))', "DEBUG"),
        ('DEBUG = bool(os.environ.get("DEBUG", "False"))', "DEBUG"),
        ('DEBUG = os.environ["DEBUG"]', "DEBUG"),
        ('DEBUG = os.getenv("DEBUG") or False', "DEBUG"),
        ('from os import environ\nDEBUG = environ.get("DEBUG")', "DEBUG"),
        ('if True:\n    DEBUG = os.getenv("DEBUG")', "DEBUG"),
    )
    CONVERTED = (
        'DEBUG = os.environ.get("DEBUG", "") == "1"',
        'DEBUG = os.getenv("DEBUG", "false").lower() in ("1", "true", "yes")',
        'DEBUG = bool(int(os.getenv("DEBUG", "0")))',
        "DEBUG = False",
        'DEBUG = env.bool("DEBUG", default=False)',
        'DEBUG = config("DEBUG", cast=bool)',
    )

    def test_fires_for_unconverted_reads(self) -> None:
        for line, variable in self.UNCONVERTED:
            with self.subTest(line=line), override_settings(DEBUG=False):
                messages = [message for message in self.messages(settings_source=HEADER + line) if message.id == "deploy_checklist.E006"]
                self.assertEqual(len(messages), 1)
                self.assertEqual(messages[0], debug.e006(UnconvertedRead(messages[0].obj, variable)))
                self.assertTrue(messages[0].obj.startswith("mysite/settings.py:"))

    def test_quiet_for_converted_reads(self) -> None:
        for line in self.CONVERTED:
            with self.subTest(line=line), override_settings(DEBUG=False):
                self.assertNotIn("deploy_checklist.E006", self.ids(settings_source=HEADER + line))

    def test_quiet_while_debug_is_a_string_because_c001_reports_it(self) -> None:
        with override_settings(DEBUG="False"):
            ids = self.ids(settings_source=HEADER + 'DEBUG = os.getenv("DEBUG", "False")')
        self.assertIn("deploy_checklist.E001", ids)
        self.assertNotIn("deploy_checklist.E006", ids)

    def test_fix_uses_the_projects_variable_and_line(self) -> None:
        with override_settings(DEBUG=True):
            facts = self.facts(settings_source=HEADER + 'DEBUG = os.getenv("MY_DEBUG")\n')
        text = self.explanation_text(facts)
        self.assertIn('DEBUG = os.environ.get("MY_DEBUG", "" if "DJANGO_SECRET_KEY" in os.environ else "1") == "1"', text)
        self.assertIn("mysite/settings.py:3", text)
