"""gunicorn's own configuration check runs the project's code too: under the same refusals as loading WSGI_APPLICATION."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

from tests.hostile.support import PromiseTestCase, hostile_project, silent_server
from tests.utils import require_executable

PROCFILE = "web: gunicorn hostile.wsgi --bind 0.0.0.0:$PORT\n"
LOADING = "loading the application"
COMMAND = "`gunicorn --check-config hostile.wsgi --bind 0.0.0.0:$PORT` (Procfile line 1)"
# Connects to the silent server at import, then waits for an answer that never comes.
CONNECTS = """\
import os
import socket

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hostile.settings")
application = get_wsgi_application()
client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect(("127.0.0.1", {port}))
client.recv(1)
"""
CONFIG_CONNECTS = """\
import socket

client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect(("127.0.0.1", {port}))
client.recv(1)
workers = 2
"""
WARMS_CONNECTION = """\
import os

from django.core.wsgi import get_wsgi_application
from django.db import connection

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hostile.settings")
application = get_wsgi_application()
connection.ensure_connection()
"""
WRITES = """\
import os

from django.core.wsgi import get_wsgi_application
from django.db import connection

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hostile.settings")
application = get_wsgi_application()
with connection.cursor() as cursor:
    cursor.execute("INSERT INTO visits VALUES (1)")
"""
POSTGRES_ON = """
DATABASES = {{"default": {{"ENGINE": "django.db.backends.postgresql", "NAME": "app", "USER": "app",
    "PASSWORD": "planted-pw-9c1d3e", "HOST": "127.0.0.1", "PORT": {port}, "OPTIONS": {{"connect_timeout": 600}}}}}}
"""


def findings(output: str) -> list[tuple[str, str]]:
    data = json.loads(output)
    return [(finding["id"], finding["msg"]) for concern in data["concerns"] for finding in concern["findings"]]


def gunicorn_check(output: str) -> dict[str, object]:
    data = json.loads(output)
    wsgi = next(concern["facts"] for concern in data["concerns"] if concern["concern"] == "wsgi")
    [check] = wsgi["gunicorn"]["checks"]
    return check  # type: ignore[no-any-return]


class GunicornCheckRefusalTests(PromiseTestCase):
    def setUp(self) -> None:
        require_executable("gunicorn", str(Path(sys.executable).parent))

    def test_offline_the_check_connects_nowhere_and_says_it_was_not_verified(self) -> None:
        # One I017 each time: gunicorn's check says it only when loading WSGI_APPLICATION does not say the same.
        rows = [
            ("wsgi.py connects", {"hostile/wsgi.py": CONNECTS}, "", LOADING, "network connection to ('127.0.0.1', {port})",
             "WSGI_APPLICATION was not verified: it opens a connection while loading ({refused}), which this run may not open."),
            ("gunicorn.conf.py connects", {"gunicorn.conf.py": CONFIG_CONNECTS}, "", "reading its configuration",
             "network connection to ('127.0.0.1', {port})", COMMAND + " was {error}."),
            ("wsgi.py warms the database", {"hostile/wsgi.py": WARMS_CONNECTION}, POSTGRES_ON, LOADING, "database 'default'",
             "WSGI_APPLICATION was not verified: it opens a connection while loading ({refused}), which this run may not open."),
        ]  # fmt: skip
        for name, files, settings_extra, while_doing, refused, i017 in rows:
            with (
                self.subTest(name),
                silent_server() as server,
                hostile_project(
                    {"Procfile": PROCFILE, **{path: text.format(port=server.port) for path, text in files.items()}},
                    settings_extra=settings_extra.format(port=server.port),
                ) as project,
            ):
                outputs = self.run_everywhere(
                    project, "--offline", "--timeout", "2", commands=("explain_wsgi",), formats=("json",), secrets=["planted-pw-9c1d3e"]
                )
                self.assertEqual(server.accepted, [], "the check connected with --offline")
                refused = refused.format(port=server.port)
                error = f"not verified: it opens a connection while {while_doing} ({refused}), which this run may not open"
                check = gunicorn_check(outputs["explain_wsgi json"])
                self.assertEqual((check["loads"], check["stage"], check["error"]), (None, "refused", error))
                found = findings(outputs["explain_wsgi json"])
                message = i017.format(refused=refused, error=error)
                self.assertEqual([text for check_id, text in found if check_id == "deploy_wsgi.I017"], [message])
                self.assertFalse({"deploy_wsgi.E005", "deploy_wsgi.E009"} & {check_id for check_id, _ in found})
                # check --deploy without --database opens no connection either.
                self.assertIn(message, outputs["check --deploy"])
                self.assertNotIn("deploy_wsgi.E009", outputs["check --deploy"])

    def test_allowed_to_connect_the_check_connects_bounded_as_before(self) -> None:
        with (
            silent_server() as server,
            hostile_project({"Procfile": PROCFILE, "hostile/wsgi.py": CONNECTS.format(port=server.port)}) as project,
        ):
            result = self.run_command(project, "explain_wsgi", "--format", "json", "--timeout", "1", "--database", "default")
            # The application's loading and gunicorn's check each connected once.
            self.assertEqual(len(server.accepted), 2)
        check = gunicorn_check(result.stdout)
        self.assertEqual((check["loads"], check["stage"]), (None, "timeout"))
        self.assertNotIn("deploy_wsgi.I017", [check_id for check_id, _ in findings(result.stdout)])

    def test_allowed_to_connect_the_check_writes_nothing(self) -> None:
        with hostile_project({"Procfile": PROCFILE, "hostile/wsgi.py": WRITES}) as project:
            with sqlite3.connect(project / "db.sqlite3") as database:
                database.execute("CREATE TABLE visits (n integer)")
            database.close()
            # run_command compares every byte of the project, the sqlite file included.
            result = self.run_command(project, "explain_wsgi", "--format", "json", "--database", "default")
        error = "not verified: it writes to the database while loading the application, and this run opens databases read-only"
        check = gunicorn_check(result.stdout)
        self.assertEqual((check["loads"], check["stage"], check["error"]), (None, "refused", error))
        found = findings(result.stdout)
        # Said once, by the loading of WSGI_APPLICATION, which met the same write.
        self.assertEqual(
            [text for check_id, text in found if check_id == "deploy_wsgi.I017"],
            ["WSGI_APPLICATION was not verified: it writes to the database while loading, and this run opens databases read-only."],
        )
        self.assertFalse({"deploy_wsgi.E005", "deploy_wsgi.E009"} & {check_id for check_id, _ in found})

    def test_a_quiet_project_loads_in_the_check(self) -> None:
        with hostile_project({"Procfile": PROCFILE}) as project:
            result = self.run_command(project, "explain_wsgi", "--format", "json", "--offline")
        check = gunicorn_check(result.stdout)
        self.assertEqual((check["loads"], check["stage"], check["error"]), (True, "ok", None))
        self.assertNotIn("deploy_wsgi.I017", [check_id for check_id, _ in findings(result.stdout)])
