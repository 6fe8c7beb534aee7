"""The docs build: every rst file parses with docutils, warnings as errors, and every link to a
file of the repository (relative, or absolute on the project's URL) resolves."""

from __future__ import annotations

import io
import os
import tempfile
import urllib.parse
from pathlib import Path

from django.test import SimpleTestCase

from tests.utils import REPO_ROOT

# Where README.rst's absolute links point (pyproject.toml's [project.urls]).
PROJECT_FILES_URL = "https://github.com/django-deploy-concepts/django-deploy-concepts/blob/main/"
RST_FILES = ("README.rst", "CHANGELOG.rst", "benchmarks/README.rst", "docs")
SETTINGS = {
    # A warning stops the parse: it is reported as a SystemMessage with file and line.
    "halt_level": 2,
    "report_level": 5,
    "warning_stream": io.StringIO(),
    # Code blocks are checked as text: Pygments is not needed to parse.
    "syntax_highlight": "none",
    "file_insertion_enabled": False,
    "raw_enabled": False,
}


def rst_files() -> list[Path]:
    files: list[Path] = []
    for name in RST_FILES:
        path = REPO_ROOT / name
        files += sorted(path.rglob("*.rst")) if path.is_dir() else [path]
    return files


def parse(path: Path) -> object:
    from docutils.core import publish_doctree

    return publish_doctree(path.read_text(encoding="utf-8"), source_path=str(path), settings_overrides=dict(SETTINGS))


def file_link_problems(path: Path, document: object) -> list[str]:
    """Links to files of the repository that name no file."""
    from docutils import nodes

    problems = []
    assert isinstance(document, nodes.document)
    for reference in document.findall(nodes.reference):
        uri = reference.get("refuri")
        if not uri:
            continue
        if uri.startswith(PROJECT_FILES_URL):
            target = REPO_ROOT / urllib.parse.unquote(uri.removeprefix(PROJECT_FILES_URL)).split("#")[0]
        elif urllib.parse.urlsplit(uri).scheme or uri.startswith("#"):
            continue
        else:
            target = path.parent / urllib.parse.unquote(uri).split("#")[0]
        if not target.exists():
            shown = path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path.name
            problems.append(f"{shown}: {uri} names no file of the repository")
    return problems


class DocsTests(SimpleTestCase):
    def test_every_rst_file_parses_without_warnings(self) -> None:
        files = rst_files()
        self.assertIn(REPO_ROOT / "docs" / "json.rst", files)
        for path in files:
            with self.subTest(str(path.relative_to(REPO_ROOT))):
                parse(path)

    def test_every_rst_file_of_the_repository_is_checked(self) -> None:
        found = set()
        for folder, folders, files in os.walk(REPO_ROOT):
            # Hidden folders (.git, .venv, .tox) and build output hold no docs of ours.
            folders[:] = [name for name in folders if not name.startswith(".") and name not in ("build", "dist", "generated")]
            found |= {Path(folder, name) for name in files if name.endswith(".rst")}
        self.assertEqual(found - set(rst_files()), set())

    def test_every_link_to_a_file_resolves(self) -> None:
        for path in rst_files():
            with self.subTest(str(path.relative_to(REPO_ROOT))):
                self.assertEqual(file_link_problems(path, parse(path)), [])

    def test_readme_links_to_files_are_absolute(self) -> None:
        """Relative links are dead on a package index page, where README.rst is shown too."""
        document = parse(REPO_ROOT / "README.rst")
        from docutils import nodes

        assert isinstance(document, nodes.document)
        uris = [reference["refuri"] for reference in document.findall(nodes.reference) if reference.get("refuri")]
        self.assertIn(PROJECT_FILES_URL + "docs/json.rst", uris)
        self.assertEqual([uri for uri in uris if not urllib.parse.urlsplit(uri).scheme], [])

    def test_the_checks_can_fail(self) -> None:
        """A broken file stops the parse, and a link to a missing file is reported."""
        from docutils.utils import SystemMessage

        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        bad = Path(directory.name, "bad.rst")
        bad.write_text("Title\n===\n\nSee `nowhere`_.\n", encoding="utf-8")
        with self.assertRaises(SystemMessage):
            parse(bad)
        dead = Path(directory.name, "dead.rst")
        dead.write_text(f"See `a <{PROJECT_FILES_URL}docs/missing.rst>`_ and `b <missing.rst>`_.\n", encoding="utf-8")
        self.assertEqual(
            file_link_problems(dead, parse(dead)),
            [
                f"dead.rst: {PROJECT_FILES_URL}docs/missing.rst names no file of the repository",
                "dead.rst: missing.rst names no file of the repository",
            ],
        )
