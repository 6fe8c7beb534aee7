"""wsgi.py / asgi.py / manage.py defaulting DJANGO_SETTINGS_MODULE to development settings."""

from __future__ import annotations

import subprocess
import sys

from django.test import override_settings

from django_deploy_concepts.concerns.checklist import entry_points
from django_deploy_concepts.concerns.checklist.facts import SettingsModuleDefault
from tests.concerns.checklist.helpers import ChecklistTestCase

WSGI = 'import os\n\nfrom django.core.wsgi import get_wsgi_application\n\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "{module}")\napplication = get_wsgi_application()\n'
MANAGE = 'import os\nimport sys\n\nif __name__ == "__main__":\n    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{module}")\n'
BASE = 'SECRET_KEY = "x" * 60\nINSTALLED_APPS = []\nROOT_URLCONF = "mysite.urls"\nALLOWED_HOSTS = ["shop.example.org"]\n'
DEV = "from .base import *\n\nDEBUG = True\n"
PRODUCTION = "from .base import *\n\nDEBUG = False\n"


class DevelopmentDefaultTests(ChecklistTestCase):
    def project(self, module: str = "mysite.settings.dev", **extra: str) -> None:
        files = {
            "manage.py": MANAGE.format(module=module),
            "mysite/__init__.py": "",
            "mysite/urls.py": "urlpatterns = []\n",
            "mysite/wsgi.py": WSGI.format(module=module),
            "mysite/settings/__init__.py": "",
            "mysite/settings/base.py": BASE,
            "mysite/settings/dev.py": DEV,
            "mysite/settings/production.py": PRODUCTION,
            **extra,
        }
        for path, text in files.items():
            self.write(path, text)

    @override_settings(WSGI_APPLICATION="mysite.wsgi.application")
    def test_development_default_is_c033(self) -> None:
        self.project()
        facts = self.facts().entry_points
        self.assertEqual(facts.production_modules, ("mysite.settings.production",))
        self.assertEqual(
            entry_points.check_development_default(facts),
            [
                entry_points.w033(SettingsModuleDefault("manage.py:5", "mysite.settings.dev", True), "mysite.settings.production"),
                entry_points.w033(SettingsModuleDefault("mysite/wsgi.py:5", "mysite.settings.dev", True), "mysite.settings.production"),
            ],
        )

    @override_settings(WSGI_APPLICATION="mysite.wsgi.application")
    def test_the_failure_it_predicts(self) -> None:
        """Started as a platform starts it, without the variable, wsgi.py runs with DEBUG on."""
        self.project()
        code = "import os; os.environ.pop('DJANGO_SETTINGS_MODULE', None); import mysite.wsgi; from django.conf import settings; print(settings.DEBUG)"
        environ = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(self.base_dir)}
        result = subprocess.run([sys.executable, "-c", code], cwd=self.base_dir, env=environ, capture_output=True, text=True, timeout=60)
        self.assertEqual(result.stdout.strip(), "True", result.stderr)

    @override_settings(WSGI_APPLICATION="mysite.wsgi.application")
    def test_quiet(self) -> None:
        rows = {
            "defaults to production": ("mysite.settings.production", {}),
            "the Dockerfile sets the variable": (
                "mysite.settings.dev",
                {"Dockerfile": "FROM python:3.12\nENV DJANGO_SETTINGS_MODULE=mysite.settings.production\nCMD gunicorn mysite.wsgi\n"},
            ),
        }
        for label, (module, extra) in rows.items():
            with self.subTest(label):
                self.project(module, **extra)
                self.assertEqual(entry_points.check_development_default(self.facts().entry_points), [])
                (self.base_dir / "Dockerfile").unlink(missing_ok=True)

    @override_settings(WSGI_APPLICATION="mysite.wsgi.application")
    def test_no_production_module_is_quiet(self) -> None:
        self.project()
        (self.base_dir / "mysite/settings/production.py").unlink()
        self.assertEqual(entry_points.check_development_default(self.facts().entry_points), [])
