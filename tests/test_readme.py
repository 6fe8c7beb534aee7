"""README.rst's two commands are the ones CI runs, what it says of CI and dependencies is what
.ci/run and pyproject.toml do, and every command it documents exists."""

from __future__ import annotations

import importlib.metadata
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.core.management import get_commands
from django.test import SimpleTestCase

from tests.utils import EXAMPLE_DIR, REPO_ROOT, require_executable, run_manage

README = (REPO_ROOT / "README.rst").read_text(encoding="utf-8")
CI_SCRIPT = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")


def readme_shell_commands() -> list[str]:
    blocks = re.findall(r"\.\. code-block:: shell\n\n((?:    .*\n|\n)+)", README)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip().startswith("python3 -m venv")]


class ReadmeTests(SimpleTestCase):
    def test_ci_runs_the_two_readme_commands_verbatim(self) -> None:
        commands = readme_shell_commands()
        self.assertEqual(len(commands), 2)
        for command in commands:
            with self.subTest(command=command):
                self.assertIn(f"bash -c '{command}'", CI_SCRIPT)

    def test_ci_runs_the_matrix_the_readme_shows(self) -> None:
        pythons = re.findall(r"find_python (3\.\d+)", CI_SCRIPT)
        self.assertEqual(pythons, ["3.10", "3.12", "3.13"])
        self.assertIn("--resolution lowest-direct", CI_SCRIPT)
        self.assertIn("``lowest-direct``", README)
        rows = {
            "3.10": "lowest direct ones",
            "3.12": "Django 6.0 ",
            "3.13": "Django 6.1 ",
        }
        for python, dependencies in rows.items():
            with self.subTest(python=python):
                self.assertRegex(README, rf"(?m)^{re.escape(dependencies)}.*  {re.escape(python)}  ")
        self.assertIn('"django>=6.0,<6.1"', CI_SCRIPT)
        self.assertIn('"django>=6.1,<6.2"', CI_SCRIPT)

    def test_every_django_classifier_has_a_ci_point(self) -> None:
        classifiers = importlib.metadata.metadata("django-deploy-concepts").get_all("Classifier") or []
        versions = [line.rsplit(" :: ", 1)[1] for line in classifiers if line.startswith("Framework :: Django :: ")]
        self.assertEqual(versions, ["5.2", "6.0", "6.1"])
        self.assertNotIn("Topic :: Internet :: WWW/HTTP :: WSGI :: Server", classifiers)

    def test_readme_states_the_lower_bounds_of_pyproject(self) -> None:
        requirements = importlib.metadata.requires("django-deploy-concepts") or []
        bounds = {}
        for requirement in requirements:
            match = re.match(r"([A-Za-z0-9_.-]+)\s*>=\s*([0-9.]+)", requirement)
            if match and "extra ==" not in requirement:
                bounds[match[1].lower()] = match[2]
        self.assertEqual(bounds.get("dj-database-url"), "3.0")
        names = {"django": "Django", "whitenoise": "WhiteNoise", "dj-database-url": "dj-database-url", "gunicorn": "gunicorn"}
        for name, shown in names.items():
            with self.subTest(name):
                self.assertIn(f"{shown} {bounds[name]}+", " ".join(README.split()))

    def test_documented_commands_exist(self) -> None:
        documented = set(re.findall(r"``(explain_[a-z]+)``", README))
        self.assertTrue(documented)
        self.assertLessEqual(documented, set(get_commands()))


class SampleOutputTests(SimpleTestCase):
    def test_the_sample_is_the_real_commands_output(self) -> None:
        section = README.split("\nSample output\n-------------\n", 1)[1]
        block = re.search(r"\.\. code-block:: text\n\n((?:    .*\n|\n)+)", section)
        self.assertIsNotNone(block)
        assert block is not None
        sample = "\n".join(line[4:] for line in block.group(1).splitlines()).strip("\n")
        # As in a clone: the example inside a git repository (the tests may run from an unpacked sdist).
        git = require_executable("git")
        with tempfile.TemporaryDirectory() as directory:
            clone = Path(directory)
            shutil.copytree(EXAMPLE_DIR, clone / "example", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            for command in (["init", "-q"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@localhost", "commit", "-qm", "clone"]):
                subprocess.run([git, *command], cwd=clone, check=True, capture_output=True, timeout=60)
            result = run_manage(clone / "example", "explain_deploy", "--no-color", env={"COLUMNS": "88"})
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(sample, result.stdout.rstrip("\n"))
