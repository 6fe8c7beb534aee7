"""Proof, not belief: what explain_wsgi predicts is what a real gunicorn does.

Each project is inspected by ``manage.py explain_wsgi --format json`` in its own process, then
started with real gunicorn on a free 127.0.0.1 port with the application path the report names,
and asked for ``/``: gunicorn starts exactly when the report says the application loads.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.test import SimpleTestCase

from tests.concerns.wsgi.support import PROJECTS
from tests.utils import EXAMPLE_DIR, REPO_ROOT, free_port, require_executable, run_manage

START_DEADLINE = 30.0
REQUEST_TIMEOUT = 5.0


def project_environ() -> dict[str, str]:
    environ = {key: value for key, value in os.environ.items() if key not in ("DJANGO_SETTINGS_MODULE", "PORT", "WEB_CONCURRENCY")}
    environ["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    environ["PYTHONDONTWRITEBYTECODE"] = "1"
    return environ


def explain(project: Path) -> dict[str, Any]:
    result = run_manage(project, "explain_wsgi", "--format", "json", env={"PYTHONDONTWRITEBYTECODE": "1"})
    if result.returncode != 0:
        raise AssertionError(result.stderr)
    [concern] = json.loads(result.stdout)["concerns"]
    return concern  # type: ignore[no-any-return]


def gunicorn_options() -> list[str]:
    from gunicorn.config import KNOWN_SETTINGS  # type: ignore[import-untyped]

    # gunicorn 25+ opens a control socket under $HOME; tests run side by side, so none.
    return ["--no-control-socket"] if any(setting.name == "control_socket_disable" for setting in KNOWN_SETTINGS) else []


@contextlib.contextmanager
def gunicorn(project: Path, arguments: list[str], port: int) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    with tempfile.TemporaryDirectory() as logs:
        log = Path(logs) / "gunicorn.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    *arguments,
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--graceful-timeout",
                    "2",
                    *gunicorn_options(),
                ],
                cwd=project,
                env=project_environ(),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                yield process, log
            finally:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=10)


def first_answer(process: subprocess.Popen[bytes], port: int, headers: dict[str, str]) -> int | None:
    """The status of GET / once gunicorn answers, or None when it exits first (it did not start)."""
    deadline = time.monotonic() + START_DEADLINE
    request = urllib.request.Request(f"http://127.0.0.1:{port}/", headers=headers)
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return None
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)
        except (TimeoutError, urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise AssertionError(f"gunicorn neither answered nor exited within {START_DEADLINE:g} seconds")


class GunicornProofTests(SimpleTestCase):
    def setUp(self) -> None:
        require_executable("gunicorn", str(Path(sys.executable).parent))

    def prove(self, project: Path) -> tuple[dict[str, Any], bool, int | None, str]:
        """(the report, whether gunicorn started, the status of /, gunicorn's log)."""
        report = explain(project)
        facts = report["facts"]
        [command] = [command for command in facts["start_commands"] if command["server"] == "gunicorn"]
        port = free_port()
        with gunicorn(project, list(command["arguments"]), port) as (process, log):
            status = first_answer(process, port, {"Host": "localhost"})
            started = status is not None
            output = log.read_text(errors="replace")
        return report, started, status, output

    def test_the_example_project_starts_as_predicted(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            project = Path(directory) / "example"
            shutil.copytree(EXAMPLE_DIR, project, ignore=shutil.ignore_patterns("db.sqlite3", "__pycache__"))
            (project / "Procfile").write_text("web: gunicorn mysite.wsgi --workers 2 --timeout 20\n")
            self.assertEqual(run_manage(project, "migrate", "--noinput", "-v", "0").returncode, 0)
            report, started, status, log = self.prove(project)
        [check] = report["facts"]["gunicorn"]["checks"]
        self.assertTrue(check["loads"])
        self.assertIsNone(report["facts"]["wsgi"]["error"])
        self.assertTrue(started, log)
        self.assertIsNotNone(status, log)

    def test_projects_that_do_not_start_are_predicted(self) -> None:
        rows = [
            # wsgi.py imports a module that was never committed.
            ("brokensite", "deploy_wsgi.E001", "No module named 'brokensite.monitoring'"),
            # The Procfile serves shop.wgsi, a typo of shop.wsgi.
            ("shop", "deploy_wsgi.E005", "No module named 'shop.wgsi'"),
        ]
        for name, check_id, error in rows:
            with self.subTest(name), tempfile.TemporaryDirectory() as directory:
                project = Path(directory) / name
                shutil.copytree(PROJECTS / name, project)
                report, started, status, log = self.prove(project)
                [check] = report["facts"]["gunicorn"]["checks"]
                self.assertIn(check_id, [finding["id"] for finding in report["findings"]])
                self.assertFalse(check["loads"])
                self.assertIn(error, check["error"])
                self.assertFalse(started, f"gunicorn answered {status}")
                self.assertIn(error, log)
                self.assertIn("Worker failed to boot", log)
