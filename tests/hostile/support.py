"""Hostile projects, built in temporary directories and inspected by real ``manage.py`` processes.

Each test builds a small project whose settings, wsgi.py, URLconf or files misbehave, runs the
commands on it in a fresh process bounded in time, and asserts the promises the README makes:
the command finishes, shows no traceback, writes nothing (the project tree and its database are
byte-identical afterwards), prints no planted secret, and gives valid JSON with ``--format json``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from django.test import SimpleTestCase

from tests.utils import REPO_ROOT

# Every command must finish well within this; a hang shows up as a failed test, not a stuck suite.
COMMAND_TIMEOUT = 60
EXPLAIN_COMMANDS = ("explain_static", "explain_database", "explain_wsgi", "explain_webserver", "explain_checklist", "explain_deploy")
FORMATS = ("text", "json", "markdown")

MANAGE_PY = """\
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hostile.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
"""
SETTINGS = """\
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "hostile-5f1c9a7e3b2d4c6a8e0f-not-for-production-7d3e1f9c2b4a"
DEBUG = False
ALLOWED_HOSTS = ["hostile.example.com"]
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.staticfiles",
    "django_deploy_concepts",
]
MIDDLEWARE = ["django.middleware.security.SecurityMiddleware", "django.middleware.common.CommonMiddleware"]
ROOT_URLCONF = "hostile.urls"
WSGI_APPLICATION = "hostile.wsgi.application"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [], "APP_DIRS": True, "OPTIONS": {}}]
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
"""
WSGI_PY = """\
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hostile.settings")
application = get_wsgi_application()
"""
URLS_PY = """\
from django.http import HttpResponse
from django.urls import path

urlpatterns = [path("", lambda request: HttpResponse("ok"))]
"""


@contextlib.contextmanager
def hostile_project(files: Mapping[str, str | bytes] | None = None, *, settings_extra: str = "") -> Iterator[Path]:
    """A small project in a temporary directory: the base files, ``settings_extra`` appended to its
    settings, and ``files`` (relative path -> text or bytes) added or replacing base files."""
    base: dict[str, str | bytes] = {
        "manage.py": MANAGE_PY,
        "hostile/__init__.py": "",
        "hostile/settings.py": SETTINGS + settings_extra,
        "hostile/wsgi.py": WSGI_PY,
        "hostile/urls.py": URLS_PY,
    }
    base.update(files or {})
    with tempfile.TemporaryDirectory(prefix="ddc-hostile-") as directory:
        root = Path(directory) / "project"
        for relative, content in base.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        yield root


def snapshot(root: Path) -> dict[str, str]:
    """Every file and directory under ``root`` with a digest of its bytes (a sqlite file included)."""
    found: dict[str, str] = {}
    for directory, subdirectories, files in os.walk(root):
        for name in subdirectories:
            found[os.path.relpath(os.path.join(directory, name), root) + "/"] = "dir"
        for name in files:
            path = os.path.join(directory, name)
            try:
                with open(path, "rb") as handle:
                    found[os.path.relpath(path, root)] = hashlib.sha256(handle.read()).hexdigest()
            except OSError as error:
                found[os.path.relpath(path, root)] = f"unreadable: {error.strerror}"
    return found


def manage(
    project: Path, *args: str, env: Mapping[str, str] | None = None, timeout: float = COMMAND_TIMEOUT
) -> subprocess.CompletedProcess[str]:
    """``manage.py`` of ``project`` in a fresh process, as a user runs it, bounded in time."""
    environment = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    environment["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), environment.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, str(project / "manage.py"), *args],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
        check=False,
    )


class SilentServer:
    """A TCP server on 127.0.0.1 that accepts connections and never answers: every client waits."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)
        self.port = int(self.socket.getsockname()[1])
        self.accepted: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, name="silent-server", daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.accepted.append(connection)

    def close(self) -> None:
        for connection in self.accepted:
            connection.close()
        self.socket.close()


@contextlib.contextmanager
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    try:
        yield server
    finally:
        server.close()


class PromiseTestCase(SimpleTestCase):
    """Assertions for the promises every command makes, whatever the project does."""

    def run_command(
        self,
        project: Path,
        *args: str,
        env: Mapping[str, str] | None = None,
        secrets: Sequence[str] = (),
        returncodes: Sequence[int] = (0,),
        timeout: float = COMMAND_TIMEOUT,
    ) -> subprocess.CompletedProcess[str]:
        """Run one command and assert: it finished, no traceback, no secret, JSON when asked for, nothing written."""
        before = snapshot(project)
        try:
            result = manage(project, *args, env=env, timeout=timeout)
        except subprocess.TimeoutExpired:
            self.fail(f"manage.py {' '.join(args)} did not finish within {timeout:g} seconds")
        self.assertEqual(snapshot(project), before, f"manage.py {' '.join(args)} changed the project")
        self.assertIn(result.returncode, returncodes, result.stderr[-2000:])
        for stream in (result.stdout, result.stderr):
            self.assertNotIn("Traceback", stream)
            for secret in secrets:
                self.assertNotIn(secret, stream)
        if "json" in args:
            json.loads(result.stdout)
        return result

    def run_everywhere(
        self,
        project: Path,
        *extra: str,
        commands: Sequence[str] = ("explain_deploy",),
        formats: Sequence[str] = FORMATS,
        env: Mapping[str, str] | None = None,
        secrets: Sequence[str] = (),
        check_deploy: bool = True,
    ) -> dict[str, str]:
        """Each command in each format (and ``check --deploy``): their outputs, keyed "command format"."""
        outputs: dict[str, str] = {}
        for command in commands:
            for output_format in formats:
                with self.subTest(command=command, format=output_format):
                    result = self.run_command(project, command, "--format", output_format, *extra, env=env, secrets=secrets)
                    outputs[f"{command} {output_format}"] = result.stdout
        if check_deploy:
            with self.subTest(command="check --deploy"):
                result = self.run_command(project, "check", "--deploy", env=env, secrets=secrets, returncodes=(0, 1))
                outputs["check --deploy"] = result.stdout + result.stderr
        return outputs
