"""gunicorn as a daemon would fork out of the rehearsal's process group and outlive it: the
rehearsal runs it with daemon off, whether a gunicorn.conf.py, the start command or
GUNICORN_CMD_ARGS asks for it, and the project's configuration still applies."""

from __future__ import annotations

from typing import Any, ClassVar

from tests.rehearsal.project import CLEAN_URLS, rehearsal_processes, write
from tests.rehearsal.test_rehearse_deploy import RehearsalTestCase

# The host comes from gunicorn's raw_env: every page is a 400 unless the project's
# gunicorn.conf.py was loaded.
HOST_FROM_GUNICORN = """
import os
ALLOWED_HOSTS = [os.environ.get("SHOP_HOST", "nowhere.invalid")]
"""
CONFIG = 'daemon = True\nraw_env = ["SHOP_HOST=shop.example.com"]\n'


class DaemonTests(RehearsalTestCase):
    arguments = ("--host", "shop.example.com", "--proxy", "same-host")
    project: ClassVar[dict[str, Any]] = {"settings": HOST_FROM_GUNICORN, "urls": CLEAN_URLS, "admin": False, "media_file": False}
    config_file = "gunicorn.conf.py"

    @classmethod
    def prepare(cls) -> None:
        write(cls.directory / cls.config_file, CONFIG)

    def test_gunicorn_runs_in_the_foreground_with_the_projects_configuration(self) -> None:
        self.assert_rehearsed()
        # Nothing serves static files in this project; no other failure (a 400 for the host, a server
        # that did not start or left too early).
        self.assertEqual({failure["finding"]["id"] for failure in self.data["failures"]}, {"deploy_rehearsal.E008"})
        pages = {visit["url"]: visit["status"] for visit in self.data["visits"] if visit["kind"] == "page"}
        self.assertEqual(pages["https://shop.example.com/"], 200)

    def test_the_report_says_daemon_was_turned_off(self) -> None:
        self.assertIn(
            f"{self.config_file.rsplit('/', 1)[-1]} sets daemon: the rehearsal runs it with daemon = False, "
            "so that gunicorn stays in its process group.",
            self.data["notes"],
        )

    def test_no_process_is_left(self) -> None:
        self.assertEqual(rehearsal_processes(self.temporary), [])
        self.assertEqual(list(self.temporary.iterdir()), [])


class DaemonConfigNamedByTheCommandTests(DaemonTests):
    """-D on the Procfile's line, --daemon in GUNICORN_CMD_ARGS, the configuration named by -c."""

    config_file = "deploy/gunicorn_prod.py"
    project: ClassVar[dict[str, Any]] = {
        **DaemonTests.project,
        "procfile": "web: gunicorn -D -c deploy/gunicorn_prod.py shopsite.wsgi --bind 0.0.0.0:$PORT\n",
    }
    environment: ClassVar[dict[str, str]] = {"GUNICORN_CMD_ARGS": "--daemon --timeout 20"}

    def test_the_command_and_the_environment_are_reported(self) -> None:
        self.assertIn("Procfile line 1 runs gunicorn as a daemon (-D): the rehearsal does not, so that it can stop it.", self.data["notes"])
        self.assertIn(
            "GUNICORN_CMD_ARGS has --daemon: the rehearsal takes it out, so that gunicorn stays in its process group.",
            self.data["notes"],
        )
