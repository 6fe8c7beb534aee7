"""State kept per worker process: the worker count read from the start command, LocMemCache, sessions."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

from django.test import SimpleTestCase, override_settings

from django_deploy_concepts.concerns.wsgi.start_commands import project_start_commands
from tests.concerns.database.helpers import ids, make_context, messages_with, run

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
DATABASE_CACHE = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cache"}}
SESSION_MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware"]


class ProcessesTestCase(SimpleTestCase):
    def setUp(self) -> None:
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.base_dir = Path(directory.name)
        base_dir_override = override_settings(BASE_DIR=self.base_dir)
        base_dir_override.enable()
        self.addCleanup(base_dir_override.disable)

    def write_procfile(self, command: str) -> None:
        (self.base_dir / "Procfile").write_text(f"release: python manage.py migrate\nweb: {command}\n", encoding="utf-8")


class WorkerCountTests(ProcessesTestCase):
    def test_rows(self) -> None:
        rows = [
            # (web command, environment, processes, threads)
            ("gunicorn tests.wsgi --workers 3", {}, 3, None),
            ("gunicorn tests.wsgi -w4 --threads=2", {}, 4, 2),
            ("gunicorn tests.wsgi", {}, 1, None),
            ("gunicorn tests.wsgi", {"WEB_CONCURRENCY": "6"}, 6, None),
            ("python manage.py runserver 0.0.0.0:$PORT", {}, None, None),
        ]
        for command, environ, processes, threads in rows:
            with self.subTest(command, environ=environ):
                self.write_procfile(command)
                facts, _ = run(make_context(environ=environ))
                workers = facts.processes.workers
                self.assertEqual((workers.processes, workers.threads), (processes, threads))
                if processes is not None:
                    self.assertEqual(workers.source, "Procfile line 2")

    def test_the_count_needs_only_the_wsgi_concerns_start_commands(self) -> None:
        self.write_procfile("gunicorn tests.wsgi --workers 3")
        context = make_context()
        facts, _ = run(context)
        self.assertEqual(facts.processes.workers.processes, 3)
        # The rest of the WSGI facts (the application loaded, gunicorn's own check run in a
        # subprocess) is not collected for a count; the start commands read are kept for it.
        not_collected = object()
        self.assertIs(context.memo("facts:wsgi", lambda: not_collected), not_collected)
        [web] = [command for command in project_start_commands(context).commands if command.process == "web"]
        self.assertEqual(web.workers, 3)
        self.assertIs(project_start_commands(context), project_start_commands(context))


class LocalMemoryCacheTests(ProcessesTestCase):
    def test_locmem_default_cache_with_several_workers_is_d020(self) -> None:
        self.write_procfile("gunicorn tests.wsgi --workers 3")
        # tests.settings have no CACHES, so the first row is Django's default: a LocMemCache.
        for caches in (None, LOCMEM):
            with self.subTest(caches=caches), override_settings(CACHES=caches) if caches else contextlib.nullcontext():
                _, messages = run(make_context())
                [message] = messages_with(messages, "deploy_database.W020")
                self.assertIn("each of 3 workers (Procfile line 2)", message.msg)

    def test_one_worker_or_a_shared_cache_is_quiet(self) -> None:
        rows = [("gunicorn tests.wsgi --workers 1", LOCMEM), ("gunicorn tests.wsgi --workers 3", DATABASE_CACHE)]
        for command, caches in rows:
            with self.subTest(command, caches=caches), override_settings(CACHES=caches):
                self.write_procfile(command)
                _, messages = run(make_context())
                self.assertNotIn("deploy_database.W020", ids(messages))

    def test_sessions_in_locmem_are_d021(self) -> None:
        with override_settings(CACHES=LOCMEM, SESSION_ENGINE="django.contrib.sessions.backends.cache", MIDDLEWARE=SESSION_MIDDLEWARE):
            _, messages = run(make_context())
        self.assertEqual(len(messages_with(messages, "deploy_database.W021")), 1)

    def test_sessions_elsewhere_or_unused_are_quiet(self) -> None:
        rows = [
            (LOCMEM, "django.contrib.sessions.backends.cached_db", SESSION_MIDDLEWARE),
            (LOCMEM, "django.contrib.sessions.backends.db", SESSION_MIDDLEWARE),
            (DATABASE_CACHE, "django.contrib.sessions.backends.cache", SESSION_MIDDLEWARE),
            (LOCMEM, "django.contrib.sessions.backends.cache", []),
        ]
        for caches, engine, middleware in rows:
            with self.subTest(engine, caches=caches, middleware=middleware):
                with override_settings(CACHES=caches, SESSION_ENGINE=engine, MIDDLEWARE=middleware):
                    _, messages = run(make_context())
                self.assertNotIn("deploy_database.W021", ids(messages))
