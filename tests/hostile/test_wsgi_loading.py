"""A wsgi.py or URLconf that misbehaves: each gives a finding, never a hang, a traceback or stray output."""

from __future__ import annotations

import json
import os

from tests.hostile.support import PromiseTestCase, hostile_project, silent_server

WARMS_CONNECTION = """\
import os

from django.core.wsgi import get_wsgi_application
from django.db import connection

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hostile.settings")
application = get_wsgi_application()
connection.ensure_connection()
"""
POSTGRES_ON = """
DATABASES = {{"default": {{"ENGINE": "django.db.backends.postgresql", "NAME": "app", "USER": "app",
    "PASSWORD": "planted-pw-2b7e4f", "HOST": "127.0.0.1", "PORT": {port}, "OPTIONS": {{"connect_timeout": 600}}}}}}
"""
STARTS_THREAD = WSGI = """\
import os
import threading
import time

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hostile.settings")
application = get_wsgi_application()
threading.Thread(target=time.sleep, args=(3600,), name="metrics-flusher").start()
"""
RAISES = """\
class GreenletExit(BaseException):
    pass


raise GreenletExit("the hub is gone")
"""
PRINTS = """\
import os
import sys

from django.core.wsgi import get_wsgi_application

print("hello from wsgi.py")
print("and to stderr", file=sys.stderr)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hostile.settings")
application = get_wsgi_application()
"""
EXITING_URLS = """\
import sys

sys.exit(3)
"""
LONG_IMPORT = """\
import time

time.sleep(3600)
"""


def findings(output: str) -> dict[str, str]:
    data = json.loads(output)
    return {finding["id"]: finding["msg"] for concern in data["concerns"] for finding in concern["findings"]}


def facts(output: str) -> dict[str, object]:
    data = json.loads(output)
    return next(concern["facts"] for concern in data["concerns"] if concern["concern"] == "wsgi")


class WsgiLoadingTests(PromiseTestCase):
    def test_a_connection_warmed_at_import_is_refused_offline_and_bounded_online(self) -> None:
        with (
            silent_server() as server,
            hostile_project({"hostile/wsgi.py": WARMS_CONNECTION}, settings_extra=POSTGRES_ON.format(port=server.port)) as project,
        ):
            outputs = self.run_everywhere(project, "--offline", "--timeout", "2", commands=("explain_wsgi",), secrets=["planted-pw-2b7e4f"])
            self.assertEqual(server.accepted, [], "--offline connected to the database")
            self.assertIn("deploy_wsgi.I017", findings(outputs["explain_wsgi json"]))
            self.assertNotIn("deploy_wsgi.E001", findings(outputs["explain_wsgi json"]))
            # Allowed to connect, it waits on the silent server until the bound, then says so.
            result = self.run_command(project, "explain_wsgi", "--format", "json", "--timeout", "1", "--database", "default")
            self.assertIn("deploy_wsgi.W015", findings(result.stdout))

    def test_a_quiet_wsgi_py_gives_none_of_these(self) -> None:
        with hostile_project() as project:
            result = self.run_command(project, "explain_wsgi", "--format", "json", "--offline")
        found = findings(result.stdout)
        for check_id in ("deploy_wsgi.E001", "deploy_wsgi.W015", "deploy_wsgi.W016", "deploy_wsgi.I017"):
            self.assertNotIn(check_id, found)

    def test_a_non_daemon_thread_does_not_keep_the_command_alive(self) -> None:
        with hostile_project({"hostile/wsgi.py": STARTS_THREAD}) as project:
            outputs = self.run_everywhere(project, "--offline", commands=("explain_wsgi",), formats=("json",))
        self.assertIn("metrics-flusher", findings(outputs["explain_wsgi json"])["deploy_wsgi.W016"])

    def test_a_base_exception_at_import_is_the_loading_error(self) -> None:
        with hostile_project({"hostile/wsgi.py": RAISES}) as project:
            outputs = self.run_everywhere(project, "--offline", commands=("explain_wsgi", "explain_deploy"))
        self.assertIn("GreenletExit: the hub is gone", findings(outputs["explain_wsgi json"])["deploy_wsgi.E001"])

    def test_system_exit_in_the_urlconf_ends_no_command(self) -> None:
        with hostile_project({"hostile/urls.py": EXITING_URLS}) as project:
            outputs = self.run_everywhere(project, "--offline", commands=("explain_wsgi", "explain_deploy"), check_deploy=False)
        self.assertIn("SystemExit: 3", facts(outputs["explain_wsgi json"])["asgi"]["url_error"])  # type: ignore[index]

    def test_print_in_wsgi_py_stays_out_of_the_json(self) -> None:
        with hostile_project({"hostile/wsgi.py": PRINTS}) as project:
            outputs = self.run_everywhere(project, "--offline", commands=("explain_wsgi",))
        self.assertEqual(facts(outputs["explain_wsgi json"])["loading"]["output"], ["hello from wsgi.py", "and to stderr"])  # type: ignore[index]
        self.assertFalse(outputs["explain_wsgi text"].startswith("hello"))

    def test_an_import_that_never_ends_is_bounded(self) -> None:
        with hostile_project({"hostile/wsgi.py": LONG_IMPORT}) as project:
            result = self.run_command(project, "explain_wsgi", "--format", "json", "--offline", "--timeout", "1")
        self.assertIn("deploy_wsgi.W015", findings(result.stdout))
        self.assertNotIn("deploy_wsgi.E001", findings(result.stdout))

    def test_no_bytecode_is_written_into_the_project(self) -> None:
        # run_command compares the whole tree: a __pycache__ directory would fail it.
        with hostile_project() as project:
            self.run_command(project, "explain_wsgi", "--offline")
            self.assertFalse(list(project.rglob("__pycache__")))


SPAWNS_HELPER = """\
import os
import subprocess

from django.core.wsgi import get_wsgi_application

helper = subprocess.Popen(["sleep", "3600"])
print("helper", helper.pid)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hostile.settings")
application = get_wsgi_application()
"""


class ProcessGroupTests(PromiseTestCase):
    def test_what_wsgi_py_starts_is_stopped_with_it(self) -> None:
        with hostile_project({"hostile/wsgi.py": SPAWNS_HELPER}) as project:
            result = self.run_command(project, "explain_wsgi", "--format", "json", "--offline")
        [line] = [line for line in facts(result.stdout)["loading"]["output"] if line.startswith("helper ")]  # type: ignore[index]
        pid = int(line.split()[1])
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        # A zombie is gone too (only its exit status remains); anything else still runs.
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            self.assertEqual(handle.read().split()[2], "Z", f"process {pid} still runs")
