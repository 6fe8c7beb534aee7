"""One deployment plan: no two steps disagree, nothing breaks runserver, no sentence has a hole."""

from __future__ import annotations

import ast
import json
import re
import shutil
import tempfile
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any

from django.test import SimpleTestCase

from django_deploy_concepts import plan, platforms
from tests.utils import EXAMPLE_DIR, call, run_manage

PLATFORM_NAMES = sorted(name for name in platforms.PLATFORMS_BY_NAME if name != "unknown")
NO_PLATFORM = "none"
# Installed while developing only, never by the deployment.
DEVELOPMENT_ONLY = {"django-simple-deploy"}
# Words that end a "pip install" in a sentence ("runs pip install and collectstatic").
PROSE = {"and", "or", "then", "yourself", "collectstatic", "in", "while"}
HOLES = re.compile(r"\bNone\b|on no platform|no platform detected|\{\}|REPLACE_ME|www\.example\.com|\bmyapp\b")


@cache
def example_without_platform_files() -> Path:
    root = Path(tempfile.mkdtemp(prefix="lead-plan-"))
    shutil.copytree(EXAMPLE_DIR, root / "example", ignore=shutil.ignore_patterns("Procfile", "__pycache__", "*.sqlite3"))
    return root / "example"


@cache
def example_report(platform: str) -> dict[str, Any]:
    if platform == NO_PLATFORM:
        result = run_manage(example_without_platform_files(), "explain_deploy", "--format", "json", "--offline")
    else:
        result = run_manage(EXAMPLE_DIR, "explain_deploy", "--format", "json", "--offline", "--platform", platform)
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def steps_of(data: dict[str, Any]) -> list[dict[str, str]]:
    return [step for concern in data["concerns"] for step in concern["guidance"]["steps"]]


def assignments(code: str) -> dict[str, str]:
    """Top-level ``NAME = value`` of a Python snippet, the value normalised by ast."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return {}
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            found[node.targets[0].id] = ast.unparse(node.value)
    return found


def unguarded_environ_reads(code: str) -> list[str]:
    """``os.environ["X"]`` not inside ``if "X" in os.environ:``: it raises KeyError under runserver."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    guarded: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Compare) and isinstance(node.test.left, ast.Constant):
            for inner in ast.walk(node):
                guarded.add(id(inner))
        if isinstance(node, ast.IfExp) and isinstance(node.test, ast.Compare) and isinstance(node.test.left, ast.Constant):
            for inner in ast.walk(node.body):
                guarded.add(id(inner))
    return [
        ast.unparse(node)
        for node in ast.walk(tree)
        if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ" and id(node) not in guarded
    ]


def installed_names(text: str) -> list[str]:
    """The packages of every ``pip install`` in a text: its words up to the first that ends the command."""
    names = []
    for match in re.finditer(r"pip install (.*)", text):
        words = iter(match.group(1).split())
        for word in words:
            if word in ("-r", "--requirement"):
                if next(words, "").endswith((",", ";")):
                    break
                continue
            if word.startswith("-"):
                continue
            name = word.strip("'\"(),.;:")
            if name in PROSE or not re.fullmatch(r"[A-Za-z0-9][\w.-]*(\[[\w,]+\])?", name):
                break
            names.append(plan.requirement_name(name))
            if word.endswith((",", ")", ";")):
                break
    return names


class PlanConsistencyTests(SimpleTestCase):
    def test_no_two_steps_give_a_setting_different_values(self) -> None:
        for platform in [*PLATFORM_NAMES, NO_PLATFORM]:
            values: dict[str, set[str]] = defaultdict(set)
            for step in steps_of(example_report(platform)):
                if step["language"] == "python":
                    for name, value in assignments(step["code"]).items():
                        values[name].add(value)
            with self.subTest(platform=platform):
                self.assertIn("ALLOWED_HOSTS", values)
                self.assertEqual({name: found for name, found in values.items() if len(found) > 1}, {})

    def test_steps_quote_the_plans_settings_block(self) -> None:
        for platform in [*PLATFORM_NAMES, NO_PLATFORM]:
            name = platform if platform != NO_PLATFORM else "unknown"
            with self.subTest(platform=platform):
                emitted = call_emit("settings", platform)
                block = assignments(emitted)
                self.assertIn("SECRET_KEY", block)
                self.assertEqual(platforms.PLATFORMS_BY_NAME[name].name, name)
                for step in steps_of(example_report(platform)):
                    if step["language"] == "python":
                        for setting, value in assignments(step["code"]).items():
                            if setting in block:
                                self.assertEqual(value, block[setting], f"{setting} in step {step['title']!r}")

    def test_nothing_a_step_installs_is_missing_from_the_requirements(self) -> None:
        for platform in [*PLATFORM_NAMES, NO_PLATFORM]:
            with self.subTest(platform=platform):
                requirements = {plan.requirement_name(line) for line in call_emit("requirements", platform).splitlines()}
                for step in steps_of(example_report(platform)):
                    for name in installed_names(f"{step['detail']}\n{step['code']}"):
                        if name not in DEVELOPMENT_ONLY:
                            self.assertIn(name, requirements, step["title"])

    def test_no_snippet_breaks_runserver_with_an_unset_variable(self) -> None:
        for platform in [*PLATFORM_NAMES, NO_PLATFORM]:
            with self.subTest(platform=platform):
                for step in steps_of(example_report(platform)):
                    if step["language"] == "python":
                        self.assertEqual(unguarded_environ_reads(step["code"]), [], step["title"])
                self.assertEqual(unguarded_environ_reads(call_emit("settings", platform)), [])

    def test_one_hostname_and_never_a_placeholder(self) -> None:
        for platform in [*PLATFORM_NAMES, NO_PLATFORM]:
            with self.subTest(platform=platform):
                codes = [step["code"] for step in steps_of(example_report(platform))]
                self.assertEqual([code for code in codes if HOLES.search(code)], [])


