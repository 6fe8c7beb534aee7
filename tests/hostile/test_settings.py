"""Settings that misbehave when read: lazy values, values that raise, values of the wrong type, no source."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.hostile.support import PromiseTestCase, hostile_project, silent_server

LAZY_SETTINGS = """
import socket

from django.utils.functional import SimpleLazyObject


def _ask_the_silent_server():
    with socket.create_connection(("127.0.0.1", {port})) as sock:
        return sock.recv(1)


def _fail():
    raise RuntimeError("evaluated a lazy setting")


class _HostileList(list):
    def __iter__(self):
        raise RuntimeError("iterated a hostile list")


FEATURE_FLAGS = SimpleLazyObject(_ask_the_silent_server)
PAYMENT_TOKEN = SimpleLazyObject(_fail)
PARTNER_KEYS = _HostileList(["planted-partner-key-4c2a"])
"""


def findings(output: str) -> dict[str, str]:
    data = json.loads(output)
    return {finding["id"]: finding["msg"] for concern in data["concerns"] for finding in concern["findings"]}


class LazySettingsTests(PromiseTestCase):
    def test_lazy_settings_are_never_evaluated(self) -> None:
        with silent_server() as server, hostile_project(settings_extra=LAZY_SETTINGS.format(port=server.port)) as project:
            self.run_everywhere(project, "--offline", "--timeout", "2", formats=("json", "text"), secrets=["planted-partner-key-4c2a"])
            self.assertEqual(server.accepted, [], "a lazy setting was evaluated: it connected")

    def test_a_needed_setting_that_raises_is_the_concerns_finding(self) -> None:
        extra = "\nfrom django.utils.functional import SimpleLazyObject\nCSRF_TRUSTED_ORIGINS = SimpleLazyObject(lambda: 1 / 0)\n"
        with hostile_project(settings_extra=extra) as project:
            outputs = self.run_everywhere(project, "--offline", formats=("json",), check_deploy=False)
        # Django's own CSRF check evaluates it: its crash is a finding, the report goes on.
        self.assertIn("ZeroDivisionError", " ".join(findings(outputs["explain_deploy json"]).values()))


class WrongTypeTests(PromiseTestCase):
    def test_static_root_that_is_not_a_path_is_said_so(self) -> None:
        with hostile_project(settings_extra="\nSTATIC_ROOT = 42\n") as project:
            result = self.run_command(project, "explain_static", "--format", "json", "--offline")
        message = findings(result.stdout)["deploy_static.E001"]
        self.assertIn("STATIC_ROOT = 42 (int) is not a filesystem path", message)
        self.assertNotIn("not set", message)

    def test_unset_static_root_is_still_not_set(self) -> None:
        with hostile_project(settings_extra="\nSTATIC_ROOT = None\n") as project:
            result = self.run_command(project, "explain_static", "--format", "json", "--offline")
        self.assertIn("STATIC_ROOT is not set", findings(result.stdout)["deploy_static.E001"])

    def test_emit_writes_only_host_names_into_server_name(self) -> None:
        extra = '\nALLOWED_HOSTS = ["good.example.com", 42, None, "evil.example.com;\\n}", "*"]\n'
        with hostile_project(settings_extra=extra) as project:
            result = self.run_command(project, "explain_webserver", "--emit", "nginx")
            explained = self.run_command(project, "explain_webserver", "--format", "json", "--offline")
        [server_name] = [line.strip() for line in result.stdout.splitlines() if line.strip().startswith("server_name")]
        self.assertEqual(server_name, "server_name good.example.com;")
        self.assertIn("ALLOWED_HOSTS entry 42 is a int, not a string", explained.stdout)

    def test_emit_keeps_a_configuration_as_generated(self) -> None:
        with hostile_project() as project:
            result = self.run_command(project, "explain_webserver", "--emit", "nginx")
        self.assertIn("server_name hostile.example.com;", result.stdout)


class SourcelessSettingsTests(PromiseTestCase):
    def test_settings_present_only_as_pyc_are_said_to_have_no_source(self) -> None:
        with hostile_project() as project:
            settings = project / "hostile" / "settings.py"
            subprocess.run([sys.executable, "-m", "compileall", "-q", "-b", str(settings)], check=True)
            settings.unlink()
            outputs = self.run_everywhere(project, "--offline", commands=("explain_checklist",), formats=("json", "text"))
        self.assertNotIn("deploy_checklist.E005", findings(outputs["explain_checklist json"]))
        self.assertIn("no .py source", outputs["explain_checklist text"])
        self.assertNotIn("cannot be parsed", outputs["explain_checklist text"])
