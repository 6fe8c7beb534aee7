"""Asking git about the project: read only, bounded in time, and never a traceback.

Used to tell whether files the deployment depends on (STATIC_ROOT, a sqlite database) are
committed or ignored. https://git-scm.com/docs/git-ls-files
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

# Git's status-like commands may refresh the index; nothing here may write to the project.
READ_ONLY_ENVIRONMENT = {"GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
MIN_TIMEOUT = 1.0


def git_executable() -> str | None:
    return shutil.which("git")


def run_git(repository: Path | str, arguments: list[str], timeout: float) -> subprocess.CompletedProcess[str] | str:
    """git's answer in ``repository``, or why there is none (not installed, no answer in time)."""
    git = git_executable()
    if git is None:
        return "git is not installed"
    command = [git, "-C", str(repository), "-c", "core.fsmonitor=false", *arguments]
    try:
        return subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=max(timeout, MIN_TIMEOUT),
            env={**os.environ, **READ_ONLY_ENVIRONMENT},
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"git did not answer within {max(timeout, MIN_TIMEOUT):g} s"
    except OSError as exc:
        return f"git could not run: {exc.strerror or exc}"


def first_error_line(result: subprocess.CompletedProcess[str], default: str) -> str:
    return (result.stderr.strip().splitlines() or [default])[0]
