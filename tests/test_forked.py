"""Work done in a forked copy of this process: the same answer as here, or done here when unsafe."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.test import SimpleTestCase

from django_deploy_concepts.forked import Forked
from tests.utils import require_safe_fork

PARENT = os.getpid()


def in_copy() -> bool:
    return os.getpid() != PARENT


@contextmanager
def another_thread() -> Iterator[None]:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def failing_in_the_copy() -> str:
    if in_copy():
        raise RuntimeError("only in the copy")
    return "done here"


def leaving_in_the_copy() -> str:
    if in_copy():
        os._exit(3)
    return "done here"


def unpicklable_in_the_copy() -> object:
    return (lambda: None) if in_copy() else "done here"


def slow_in_the_copy() -> str:
    if in_copy():
        threading.Event().wait(60)
    return "done here"


class ForkedTests(SimpleTestCase):
    def setUp(self) -> None:
        require_safe_fork()

    def test_the_answer_comes_from_a_copy_of_this_process(self) -> None:
        work = Forked(os.getpid)
        self.assertTrue(work.forked)
        self.assertNotEqual(work.result(), os.getpid())

    def test_a_large_answer_arrives_whole(self) -> None:
        self.assertEqual(Forked(lambda: "x" * 3_000_000).result(), "x" * 3_000_000)

    def test_with_another_thread_running_the_work_is_done_here(self) -> None:
        with another_thread():
            work = Forked(os.getpid)
        self.assertFalse(work.forked)
        self.assertEqual(work.result(), os.getpid())

    def test_when_the_copy_gives_no_answer_the_work_is_done_here(self) -> None:
        for work in (failing_in_the_copy, leaving_in_the_copy, unpicklable_in_the_copy):
            with self.subTest(work=work.__name__):
                forked = Forked(work)
                self.assertTrue(forked.forked)
                self.assertEqual(forked.result(), "done here")

    def test_a_copy_without_an_answer_in_time_is_stopped(self) -> None:
        forked = Forked(slow_in_the_copy, timeout=0.5)
        pid = forked.pid
        assert pid is not None
        self.assertEqual(forked.result(), "done here")
        # Stopped and collected: no such child any more.
        with self.assertRaises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)

    def test_every_copy_is_collected(self) -> None:
        forked = Forked(os.getpid)
        pid = forked.pid
        assert pid is not None
        forked.result()
        with self.assertRaises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
