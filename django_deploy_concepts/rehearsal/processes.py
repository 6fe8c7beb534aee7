"""Every process the rehearsal starts runs in a session (process group) of its own and is stopped,
group and all, when the rehearsal ends: on success, failure, timeout or Ctrl-C."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

STOP_GRACE_SECONDS = 3.0


class Processes:
    """The processes of one rehearsal; ``stop_all()`` leaves none of them, nor their children, running."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen[bytes]] = []

    def start(
        self, argv: Sequence[str], *, cwd: Path, environ: Mapping[str, str], log: Path, stdout: Path | None = None
    ) -> subprocess.Popen[bytes]:
        """Start ``argv`` in a new session, its error output appended to ``log`` (and its standard
        output too, unless ``stdout`` names a file of its own)."""
        with log.open("ab") as errors, (stdout or log).open("ab") as output:
            process = subprocess.Popen(
                list(argv),
                cwd=cwd,
                env=dict(environ),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=errors,
                start_new_session=True,
            )
        self.started.append(process)
        return process

    def wait(self, process: subprocess.Popen[bytes], timeout: float) -> int | None:
        """The exit status, or None (and the group stopped) when it did not finish in ``timeout``."""
        try:
            return process.wait(timeout=max(timeout, 0.01))
        except subprocess.TimeoutExpired:
            self.stop(process)
            return None

    def stop(self, process: subprocess.Popen[bytes], grace: float = STOP_GRACE_SECONDS) -> None:
        """SIGTERM to the whole group, SIGKILL to what is left after ``grace`` seconds."""
        if process.poll() is None:
            signal_group(process.pid, signal.SIGTERM)
            deadline = time.monotonic() + grace
            while process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.02)
        # Workers may outlive their master: the group is killed in any case.
        signal_group(process.pid, signal.SIGKILL)
        if process.poll() is None:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def stop_all(self) -> None:
        for process in reversed(self.started):
            self.stop(process)


def signal_group(pgid: int, number: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, number)
