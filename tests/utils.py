"""Helpers shared by the tests: real executables, free loopback ports, real manage.py processes."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import unittest
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

from django.core.management import call_command
from django.test import override_settings

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_DIR = REPO_ROOT / "example"
FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SUBPROCESS_TIMEOUT = 120
# What django.test.signals says whenever a test overrides DATABASES.
DATABASES_OVERRIDE_WARNING = "Overriding setting DATABASES can lead to unexpected behavior."


def require_executable(name: str, *extra_dirs: str) -> str:
    """The path of a real executable the test needs.

    On a contributor's machine a missing one skips the test with the reason; in CI
    (CI=true) it fails, because CI must exercise every real component.
    """
    path = shutil.which(name) or (shutil.which(name, path=os.pathsep.join(extra_dirs)) if extra_dirs else None)
    if path:
        return path
    message = f"{name} is not installed (the tests need the real {name}; .ci/run installs it)"
    if IN_CI:
        raise AssertionError(message)
    raise unittest.SkipTest(message)


@contextlib.contextmanager
def override_databases(databases: object) -> Iterator[None]:
    """override_settings(DATABASES=...) without Django's warning that it does not reconnect.

    The concerns read DATABASES from settings and open their own connections, so the warning
    (about the test runner's connections) does not apply; only that one warning is silenced, on
    entering and on leaving the override, and every other warning still shows.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=re.escape(DATABASES_OVERRIDE_WARNING), category=UserWarning)
        with override_settings(DATABASES=databases):
            yield


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_manage(
    project_dir: Path,
    *args: str,
    settings_module: str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = SUBPROCESS_TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    """Run ``manage.py`` of a project in a fresh process, as a user would, bounded in time."""
    environment = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    environment["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), environment.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    if settings_module:
        environment["DJANGO_SETTINGS_MODULE"] = settings_module
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, str(project_dir / "manage.py"), *args],
        cwd=project_dir,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def call(command: str, *args: str, **options: object) -> str:
    """``call_command`` into a string, without colour."""
    out = io.StringIO()
    call_command(command, *args, stdout=out, no_color=True, **options)
    return out.getvalue()


def message_ids(messages: Sequence[object]) -> list[str]:
    return [getattr(message, "id", "") for message in messages]
