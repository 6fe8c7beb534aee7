"""Standard-library-only work handed to another Python process, so that it uses another CPU meanwhile.

The worker script runs isolated (``python -I -S``: no site-packages, no environment variables, not
even its own folder on ``sys.path``), reads its job from a file and writes its answer to another,
both in a temporary directory, so nothing touches the project. It is bounded in time, and any
failure (no interpreter, a crash, no answer in time) only means: do the work in this process.
https://docs.python.org/3/using/cmdline.html#cmdoption-I
"""

from __future__ import annotations

import marshal
import os
import shutil
import subprocess
import sys
import tempfile
import weakref
from pathlib import Path
from typing import Any

JOB_FILE = "job.marshal"
ANSWER_FILE = "answer.marshal"


class Worker:
    """One run of a worker script; ``answer()`` waits for it and gives None when it failed.

    The script's ``__main__`` block loads the job with ``marshal`` from the file named by its first
    argument and writes its answer, with ``marshal`` too, to the file named by its second.
    """

    def __init__(self, script: Path, job: Any, timeout: float) -> None:
        self.timeout = timeout
        self.folder = Path(tempfile.mkdtemp(prefix="deploy-concepts-"))
        self.process = start(script, job, self.folder)
        # Whatever happens to the caller, the process is stopped and the folder removed.
        self._cleanup = weakref.finalize(self, stop, self.process, self.folder)

    def answer(self) -> Any | None:
        try:
            if self.process is None or self.process.wait(timeout=self.timeout) != 0:
                return None
            return marshal.loads((self.folder / ANSWER_FILE).read_bytes())
        except (OSError, ValueError, EOFError, TypeError, subprocess.TimeoutExpired):
            return None
        finally:
            self._cleanup()


def start(script: Path, job: Any, folder: Path) -> subprocess.Popen[bytes] | None:
    if not sys.executable:
        return None
    try:
        (folder / JOB_FILE).write_bytes(marshal.dumps(job))
        return subprocess.Popen(
            [sys.executable, "-I", "-S", os.fspath(script), os.fspath(folder / JOB_FILE), os.fspath(folder / ANSWER_FILE)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    except (OSError, ValueError):
        return None


def stop(process: subprocess.Popen[bytes] | None, folder: Path) -> None:
    if process is not None and process.poll() is None:
        process.kill()
        process.wait()
    shutil.rmtree(folder, ignore_errors=True)
