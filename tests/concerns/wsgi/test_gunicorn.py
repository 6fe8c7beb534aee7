"""gunicorn's own configuration check, run for real, and the worker count for this machine."""

from __future__ import annotations

import gc
import sys
import tempfile
import threading
import weakref
from pathlib import Path

from django.test import SimpleTestCase, override_settings

from django_deploy_concepts import runner
from django_deploy_concepts.concerns import get_concern, wsgi
from django_deploy_concepts.concerns.wsgi import gunicorn
from tests.concerns.wsgi.support import context_for, ids, inspect, project_with
from tests.utils import SUBPROCESS_TIMEOUT, require_executable

PORT_CONFIG = 'import os\nbind = "0.0.0.0:" + os.environ.get("PORT", "8000")\nworkers = 2\ntimeout = 45\n'


class CheckConfigTests(SimpleTestCase):
    def setUp(self) -> None:
        require_executable("gunicorn", str(Path(sys.executable).parent))

    def test_a_valid_configuration_loads_and_shows_its_settings(self) -> None:
        with project_with({"gunicorn.conf.py": PORT_CONFIG}) as project:
            facts, messages = inspect(project, platform="heroku")
        [check] = facts.gunicorn.checks
        self.assertEqual((check.loads, check.stage, check.error), (True, "ok", None))
        self.assertEqual((check.workers, check.timeout, check.config_file, check.binds_to_port_env), (2, 45, "./gunicorn.conf.py", True))
        self.assertEqual(check.command_line, "gunicorn --check-config tests.wsgi:application")
        self.assertNotIn("deploy_wsgi.E009", ids(messages))

    def test_a_start_command_is_checked_in_its_own_directory(self) -> None:
        with project_with({"Procfile": "web: gunicorn tests.wsgi --workers 3 --timeout 20\n"}) as project:
            facts, _ = inspect(project)
        [check] = facts.gunicorn.checks
        self.assertEqual((check.source, check.loads, check.workers, check.timeout), ("Procfile line 1", True, 3, 20))
        self.assertEqual(Path(check.cwd), project.resolve())

    def test_the_checks_start_with_the_run_and_give_the_same_facts(self) -> None:
        with project_with({"Procfile": "web: gunicorn tests.wsgi --workers 3 --timeout 20\n"}) as project:
            with override_settings(BASE_DIR=project):
                context = context_for(project)
                runner.prepare(context, [get_concern(wsgi.NAME)])
                # Started by prepare: the facts later wait for these very checks.
                not_started = object()
                self.assertIsNot(context.memo("wsgi:gunicorn", lambda: not_started), not_started)
                prepared = wsgi.collect_facts(context)
            facts, _ = inspect(project)
        self.assertEqual(prepared.gunicorn, facts.gunicorn)
        self.assertEqual([check.workers for check in prepared.gunicorn.checks], [3])

    def test_the_checks_run_without_a_thread_waiting_for_them(self) -> None:
        # The static files concern forks only a single-threaded process.
        with project_with({"Procfile": "web: gunicorn tests.wsgi\n"}) as project, override_settings(BASE_DIR=project):
            context = context_for(project)
            threads = threading.active_count()
            runner.prepare(context, [get_concern(wsgi.NAME)])
            self.assertEqual(threading.active_count(), threads)
            self.assertEqual([check.loads for check in wsgi.collect_facts(context).gunicorn.checks], [True])

    def test_a_check_nobody_waits_for_is_stopped(self) -> None:
        with project_with({"gunicorn.conf.py": "import time\ntime.sleep(60)\n"}) as project, override_settings(BASE_DIR=project):
            running = gunicorn.start_check(
                context_for(project),
                source="test",
                file="gunicorn.conf.py",
                line=None,
                arguments=["tests.wsgi"],
                cwd=project,
                secrets=frozenset(),
            )
            process = running.process
            assert process is not None
            self.assertIsNone(process.poll())
            dropped = weakref.ref(running)
            del running
            gc.collect()
            # The check is gone (nothing else holds it), so its finalizer has stopped the process;
            # the wait is bounded and long, so nothing here depends on when the collector runs.
            self.assertIsNone(dropped(), "something still holds the dropped check")
            self.assertIsNotNone(process.wait(timeout=SUBPROCESS_TIMEOUT))

    def test_stopping_an_unfinished_check_ends_its_process(self) -> None:
        with project_with({"gunicorn.conf.py": "import time\ntime.sleep(60)\n"}) as project, override_settings(BASE_DIR=project):
            running = gunicorn.start_check(
                context_for(project),
                source="test",
                file="gunicorn.conf.py",
                line=None,
                arguments=["tests.wsgi"],
                cwd=project,
                secrets=frozenset(),
            )
            process = running.process
            assert process is not None
            gunicorn.stop_unfinished(process)
            # stop_unfinished waits for the process it kills: it has ended, with no wait here.
            self.assertIsNotNone(process.poll())

    def test_w009_fires_when_gunicorn_rejects_the_configuration(self) -> None:
        rows = [
            ("syntax error", {"gunicorn.conf.py": "workers = \n"}, "SyntaxError"),
            ("invalid value", {"gunicorn.conf.py": 'workers = "many"\n'}, "many"),
            ("unknown option", {"Procfile": "web: gunicorn tests.wsgi --wokers 3\n"}, "unrecognized arguments: --wokers"),
        ]
        for name, files, error in rows:
            with self.subTest(name), project_with(files) as project:
                facts, messages = inspect(project)
            self.assertIn("deploy_wsgi.E009", ids(messages))
            [check] = facts.gunicorn.checks
            self.assertEqual((check.loads, check.stage), (False, "config"))
            self.assertIn(error, check.error or "")

    def test_an_application_failure_is_w005_not_w009(self) -> None:
        with project_with({"Procfile": "web: gunicorn tests.wgsi\n"}) as project:
            facts, messages = inspect(project)
        [check] = facts.gunicorn.checks
        self.assertEqual((check.loads, check.stage), (False, "application"))
        self.assertIn("No module named 'tests.wgsi'", check.error or "")
        self.assertEqual(
            [message_id for message_id in ids(messages) if message_id in ("deploy_wsgi.E005", "deploy_wsgi.E009")],
            ["deploy_wsgi.E005"],
        )

    def test_a_command_run_in_an_unknown_directory_is_not_checked(self) -> None:
        with project_with({"compose.yaml": "services:\n  web:\n    command: gunicorn tests.wsgi\n"}) as project:
            facts, _ = inspect(project)
        self.assertEqual(facts.gunicorn.checks, ())
        self.assertIn("not known here", facts.gunicorn.not_checked[0])


