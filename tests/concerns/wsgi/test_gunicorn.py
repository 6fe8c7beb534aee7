"""gunicorn's own configuration check, run for real, and the worker count for this machine."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from django.test import SimpleTestCase, override_settings

from django_deploy_concepts import runner
from django_deploy_concepts.concerns import get_concern, wsgi
from django_deploy_concepts.concerns.wsgi import gunicorn
from tests.concerns.wsgi.support import context_for, ids, inspect, project_with, run_environ
from tests.utils import REPO_ROOT, SUBPROCESS_TIMEOUT, require_executable

# explain_wsgi on the project in argv[1], as JSON.
EXPLAIN_WSGI_IN = """
import pathlib, sys, django
django.setup()
from django.core.management import call_command
from django.test.utils import override_settings
with override_settings(BASE_DIR=pathlib.Path(sys.argv[1])):
    call_command("explain_wsgi", "--offline", "--timeout", "2", "--format", "json")
"""


def stop_helper(pid: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        os.kill(int(pid), signal.SIGKILL)


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

    def test_a_helper_in_its_own_session_does_not_hold_the_run(self) -> None:
        # gunicorn.conf.py starts a helper that leaves gunicorn's process group and keeps its
        # output open, then hangs: gunicorn is killed at the bound, and the helper's open output
        # must not keep the run waiting.
        conf = (
            "import pathlib, subprocess, sys, time\n"
            "helper = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)'], start_new_session=True)\n"
            "pathlib.Path('helper.pid').write_text(str(helper.pid))\n"
            "time.sleep(300)\n"
        )
        with project_with({"gunicorn.conf.py": conf}) as project:
            result = subprocess.run(
                [sys.executable, "-c", EXPLAIN_WSGI_IN, str(project)],
                cwd=REPO_ROOT,
                env=run_environ(),
                capture_output=True,
                text=True,
                timeout=gunicorn.MIN_CHECK_SECONDS + SUBPROCESS_TIMEOUT,
                check=False,
            )
            self.addCleanup(stop_helper, (project / "helper.pid").read_text())
        self.assertEqual(result.returncode, 0, result.stderr)
        [wsgi_report] = json.loads(result.stdout)["concerns"]
        [check] = wsgi_report["facts"]["gunicorn"]["checks"]
        self.assertEqual((check["loads"], check["stage"]), (None, "timeout"))
        self.assertEqual(check["error"], f"gunicorn did not finish within {gunicorn.MIN_CHECK_SECONDS:g} seconds")

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

    def test_the_sandbox_answers_as_gunicorns_own_command(self) -> None:
        # The same exit status and the same output as `python -m gunicorn`, here with nothing refused.
        request = json.dumps({"databases": [], "offline": True, "bound": SUBPROCESS_TIMEOUT})
        rows = [
            ("loads", ["tests.wsgi", "--workers", "3"], 0),
            ("application", ["tests.wgsi"], 1),
            ("config", ["tests.wsgi", "--wokers", "3"], 2),
        ]
        for name, arguments, status in rows:
            with self.subTest(name), project_with({}) as project:
                argv = ["--check-config", "--print-config", *arguments]
                result_path = str(project / "result.json")
                ours, theirs = (
                    subprocess.run(
                        command, cwd=project, env=run_environ(), capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT, check=False
                    )
                    for command in (
                        [sys.executable, "-B", "-m", "django_deploy_concepts.sandbox", "--gunicorn-check", result_path, request, *argv],
                        [sys.executable, "-B", "-m", "gunicorn", *argv],
                    )
                )
                self.assertEqual((ours.returncode, ours.stdout, ours.stderr), (status, theirs.stdout, theirs.stderr))
                self.assertEqual(theirs.returncode, status)
                result = json.loads(Path(result_path).read_text())
                self.assertEqual((result["started"], result["refused"]), (True, []))

    def test_a_sandbox_that_cannot_start_says_nothing_of_the_configuration(self) -> None:
        # A package named django in the directory gunicorn runs in hides Django from the sandbox:
        # the refusals cannot be installed, so gunicorn is not run and nothing is concluded.
        files = {"Procfile": "web: gunicorn tests.wsgi\n", "django/__init__.py": "raise ImportError('not the real django')\n"}
        with project_with(files) as project:
            facts, messages = inspect(project)
        [check] = facts.gunicorn.checks
        self.assertEqual((check.loads, check.stage), (None, "error"))
        self.assertEqual(check.error, "could not run gunicorn: ImportError: not the real django")
        self.assertFalse({"deploy_wsgi.E005", "deploy_wsgi.E009"} & set(ids(messages)))

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
