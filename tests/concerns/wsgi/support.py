"""Helpers for the WSGI concern's tests: fixture projects in temporary directories, one inspection."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from django.core.checks import CheckMessage
from django.test.utils import override_settings

from django_deploy_concepts import runner
from django_deploy_concepts.concerns import get_concern, wsgi
from django_deploy_concepts.context import ProjectContext, build_context
from tests.utils import FIXTURES_DIR, REPO_ROOT

WSGI_FIXTURES = FIXTURES_DIR / "wsgi"
START_COMMANDS = WSGI_FIXTURES / "start_commands"
PROJECTS = WSGI_FIXTURES / "projects"


def run_environ(**extra: str) -> dict[str, str]:
    """This process's environment, with the worktree importable by the subprocesses gunicorn runs."""
    environ = {key: value for key, value in os.environ.items() if key not in ("PORT", "WEB_CONCURRENCY", "GUNICORN_CMD_ARGS")}
    environ["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    environ.update(extra)
    return environ


@contextlib.contextmanager
def copied_fixture(*parts: str) -> Iterator[Path]:
    """A copy of a fixture directory; ``*.in`` files lose the suffix (so the repository's own tree
    never holds a systemd unit or supervisor file that a run over this repository would pick up)."""
    with tempfile.TemporaryDirectory() as directory:
        destination = Path(directory) / parts[-1]
        shutil.copytree(WSGI_FIXTURES.joinpath(*parts), destination)
        for path in list(destination.rglob("*.in")):
            path.rename(path.with_suffix(""))
        yield destination


@contextlib.contextmanager
def project_with(files: Mapping[str, str]) -> Iterator[Path]:
    """A temporary project directory holding ``files`` (relative path -> text)."""
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        for relative, text in files.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        yield root


def context_for(
    base_dir: Path | None = None,
    *,
    platform: str | None = None,
    databases: tuple[str, ...] = (),
    timeout: float = 5.0,
    environ: Mapping[str, str] | None = None,
) -> ProjectContext:
    with override_settings(BASE_DIR=base_dir) if base_dir is not None else contextlib.nullcontext():
        return build_context(platform=platform, databases=databases, timeout=timeout, environ=run_environ() if environ is None else environ)


def inspect(
    base_dir: Path | None = None,
    *,
    platform: str | None = None,
    databases: tuple[str, ...] = (),
    timeout: float = 5.0,
    environ: Mapping[str, str] | None = None,
) -> tuple[wsgi.Facts, list[CheckMessage]]:
    """The WSGI concern's facts and messages for a project, as one run computes them."""
    with override_settings(BASE_DIR=base_dir) if base_dir is not None else contextlib.nullcontext():
        context = build_context(
            platform=platform, databases=databases, timeout=timeout, environ=run_environ() if environ is None else environ
        )
        facts = wsgi.collect_facts(context)
    return facts, runner.run_checks(get_concern(wsgi.NAME), facts)


def ids(messages: list[CheckMessage]) -> list[str]:
    return [message.id or "" for message in messages]


def urlconf(*patterns: Any) -> ModuleType:
    """A URLconf module for ROOT_URLCONF, made here: Django accepts a module object as well as a path."""
    module = ModuleType("tests.concerns.wsgi.generated_urls")
    module.urlpatterns = list(patterns)  # type: ignore[attr-defined]
    return module
