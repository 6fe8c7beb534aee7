"""The app registers two deploy checks, one tagged for --database, and imports no concern until they run."""

from __future__ import annotations

import os
import subprocess
import sys

from django.core.checks.registry import registry
from django.test import SimpleTestCase

from django_deploy_concepts.checks import TAG, check_deploy, check_deploy_database
from tests.utils import REPO_ROOT, SUBPROCESS_TIMEOUT

# Start Django, run the checks `runserver` runs, and list what of this app got imported.
PLAIN_CHECKS = """
import sys, django
django.setup()
from django.core import checks
checks.run_checks(include_deployment_checks=False)
print(sorted(name for name in sys.modules if name.startswith("django_deploy_concepts.")))
"""

# Run explain_static and list the concern packages that got imported (base.py is every concern's base class).
EXPLAIN_STATIC = """
import io, sys, django
django.setup()
from django.core.management import call_command
call_command("explain_static", offline=True, stdout=io.StringIO())
print(*sorted(name for name in sys.modules if name.startswith("django_deploy_concepts.concerns.") and name.count(".") == 2 and not name.endswith(".base")))
"""


class RegistrationTests(SimpleTestCase):
    def test_two_deploy_only_checks_one_tagged_database(self) -> None:
        deploy = [check for check in registry.get_checks(include_deployment_checks=True) if TAG in check.tags]
        plain = [check for check in registry.get_checks(include_deployment_checks=False) if TAG in check.tags]
        self.assertEqual(set(deploy), {check_deploy, check_deploy_database})
        self.assertEqual([check for check in deploy if "database" in check.tags], [check_deploy_database])
        self.assertEqual(plain, [])

    def test_ready_again_registers_nothing_new(self) -> None:
        # Django calls ready() again for every override of INSTALLED_APPS.
        before = set(registry.get_checks(include_deployment_checks=True))
        with self.modify_settings(INSTALLED_APPS={"append": "django.contrib.sessions"}):
            self.assertEqual(set(registry.get_checks(include_deployment_checks=True)), before)

    def run_python(self, code: str) -> str:
        """What ``code`` prints, run in a fresh process on the test settings."""
        env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
        env.update(PYTHONPATH=str(REPO_ROOT), DJANGO_SETTINGS_MODULE="tests.settings")
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=SUBPROCESS_TIMEOUT,
            check=False,
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        return result.stdout

    def test_a_single_concerns_command_imports_only_the_concerns_it_uses(self) -> None:
        self.assertEqual(self.run_python(EXPLAIN_STATIC).split(), ["django_deploy_concepts.concerns.static"])

    def test_plain_checks_import_no_concern(self) -> None:
        imported = self.run_python(PLAIN_CHECKS)
        self.assertNotIn("django_deploy_concepts.concerns", imported)
        self.assertNotIn("django_deploy_concepts.runner", imported)
        self.assertIn("django_deploy_concepts.checks", imported)
