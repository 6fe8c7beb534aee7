"""Work done in a forked copy of this process, on another CPU, while this one goes on.

Used to read the stylesheets while this process reads the templates. A copy made by fork() has
the project loaded already, so it starts at once; it answers through a pipe and exits without
running any clean-up of this process. Only forked where that is safe: on Linux, and only when this
process runs a single thread (a thread holding a lock at the fork would leave the copy stuck).
Otherwise, or when the copy fails or does not answer in time, the work is done here: the answer
is the same, only later.
https://docs.python.org/3/library/os.html#os.fork
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

Result = TypeVar("Result")

# A copy that has not answered by then is stopped, and the work done here.
TIMEOUT_SECONDS = 300.0
READ_SIZE = 1 << 16


class Forked(Generic[Result]):
    """The work started at once in a forked copy of this process (or, where unsafe, done here later)."""

    def __init__(self, work: Callable[[], Result], timeout: float = TIMEOUT_SECONDS) -> None:
        self.work = work
        self.timeout = timeout
        self.pid: int | None = None
        self.reader: int | None = None
        if can_fork():
            self.start()

    @property
    def forked(self) -> bool:
        return self.pid is not None

    def start(self) -> None:
        # Output waiting in this process's buffers would be written twice if the copy printed (a warning).
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(AttributeError, OSError, ValueError):
                stream.flush()
        reader, writer = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(reader)
            os.close(writer)
            return
        if pid == 0:
            os.close(reader)
            answer_and_exit(self.work, writer)
        os.close(writer)
        self.pid, self.reader = pid, reader

    def result(self) -> Result:
        answer = self.answer()
        if answer is None:
            return self.work()
        return answer[0]

    def answer(self) -> tuple[Result] | None:
        """The copy's result (in a one-item tuple, as a result may be None); None when it gave none."""
        if self.pid is None or self.reader is None:
            return None
        pid, reader = self.pid, self.reader
        self.pid = self.reader = None
        data = None
        try:
            data = read_until_closed(reader, time.monotonic() + self.timeout)
        finally:
            os.close(reader)
            collect_exit(pid, stopping=data is None)
        if data is None:
            return None
        try:
            status, value = pickle.loads(data)
        except Exception:  # noqa: BLE001 - a truncated or foreign answer: do the work here
            return None
        return (value,) if status == "ok" else None


def can_fork() -> bool:
    return sys.platform == "linux" and hasattr(os, "fork") and threading.active_count() == 1 and system_thread_count() == 1


def system_thread_count() -> int | None:
    """The threads of this process as Linux counts them: also those Python did not start."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Threads:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def answer_and_exit(work: Callable[[], object], writer: int) -> None:
    """The copy's whole life: do the work, write the pickled result, and leave at once."""
    status = 1
    try:
        try:
            data = pickle.dumps(("ok", work()))
        except BaseException as exc:  # noqa: BLE001 - the process answers "failed"; the work is redone there
            data = pickle.dumps(("failed", f"{type(exc).__name__}: {exc}"))
        view = memoryview(data)
        while view:
            view = view[os.write(writer, view) :]
        status = 0
    finally:
        # Skips atexit handlers, buffered output and finalizers, which belong to the original.
        os._exit(status)


def read_until_closed(reader: int, deadline: float) -> bytes | None:
    chunks: list[bytes] = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        ready, _, _ = select.select([reader], [], [], remaining)
        if not ready:
            return None
        chunk = os.read(reader, READ_SIZE)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def collect_exit(pid: int, *, stopping: bool) -> None:
    """Wait for the copy's exit (it closed the pipe: it is leaving), stopping it first when it gave no answer."""
    try:
        if stopping:
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ChildProcessError, ProcessLookupError):
        pass
