"""README.rst's two commands are the ones CI runs, and every command it documents exists."""

from __future__ import annotations

import re

from django.core.management import get_commands
from django.test import SimpleTestCase

from tests.utils import EXAMPLE_DIR, REPO_ROOT, run_manage

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
        result = run_manage(EXAMPLE_DIR, "explain_deploy", "--no-color", env={"COLUMNS": "88"})
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(sample, result.stdout.rstrip("\n"))