@cache
def call_emit(piece: str, platform: str) -> str:
    if platform == NO_PLATFORM:
        result = run_manage(example_without_platform_files(), "explain_deploy", "--emit", piece)
    else:
        result = run_manage(EXAMPLE_DIR, "explain_deploy", "--emit", piece, "--platform", platform)
    assert result.returncode == 0, result.stderr
    return result.stdout


class EmitTargetTests(SimpleTestCase):
    def test_the_declared_host_is_the_emitted_settings_host(self) -> None:
        result = run_manage(EXAMPLE_DIR, "explain_deploy", "--emit", "settings", "--platform", "vps", "--host", "shop.example.org")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn('ALLOWED_HOSTS = ["localhost", "127.0.0.1", "shop.example.org"]', result.stdout)


class NoHolesTests(SimpleTestCase):
    def test_every_step_and_sentence_for_every_platform_and_none(self) -> None:
        for platform in [*PLATFORM_NAMES, NO_PLATFORM]:
            data = example_report(platform)
            for concern in data["concerns"]:
                texts = [*concern["guidance"]["about"]]
                for step in concern["guidance"]["steps"]:
                    self.assertTrue(step["title"].strip())
                    self.assertTrue((step["detail"] + step["code"]).strip(), step["title"])
                    texts += [step["title"], step["detail"]]
                for text in texts:
                    with self.subTest(platform=platform, concern=concern["concern"], text=text[:60]):
                        self.assertIsNone(HOLES.search(text))

    def test_every_piece_of_the_plan_for_every_platform(self) -> None:
        for name in platforms.PLATFORMS_BY_NAME:
            deployment = plan.for_platform(name)
            with self.subTest(platform=name):
                for text in (deployment.settings_text, deployment.requirements_text, deployment.platform_file.text):
                    self.assertTrue(text.strip())
                    self.assertIsNone(HOLES.search(text))
                self.assertTrue(deployment.platform_file.name)
                for column in ("build_step", "release_step", "database_offering", "set_variables", "platform_file"):
                    self.assertTrue(getattr(deployment.platform, column).strip(), column)


class PlatformFileTests(SimpleTestCase):
    def test_each_platform_gets_its_complete_file(self) -> None:
        rows = [
            ("heroku", "Procfile", ["release: python manage.py migrate --noinput", "web: gunicorn "]),
            (
                "render",
                "render.yaml",
                [
                    "buildCommand: pip install -r requirements.txt && python manage.py collectstatic",
                    "preDeployCommand: python manage.py migrate",
                    "startCommand: gunicorn ",
                ],
            ),
            ("fly", "fly.toml", ['release_command = "python manage.py migrate --noinput"', "internal_port = 8000"]),
            ("container", "Dockerfile", ["RUN DJANGO_SECRET_KEY=build-only python manage.py collectstatic --noinput", "CMD "]),
            ("vps", "gunicorn.service", ["ExecStart=", "EnvironmentFile="]),
        ]
        for name, file_name, expected in rows:
            deployment = plan.for_platform(name)
            with self.subTest(platform=name):
                self.assertEqual(deployment.platform_file.name, file_name)
                for text in expected:
                    self.assertIn(text, deployment.platform_file.text)

    def test_the_static_server_follows_the_target(self) -> None:
        self.assertEqual(plan.for_platform("heroku").static_server, "whitenoise")
        self.assertEqual(plan.for_platform("vps").static_server, "web server")
        self.assertIn("whitenoise", plan.for_platform("heroku").requirements)
        self.assertNotIn("whitenoise", plan.for_platform("vps").requirements)

    def test_the_requirements_keep_the_projects_lines_and_add_what_is_missing(self) -> None:
        text = call("explain_deploy", emit="requirements", platform="heroku")
        lines = text.splitlines()
        self.assertIn("gunicorn", lines)
        self.assertIn("whitenoise", lines)
        self.assertIn("dj-database-url", lines)
        self.assertIn("psycopg[binary]", lines)
        self.assertEqual(len(lines), len({plan.requirement_name(line) for line in lines}))


class HostnameTests(SimpleTestCase):
    def test_declared_then_detected_then_listed_then_a_variable(self) -> None:
        heroku, render = platforms.PLATFORMS_BY_NAME["heroku"], platforms.PLATFORMS_BY_NAME["render"]
        rows = [
            (render, {}, ["blog.example.org"], ["other.example.org"], ("blog.example.org", None)),
            (
                render,
                {"RENDER_EXTERNAL_HOSTNAME": "blog.onrender.com"},
                [],
                ["other.example.org"],
                ("blog.onrender.com", "RENDER_EXTERNAL_HOSTNAME"),
            ),
            (heroku, {}, [], ["*", "localhost", "shop.example.org"], ("shop.example.org", None)),
            (render, {}, [], ["*"], (None, "RENDER_EXTERNAL_HOSTNAME")),
            (platforms.UNKNOWN, {}, [], [], (None, plan.HOSTS_VARIABLE)),
        ]
        for platform, environ, declared, allowed, expected in rows:
            with self.subTest(platform=platform.name, environ=environ, declared=declared, allowed=allowed):
                hostname = plan.find_hostname(platform, environ, declared, allowed)
                self.assertEqual((hostname.name, hostname.variable), expected)
