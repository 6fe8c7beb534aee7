from __future__ import annotations

from django_deploy_concepts.concerns.checklist import simple_deploy
from django_deploy_concepts.concerns.checklist.facts import SettingsBlock
from tests.concerns.checklist.helpers import ChecklistTestCase

HEROKU_BLOCK = """import os

DEBUG = True

# Heroku settings.
if "ON_HEROKU" in os.environ:
    import dj_database_url

    DEBUG = os.getenv("DEBUG") == "TRUE"
    SECRET_KEY = os.getenv("SECRET_KEY")
    ALLOWED_HOSTS.append("*")
    DATABASES = {"default": dj_database_url.config(env="DATABASE_URL")}
    i = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware")
    MIDDLEWARE.insert(i + 1, "whitenoise.middleware.WhiteNoiseMiddleware")
"""
OLD_FLY_BLOCK = """import os
# --- Settings for Fly.io. ---
if os.environ.get("ON_FLYIO"):
    STATIC_ROOT = BASE_DIR / 'static'
"""


class SimpleDeployTests(ChecklistTestCase):
    def test_fires_when_it_configured_the_project(self) -> None:
        facts = self.facts(settings_source=HEROKU_BLOCK)
        (block,) = facts.simple_deploy.blocks
        self.assertEqual(
            block,
            SettingsBlock(
                "Heroku", "mysite/settings.py:5", "ON_HEROKU", ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASES", "MIDDLEWARE")
            ),
        )
        self.assertEqual(
            simple_deploy.i030(facts.simple_deploy),
            [m for m in self.messages(settings_source=HEROKU_BLOCK) if m.id == "deploy_checklist.I030"],
        )
        text = self.explanation_text(facts)
        self.assertIn("sets DEBUG, SECRET_KEY, ALLOWED_HOSTS, DATABASES, MIDDLEWARE when ON_HEROKU is set", text)

    def test_older_releases_block(self) -> None:
        (block,) = self.facts(settings_source=OLD_FLY_BLOCK).simple_deploy.blocks
        self.assertEqual((block.platform, block.switch, block.names), ("Fly.io", "ON_FLYIO", ("STATIC_ROOT",)))

    def test_fires_when_only_installed_or_listed(self) -> None:
        for label, path, text in (
            ("requirements", "requirements.txt", "django-simple-deploy[heroku]\n"),
            ("logs", "dsd_logs/deploy.log", "log\n"),
        ):
            with self.subTest(label):
                self.write(path, text)
                facts = self.facts()
                self.assertTrue(facts.simple_deploy.present)
                self.assertEqual(simple_deploy.i030(facts.simple_deploy), [m for m in self.messages() if m.id == "deploy_checklist.I030"])
                (self.base_dir / path).unlink()

    def test_quiet_without_a_trace(self) -> None:
        self.write("requirements.txt", "django\n")
        self.assertNotIn("deploy_checklist.I030", self.ids(settings_source="DEBUG = False\n"))

    def test_offers_itself_on_supported_platforms_only(self) -> None:
        for platform, offered in (("heroku", True), ("fly", True), ("upsun", True), ("render", False), ("vps", False)):
            with self.subTest(platform):
                text = self.explanation_text(self.facts(platform=platform))
                self.assertEqual("python manage.py deploy" in text, offered)
