"""Work handed to another Python process: its answer, or None and the work is done here."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.test import SimpleTestCase

from django_deploy_concepts.workers import Worker

SCRIPT = Path(__file__).parent / "fixtures" / "workers" / "answer.py"


class WorkerTests(SimpleTestCase):
    def test_the_answer_comes_from_another_isolated_process(self) -> None:
        worker = Worker(SCRIPT, {"files": ["a.css", "b.css"], "sizes": (1, 2)}, timeout=30)
        answer = worker.answer()
        self.assertEqual(answer["job"], {"files": ["a.css", "b.css"], "sizes": (1, 2)})
        self.assertNotEqual(answer["pid"], os.getpid())
        # -I -S: neither site-packages nor the environment reach the script.
        self.assertFalse(answer["django"])

    def test_a_failing_script_gives_no_answer(self) -> None:
        self.assertIsNone(Worker(SCRIPT, {"exit": 3}, timeout=30).answer())

    def test_a_missing_script_gives_no_answer(self) -> None:
        self.assertIsNone(Worker(SCRIPT.with_name("missing.py"), {}, timeout=30).answer())

    def test_a_job_marshal_cannot_write_gives_no_answer(self) -> None:
        self.assertIsNone(Worker(SCRIPT, {"not data": object()}, timeout=30).answer())

    def test_a_slow_worker_is_stopped_at_the_timeout(self) -> None:
        worker = Worker(SCRIPT, {"sleep": 60}, timeout=0.5)
        # Had it waited for the script, the answer would be there.
        self.assertIsNone(worker.answer())
        assert worker.process is not None
        self.assertIsNotNone(worker.process.poll())

    def test_nothing_is_left_behind(self) -> None:
        for job in ({}, {"exit": 1}, {"sleep": 60}):
            with self.subTest(job=job):
                worker = Worker(SCRIPT, job, timeout=0.5)
                worker.answer()
                self.assertFalse(worker.folder.exists())

    def test_the_worker_writes_nothing_where_it_runs(self) -> None:
        with tempfile.TemporaryDirectory() as project:
            previous = os.getcwd()
            os.chdir(project)
            try:
                answer = Worker(SCRIPT, {}, timeout=30).answer()
            finally:
                os.chdir(previous)
            self.assertEqual(answer["cwd_entries"], [])
            self.assertEqual(os.listdir(project), [])

    def test_an_unused_worker_is_stopped_when_dropped(self) -> None:
        worker = Worker(SCRIPT, {"sleep": 60}, timeout=30)
        process, folder = worker.process, worker.folder
        del worker
        assert process is not None
        self.assertIsNotNone(process.poll())
        self.assertFalse(folder.exists())
