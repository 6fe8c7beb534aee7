"""What the static files tests share: facts collected under overridden settings, and real file trees."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from django.core.checks import CheckMessage
from django.test import SimpleTestCase, override_settings

from django_deploy_concepts.concerns import static
from django_deploy_concepts.context import build_context
from tests.utils import FIXTURES_DIR

STATIC_FIXTURES = FIXTURES_DIR / "static"
CLEAN_APP = "tests.fixtures.static.clean"
BROKEN_APP = "tests.fixtures.static.broken"
TWIN_APP = "tests.fixtures.static.twin"
BASE_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.staticfiles", "django_deploy_concepts", "tests.testapp"]
MANIFEST_STORAGE = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
WHITENOISE_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"
PLAIN_STORAGE = "django.contrib.staticfiles.storage.StaticFilesStorage"


def storages(backend: str) -> dict[str, dict[str, str]]:
    return {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}, "staticfiles": {"BACKEND": backend}}


def django_templates(*directories: Path | str, app_dirs: bool = True) -> list[dict[str, Any]]:
    return [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "DIRS": [str(directory) for directory in directories],
            "APP_DIRS": app_dirs,
            "OPTIONS": {"context_processors": []},
        }
    ]


def write_tree(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """Write ``files`` (relative path -> text or bytes) below ``root``; return ``root``."""
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def ids(messages: Iterable[CheckMessage]) -> list[str]:
    return [message.id or "" for message in messages]


class StaticTestCase(SimpleTestCase):
    """Each test gets a temporary folder with an empty STATIC_ROOT below it, outside any repository."""

    def setUp(self) -> None:
        super().setUp()
        self.tmp = Path(tempfile.mkdtemp(prefix="deploy-concepts-static-"))
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.static_root = self.tmp / "staticfiles"

    def base_settings(self) -> dict[str, Any]:
        return {"STATIC_ROOT": str(self.static_root), "STATIC_URL": "/static/", "STORAGES": storages(WHITENOISE_STORAGE)}

    def facts(self, **settings: Any) -> static.Facts:
        """The concern's facts for the test settings overridden by ``settings``, collected for real."""
        with override_settings(**{**self.base_settings(), **settings}):
            return static.collect_facts(build_context())

    def messages(self, check: Callable[[static.Facts], list[CheckMessage]], **settings: Any) -> list[CheckMessage]:
        return check(self.facts(**settings))

    def sources(self, files: Mapping[str, str | bytes]) -> Path:
        """A new STATICFILES_DIRS folder holding ``files``."""
        return write_tree(Path(tempfile.mkdtemp(prefix="assets-", dir=self.tmp)), files)


def make_fifo(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