class CpuTests(SimpleTestCase):
    def test_workers_follow_the_usable_cpus(self) -> None:
        cpus = gunicorn.machine_cpus()
        self.assertGreaterEqual(cpus.usable, 1)
        self.assertEqual(cpus.recommended_workers, 2 * cpus.usable + 1)
        if cpus.affinity is not None:
            self.assertLessEqual(cpus.usable, cpus.affinity)

    def test_cgroup_quota(self) -> None:
        rows = [("150000 100000\n", 1.5), ("max 100000\n", None), ("200000 100000\n", 2.0), ("garbage\n", None)]
        for text, quota in rows:
            with self.subTest(text), tempfile.TemporaryDirectory() as directory:
                root = Path(directory)
                (root / "cpu.max").write_text(text)
                for line in Path("/proc/self/cgroup").read_text().splitlines() if Path("/proc/self/cgroup").exists() else []:
                    if line.startswith("0::"):
                        nested = root / line[3:].lstrip("/")
                        nested.mkdir(parents=True, exist_ok=True)
                        (nested / "cpu.max").write_text(text)
                self.assertEqual(gunicorn.cgroup_quota(root), quota)


class CommandLineTests(SimpleTestCase):
    def test_the_recommended_command_fits_the_platform(self) -> None:
        rows = [
            (
                ("paas", "PORT", None, True),
                "gunicorn m.wsgi:application --bind 0.0.0.0:$PORT --workers ${WEB_CONCURRENCY:-5} --timeout 30 --forwarded-allow-ips='*'",
            ),
            (
                ("paas", None, 8080, True),
                "gunicorn m.wsgi:application --bind 0.0.0.0:8080 --workers ${WEB_CONCURRENCY:-5} --timeout 30 --forwarded-allow-ips='*'",
            ),
            (("container", None, None, False), "gunicorn m.wsgi:application --bind 0.0.0.0:8000 --workers 5 --timeout 30"),
            (("server", None, None, False), "gunicorn m.wsgi:application --bind 127.0.0.1:8000 --workers 5 --timeout 30"),
        ]
        for (kind, port_env, fly_port, tls), expected in rows:
            with self.subTest(kind=kind, port_env=port_env):
                command = gunicorn.recommended_command(
                    "m.wsgi:application", platform_kind=kind, port_env=port_env, fly_port=fly_port, terminates_tls=tls, workers=5
                )
                self.assertEqual(command, expected)

    def test_shell_variables_expand_as_a_shell_would(self) -> None:
        environ = {"PORT": "5000", "EMPTY": ""}
        rows = [
            ("0.0.0.0:$PORT", "0.0.0.0:5000"),
            ("${WEB_CONCURRENCY:-3}", "3"),
            ("${PORT}", "5000"),
            ("${EMPTY:-2}", "2"),
            ("$UNSET", ""),
        ]
        for word, expected in rows:
            with self.subTest(word):
                self.assertEqual(gunicorn.expand(word, environ), expected)
