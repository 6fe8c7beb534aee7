from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path
from unittest import mock

from django.test import SimpleTestCase

from django_deploy_concepts import vcs
from tests.utils import require_executable


class RunGitTests(SimpleTestCase):
    def test_answers_in_a_repository_and_says_why_elsewhere(self) -> None:
        require_executable("git")
        with tempfile.TemporaryDirectory() as directory:
            subprocess.run(["git", "init", "-q", directory], check=True, timeout=30)
            Path(directory, "tracked.txt").write_text("x")
            subprocess.run(["git", "-C", directory, "add", "tracked.txt"], check=True, timeout=30)
            rows = [("tracked.txt", 0), ("untracked.txt", 1)]
            for name, status in rows:
                with self.subTest(name=name):
                    result = vcs.run_git(directory, ["ls-files", "--error-unmatch", "--", name], timeout=5)
                    assert not isinstance(result, str)
                    self.assertEqual(result.returncode, status)
            self.assertFalse(Path(directory, ".git", "index.lock").exists())
        with tempfile.TemporaryDirectory() as directory:
            outside = vcs.run_git(directory, ["ls-files"], timeout=5)
            assert not isinstance(outside, str)
            self.assertNotEqual(outside.returncode, 0)
            self.assertIn("not a git repository", vcs.first_error_line(outside, ""))

    def test_without_git_the_answer_is_a_reason(self) -> None:
        with mock.patch.dict(os.environ, {"PATH": ""}):
            self.assertEqual(vcs.run_git(".", ["status"], timeout=5), "git is not installed")
