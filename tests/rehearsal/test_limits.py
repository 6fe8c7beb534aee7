"""Bounds and clean-up: the per-request timeout, the overall time limit, and Ctrl-C."""

from __future__ import annotations

import os
import pty
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, ClassVar

from django.test import SimpleTestCase

from tests.rehearsal.project import environment, living_in_group, rehearsal_processes, write_project
from tests.rehearsal.test_rehearse_deploy import RehearsalTestCase, failure_at, failures

WAIT_SECONDS = 60.0


class RequestTimeoutTests(RehearsalTestCase):
    arguments = ("--host", "shop.example.com", "--proxy", "same-host", "--timeout", "1")
    project: ClassVar[dict[str, Any]] = {"admin": False}
    environment: ClassVar[dict[str, str]] = {"SHOP_SLOW_SECONDS": "4"}

    def test_a_slow_page_is_reported_and_the_rehearsal_goes_on(self) -> None:
        self.assert_rehearsed()
        failure = failure_at(self.data, "deploy_rehearsal.E012", "/slow/")
        self.assertEqual(failure["error"], "no answer within 1 seconds")
        self.assertTrue([visit for visit in self.data["visits"] if visit["kind"] == "unknown"])

    def test_no_process_is_left(self) -> None:
        self.assertEqual(rehearsal_processes(self.temporary), [])
        self.assertEqual(list(self.temporary.iterdir()), [])


class TimeLimitTests(RehearsalTestCase):
    arguments = ("--host", "shop.example.com", "--time-limit", "1", "--no-inspection")
    project: ClassVar[dict[str, Any]] = {"admin": False}
    environment: ClassVar[dict[str, str]] = {"SHOP_SLOW_SECONDS": "30"}

    def test_the_limit_is_reported_and_every_process_stopped(self) -> None:
        self.assert_rehearsed()
        (failure,) = failures(self.data, "deploy_rehearsal.W014")
        self.assertIn("The rehearsal's time limit ran out during", failure["finding"]["msg"])
        self.assertEqual(rehearsal_processes(self.temporary), [])
        self.assertEqual(list(self.temporary.iterdir()), [])


def wait_for(condition: object, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


def read_terminal(descriptor: int) -> str:
    """Everything written to a pseudo-terminal whose other end is closed."""
    chunks = []
    while True:
        try:
            chunk = os.read(descriptor, 65536)
        except OSError:  # EIO: the writing end is closed and everything was read
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", errors="replace")


class InterruptTests(SimpleTestCase):
    def test_ctrl_c_stops_every_process_and_removes_the_temporary_directory(self) -> None:
        root = Path(tempfile.mkdtemp(prefix="ddc-rehearsal-test-"))
        self.addCleanup(shutil.rmtree, root, True)
        project = write_project(root / "project", admin=False)
        temporary = root / "tmp"
        temporary.mkdir()
        # stderr is a terminal, as in a shell: the command then shows a progress line per stage.
        terminal, stderr_end = pty.openpty()
        self.addCleanup(os.close, terminal)
        process = subprocess.Popen(
            [sys.executable, str(project / "manage.py"), "rehearse_deploy", "--no-inspection", "--timeout", "120"],
            cwd=project,
            env=environment(TMPDIR=str(temporary), SHOP_SLOW_SECONDS="60"),
            stdout=subprocess.PIPE,
            stderr=stderr_end,
            text=True,
        )
        os.close(stderr_end)
        self.addCleanup(process.kill)
        pid_files: list[Path] = []

        def gunicorn_serves() -> bool:
            pid_files[:] = [path for path in temporary.glob("ddc-rehearsal-*/gunicorn.pid") if path.read_text().strip()]
            log = next(iter(temporary.glob("ddc-rehearsal-*/gunicorn.log")), None)
            return bool(pid_files) and log is not None and "Booting worker" in log.read_text(errors="replace")

        wait_for(gunicorn_serves, "gunicorn to start")
        group = int(pid_files[0].read_text().strip())
        time.sleep(1.0)
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=WAIT_SECONDS)
        stderr = read_terminal(terminal)
        self.assertEqual(process.returncode, 130, stderr[-2000:])
        for stage in ("build", "server", "requests"):
            self.assertIn(f"rehearse_deploy: {stage}...", stderr)
        self.assertIn("Interrupted: every process it started is stopped", stderr)
        self.assertNotIn("Traceback", stderr)
        self.assertEqual(living_in_group(group), [])
        self.assertEqual(rehearsal_processes(temporary), [])
        self.assertEqual(list(temporary.iterdir()), [])
